"""A QI project's summary export (coach/workbench/summary.py over coach/text/document.py):
Markdown with the chart PNG beside it and linked, Word with the chart embedded and described,
the same content in both (project, aim check, measurement plan, reading and signals, PDSA log
by ramp with dates, progress scores with meanings), a measure with too few points named as not
charted, and another user's project not found. A real SQLite database and real files."""

from __future__ import annotations

import datetime as dt

import pytest
from docx import Document
from sqlalchemy.engine import make_url

from coach.db import Database, migrate
from coach.db.engine import engine_for
from coach.errors import BadInputError
from coach.text import document
from coach.workbench import summary
from coach.workbench.columns import Point
from coach.workbench.projects import PDSA, MeasurePlan
from coach.workbench.store import WorkbenchNotFoundError, WorkbenchStore

AIM = "Reduce falls on Ward 7 from 8 to 5 per 1,000 bed days by 31 March 2026"
FALLS = MeasurePlan("outcome", "Falls per 1,000 bed days", "down", chart="xmr", target=5.0,
                    definition="Falls reported in Datix | per 1,000 occupied bed days",
                    source="Datix", frequency="Monthly", owner="Ward manager")
RESTRAINT = MeasurePlan("balancing", "Bed rails in use", "neither")
# 12 months around 8, then 8 months clearly lower: a run of 7 below the mean from Jan 2025
VALUES = [8.0, 8.4, 7.6, 8.2, 7.8, 8.1, 7.9, 8.3, 7.7, 8.0, 8.2, 7.8,
          5.9, 6.1, 5.8, 6.0, 6.2, 5.7, 6.0, 5.9]


