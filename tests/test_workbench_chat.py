"""The workbench in the chat, through the Python API on the shipped knowledge and a real
database: a lead's chart read by the rules and cited to the guidance, another user seeing
nothing of it, a PDSA cycle logged after "yes" (and not after "no"), ordinary questions and
the journey chat unchanged by the router chain, and the message embedded once for both
routers. Real embedder, real Chroma, the real knowledge/ folder, SQLite."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pytest
from coaching_helpers import indexed_home

from coach.app import build_coach
from coach.db import open_database
from coach.workbench.columns import Point
from coach.workbench.projects import MeasurePlan
from coach.workbench.store import WorkbenchStore

pytestmark = pytest.mark.slow  # the whole knowledge folder indexed (see conftest.py)

LEAD, OTHER = "falls-lead", "someone-else"
FALLS = [8, 9, 7, 8, 9, 8, 7, 9, 8, 9, 8, 7, 5, 4, 5, 4, 3, 4, 5, 4]  # a shift down at the end
SEPSIS = [80, 82, 79, 81, 80, 83, 78, 81, 80, 82, 79, 81, 80, 82, 81, 80,
          72, 70, 71, 69, 72, 70, 71, 70]  # higher is better: seven and more below the mean


def monthly(values: list[float]) -> list[Point]:
    return [Point(date(2024 + i // 12, i % 12 + 1, 1), v, "") for i, v in enumerate(values)]


@pytest.fixture(scope="module")
def coach(tmp_path_factory, embedder):
    settings = indexed_home(tmp_path_factory, embedder, "workbench-chat")
    return build_coach(settings, embedder=embedder)


@pytest.fixture(scope="module")
def store(coach):
    """The lead's two projects: falls (a run chart, lower is better) and sepsis screening (an
    XmR chart, higher is better); another user's project about pressure ulcers."""
    store = WorkbenchStore(open_database(coach.settings))
    falls = store.create(LEAD, "Reducing inpatient falls")
    measure = store.add_measure(LEAD, falls.id, MeasurePlan(
        "outcome", "Inpatient falls per 1,000 bed days", "down", "run"))
    store.replace_points(LEAD, measure.id, monthly(FALLS))
    sepsis = store.create(LEAD, "Sepsis screening in ED")
    measure = store.add_measure(LEAD, sepsis.id, MeasurePlan(
        "process", "Patients screened for sepsis within 1 hour", "up", "xmr"))
    store.replace_points(LEAD, measure.id, monthly(SEPSIS))
    ulcers = store.create(OTHER, "Pressure ulcer prevention")
    store.add_measure(OTHER, ulcers.id, MeasurePlan("outcome", "Category 2 ulcers", "down"))
    return store


def markers_point_at_citations(answer):
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    return numbers and numbers <= {c.number for c in answer.citations}


def talk(coach, user, *messages):
    history, answers = [], []
    for message in messages:
        answer = coach.ask(message, history, user=user)
        history.append((message, answer.text))
        answers.append(answer)
    return answers


def test_how_is_our_falls_measure_doing_reads_the_chart_and_cites_the_rule(coach, store):
    answer = coach.ask("how is our falls measure doing?", user=LEAD)
    first = answer.text.splitlines()[0]
    assert answer.query == "workbench:reading" and not answer.refused
    assert first.startswith("**Inpatient falls per 1,000 bed days** (Reducing inpatient "
                            "falls): improvement, since Jan 2025.")
    assert "By the run chart rules: Shift" in first and markers_point_at_citations(answer)
    cited = {c.number: c for c in answer.citations}
    shift = int(re.search(r"Shift \([^)]*\) \[(\d+)\]", first).group(1))
    assert "run-charts-and-spc" in cited[shift].source and "shift" in cited[shift].text.lower()
    assert "Signals:" in answer.text and "not what to do clinically" in answer.text


def test_an_xmr_chart_reads_as_a_concern_by_the_making_data_count_rules(coach, store):
    answer = coach.ask("is the sepsis screening chart showing improvement?", user=LEAD)
    first = answer.text.splitlines()[0]
    assert first.startswith("**Patients screened for sepsis within 1 hour** (Sepsis screening "
                            "in ED): concern")
    assert "By the Making Data Count rules:" in first and markers_point_at_citations(answer)
    assert all("run-charts-and-spc" in c.source for c in answer.citations)


def test_read_my_chart_asks_which_measure_and_the_next_message_can_name_it(coach, store):
    which, read = talk(coach, LEAD, "read my chart", "the falls one")
    assert which.query == "workbench:which-measure"
    assert "- Inpatient falls per 1,000 bed days (Reducing inpatient falls)" in which.text
    assert "- Patients screened for sepsis within 1 hour (Sepsis screening in ED)" in which.text
    assert read.query == "workbench:reading" and "Inpatient falls" in read.text.splitlines()[0]


