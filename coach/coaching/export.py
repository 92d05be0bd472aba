"""Action plan export: Markdown and Word (python-docx) from one list of blocks.

``blocks(plan)`` is pure: it turns a ``Plan`` into headings, paragraphs, lists, tables and the
chart image; ``to_markdown`` and ``to_docx`` (coach/text/document.py) render them.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from coach.coaching import assessment, machine
from coach.coaching.chart import render_chart
from coach.coaching.render import citation_where
from coach.coaching.session import Plan
from coach.coaching.survey import render as sr
from coach.text.document import Block, to_docx, to_markdown

FORMATS = ("md", "docx")


def _assessment_blocks(plan: Plan) -> list[Block]:
    out = [Block("h2", "Readiness self-assessment")]
    latest = plan.latest
    if latest is None:
        return out + [Block("p", "No self-assessment taken yet.")]
    first = plan.history[0]
    delta = assessment.change(first, latest) if len(plan.history) > 1 else {}
    out += [
        Block("p", f"Taken {latest.taken_at[:10]}"
                   + (f" (from {latest.source})" if latest.source else "")
                   + f". Overall {latest.overall:.2f} of 3: "
                   f"{latest.band}. {latest.band_description}"),
        Block("img", "Readiness by enabler", data=render_chart(list(plan.history)),
              name="chart.png"),
        Block("table", header=("Enabler", "Mean (0-3)", "Band", "Change since first"),
              items=tuple((c.title, f"{c.mean:.2f}", c.band,
                           f"{delta[c.title]:+.2f}" if delta else "-")
                          for c in latest.categories)),
        Block("p", "Weakest area: " + ", ".join(latest.weakest_categories) + "."),
    ]
    if len(plan.history) > 1:
        out.append(Block("table", header=("Taken", "Overall", "Band", "From"),
                         items=tuple((r.taken_at[:16].replace("T", " "), f"{r.overall:.2f}",
                                      r.band, r.source or "self-assessment")
                                     for r in plan.history)))
    out.append(Block("h3", "Recommendations (coaching guidance)"))
    if not latest.recommendations:
        out.append(Block("p", "Every item scores 3: keep reassessing at intervals."))
    for rec in latest.recommendations:
        marks = "".join(f"[{c.number}]" for c in rec.citations)
        out.append(Block("p", f"{rec.statement} (scored {rec.score}; {rec.enabler}; step "
                              f"{rec.step_number}: {rec.step_title}). {rec.text} {marks}".strip()))
    return out


def _survey_blocks(plan: Plan) -> list[Block]:
    """The team survey adopted as the assessment: who answered, mean and spread per enabler,
    and where roles disagree most (aggregates only, never one person's answers)."""
    report = plan.team_survey
    if report is None:
        return []
    stats = report.stats
    out = [Block("h2", "Team readiness survey"),
           Block("p", sr.counts_line(report) + " Adopted as the readiness assessment above: "
                      "each item's mean rounded to a whole score.")]
    if not stats.shown:
        return out + [Block("p", " ".join(stats.notes))]
    out += [Block("table", header=sr.ENABLER_HEADER, items=tuple(sr.enabler_rows(stats))),
            Block("p", sr.SPREAD_NOTE)]
    if stats.gaps.get("role"):
        out += [Block("h3", "Where roles disagree most"),
                Block("table", header=sr.GAP_HEADER, items=tuple(sr.gap_rows(stats, "role")))]
    if stats.notes:
        out.append(Block("ul", items=stats.notes))
    return out


def _step_blocks(plan: Plan) -> list[Block]:
    out = [Block("h2", "The steps")]
    for step in plan.journey.steps:
        sp = plan.progress.step(step.id)
        state = machine.status(plan.progress, step.id)
        out.append(Block("h3", f"Step {step.number}: {step.title} ({state})"))
        out.append(Block("checks", items=tuple((c.id in sp.ticked, c.text)
                                               for c in step.checklist)))
        if sp.notes:
            out += [Block("p", "Notes:"), Block("ul", items=sp.notes)]
        if sp.actions:
            out.append(Block("table", header=("Action", "Owner", "Due"),
                             items=tuple((a.what, a.owner, a.due.isoformat())
                                         for a in sp.actions)))
    return out


def _plan_blocks(plan: Plan) -> list[Block]:
    rows = sorted((a.due.isoformat(), a.what, a.owner, f"{s.number}. {s.title}")
                   for s in plan.journey.steps for a in plan.progress.step(s.id).actions)
    out = [Block("h2", "Action plan")]
    if not rows:
        return out + [Block("p", "No actions recorded yet.")]
    return out + [Block("table", header=("Due", "Action", "Owner", "Step"), items=tuple(rows))]


def _source_blocks(plan: Plan) -> list[Block]:
    cites = [c for r in (plan.latest.recommendations if plan.latest else ())
             for c in r.citations]
    lines = []
    for c in cites:
        where = citation_where(c)
        extra = "; ".join(str(x) for x in (c.publisher, c.year, c.url) if x)
        lines.append(f"[{c.number}] {c.title}" + (f", {where}" if where else "")
                     + f" ({c.source}{'; ' + extra if extra else ''}): \"{_short(c.text)}\"")
    guides = [f"Step {s.number} guide: {s.guide}" for s in plan.journey.steps]
    return [Block("h2", "Sources"), Block("ul", items=tuple(lines + guides))]


def _short(text: str, limit: int = 240) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "..."


def blocks(plan: Plan) -> list[Block]:
    out = [
        Block("h1", "Improvement action plan"),
        Block("p", f"For {plan.user}, generated {plan.generated_at[:16].replace('T', ' ')} UTC. "
                   f"Journey: {plan.journey.title} ({plan.journey.source}). Step and enabler "
                   "names come from the report; checklists and recommendations are Improvement "
                   "Coach coaching guidance."),
    ]
    if plan.warnings:
        out += [Block("h2", "Notices"), Block("ul", items=plan.warnings)]
    out += (_assessment_blocks(plan) + _survey_blocks(plan) + _step_blocks(plan)
            + _plan_blocks(plan))
    if plan.progress.kept:
        kept = tuple(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in plan.progress.kept)
        out += [Block("h2", "Saved entries that no longer match journey.yaml"),
                Block("ul", items=kept)]
    return out + _source_blocks(plan)


def write(plan: Plan, out_dir: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the plan as ``action-plan-<user>-<date>.md`` (+ chart PNG) and/or ``.docx``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", plan.user).strip("-") or "user"
    stem = f"action-plan-{slug}-{plan.generated_at[:10]}"
    chart_name = f"{stem}-chart.png"
    items = [replace(b, name=chart_name) if b.kind == "img" else b for b in blocks(plan)]
    written = []
    if "md" in formats:
        for b in items:
            if b.kind == "img":
                chart = out_dir / chart_name
                chart.write_bytes(b.data)
                written.append(chart)
        md = out_dir / f"{stem}.md"
        md.write_text(to_markdown(items), encoding="utf-8")
        written.insert(0, md)
    if "docx" in formats:
        docx_path = out_dir / f"{stem}.docx"
        docx_path.write_bytes(to_docx(items))
        written.append(docx_path)
    return written

