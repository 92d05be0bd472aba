"""COACH_LLM=openai through the real ChatOpenAI client against llama-cpp-python's
OpenAI-compatible server (``python -m llama_cpp.server``) serving the SmolLM2 GGUF on
127.0.0.1: a real HTTP round trip, streaming included."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from itertools import pairwise

import pytest

from coach.answering.generative import GenerativeAnswerer
from coach.types import Answer
from tests.llm_helpers import CallCounter, write_small_kb
from tests.servers import free_port, stop

pytest.importorskip("llama_cpp.server", reason="the llm extra (make test installs it)")
pytest.importorskip("langchain_openai", reason="the llm extra (make test installs it)")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    from coach.providers.chat import bundled_gguf_path

    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(bundled_gguf_path()),
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not start in 180 s")
            time.sleep(0.5)
        yield url
    finally:
        stop(proc)


@pytest.fixture
def openai_coach(server_url, make_settings, write_md, embedder):
    from coach.app import build_coach
    from coach.providers.chat import make_chat_model

    settings = make_settings(llm="openai", llm_base_url=server_url, llm_model="smollm2",
                             llm_max_tokens=60, llm_timeout=300)
    write_small_kb(write_md, settings.knowledge_dir)
    counter = CallCounter()
    coach = build_coach(settings, embedder=embedder,
                        llm=make_chat_model(settings, callbacks=[counter]))
    # a fixed passage key, as the llamacpp fixture does: the key is part of the prompt, so a
    # random one made SmolLM2's reply (and whether it passes the checks) vary between runs
    coach.use_generative(GenerativeAnswerer(coach._llm, key_source=lambda: "5eed0c0a"))
    coach.ingest()
    return coach, counter


def test_an_answer_comes_back_over_http_and_is_checked(openai_coach):
    coach, counter = openai_coach
    *texts, final = list(coach.stream("What does the board need to do in step 2?"))
    assert counter.calls == 1
    assert isinstance(final, Answer) and not final.refused and final.text.strip()
    assert len(texts) >= 2 and all(b.startswith(a) for a, b in pairwise(texts))
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", final.text)}
    assert cited == {c.number for c in final.citations}


def test_a_clinical_question_never_reaches_the_server(openai_coach):
    coach, counter = openai_coach
    answer = coach.ask("How much ibuprofen can I give a patient with back pain?")
    assert answer.refused and counter.calls == 0
