"""The Insights report as Markdown, one section per part: the Insights tab shows each beside
its chart, `coach insights` prints them one after another."""

from __future__ import annotations

import re
import textwrap

from coach.insights.aggregate import REASONS
from coach.insights.report import Report


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


_MARKUP = re.compile(r"([\\`\[\]<>|])")  # links, images, HTML, code and columns


def _cell(text: str, width: int = 110) -> str:
    """What people typed, shortened, as text in a Markdown table cell: the characters that
    make links, images, HTML, code or a new column are escaped (a question cannot add a
    link, an image that calls out, or a column)."""
    flat = " ".join(str(text).split())
    short = textwrap.shorten(flat, width, placeholder="…") if flat else ""
    return _MARKUP.sub(r"\\\1", short)


def summary(report: Report) -> str:
    u = report.usage
    head = f"**Period:** {report.period}" + (f" (from {report.since})" if report.since else "")
    kept = ("kept until deleted" if report.retention_days <= 0
            else f"kept {report.retention_days} days")
    lines = [head + f" · the question log is {kept}."]
    if report.empty:
        return "\n\n".join([*lines, report.empty])
    reasons = ", ".join(f"{REASONS.get(k, k)} {n}" for k, n in u.by_reason.items())
    lines.append(
        f"**{u.questions}** questions from **{u.users}** "
        f"{'person' if u.users == 1 else 'people'}; **{u.refused}** refused "
        f"({_pct(u.refusal_rate)})" + (f": {reasons}" if reasons else "") + ".")
    if u.median_latency_ms is not None:
        answerers = ", ".join(f"{k} {n}" for k, n in u.by_answerer.items())
        lines.append(f"Median time to answer {u.median_latency_ms / 1000:.1f} s · answered by "
                     f"{answerers}.")
    f = report.feedback
    lines.append(f"**{f.ratings}** answers rated, {_pct(f.helpful_rate)} helpful."
                 if f.ratings else "No answers were rated in this period.")
    return "\n\n".join(lines)


def gaps(report: Report) -> str:
    if not report.gaps:
        return ("No content gaps in this period: no question was refused for lack of "
                "guidance, and no answer was rated not helpful.")
    lines = ["Questions refused for lack of guidance (out of scope, or a draft that missed the "
             "point) and questions whose answer was rated not helpful, grouped by topic. Each "
             "group is a candidate for new guidance.", "",
             "| Topic (commonest words) | Questions | Why | Examples |", "|---|---|---|---|"]
    for g in report.gaps:
        why = ", ".join(f"{k} {n}" for k, n in g.kinds.items())
        examples = "<br>".join(_cell(e, 90) for e in g.examples)
        lines.append(f"| {_cell(g.label)} | {g.size} | {why} | {examples} |")
    if report.clinical:
        lines += ["", f"{report.clinical} clinical question(s) were refused as well; the coach "
                  "never answers those, so they are not a gap to fill."]
    return "\n".join(lines)


def feedback(report: Report) -> str:
    f = report.feedback
    if not f.ratings:
        return "No answers were rated in this period."
    lines = [f"{f.helpful} of {f.ratings} ratings said helpful ({_pct(f.helpful_rate)})."]
    if f.worst:
        lines += ["", "**Worst-rated answers**", "",
                  "| Question | Not helpful | Helpful | Sources cited | Answer |",
                  "|---|---|---|---|---|"]
        lines += [f"| {_cell(w.question, 80)} | {w.not_helpful} | {w.helpful} | "
                  f"{_cell('; '.join(w.sources) or 'none (refused)', 80)} | "
                  f"{_cell(w.answer, 120)} |" for w in f.worst]
    if f.comments:
        lines += ["", "**Latest comments**", "", "| When | Rating | Comment | Question |",
                  "|---|---|---|---|"]
        lines += [f"| {c.at[:10]} | {'helpful' if c.rating == 'up' else 'not helpful'} | "
                  f"{_cell(c.comment)} | {_cell(c.question, 80)} |" for c in f.comments]
    return "\n".join(lines)


