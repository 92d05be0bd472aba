"""The action plan export: Markdown and Word, opened again and checked."""

from __future__ import annotations

import pytest
from coaching_helpers import indexed_home
from docx import Document

from coach.app import build_coach
from coach.coaching import export
from coach.coaching import machine as m
from coach.coaching.session import JourneySession

pytestmark = pytest.mark.slow  # see SLOW_FIXTURES in conftest.py

FIRST = [3, 2, 1, 0, 2, 3, 3, 3, 3, 3, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3]
SECOND = [3, 3, 2, 1, 2, 3, 3, 3, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3]


@pytest.fixture(scope="module")
def plan(tmp_path_factory, embedder):
    settings = indexed_home(tmp_path_factory, embedder, "export")
    s = JourneySession.open(settings, "alex", build_coach(settings, embedder=embedder))
    items = s.journey.assessment.items
    s.assess({i.id: v for i, v in zip(items, FIRST, strict=True)})
    s.assess({i.id: v for i, v in zip(items, SECOND, strict=True)})
    s.apply(m.start)
    s.apply(m.tick, ["readiness-tool-chosen", "3"])
    s.apply(m.complete)
    s.apply(m.add_note, "Survey closes in May", step=2)
    s.apply(m.add_action, "Book a board development session", "Chief nurse", "2026-12-01",
            step=2)
    s.apply(m.add_action, "Choose a readiness tool", "QI lead", "2026-10-15", step=1)
    return s.plan()


def test_docx_has_the_assessment_chart_steps_ticks_actions_and_sources(plan, tmp_path):
    paths = export.write(plan, tmp_path, ("docx",))
    assert [p.suffix for p in paths] == [".docx"]
    doc = Document(str(paths[0]))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == "Improvement action plan"
    for expected in ("Readiness self-assessment", "Recommendations (coaching guidance)",
                     "The steps", "Step 1: Assessing readiness (done)",
                     "Step 2: Securing board support (in progress)",
                     "Step 6: Sustaining an organisation-wide approach (not started)",
                     "Action plan", "Sources"):
        assert expected in headings, expected
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "☑ Chosen a readiness tool" in body
    assert "☑ Written down what has prompted" in body
    assert "☐ Invited people from a range of roles" in body
    assert "Survey closes in May" in body
    assert "Overall 2.25 of 3: Established" in body
    assert len(doc.inline_shapes) == 1  # the chart
    cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    assert ["Book a board development session", "Chief nurse", "2026-12-01"] in cells
    assert ["2026-10-15", "Choose a readiness tool", "QI lead", "1. Assessing readiness"] in cells
    assert ["Leadership and governance", "2.20", "Established", "+0.60"] in cells
    cited = [c for r in plan.latest.recommendations for c in r.citations]
    assert cited
    sources = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    for c in cited:
        assert any(s.startswith(f"[{c.number}] {c.title}") and c.source in s for s in sources)
    assert any("Step 2 guide: steps/step-2-securing-board-support.md" in s for s in sources)


def test_markdown_has_the_same_content_and_a_chart_file_beside_it(plan, tmp_path):
    md, chart = export.write(plan, tmp_path, ("md",))
    text = md.read_text(encoding="utf-8")
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert f"![Readiness by enabler]({chart.name})" in text
    assert "### Step 1: Assessing readiness (done)" in text
    assert "- [x] Chosen a readiness tool" in text
    assert "- [ ] Invited people from a range of roles" in text
    assert "| 2026-10-15 | Choose a readiness tool | QI lead | 1. Assessing readiness |" in text
    # actions are listed by due date
    assert text.index("| 2026-10-15 |") < text.index("| 2026-12-01 |")
    first = plan.latest.recommendations[0]
    assert first.text in text
    assert f"[{first.citations[0].number}] {first.citations[0].title}" in text


def test_without_an_assessment_the_plan_says_so(tmp_path):
    from coaching_helpers import journey
    from sqlalchemy.engine import make_url

    from coach.coaching.store import ProgressStore
    from coach.db import Database, migrate
    from coach.db.engine import engine_for

    db = Database(engine_for(make_url(f"sqlite:///{tmp_path / 'c.sqlite3'}")))
    migrate(db)
    s = JourneySession(journey(), ProgressStore(db), "new-lead")
    s.apply(m.start)
    text = export.to_markdown(export.blocks(s.plan()))
    assert "No self-assessment taken yet." in text
    assert "No actions recorded yet." in text
    assert "(in progress)" in text
