"""The Projects tab's pure rendering: a project, its SMART check, its measurement plan, a
chart's reading and signals, the PDSA log by ramp and the progress scores, as escaped HTML or
Markdown; and the tab's sentences (prompts/projects-tab.yaml, ``tab_text``).

Everything a lead wrote is escaped here. Tables are HTML with a caption and column headers,
so a screen reader names each table and reads each cell with its column.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

from coach import prompts
from coach.ui.render import escape_text
from coach.workbench.aim import check_aim
from coach.workbench.measure_chart import MeasureChart
from coach.workbench.projects import Cycle, ProjectSummary
from coach.workbench.reading import icon_labels

WORDS = "projects-tab.yaml"
# the tables' look, scoped to each HTML component that shows one (gr.HTML css_template)
TABLE_CSS = """
.table-scroll { overflow-x: auto; contain: inline-size; }
table { border-collapse: collapse; margin: .4rem 0; }
caption { text-align: left; font-weight: 600; padding: .2rem 0; }
th, td { border: 1px solid var(--border-color-primary); padding: .25rem .5rem;
         text-align: left; vertical-align: top; }
"""


def tab_text(key: str, **values: object) -> str:
    """Entry ``key`` of prompts/projects-tab.yaml, its {placeholders} filled."""
    return prompts.render(str(prompts.read_yaml(WORDS)[key]), **values)


def stage_next(stage: str) -> str:
    """What to write next in a cycle at ``stage`` (plan, do, study, act, done)."""
    return str(prompts.read_yaml(WORDS)["cycle-next"][stage])


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def md(text: object) -> str:
    """Text a lead wrote, safe inside Markdown (HTML and Markdown's marks escaped)."""
    return escape_text(str(text))


def quoted(text: str) -> str:
    return f"“{text}”"


def notice(text: str, warnings: Sequence[str] = ()) -> str:
    """A confirmation (read out by the tab's live region), after any warnings."""
    out = "".join(f'<div class="warning" role="note">{esc(w)}</div>' for w in warnings)
    return out + (f'<div class="notice" role="status">{esc(text)}</div>' if text else "")


def refusal(message: str, key: str = "refused") -> str:
    """A refused input: "Nothing was changed.", then the check's message."""
    return f'<div class="error" role="alert">{esc(tab_text(key, message=message))}</div>'


def table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """An HTML table named by its caption, with column headers; every cell escaped. It sits
    in a region that scrolls sideways on a narrow screen, so the page itself never does
    (the region takes focus, to be scrolled from the keyboard)."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return (f'<div class="table-scroll" role="region" tabindex="0" aria-label="{esc(caption)}">'
            f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></div>")


# -- the project ---------------------------------------------------------------------------
def aim_findings(aim: str) -> str:
    """The SMART check of an aim: its summary, and a suggestion for each missing part."""
    check = check_aim(aim or "")
    mark = "✓" if check.complete else "⚠️"
    lines = [f"**SMART check:** {mark} {md(check.summary)}"]
    return "\n".join(lines + [f"- {md(s)}" for s in check.suggestions])


def project_md(summary: ProjectSummary) -> str:
    """Title, team and sponsor, the aim with its SMART check, the latest progress score."""
    p = summary.project
    lines = [f"**{md(p.title)}**"]
    who = [f"Team: {md(p.team)}" if p.team else "",
           f"Sponsor: {md(p.sponsor)}" if p.sponsor else ""]
    lines += ["", "; ".join(w for w in who if w)] if any(who) else []
    lines += ["", f"**Aim:** {md(p.aim) if p.aim else '(none written yet)'}", "",
              aim_findings(p.aim)]
    if summary.latest is not None:
        s = summary.latest
        lines += ["", f"**Latest progress score:** {s.score:g} ({md(s.meaning)}), "
                      f"{s.on.isoformat()}"]
    return "\n".join(lines)


def plan_html(summary: ProjectSummary) -> str:
    """The measurement plan as a table, with how many points each measure has."""
    if not summary.measures:
        return f"<p>{esc(tab_text('no-measures'))}</p>"
    rows = []
    for data in summary.measures:
        plan = data.measure.plan
        rows.append([plan.kind, plan.name, plan.direction, "XmR" if plan.chart == "xmr" else
                     "Run", "" if plan.target is None else f"{plan.target:g}",
                     plan.definition, plan.source, plan.frequency, plan.owner,
                     len(data.points)])
    return table(f"Measurement plan of {summary.project.title}",
                 ["Kind", "Measure", "Better when", "Chart", "Target", "Definition",
                  "Data source", "Frequency", "Collected by", "Points"], rows)


def cycle_choices(summary: ProjectSummary) -> list[tuple[str, str]]:
    """The project's cycles as dropdown choices: "#id title", by id."""
    return [(f"#{c.id} {c.pdsa.title}", str(c.id)) for c in summary.cycles]


# -- a chart -------------------------------------------------------------------------------
def reading_md(drawn: MeasureChart) -> str:
    """The chart's plain-English reading: what it is, centre and limits, each signal, the
    icons in words and the caveats."""
    reading = drawn.reading
    lines = [f"**{md(reading.headline)}**", "", *[md(x) for x in reading.centres]]
    lines += ["", *[f"- {md(f)}" for f in reading.findings]]
    lines += ["", *[md(x) for x in (*reading.icons, *reading.caveats)]]
    icons = [i for i in icon_labels(reading.chart) if i]
    if icons:
        lines += ["", "**Icons:** " + "; ".join(md(i) for i in icons)]
    return "\n".join(lines).strip()


def signals_html(drawn: MeasureChart) -> str:
    """The signals table: the rule that fired, the points' first and last dates, how many
    points, and what it means."""
    rows = drawn.reading.table
    if not rows:
        return f"<p>{esc(tab_text('no-signals', name=quoted(drawn.name)))}</p>"
    return table(f"Signals on the chart of {quoted(drawn.name)}",
                 ["Rule that fired", "From", "To", "Points", "Meaning"],
                 [(r.rule, r.first, r.last, r.points, r.meaning) for r in rows])


# -- the PDSA log and the progress scores ----------------------------------------------------
def _part(label: str, text: str, when: object = None) -> str:
    dated = f" ({when})" if when else ""
    return f"  - *{label}{dated}:* {md(text)}" if text else ""


def cycle_md(cycle: Cycle, names: Mapping[int, str]) -> list[str]:
    """One cycle: title, stage, measure and link, then each part written so far."""
    c = cycle.pdsa
    about = [f"next: {stage_next(c.stage)}" if c.stage != "done" else "complete"]
    if c.measure_id is not None and c.measure_id in names:
        about.append(f"measure: {md(names[c.measure_id])}")
    if c.follows is not None:
        about.append(f"builds on #{c.follows}")
    lines = [f"- **#{cycle.id} {md(c.title)}** ({'; '.join(about)})"]
    act = f"{c.act}{': ' + c.act_note if c.act_note else ''}" if c.act else ""
    for label, text, when in (("Plan", c.plan, c.planned), ("Prediction", c.prediction, None),
                              ("Do", c.do, c.done), ("Study", c.study, c.studied),
                              ("Act", act, c.acted)):
        line = _part(label, text, when)
        lines += [line] if line else []
    return lines


def log_md(summary: ProjectSummary) -> str:
    """The PDSA log by ramp: each first cycle, then the cycles built on it."""
    if not summary.cycles:
        return tab_text("no-cycles")
    names = {d.measure.id: d.measure.plan.name for d in summary.measures}
    lines: list[str] = []
    for n, ramp in enumerate(summary.ramps, start=1):
        lines += [f"**Ramp {n}** ({len(ramp)} cycle{'s' if len(ramp) > 1 else ''})", ""]
        for cycle in ramp:
            lines += cycle_md(cycle, names)
        lines.append("")
    return "\n".join(lines).strip()


def scores_html(summary: ProjectSummary) -> str:
    """The progress score history, oldest first, each score with its meaning."""
    if not summary.scores:
        return f"<p>{esc(tab_text('no-scores'))}</p>"
    return table(f"Progress scores of {summary.project.title}",
                 ["Date", "Score", "Meaning", "Note"],
                 [(s.on.isoformat(), f"{s.score:g}", s.meaning, s.note)
                  for s in summary.scores])
