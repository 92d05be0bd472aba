"""Team surveys in the app's database, on SQLite and a real PostgreSQL (database_url): codes,
answers signed in and anonymous, results for the owner only and as aggregates only, adoption
into the journey's history and the exported action plan."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy.engine import make_url
from survey_helpers import IR, SIX, J

from coach.coaching import export
from coach.coaching.session import JourneySession
from coach.coaching.store import ProgressStore
from coach.coaching.survey.store import (
    ALPHABET,
    SurveyAccessError,
    SurveyError,
    SurveyStore,
    normalise_code,
)
from coach.db import Database, migrate
from coach.db.engine import engine_for

NAMES = ["alice", "bob", None, "dan", "erin", None]  # R3 and R6 answer anonymously


@pytest.fixture
def db(database_url):
    database = Database(engine_for(make_url(database_url)))
    migrate(database)
    return database


def answer_six(store, code):
    for name, r in zip(NAMES, SIX, strict=True):
        store.respond(code, J, r.scores, role=r.role, level=r.level, user=name)


def test_a_survey_gets_a_short_unguessable_code_and_is_listed_for_its_owner(db):
    store = SurveyStore(db)
    first, second = store.open("lead", "Ward 7 readiness"), store.open("lead", "")
    for s in (first, second):
        assert len(s.code) == 8 and set(s.code) <= set(ALPHABET) and s.is_open
    assert first.code != second.code and second.title == "Team readiness survey"
    assert {s.code for s in store.mine("lead")} == {first.code, second.code}
    assert store.mine("someone-else") == []
    spaced = first.code[:4].lower() + "-" + first.code[4:].lower()
    assert normalise_code(spaced) == first.code
    with pytest.raises(SurveyError, match="not a survey code.*8 letters"):
        normalise_code("K7M2-PQ9")
    with pytest.raises(SurveyError, match="title is 121 characters"):
        store.open("lead", "x" * 121)


def test_six_answers_give_the_hand_computed_results_to_the_owner(db):
    store = SurveyStore(db)
    code = store.open("lead", "Ward 7").code
    answer_six(store, code)
    report = SurveyStore(Database(engine_for(db.engine.url))).results(code, "lead", J)
    assert report.survey.responses == 6 and report.anonymous == 2
    enablers = {e.id: e.spread for e in report.stats.enablers}
    assert (enablers[IR].mean, enablers[IR].sd) == (pytest.approx(1.1),
                                                     pytest.approx(0.328634, abs=5e-7))
    assert report.stats.overall.mean == pytest.approx(1.4)
    assert [g.name for g in report.stats.groups["role"]] == ["Nurse", "Doctor"]
    assert [s.responses for s in store.mine("lead")] == [6]


def test_a_signed_in_answer_replaces_the_first_and_anonymous_ones_add_up(db):
    store = SurveyStore(db)
    code = store.open("lead", "Ward 7").code
    r = SIX[0]
    first = store.respond(code, J, r.scores, role="Nurse", level="Front line", user="alice")
    again = store.respond(code, J, SIX[5].scores, role="Doctor", level="Manager", user="alice")
    assert not first.replaced and again.replaced and "replacing" in again.message
    anon = [store.respond(code, J, r.scores, role="Nurse", level="Front line", user=None)
            for _ in range(2)]
    assert all(a.anonymous and not a.replaced for a in anon)
    assert "without your name" in anon[0].message and "cannot be changed" in anon[0].message
    report = store.results(code, "lead", J)
    assert report.stats.n == 3 and report.anonymous == 2   # alice once, two anonymous
    assert report.stats.counts["role"] == {"Doctor": 1, "Nurse": 2}   # alice's second answer


def test_only_the_owner_sees_results_closes_or_adopts(db):
    store = SurveyStore(db)
    code = store.open("lead", "Ward 7").code
    answer_six(store, code)
    for user in ("alice", "mallory"):
        with pytest.raises(SurveyAccessError, match=f"Survey {code} is not one of yours"):
            store.results(code, user, J)
        with pytest.raises(SurveyAccessError):
            store.close(code, user)
        with pytest.raises(SurveyAccessError):
            JourneySession(J, ProgressStore(db), user).adopt_survey(code)
    with pytest.raises(SurveyAccessError, match="is not one of yours"):  # the same for no survey
        store.results("ABCDEFGH", "lead", J)
    assert store.find(code).is_open   # nothing was closed by the refused calls


def test_results_never_list_single_responses(db):
    store = SurveyStore(db)
    code = store.open("lead", "Ward 7").code
    answer_six(store, code)
    store.respond(code, J, SIX[0].scores, role="Porter", level="Front line", user="zed")
    data = store.results(code, "lead", J).as_dict()
    text = json.dumps(data)
    assert not any(name in text for name in ("alice", "bob", "dan", "erin", "zed"))
    assert data["respondents"] == 7 and data["counts"]["role"]["Porter"] == 1
    # the lone porter is counted, never shown; nor are the doctors, since all minus the
    # nurses minus the doctors would be the porter's answers
    assert [g["name"] for g in data["groups"]["role"]] == ["Nurse"]
    assert all(item["n"] == 7 for item in data["items"])
    assert "scores" not in text and "responses" not in data


def test_answers_are_checked_and_a_closed_survey_takes_none(db):
    store = SurveyStore(db)
    code = store.open("lead", "Ward 7").code
    scores = dict(SIX[0].scores)
    with pytest.raises(SurveyError, match="Give your role"):
        store.respond(code, J, scores, role=" ", level="Front line", user=None)
    with pytest.raises(SurveyError, match="level is 65 characters"):
        store.respond(code, J, scores, role="Nurse", level="x" * 65, user=None)
    with pytest.raises(SurveyError, match="No survey has the code ABCDEFGH"):
        store.respond("abcd-efgh", J, scores, role="Nurse", level="Front line", user=None)
    with pytest.raises(Exception, match="board-priority has no score"):
        store.respond(code, J, {k: v for k, v in scores.items() if k != "board-priority"},
                      role="Nurse", level="Front line", user=None)
    closed = store.close(code, "lead")
    assert closed.closed_at and not store.find(code).is_open
    with pytest.raises(SurveyError, match=f"Survey {code} .* closed on .* no more answers"):
        store.respond(code, J, scores, role="Nurse", level="Front line", user="alice")
    assert store.results(code, "lead", J).stats.n == 0


def test_too_few_answers_show_no_figures_and_cannot_be_adopted(db):
    store = SurveyStore(db)
    code = store.open("lead", "Ward 7").code
    for name, r in zip(NAMES[:2], SIX[:2], strict=True):
        store.respond(code, J, r.scores, role=r.role, level=r.level, user=name)
    report = store.results(code, "lead", J)
    assert not report.stats.shown and report.stats.items == ()
    with pytest.raises(SurveyError, match="cannot be adopted yet: 2 answered"):
        JourneySession(J, ProgressStore(db), "lead").adopt_survey(code)


def test_adopting_puts_the_result_in_the_history_and_the_exported_plan(db, tmp_path):
    store = SurveyStore(db)
    code = store.open("lead", "Ward 7").code
    answer_six(store, code)
    session = JourneySession(J, ProgressStore(db), "lead")
    session.assess({i.id: 0 for i in J.assessment.items})   # an earlier self-assessment
    report, result = session.adopt_survey(code)
    assert result.overall == 1.55 and [c.mean for c in result.categories] == [2.0, 1.2, 1.0, 2.0]

    history, _ = session.history()
    assert [r.overall for r in history] == [0.0, 1.55]
    notes = session.progress().step("assessing-readiness").notes
    assert len(notes) == 1 and notes[0].startswith(
        f'Team readiness survey {code} ("Ward 7") adopted as the readiness assessment of '
        f'{history[-1].taken_at[:19].replace("T", " ")} UTC: 6 respondents (Doctor 3, Nurse 3)')
    assert not store.find(code).is_open   # closed: the plan's figures stay the adopted ones
    with pytest.raises(SurveyError, match="closed"):
        store.respond(code, J, SIX[0].scores, role="Nurse", level="Front line", user="late")

    md = export.write(session.plan(), tmp_path, ("md",))[0].read_text(encoding="utf-8")
    section = md[md.index("## Team readiness survey"):md.index("## The steps")]
    assert f'Survey {code} "Ward 7"' in section and "6 respondents" in section
    assert "2 answered anonymously" in section
    assert "| Infrastructure and resources | 6 | 1.10 | 0.33 | 0.8–1.4 | 0.87 |" in section
    assert "| Skills and workforce | 6 | 0.50 | 1.22 | 0–3 | 0.00 (low) |" in section
    assert "| Overall | 6 | 1.40 | 0.53 | 0.95–2.35 | - |" in section
    assert re.search(r"\| Funding for building .* \| Doctor 3\.00 \| Nurse 0\.00 \| 3\.00 \|",
                     section)
    assert f"(from team survey {code}, 6 respondents). Overall 1.55 of 3: Developing" in md
    assert f"| 1.55 | Developing | team survey {code}, 6 respondents |" in md
    assert "| 0.00 | Emerging | self-assessment |" in md
    assert [r.source for r in history] == ["", f"team survey {code}, 6 respondents"]