def test_another_user_gets_nothing_of_the_leads_data(coach, store):
    answer = coach.ask("how is our falls measure doing?", user=OTHER)
    assert answer.query == "workbench:which-measure"  # their own measure is listed, no other
    assert "- Category 2 ulcers (Pressure ulcer prevention)" in answer.text
    assert "Inpatient falls" not in answer.text and "Sepsis" not in answer.text
    assert coach.ask("read my chart", user=OTHER).query == "workbench:cannot-chart"  # no data
    nobody = coach.ask("read my chart", user="no-projects-yet")
    assert nobody.query == "workbench:no-projects" and "coach project new" in nobody.text
    assert "Inpatient falls" not in nobody.text


def test_log_a_pdsa_then_yes_saves_one_cycle(coach, store):
    message = "log a PDSA: testing a falls huddle at handover, we predict fewer night falls"
    falls = next(p for p in store.projects(LEAD) if p.title == "Reducing inpatient falls")
    before = len(store.cycles(LEAD, falls.id))
    asked, saved, again = talk(coach, LEAD, message, "yes", "yes")
    assert asked.query == "workbench:pdsa-confirm"
    assert "say **yes** to save it to reducing inpatient falls" in asked.text.lower()
    assert "- Prediction: Fewer night falls" in asked.text
    assert saved.query == "workbench:pdsa-saved"
    assert not again.query.startswith("workbench")  # a second yes saves nothing more
    cycles = store.cycles(LEAD, falls.id)
    assert len(cycles) == before + 1
    assert cycles[-1].pdsa.title == "Falls huddle at handover"
    assert cycles[-1].pdsa.prediction == "Fewer night falls" and cycles[-1].pdsa.planned


def test_log_a_pdsa_then_no_saves_nothing(coach, store):
    falls = next(p for p in store.projects(LEAD) if p.title == "Reducing inpatient falls")
    before = len(store.cycles(LEAD, falls.id))
    _, declined = talk(coach, LEAD, "log a PDSA for the falls project: bed alarms on ward 9, "
                                    "we expect fewer unwitnessed falls", "no")
    assert declined.query == "workbench:pdsa-declined"
    assert len(store.cycles(LEAD, falls.id)) == before


def test_yes_to_any_other_reply_is_not_a_saved_cycle(coach, store):
    message = "log a PDSA: testing a falls huddle at handover, we predict fewer night falls"
    answer = coach.ask("yes", [(message, "Something the coach did not say.")], user=LEAD)
    assert not answer.query.startswith("workbench")
    other = coach.ask("log a PDSA: a sepsis prompt at triage", user=OTHER)
    assert other.query == "workbench:pdsa-confirm" and "Pressure ulcer prevention" in other.text


@pytest.mark.parametrize("question", ["what is a run chart?", "what are the MDC rules?",
                                      "how do I read an SPC chart?"])
def test_guidance_questions_still_get_the_knowledge_answer(coach, store, question):
    answer = coach.ask(question, user=LEAD)
    assert not answer.query.startswith("workbench")
    assert answer.text == coach.ask(question, journey=False).text


def test_the_journey_chat_still_works_after_the_chain(coach, store):
    answer = coach.ask("what next?", user=LEAD)
    assert answer.query == "journey:next" and "Step 1" in answer.text


def test_the_workbench_chat_can_be_switched_off(coach, embedder, store):
    off = build_coach(coach.settings.model_copy(update={"chat_workbench": False}),
                      embedder=embedder)
    assert not off.ask("how is our falls measure doing?", user=LEAD).query.startswith(
        "workbench")
    assert off.ask("what next?", user=LEAD).query == "journey:next"


class CountingEmbedder:
    """The real embedder, with each call's texts recorded."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []
        self.model_name, self.dimension = inner.model_name, inner.dimension

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.encode(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def test_both_routers_read_one_embedding_call(coach, embedder, store):
    counting = CountingEmbedder(embedder)
    counted = build_coach(coach.settings, embedder=counting)
    counted.ask("what next?", user=LEAD)  # both routers built, their exemplars embedded
    counted.ask("read my chart", user=LEAD)
    counting.calls.clear()
    message = "log a PDSA: a sepsis prompt at triage, we predict faster screening"
    assert counted.ask(message, user=LEAD).query == "workbench:pdsa-confirm"
    assert len(counting.calls) == 1 and len(counting.calls[0]) == 3  # query and two forms
    # a question that cannot be a workbench request (no "log a PDSA:", no "my chart", no
    # measure of the lead's named) embeds no workbench form: the query and the journey's
    counting.calls.clear()
    assert not counted.ask("what is a driver diagram in QI?", user=LEAD).query.startswith(
        "workbench")
    assert len(counting.calls[0]) == 2
    # naming one of the lead's measures makes it one again ("falls", below)
    counting.calls.clear()
    assert counted.ask("is the falls chart showing improvement?",
                       user=LEAD).query.startswith("workbench")
    assert len(counting.calls[0]) == 3
    counting.calls.clear()  # another user's measures are not theirs to name
    counted.ask("is the falls chart showing improvement?", user=OTHER)
    assert len(counting.calls[0]) == 2
