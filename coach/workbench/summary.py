"""A QI project's summary for a board or divisional paper, as Markdown (each chart a PNG file
beside it) or Word (charts embedded): the project (title, team, sponsor), the aim with the
SMART check's findings, the measurement plan as a table, each measure's chart with its reading
and signals table (a measure with fewer than three points is named as not charted yet), the
PDSA log by ramp with each part's date, and the progress score history with each score's
meaning. ``coach project show`` prints the same blocks as text.

``blocks`` is pure (a ``ProjectSummary`` and its charts in, ``document.Block``s out; words in
prompts/project-summary.yaml); ``to_markdown``, ``to_docx`` and ``export_project`` write files.
Charts are drawn from the summary's own points and cycles (``summary_charts``), the way
``measure_chart.chart_measure`` draws a stored measure, so one read of the store serves all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from coach import prompts
from coach.db import utc_now
from coach.errors import BadInputError
from coach.text.document import Block
from coach.text.document import to_docx as docx_bytes
from coach.text.document import to_markdown as markdown_text
from coach.workbench.measure_chart import MeasureChart, chart_points, cycle_notes
from coach.workbench.projects import Cycle, MeasureData, ProjectSummary
from coach.workbench.reading import number
from coach.workbench.spc import MIN_POINTS
from coach.workbench.store import WorkbenchStore

WORDS = "project-summary.yaml"
FORMATS = ("md", "docx")

__all__ = ["FORMATS", "as_text", "blocks", "export_project", "file_stem", "score_blocks",
           "summary_charts", "to_docx", "to_markdown"]


def words() -> dict[str, Any]:
    return prompts.read_yaml(WORDS)


def summary_charts(summary: ProjectSummary) -> dict[int, MeasureChart]:
    """Each measure with at least three points charted by its plan, with the project's dated
    PDSA cycles as notes; by measure id."""
    return {d.measure.id: chart_points(d.points, d.measure.plan,
                                       cycle_notes(summary.cycles, d.measure.id))
            for d in summary.measures if len(d.points) >= MIN_POINTS}


def file_stem(summary: ProjectSummary) -> str:
    """``project-<id>-<title in lower case and hyphens>``, safe as a file name anywhere."""
    slug = re.sub(r"[^a-z0-9]+", "-", summary.project.title.lower()).strip("-")[:40]
    return f"project-{summary.project.id}" + (f"-{slug.rstrip('-')}" if slug else "")


def chart_file(summary: ProjectSummary, measure_id: int) -> str:
    return f"{file_stem(summary)}-measure-{measure_id}.png"


def blocks(summary: ProjectSummary, charts: Mapping[int, MeasureChart], *,
           exported: str = "", images: bool = True) -> list[Block]:
    """The summary as document blocks (pure); ``exported`` is the date it was written;
    ``images=False`` leaves the chart images out (not drawn)."""
    w, project = words(), summary.project
    out = [Block("h1", project.title)]
    if exported:
        out.append(Block("p", prompts.render(w["intro"], date=exported)))
    out.append(Block("p", " ".join((
        prompts.render(w["team"], team=project.team or w["not-given"]),
        prompts.render(w["sponsor"], sponsor=project.sponsor or w["not-given"])))))
    return (out + _aim(summary) + _plan(summary) + _measures(summary, charts, images)
            + _pdsa(summary) + score_blocks(summary))


def _aim(summary: ProjectSummary) -> list[Block]:
    w, check = words(), summary.aim
    out = [Block("h2", w["heading"]["aim"]), Block("p", check.aim or w["aim-none"])]
    if check.aim:
        out.append(Block("p", check.summary))
    return out + ([Block("ul", items=check.suggestions)] if check.suggestions else [])


def _plan(summary: ProjectSummary) -> list[Block]:
    w = words()
    out = [Block("h2", w["heading"]["plan"])]
    if not summary.measures:
        return out + [Block("p", w["plan-none"])]
    rows = []
    for data in summary.measures:
        p = data.measure.plan
        rows.append((w["kind"][p.kind], p.name, p.definition or w["blank"],
                     p.source or w["blank"], p.frequency or w["blank"], p.owner or w["blank"],
                     w["direction"][p.direction],
                     w["no-target"] if p.target is None else number(p.target)))
    return out + [Block("table", header=tuple(w["plan-header"]), items=tuple(rows))]


def _measures(summary: ProjectSummary, charts: Mapping[int, MeasureChart],
              images: bool) -> list[Block]:
    if not summary.measures:
        return []
    out = [Block("h2", words()["heading"]["measures"])]
    for data in summary.measures:
        out += _measure(summary, data, charts.get(data.measure.id), images)
    return out


def _measure(summary: ProjectSummary, data: MeasureData, drawn: MeasureChart | None,
             images: bool) -> list[Block]:
    w, plan = words(), data.measure.plan
    kind = str(w["kind"][plan.kind]).lower()
    out = [Block("h3", prompts.render(w["measure"], name=plan.name, kind=kind,
                                      chart=w["chart-kind"][plan.chart]))]
    if drawn is None:
        return out + [Block("p", prompts.render(w["too-few"], count=len(data.points),
                                                minimum=MIN_POINTS))]
    if images:
        out.append(Block("img", drawn.alt(), data=drawn.png(),
                         name=chart_file(summary, data.measure.id)))
    reading = drawn.reading
    out += [Block("p", " ".join((reading.headline, *reading.centres))),
            Block("ul", items=reading.findings)]
    after = (*reading.icons, *reading.caveats)
    out += [Block("p", " ".join(after))] if after else []
    table = reading.table
    if table:
        out.append(Block("table", header=tuple(w["signals-header"]), items=tuple(
            (r.rule, r.first, r.last, r.points, r.meaning) for r in table)))
    return out


def _pdsa(summary: ProjectSummary) -> list[Block]:
    w = words()
    out = [Block("h2", w["heading"]["pdsa"])]
    if not summary.cycles:
        return out + [Block("p", w["pdsa-none"])]
    names = {d.measure.id: d.measure.plan.name for d in summary.measures}
    for n, ramp in enumerate(summary.ramps, start=1):
        count = len(ramp)
        cycles = w["cycles"]["one"] if count == 1 else \
            prompts.render(w["cycles"]["many"], n=count)
        out.append(Block("h3", prompts.render(w["ramp"], n=n, title=ramp[0].pdsa.title,
                                              count=cycles)))
        for cycle in ramp:
            out += _cycle(cycle, names)
    return out


def _cycle(cycle: Cycle, names: Mapping[int, str]) -> list[Block]:
    w, c = words(), cycle.pdsa
    about = [prompts.render(w["cycle"], id=cycle.id, title=c.title,
                            stage=w["stage"][c.stage])]
    if c.follows is not None:
        about.append(prompts.render(w["follows"], id=c.follows))
    if c.measure_id is not None and c.measure_id in names:
        about.append(prompts.render(w["tests"], name=names[c.measure_id]))
    act = ": ".join(x for x in (w["act"].get(c.act, ""), c.act_note) if x)
    parts = (("plan", c.planned, c.plan), ("prediction", c.planned, c.prediction),
             ("do", c.done, c.do), ("study", c.studied, c.study), ("act", c.acted, act))
    rows = tuple((w["part"][key], when.isoformat() if when else w["blank"], said)
                 for key, when, said in parts if said)
    out = [Block("p", " ".join(about))]
    if rows:
        out.append(Block("table", header=tuple(w["cycle-header"]), items=rows))
    return out


def score_blocks(summary: ProjectSummary) -> list[Block]:
    """The progress score section: the latest score and the history, with meanings."""
    w, latest = words(), summary.latest
    out = [Block("h2", w["heading"]["scores"])]
    if latest is None:
        return out + [Block("p", w["scores-none"])]
    out.append(Block("p", prompts.render(w["latest"], score=f"{latest.score:g}",
                                         date=latest.on.isoformat(), meaning=latest.meaning)))
    rows = tuple((s.on.isoformat(), f"{s.score:g}", s.meaning, s.note or w["blank"])
                 for s in summary.scores)
    return out + [Block("table", header=tuple(w["scores-header"]), items=rows)]


def as_text(summary: ProjectSummary, charts: Mapping[int, MeasureChart]) -> str:
    """The summary for a terminal: the Markdown without the images."""
    return markdown_text(blocks(summary, charts, images=False))


def _today() -> str:
    return utc_now().date().isoformat()


def to_markdown(summary: ProjectSummary, charts: Mapping[int, MeasureChart],
                folder: Path) -> Path:
    """Write ``<stem>.md`` into ``folder`` with each chart as ``<stem>-measure-<id>.png``
    beside it; the Markdown file's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    items = blocks(summary, charts, exported=_today())
    for b in items:
        if b.kind == "img":
            (folder / b.name).write_bytes(b.data)
    path = folder / f"{file_stem(summary)}.md"
    path.write_text(markdown_text(items), encoding="utf-8")
    return path


def to_docx(summary: ProjectSummary, charts: Mapping[int, MeasureChart], path: Path) -> Path:
    """Write the summary as a Word document at ``path`` (charts embedded); ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(docx_bytes(blocks(summary, charts, exported=_today())))
    return path


def export_project(store: WorkbenchStore, user: str, project_id: int, folder: Path,
                   fmt: str) -> Path:
    """The user's project written into ``folder`` as ``md`` (with the chart PNGs) or ``docx``;
    the document's path. Another user's project is not found (a ``BadInputError``)."""
    if fmt not in FORMATS:
        raise BadInputError(f"{fmt!r} is not an export format: choose md or docx.")
    summary = store.summary(user, project_id)
    charts = summary_charts(summary)
    if fmt == "md":
        return to_markdown(summary, charts, folder)
    return to_docx(summary, charts, Path(folder) / f"{file_stem(summary)}.docx")