def month(i: int) -> dt.date:
    return dt.date(2024 + i // 12, i % 12 + 1, 1)


@pytest.fixture
def store(tmp_path):
    db = Database(engine_for(make_url(f"sqlite:///{tmp_path / 'app.db'}")))
    migrate(db)
    return WorkbenchStore(db)


@pytest.fixture
def project(store):
    p = store.create("lead", "Falls on Ward 7", aim=AIM, team="Ward 7 nursing team",
                     sponsor="Director of nursing")
    falls = store.add_measure("lead", p.id, FALLS)
    rails = store.add_measure("lead", p.id, RESTRAINT)
    store.replace_points("lead", falls.id, [Point(month(i), v) for i, v in enumerate(VALUES)])
    store.replace_points("lead", rails.id, [Point(month(0), 3), Point(month(1), 4)])
    first = store.add_cycle("lead", p.id, PDSA(
        "Bed rails check at handover", plan="Check bed rails at each handover",
        prediction="Fewer falls at night", do="Checked on 30 of 31 nights",
        study="Night falls fell from 5 to 2", act="adapt", act_note="add the day shift",
        planned=month(11), done=month(12), studied=month(13), acted=month(13),
        measure_id=falls.id))
    store.add_cycle("lead", p.id, PDSA("Bed rails check on every shift", plan="Every shift",
                                       prediction="Fewer falls by day too", follows=first.id,
                                       planned=month(14)))
    store.add_score("lead", p.id, 2, on="2024-06-01")
    store.add_score("lead", p.id, 3.5, on="2025-03-01", note="night falls halved")
    return p


def test_the_markdown_summary_holds_the_project_with_its_chart_beside_it(store, project,
                                                                         tmp_path):
    out = tmp_path / "papers"
    path = summary.export_project(store, "lead", project.id, out, "md")
    assert path == out / "project-1-falls-on-ward-7.md"
    text = path.read_text(encoding="utf-8")
    png = out / "project-1-falls-on-ward-7-measure-1.png"
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "](project-1-falls-on-ward-7-measure-1.png)" in text
    assert text.startswith("# Falls on Ward 7\n")
    assert "Team: Ward 7 nursing team. Sponsor: Director of nursing." in text
    assert AIM in text and "This aim says how much, by when and for whom." in text
    assert ("| Outcome | Falls per 1,000 bed days | Falls reported in Datix \\| per 1,000 "
            "occupied bed days | Datix | Monthly | Ward manager | Down is better | 5 |") in text
    assert "| Balancing | Bed rails in use | - | - | - | - | Neither | - |" in text
    assert "Falls per 1,000 bed days: XmR chart (Making Data Count) of 20 points" in text
    assert "| Run (7 points in a row on one side of the mean) | Jan 2025 | Aug 2025 | 8 | " \
           "special-cause improvement |" in text
    assert "Not charted: 2 of the 3 points a chart needs so far." in text
    assert "### Ramp 1: Bed rails check at handover (2 cycles)" in text
    assert "| Prediction | 2024-12-01 | Fewer falls at night |" in text
    assert "| Act | 2025-02-01 | Adapt: add the day shift |" in text
    assert "Builds on cycle 1." in text and "Tests the measure: Falls per 1,000 bed days." in text
    assert "Latest: 3.5 on 2025-03-01, improvement." in text
    assert "| 2024-06-01 | 2 | activity, but no changes yet | - |" in text
    assert sorted(out.iterdir()) == sorted([png, path])


def test_the_word_summary_embeds_the_chart_with_its_text_alternative(store, project, tmp_path):
    path = summary.export_project(store, "lead", project.id, tmp_path, "docx")
    assert path == tmp_path / "project-1-falls-on-ward-7.docx"
    doc = Document(str(path))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "Falls on Ward 7"
    assert AIM in paragraphs
    assert any(p.startswith("Falls per 1,000 bed days: XmR chart") for p in paragraphs)
    assert "Cycle 2: Bed rails check on every shift (planned: record what happened). " \
           "Builds on cycle 1." in paragraphs
    assert "Not charted: 2 of the 3 points a chart needs so far." in paragraphs
    (shape,) = doc.inline_shapes
    alt = shape._inline.docPr.get("descr")
    assert alt.startswith("Line chart: Falls per 1,000 bed days") and "signals" in alt
    assert "Bed rails check at handover" in alt  # the cycle, a note on the chart
    headers = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    assert headers[0] == ["Kind", "Name", "Operational definition", "Source", "Frequency",
                          "Owner", "Direction", "Target"]
    assert ["Rule", "From", "To", "Points", "Meaning"] in headers
    assert headers[-1] == ["Date", "Score", "Meaning", "Note"]
    repeated = doc.tables[0].rows[0]._tr.trPr.xml
    assert "tblHeader" in repeated


def test_a_new_project_reads_as_not_yet_written(store, tmp_path):
    p = store.create("lead", "Discharge before noon")
    text = summary.as_text(store.summary("lead", p.id), {})
    assert text == (
        "# Discharge before noon\n\n"
        "Team: not named yet. Sponsor: not named yet.\n\n"
        "## Aim\n\nNo aim written yet.\n\n"
        "- Say how much: a number or percentage to reach, e.g. \"from 12 to 6 falls a month\", "
        "\"to 95%\" or \"by half\".\n"
        "- Say by when: a date or a month, e.g. \"by 31 March 2026\", \"by the end of "
        "September\" or \"within 6 months\".\n"
        "- Say for whom or where: the ward, team or patient group, e.g. \"on Ward 7\", \"for "
        "patients over 65\" or \"in the emergency department\".\n\n"
        "## Measurement plan\n\nNo measures in the plan yet.\n\n"
        "## PDSA log\n\nNo PDSA cycles logged yet.\n\n"
        "## Progress score\n\nNo progress score recorded yet.\n")


def test_an_incomplete_aim_says_what_it_lacks(store):
    p = store.create("lead", "Falls", aim="Fewer falls on Ward 7")
    text = summary.as_text(store.summary("lead", p.id), {})
    assert "This aim does not yet say how much or by when." in text
    assert "- Say by when:" in text and "- Say for whom" not in text


def test_the_charts_are_those_with_three_points_or_more(store, project):
    charts = summary.summary_charts(store.summary("lead", project.id))
    assert list(charts) == [1]
    assert charts[1].notes[0][1] == "PDSA: Bed rails check at handover"


def test_another_users_project_and_an_unknown_format_write_nothing(store, project, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(WorkbenchNotFoundError, match="not one of yours"):
        summary.export_project(store, "someone-else", project.id, out, "md")
    with pytest.raises(BadInputError, match="choose md or docx"):
        summary.export_project(store, "lead", project.id, out, "pdf")
    assert not out.exists()


def test_markdown_blocks_escape_table_cells_and_image_text():
    text = document.to_markdown([
        document.Block("table", header=("A", "B"), items=(("x | y", "one\ntwo"),)),
        document.Block("img", "a [chart]\nof falls", name="c.png"),
    ])
    assert text == ("| A | B |\n|---|---|\n| x \\| y | one<br>two |\n\n"
                    "![a (chart) of falls](c.png)\n")
    assert "c.png" not in document.to_markdown(
        [document.Block("img", "x", name="c.png")], images=False)
