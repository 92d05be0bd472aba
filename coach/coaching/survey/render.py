"""A team survey's results for people and for scripts: Markdown tables, the chart (PNG) with a
text alternative giving its numbers, CSV and JSON. Pure, apart from matplotlib drawing."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Callable

from coach.coaching.survey.stats import (
    AGREEMENT,
    KINDS,
    ROW_HEADER,
    Spread,
    SurveyStats,
    as_rows,
)
from coach.coaching.survey.store import Report

SPREAD_NOTE = (f"Spread: SD is the standard deviation across respondents, range the lowest "
               f"and highest score given; agreement is rwg (1 = everyone gave the same score, "
               f"0 = no more agreement than random answers; {AGREEMENT:.2f} or more: the mean "
               "can stand for the team's view).")
ENABLER_HEADER = ("Enabler", "n", "Mean (0-3)", "SD", "Range", "Agreement")
ITEM_HEADER = ("Item", "Enabler", "Mean", "SD", "Range", "Agreement")
GAP_HEADER = ("Item", "Highest", "Lowest", "Gap")


def _f(x: float) -> str:
    return f"{x:.2f}"


def _range(s: Spread) -> str:
    return f"{s.low:g}–{s.high:g}"


def _agreement(s: Spread) -> str:
    if s.agreement is None:
        return "-"
    return _f(s.agreement) + ("" if s.agreed else " (low)")


Escape = Callable[[str], str]   # for text people typed (titles, roles, levels)


def _same(text: str) -> str:
    return text


def counts_line(report: Report, esc: Escape = _same) -> str:
    s, stats = report.survey, report.stats
    state = f"closed {s.closed_at[:10]}" if s.closed_at else "open"
    parts = [f"Survey {s.code} \"{esc(s.title)}\" (opened {s.created_at[:10]}, {state}): "
             f"{stats.n} {'respondent' if stats.n == 1 else 'respondents'}"]
    for kind in KINDS:
        counts = stats.counts.get(kind, {})
        if counts:
            parts.append(f"by {kind}: " + ", ".join(f"{esc(k)} {v}" for k, v in
                                                    sorted(counts.items())))
    line = "; ".join(parts)
    if report.anonymous:
        line += f"; {report.anonymous} answered anonymously"
    if report.unreadable:
        line += (f"; {report.unreadable} no longer match journey.yaml's items and are not "
                 "counted")
    return line + "."


def enabler_rows(stats: SurveyStats) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        (e.title, str(e.spread.n), _f(e.spread.mean), _f(e.spread.sd), _range(e.spread),
         _agreement(e.spread)) for e in stats.enablers]
    if stats.overall is not None:
        o = stats.overall
        rows.append(("Overall", str(o.n), _f(o.mean), _f(o.sd), f"{o.low:.2f}–{o.high:.2f}",
                     "-"))
    return rows


def item_rows(stats: SurveyStats) -> list[tuple[str, ...]]:
    titles = {e.id: e.title for e in stats.enablers}
    return [(i.statement, titles[i.enabler], _f(i.spread.mean), _f(i.spread.sd),
             _range(i.spread), _agreement(i.spread)) for i in stats.items]


def group_header(stats: SurveyStats, kind: str) -> tuple[str, ...]:
    return (kind.capitalize(), "n", "Overall", *[e.title for e in stats.enablers])


def group_rows(stats: SurveyStats, kind: str, esc: Escape = _same) -> list[tuple[str, ...]]:
    return [(esc(g.name), str(g.n), _f(g.overall), *[_f(g.enablers[e.id]) for e in stats.enablers])
            for g in stats.groups.get(kind, ())]


def gap_rows(stats: SurveyStats, kind: str, esc: Escape = _same) -> list[tuple[str, ...]]:
    return [(g.statement, f"{esc(g.high)} {_f(g.high_mean)}", f"{esc(g.low)} {_f(g.low_mean)}",
             _f(g.gap)) for g in stats.gaps.get(kind, ())]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(report: Report, esc: Escape = _same) -> str:
    """The whole result for the lead: counts, enablers, items, groups, disagreements.
    ``esc``: applied to text people typed (the web app escapes HTML and Markdown)."""
    stats = report.stats
    out = [counts_line(report, esc), ""]
    if not stats.shown:
        return "\n".join(out + [esc(n) for n in stats.notes])
    out += ["**By enabler**", "", table(ENABLER_HEADER, enabler_rows(stats)), "", SPREAD_NOTE,
            ""]
    for kind in KINDS:
        if stats.groups.get(kind):
            out += [f"**By {kind}** (mean scores)", "",
                    table(group_header(stats, kind), group_rows(stats, kind, esc)), ""]
        if stats.gaps.get(kind):
            out += [f"**Where {kind}s disagree most**", "",
                    table(GAP_HEADER, gap_rows(stats, kind, esc)), ""]
    out += ["**By item**", "", table(ITEM_HEADER, item_rows(stats)), ""]
    out += [f"*{esc(n)}*" for n in stats.notes]
    return "\n".join(out).rstrip() + "\n"


def alt_text(report: Report) -> str:
    """The chart in words: every number it draws."""
    stats = report.stats
    if not stats.shown:
        return f"No chart yet: {stats.n} answered."
    parts = [f"Team readiness by enabler, {stats.n} respondents, mean score 0 to 3 with "
             "standard deviation"]
    for e in stats.enablers:
        s = e.spread
        roles = "".join(f", {g.name} {_f(g.enablers[e.id])}"
                        for g in stats.groups.get("role", ()))
        parts.append(f"{e.title}: mean {_f(s.mean)}, SD {_f(s.sd)}, range {_range(s)}{roles}")
    return ". ".join(parts) + "."


def chart(report: Report) -> bytes:
    """PNG: one bar per enabler (the mean), whiskers of one SD, and each shown role's mean."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    stats = report.stats
    titles = [e.title for e in stats.enablers]
    means = [e.spread.mean for e in stats.enablers]
    low = [m - max(0.0, m - e.spread.sd) for m, e in zip(means, stats.enablers, strict=True)]
    high = [min(3.0, m + e.spread.sd) - m for m, e in zip(means, stats.enablers, strict=True)]
    fig = Figure(figsize=(8, 3.8), dpi=110)
    ax = fig.subplots()
    xs = list(range(len(titles)))
    ax.bar(xs, means, 0.6, color="#8fb0d9", label=f"All ({stats.n}), ±1 SD",
           yerr=[low, high], capsize=4, ecolor="#333333")
    for x, mean in zip(xs, means, strict=True):
        ax.text(x - 0.15, 0.06, f"{mean:.2f}", ha="center", fontsize=8)
    for k, (marker, group) in enumerate(zip("os^Dv<>p*h", stats.groups.get("role", ()),
                                            strict=False)):
        ax.plot([x + 0.12 + 0.07 * k for x in xs], [group.enablers[e.id] for e in stats.enablers],
                linestyle="none", marker=marker, markersize=6, label=f"{group.name} ({group.n})")
    ax.set_xticks(xs, [textwrap.fill(t, 16) for t in titles], fontsize=8)
    ax.set_ylim(0, 3.3)
    ax.set_yticks([0, 1, 2, 3])
    ax.set_ylabel("Mean score (0-3), whiskers ±1 SD")
    ax.set_title(f"Team readiness survey {report.survey.code} - {stats.n} respondents",
                 fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def to_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False)


def to_csv(report: Report) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ROW_HEADER)
    writer.writerows(as_rows(report.stats))
    return buf.getvalue()