def reviewed(report: Report) -> str:
    """The review queue's verdicts per month (Evaluate tab, `coach eval review`)."""
    if not report.reviewed:
        return ("No answers were reviewed in this period: editors review answers in the "
                "Evaluate tab's review queue.")
    total, good = sum(m.reviewed for m in report.reviewed), sum(m.good for m in report.reviewed)
    lines = [f"{good} of {total} reviewed answers were judged good "
             f"({_pct(good / total)}): the reviewer said the answer (or the refusal) was right.",
             "", "| Month | Reviewed | Judged good | Share good |", "|---|---|---|---|"]
    lines += [f"| {m.month} | {m.reviewed} | {m.good} | {_pct(m.good_rate)} |"
              for m in report.reviewed]
    return "\n".join(lines)


def monitored(report: Report) -> str:
    """The answers in use, scored each week (`coach eval monitor`, daily in `coach serve`)."""
    if not report.monitored:
        return ("No answers in use were scored in this period: `coach eval monitor` (daily in "
                "the server) scores the review queue's sample of answers.")
    lines = ["Answers in use scored with the metrics that need no expected answer; low ones "
             "(groundedness or citation validity under 0.75) are flagged in the review queue.",
             "", "| Week of | Scored | Groundedness | Citation validity | Median reply "
             "(chars) | Refused | Low |", "|---|---|---|---|---|---|---|"]

    def num(v: float | None, spec: str = ".2f") -> str:
        return "—" if v is None else format(v, spec)

    lines += [f"| {w.week} | {w.scored} | {num(w.groundedness)} | {num(w.citation_validity)} "
              f"| {num(w.reply_chars_median, '.0f')} | {w.refused} | {w.low} |"
              for w in report.monitored]
    return "\n".join(lines)


def documents(report: Report) -> str:
    d = report.documents
    lines = [f"{d.indexed} documents in the guidance index."]
    if d.most:
        lines += ["", "| Most cited | Answers citing it |", "|---|---|"]
        lines += [f"| {_cell(x.title)} ({_cell(x.source, 60)}) | {x.cited} |" for x in d.most]
    else:
        lines.append("No answer in this period cited a document.")
    if d.never:
        lines += ["", f"**Never cited in this period ({len(d.never)}):** "
                  + "; ".join(_cell(x.title, 70) for x in d.never)]
    return "\n".join(lines)


def journeys(report: Report) -> str:
    j = report.journeys
    if j is None:
        return "No journey.yaml in the knowledge folder, so there are no journeys to count."
    lines = [f"{j.users} people have a saved journey; {j.assessed} have taken the "
             "self-assessment. Figures are shown only over at least "
             f"{j.min_users} people."]
    if j.steps:
        lines += ["", "| Where they are | People |", "|---|---|"]
        lines += [f"| {label} | {n} |" for label, n in j.steps]
    if j.readiness:
        lines += ["", "| Enabler | Median score (0-3) | People |", "|---|---|---|"]
        lines += [f"| {r.enabler} | {r.median:.2f} | {r.users} |" for r in j.readiness]
    lines += [f"\n{note}" for note in j.notes]
    return "\n".join(lines)


def as_text(report: Report) -> str:
    """The whole report for a terminal (`coach insights`)."""
    parts = [("Improvement Coach insights", summary(report))]
    if not report.empty:
        parts += [("Content gaps", gaps(report)), ("Feedback", feedback(report)),
                  ("Documents", documents(report))]
    parts.append(("Reviewed answers", reviewed(report)))
    parts.append(("Answers in use, scored", monitored(report)))
    parts.append(("Journeys", journeys(report)))  # saved journeys, whatever the log holds
    return "\n\n".join(f"## {title}\n\n{body}" for title, body in parts)
