"""Helpers for the LLM tests: a fake Ollama HTTP server (it stands for a hosted service; the
real ``ChatOllama`` client talks to it over HTTP on 127.0.0.1), a LangChain callback handler
that counts model calls, and a small knowledge folder.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler

Reply = Callable[[dict[str, Any]], str]


class FakeOllama:
    """Answers POST /api/chat like Ollama (NDJSON stream or one JSON object) and records
    every request body it receives. ``reply(body) -> text`` scripts the answers."""

    def __init__(self, reply: Reply):
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                outer.requests.append({"path": self.path, **body})
                if self.path != "/api/chat":
                    self.send_error(404)
                    return
                outer._chat(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def _chat(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        text = self.reply(body)
        model = body.get("model", "fake")
        base = {"model": model, "created_at": "2026-01-01T00:00:00Z"}
        done = {**base, "message": {"role": "assistant", "content": ""}, "done": True,
                "done_reason": "stop", "prompt_eval_count": 10, "eval_count": 10}
        if body.get("stream", True):
            words = text.split(" ")
            lines = [{**base, "message": {"role": "assistant",
                                          "content": w + (" " if i < len(words) - 1 else "")},
                      "done": False} for i, w in enumerate(words)]
            payload = "".join(json.dumps(x) + "\n" for x in [*lines, done]).encode()
            content_type = "application/x-ndjson"
        else:
            done["message"]["content"] = text
            payload = json.dumps(done).encode()
            content_type = "application/json"
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def sent_text(self) -> str:
        """Everything the clients sent, as one string (to search for leaked data)."""
        return json.dumps(self.requests)

    def __enter__(self) -> FakeOllama:
        self._thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


class CallCounter(BaseCallbackHandler):
    """Counts chat-model calls (LangChain fires on_chat_model_start once per call)."""

    def __init__(self) -> None:
        self.calls = 0
        self.prompts: list[str] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.calls += 1
        self.prompts.append("\n".join(str(m.content) for batch in messages for m in batch))

    def on_llm_start(self, serialized: Any, prompts: Any, **kwargs: Any) -> None:
        self.calls += 1
        self.prompts.extend(prompts)


def last_user_text(body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"])


def write_small_kb(write_md: Callable[..., Path], folder: Path) -> None:
    """Three short notes: PDSA cycles, run charts, and step 2 (board support)."""
    write_md(folder / "pdsa.md",
             "# PDSA cycles\n\nA PDSA cycle tests a change idea on a small scale before it is "
             "spread. The team plans the test, does it, studies the results and acts on what "
             "it learnt. Several small cycles in a row build confidence in a change.",
             title="PDSA cycles", kind="method", publisher="Improvement Coach", year=2026)
    write_md(folder / "run-charts.md",
             "# Run charts\n\nA run chart plots a measure over time around its median. A shift "
             "is six or more points in a row on one side of the median. A run chart suits a "
             "new project with few data points.",
             title="Run charts", kind="method", publisher="Improvement Coach", year=2026)
    write_md(folder / "board.md",
             "# Securing board support\n\nSecuring board support is step 2 of the improvement "
             "journey. The board should treat quality improvement as a strategic priority and "
             "name an executive lead for it.",
             title="Step 2: securing board support", kind="coach-guide", step=2,
             publisher="Improvement Coach", year=2026)
