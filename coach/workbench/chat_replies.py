"""The text of the workbench's chat replies, cited like every answer: pure functions apart
from the guidance search they are handed.

The fixed sentences are prompts/workbench-replies.yaml; the chart's own reading comes from
``workbench.reading`` (prompts/chart-reading.yaml). Each rule that fired is cited to the
guidance passage about it, numbered [1], [2]… in order of use, as the journey replies are
(``answering.cited.Cited``, shared with the journey replies).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from coach import prompts
from coach.answering.cited import Cited, spaced
from coach.types import Answer, Passage
from coach.workbench.measure_chart import MeasureChart
from coach.workbench.projects import Measure, Project
from coach.workbench.reading import Formats, words
from coach.workbench.results import Meaning, Rule, Signal
from coach.workbench.series import ChartKind

REPLIES = "workbench-replies.yaml"
IMPROVEMENT, CONCERN, MIXED, NEUTRAL, PATTERN, NONE = (
    "improvement", "concern", "mixed", "neutral", "pattern", "none")
RUNS = (Rule.FEW_RUNS, Rule.MANY_RUNS)
MAX_LISTED = 10  # measures listed when the message fits several
Search = Callable[[str], list[Passage]]


def phrase(key: str, **values: object) -> str:
    """The fixed sentence KEY of prompts/workbench-replies.yaml, its placeholders filled
    (tests/test_reply_prompts.py checks every call's placeholders)."""
    return prompts.fill(REPLIES, key, **values)


# -- reading a chart -------------------------------------------------------------------------
def verdict(drawn: MeasureChart) -> tuple[str, tuple[Signal, ...]]:
    """What the chart shows now, in one word, and the signals that say so. The latest
    improvement or concern signals decide (an earlier opposite one is history: it stays in the
    list of signals): improvement, concern, or mixed when both end at the latest date; with
    neither, neutral (a signal on a measure with no direction) or pattern (too few or too many
    runs only); none without signals."""
    signals = drawn.chart.signals
    judged = [s for s in signals if s.meaning in (Meaning.IMPROVEMENT, Meaning.CONCERN)]
    if judged:
        last = max(s.dates[-1] for s in judged)
        latest = tuple(s for s in judged if s.dates[-1] == last)
        meanings = {s.meaning for s in latest}
        return (MIXED if len(meanings) > 1 else IMPROVEMENT
                if Meaning.IMPROVEMENT in meanings else CONCERN), latest
    if not signals:
        return NONE, ()
    last = max(s.dates[-1] for s in signals)
    latest = tuple(s for s in signals if s.dates[-1] == last)
    return (PATTERN if all(s.rule in RUNS for s in signals) else NEUTRAL), latest


def when(drawn: MeasureChart, signals: Sequence[Signal]) -> str:
    """When the deciding signals happened: "since Oct 2024" when they reach the latest
    point, "from Jan 2024 to Sep 2024" or "in Mar 2024" otherwise."""
    fmt = Formats.of(drawn.chart.series.dates)
    first = min(s.dates[0] for s in signals)
    last = max(s.dates[-1] for s in signals)
    if last == drawn.chart.series.dates[-1] and first != last:
        return phrase("when-since", first=fmt.day(first))
    if first == last:
        return phrase("when-single", first=fmt.day(first))
    return phrase("when-span", first=fmt.day(first), last=fmt.day(last))


def guidance_for(key: str, search: Search) -> Passage | None:
    """The guidance passage about a rule (or, for "run" / "xmr", about a chart's rules)."""
    wanted = prompts.read_yaml(REPLIES)["guidance"][key]
    found = search(str(wanted["query"]))
    word = str(wanted["word"]).lower()
    return next((p for p in found if word in p.text.lower()), found[0] if found else None)


def reading(drawn: MeasureChart, measure: Measure, project: Project, search: Search
            ) -> Answer:
    """The chart read for the chat: the answer first (improvement, concern or no signal, with
    the rules that fired, each cited), then the reading, its signals and its caveats."""
    out, chart, read = Cited(), drawn.chart, drawn.reading
    rulebook = phrase("rulebook-run" if chart.kind == ChartKind.RUN else "rulebook-xmr")
    names = words()["rule"]
    shown, deciding = verdict(drawn)
    firing = dict.fromkeys([*(s.rule for s in deciding), *(s.rule for s in chart.signals)])
    cited = {rule: spaced(out.cite(guidance_for(rule.value, search))) for rule in firing}
    if shown == NONE:
        rulebook_cited = spaced(out.cite(guidance_for(chart.kind.value, search)))
        out.add(phrase("reading-none", measure=measure.plan.name, project=project.title,
                       rulebook=rulebook, cited=rulebook_cited))
    else:
        rules = "; ".join(phrase("rule-fired", rule=names[r.value], cited=cited[r])
                          for r in dict.fromkeys(s.rule for s in deciding))
        out.add(phrase("reading-improvement" if shown == IMPROVEMENT else "reading-concern"
                       if shown == CONCERN else "reading-mixed" if shown == MIXED
                       else "reading-neutral" if shown == NEUTRAL else "reading-pattern",
                       measure=measure.plan.name, project=project.title,
                       when=when(drawn, deciding), rulebook=rulebook, rules=rules))
    out.add("", read.headline, *read.centres)
    if chart.signals:
        out.add("", phrase("signals-heading"))
        out.add(*[phrase("signal-line", finding=finding, rule=names[signal.rule.value],
                         cited=cited[signal.rule])
                  for finding, signal in zip(read.findings, chart.signals, strict=True)])
    if read.icons or read.caveats:
        out.add("", *read.icons, *read.caveats)
    out.add("", phrase("reads-by-rules", rulebook=rulebook), phrase("see-chart"))
    return out.answer("workbench:reading")


def which_measure(fits: Sequence[tuple[Measure, Project]]) -> Answer:
    """Ask which measure, listing those that fit."""
    out = Cited()
    out.add(phrase("which-measure"))
    out.add(*[phrase("measure-item", measure=m.plan.name, project=p.title)
              for m, p in fits[:MAX_LISTED]])
    if len(fits) > MAX_LISTED:
        out.add(phrase("more-measures", count=len(fits) - MAX_LISTED))
    out.add("", phrase("which-measure-ask", example=fits[0][0].plan.name))
    return out.answer("workbench:which-measure")


def asks_which(reply: str) -> bool:
    """Is ``reply`` the coach asking which measure (so the next message may just name it)?"""
    return reply.startswith(phrase("which-measure"))


def cannot_chart(measure: Measure, project: Project, problem: str) -> Answer:
    return plain("workbench:cannot-chart", phrase(
        "cannot-chart", measure=measure.plan.name, project=project.title, problem=problem))


def plain(query: str, *lines: str) -> Answer:
    """A reply of fixed lines that cites nothing."""
    out = Cited()
    out.add(*lines)
    return out.answer(query)


# -- logging a PDSA cycle -------------------------------------------------------------------
def confirm_cycle(project: Project, title: str, plan: str, prediction: str) -> Answer:
    """The cycle as it will be saved, and the question: yes to save it, no to leave it."""
    out = Cited()
    out.add(phrase("pdsa-confirm", project=project.title), phrase("pdsa-title", title=title))
    if plan:
        out.add(phrase("pdsa-plan", plan=plan))
    out.add(phrase("pdsa-prediction", prediction=prediction) if prediction
            else phrase("pdsa-no-prediction"))
    out.add("", phrase("pdsa-ask", project=project.title))
    return out.answer("workbench:pdsa-confirm")


def which_project(projects: Sequence[Project]) -> Answer:
    listed = ", ".join(f"“{p.title}”" for p in projects)
    return plain("workbench:pdsa-which-project", phrase(
        "pdsa-which-project", count=len(projects), projects=listed, example=projects[0].title))
