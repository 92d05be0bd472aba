"""COACH_LLM=ollama through the real ChatOllama client, against a fake Ollama HTTP server on
127.0.0.1 (it stands for the external service and records what it received). Planted wrong
citations and unsupported sentences are caught; personal data never reaches the server or
the log; the gate refuses before any request; a good rewrite of a follow-up is used."""

from __future__ import annotations

import logging
from itertools import pairwise

import pytest

from coach.errors import ModelError
from tests.llm_helpers import FakeOllama, last_user_text, write_small_kb

pytest.importorskip("langchain_ollama", reason="the llm extra (make test installs it)")

PLANTED = (
    "A PDSA cycle tests a change idea on a small scale before it is spread [3]. "
    "The board should name an executive lead for improvement [9]. "
    "A shift is 12 points in a row on one side of the median [2]. "
    "Run charts were invented by Walter Shewhart at Bell Labs."
)


def is_condense(body):
    return "Rewrite the last question" in last_user_text(body)


@pytest.fixture
def ollama_coach(make_settings, write_md, embedder):
    from coach.app import build_coach

    def factory(reply, **overrides):
        server = FakeOllama(reply).__enter__()
        settings = make_settings(llm="ollama", llm_base_url=server.url, llm_model="fake",
                                 llm_timeout=10, **overrides)
        write_small_kb(write_md, settings.knowledge_dir)
        coach = build_coach(settings, embedder=embedder)
        coach.ingest()
        servers.append(server)
        return coach, server

    servers: list[FakeOllama] = []
    yield factory
    for server in servers:
        server.__exit__()


def test_planted_wrong_citation_and_unsupported_sentences_are_caught(ollama_coach):
    coach, server = ollama_coach(lambda body: PLANTED)
    answer = coach.ask("What is a PDSA cycle and who leads improvement?")
    assert len(server.requests) == 1 and server.requests[0]["model"] == "fake"
    sources = {c.number: c.source.rsplit("/", 1)[-1] for c in answer.citations}
    # [3] may point anywhere in retrieval order; after checking, each marker is on the note
    # that says it, and [9] (no such passage) is gone
    assert "[9]" not in answer.text
    assert "A PDSA cycle tests a change idea on a small scale before it is spread. [1]" in (
        answer.text)
    assert sources[1] == "pdsa.md"
    assert "The board should name an executive lead for improvement. [2]" in answer.text
    assert sources[2] == "board.md"
    assert answer.unsupported == (
        "A shift is 12 points in a row on one side of the median.",  # wrong number
        "Run charts were invented by Walter Shewhart at Bell Labs.",  # names not in passages
    )
    assert "median. [" not in answer.text and "Labs. [" not in answer.text


def test_streaming_from_the_server_grows_then_ends_with_the_answer(ollama_coach):
    coach, _ = ollama_coach(lambda body: PLANTED)
    *texts, final = list(coach.stream("What is a PDSA cycle?"))
    assert len(texts) > 10 and texts[-1] == PLANTED
    assert all(b.startswith(a) for a, b in pairwise(texts))
    assert final.text != PLANTED and final.unsupported


def test_personal_data_never_reaches_the_server_or_the_log(ollama_coach, caplog):
    coach, server = ollama_coach(lambda body: "A PDSA cycle tests a change idea. [1]",
                                 log_level="DEBUG")
    caplog.set_level(logging.DEBUG)
    secrets = ["943 476 5919", "07700 900123", "jo.bloggs@nhs.net", "4010232137"]
    answer = coach.ask(
        "We ran a PDSA cycle for patient 943 476 5919; call 07700 900123 or email "
        "jo.bloggs@nhs.net. How many PDSA cycles should we run?",
        history=[("Patient 4010232137 asked about run charts",
                  "A run chart plots a measure over time.")],
    )
    assert len(server.requests) == 2  # the follow-up condense, then the answer
    sent = server.sent_text()
    assert "[NHS number removed]" in sent and "[phone number removed]" in sent
    for secret in secrets:
        assert secret not in sent
        assert secret not in caplog.text
        assert secret not in answer.query
    assert "NHS number" in answer.notice and "removed" in answer.notice


@pytest.mark.parametrize("question, history", [
    ("What dose of amoxicillin should a child take?",
     [("What is a PDSA cycle?", "A test of change.")]),
    ("and what dose should we give?", [("What is a PDSA cycle?", "A test of change.")]),
    ("Which premier league team has the best goalkeeper?", None),
])
def test_the_gate_refuses_before_any_request(ollama_coach, question, history):
    coach, server = ollama_coach(lambda body: "should never be asked")
    answer = coach.ask(question, history=history)
    assert answer.refused and server.requests == []


def test_a_good_rewrite_of_a_follow_up_is_used(ollama_coach):
    rewrite = "How many points in a row on one side of the median make a shift on a run chart?"

    def reply(body):
        return rewrite if is_condense(body) else "A shift is six or more points. [1]"

    coach, server = ollama_coach(reply)
    answer = coach.ask("and how many points make a shift?",
                       history=[("What is a run chart?", "It plots a measure over time.")])
    assert answer.query == rewrite
    assert "Last question: and how many points make a shift?" in last_user_text(
        server.requests[0])
    assert rewrite in last_user_text(server.requests[1])  # the answer prompt uses it
    assert answer.citations and answer.citations[0].source.endswith("run-charts.md")


def test_a_bad_rewrite_keeps_the_deterministic_query(ollama_coach):
    def reply(body):
        return "Shifts are great." if is_condense(body) else "A shift is six points. [1]"

    coach, _ = ollama_coach(reply)
    answer = coach.ask("and how many points make a shift?",
                       history=[("What is a run chart?", "It plots a measure over time.")])
    assert answer.query == ("and how many points make a shift? "
                            "(following on from: What is a run chart?)")


def test_a_dead_server_gives_an_actionable_error(make_settings, write_md, embedder):
    from coach.app import build_coach

    with FakeOllama(lambda body: "") as server:
        url = server.url
    settings = make_settings(llm="ollama", llm_base_url=url, llm_timeout=5)
    write_small_kb(write_md, settings.knowledge_dir)
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    with pytest.raises(ModelError, match="COACH_LLM=extractive"):
        coach.ask("What is a PDSA cycle?")


def test_a_draft_whose_supported_part_misses_the_question_is_refused(ollama_coach):
    """The model invents the figure asked for; once the citation check sets the invented
    sentence aside, what the guidance supports does not answer "how many", so the reply is
    the standard refusal, not a flagged guess."""
    coach, server = ollama_coach(lambda body: (
        "A PDSA cycle tests a change idea on a small scale before it is spread [1]. "
        "Each team should run 40 PDSA cycles a year [1]."))
    answer = coach.ask("How many PDSA cycles should a team run each year?")
    assert server.requests, "the gate let the question through to the model"
    assert answer.refused and answer.citations == ()


def test_a_draft_whose_supported_part_gives_the_figure_is_kept(ollama_coach):
    coach, _server = ollama_coach(lambda body: (
        "A shift is six or more points in a row on one side of the median [1]."))
    answer = coach.ask("How many points in a row make a shift on a run chart?")
    assert not answer.refused and answer.unsupported == ()
    assert "six or more points" in answer.text
    assert answer.citations[0].source == "run-charts.md"
