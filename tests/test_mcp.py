"""The read-only MCP server (coach/mcp/) driven by the MCP SDK's own client, on a small real
index: over stdio (`coach mcp --stdio` in a subprocess, as an assistant starts it) and over
streamable HTTP (a real uvicorn server on 127.0.0.1 behind the bearer-token check, in this
process and as `coach mcp --http` in a subprocess); and `coach tokens add|list|revoke`.

Each session lists the three tools, gets a cited answer to a guidance question, a clinical
refusal, passages with provenance and the journey's six steps; every call is in the question
log under the caller's name (the token's owner, or the local user over stdio). A request
without a token, with one this server never issued, or with a revoked one is refused with
HTTP 401 and a message saying which.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
import sqlalchemy as sa
import uvicorn
from conftest import settings_under
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from servers import free_port, stop
from ui_helpers import write_kb

from coach.app import build_coach
from coach.cli import main
from coach.coaching.session import shared
from coach.config import Settings
from coach.db import open_database
from coach.db.schema import mcp_tokens
from coach.insights.store import question_log
from coach.mcp.server import PATH, build_server, http_app
from coach.mcp.tokens import PREFIX, TokenStore, digest
from coach.mcp.tools import GuidanceTools

ROOT = Path(__file__).resolve().parents[1]
JOURNEY = ROOT / "knowledge" / "journey.yaml"
GUIDANCE = "What is a PDSA cycle?"
CLINICAL = "What dose of paracetamol should a child get?"
TOOLS = ["ask", "journey_steps", "search_guidance"]


@pytest.fixture(scope="module")
def settings(embedder, tmp_path_factory) -> Settings:
    """A home with the three-document library indexed and the shipped journey.yaml."""
    settings = settings_under(tmp_path_factory.mktemp("mcp"))
    write_kb(settings.knowledge_dir)
    shutil.copyfile(JOURNEY, settings.knowledge_dir / "journey.yaml")
    assert build_coach(settings, embedder=embedder).ingest().chunks_total > 0
    return settings


@pytest.fixture
def coach_env(settings, monkeypatch) -> dict[str, str]:
    """The environment `coach` runs with over these settings (this process's, for main(), and a
    subprocess's: the worktree's package first on the path, no network)."""
    values = {"COACH_HOME": str(settings.home),
              "COACH_KNOWLEDGE_DIR": str(settings.knowledge_dir)}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {k: v for k, v in os.environ.items() if k.startswith("COACH_")} | values | {
        "PYTHONPATH": path, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


# -- one session through the SDK's client -------------------------------------------------
async def session(client: Client) -> dict[str, Any]:
    """Every tool once: what an assistant would see (structured results)."""
    listed = await client.list_tools()
    results: dict[str, Any] = {"tools": {t.name: t for t in listed.tools}}
    for key, name, arguments in (
            ("answer", "ask", {"question": GUIDANCE}),
            ("clinical", "ask", {"question": CLINICAL}),
            ("search", "search_guidance", {"query": "run chart median shift", "k": 3}),
            ("journey", "journey_steps", {}),
            ("empty", "ask", {"question": "   "})):
        result = await client.call_tool(name, arguments)
        results[key] = (result.content[0].text if result.is_error  # type: ignore[union-attr]
                        else result.structured_content)
    return results


def check_session(results: dict[str, Any]) -> None:
    tools = results["tools"]
    assert sorted(tools) == TOOLS
    assert all(t.annotations.read_only_hint for t in tools.values())
    assert tools["ask"].input_schema["required"] == ["question"]

    answer = results["answer"]
    assert answer["refused"] is False and answer["refusal_reason"] == ""
    assert "[1]" in answer["answer"] and "Plan, Do, Study and Act" in answer["answer"]
    cited = answer["citations"][0]
    assert cited["number"] == 1 and cited["source"] == "methods/pdsa.md"
    assert cited["title"] == "PDSA cycles" and cited["heading"]
    assert "Plan, Do, Study and Act" in cited["text"]

    clinical = results["clinical"]
    assert clinical["refused"] is True and clinical["refusal_reason"] == "clinical"
    assert clinical["citations"] == [] and "clinical" in clinical["answer"]

    passages = results["search"]["passages"]
    assert 1 <= len(passages) <= 3
    assert {"source", "title", "heading", "page", "score", "text"} <= set(passages[0])
    assert any(p["source"] == "methods/run-charts.md" for p in passages)

    steps = results["journey"]["steps"]
    assert [s["number"] for s in steps] == [1, 2, 3, 4, 5, 6]
    assert steps[0]["title"] == "Assessing readiness" and "honest reading" in steps[0]["purpose"]

    assert "empty" in results["empty"]  # a bad question is the tool's error, said plainly


def check_logged(settings: Settings, user: str, before: int) -> None:
    """The four calls that ran are in the question log under ``user``, answered or refused."""
    rows = question_log(settings).rows(user=user)[before:]
    assert [(r["question"], r["refused"], r["reason"], r["answerer"]) for r in rows] == [
        (GUIDANCE, False, "", "mcp:extractive"), (CLINICAL, True, "clinical", "mcp:extractive"),
        ("run chart median shift", False, "", "mcp:search"),
        ("journey_steps()", False, "", "mcp:journey_steps")]
    assert rows[0]["cited"] == ["methods/pdsa.md"]


# -- stdio -------------------------------------------------------------------------------
@pytest.mark.slow  # starts `coach mcp` in a subprocess, which loads the embedder
def test_over_stdio_the_sdk_client_lists_the_tools_and_gets_cited_answers_and_refusals(
        settings, coach_env, tmp_path):
    before = len(question_log(settings).rows(user="local"))
    params = StdioServerParameters(command=sys.executable, args=["-m", "coach.cli", "mcp",
                                                                 "--stdio"], env=coach_env)

    async def run() -> dict[str, Any]:
        with (tmp_path / "server.log").open("w") as errors:
            async with Client(stdio_client(params, errlog=errors),
                              read_timeout_seconds=120) as client:
                return await session(client)

    results = anyio.run(run)

    check_session(results)
    check_logged(settings, "local", before)


# -- streamable HTTP ---------------------------------------------------------------------
@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` on a real uvicorn server on 127.0.0.1, in a thread; yields the MCP URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(),
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}{PATH}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def over_http(url: str, token: str | None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def run() -> dict[str, Any]:
        async with httpx2.AsyncClient(headers=headers, timeout=120) as http, \
                Client(streamable_http_client(url, http_client=http)) as client:
            return await session(client)

    return anyio.run(run)


def refusal(url: str, token: str | None) -> tuple[int, dict[str, str], str]:
    """(status, JSON body, WWW-Authenticate) of a bare MCP request with ``token``."""
    request = urllib.request.Request(url, method="POST", data=b"{}", headers={
        "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
        **({"Authorization": f"Bearer {token}"} if token else {})})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    error = caught.value
    return error.code, json.loads(error.read()), error.headers["WWW-Authenticate"]


@pytest.fixture(scope="module")
def http_url(settings, embedder) -> Iterator[str]:
    coach = build_coach(settings, embedder=embedder)
    server = build_server(GuidanceTools(coach, shared(settings).journey))
    with serving(http_app(server, TokenStore(open_database(settings)))) as url:
        yield url


def test_over_http_a_token_owner_gets_cited_answers_and_refusals_logged_as_them(
        settings, http_url, coach_env, capsys):
    assert main(["tokens", "add", "alice-laptop", "--role", "staff", "--owner", "alice"]) == 0
    token = capsys.readouterr().out.strip()
    before = len(question_log(settings).rows(user="alice"))

    results = over_http(http_url, token)

    check_session(results)
    check_logged(settings, "alice", before)


def test_over_http_no_token_an_unknown_one_and_a_revoked_one_get_401_saying_which(
        settings, http_url, coach_env, capsys):
    assert main(["tokens", "add", "bob-ide", "--role", "editor", "--owner", "bob"]) == 0
    token = capsys.readouterr().out.strip()
    assert over_http(http_url, token)["tools"]  # it works until it is revoked
    assert main(["tokens", "revoke", "bob-ide"]) == 0
    before = question_log(settings).count()

    for sent, says in ((None, "needs a bearer token"),
                       (PREFIX + "not-a-token-this-server-issued", "not one this server issued"),
                       (token, "'bob-ide' was revoked on")):
        status, body, challenge = refusal(http_url, sent)
        assert status == 401 and body["error"] == "invalid_token", sent
        assert says in body["error_description"] and challenge.startswith("Bearer ")
        with pytest.raises(ExceptionGroup) as caught:  # the SDK's client is refused too
            over_http(http_url, sent)
        assert caught.group_contains(MCPError)
    assert question_log(settings).count() == before  # nothing ran, nothing was logged


@pytest.mark.slow  # `coach mcp --http` in a subprocess, which loads the embedder
def test_coach_mcp_http_serves_token_holders_only(settings, coach_env, capsys, tmp_path):
    assert main(["tokens", "add", "carol-cli", "--role", "admin", "--owner", "carol"]) == 0
    token = capsys.readouterr().out.strip()
    port = free_port()
    url = f"http://127.0.0.1:{port}{PATH}"
    with (tmp_path / "server.log").open("w") as log:
        process = subprocess.Popen([sys.executable, "-m", "coach.cli", "mcp", "--http",
                                    "--port", str(port)], env=coach_env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:  # up when it answers at all (a 401: no token)
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "coach mcp --http did not start"
            try:
                assert refusal(url, None)[0] == 401
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)

        async def tools() -> list[str]:
            async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http, \
                    Client(streamable_http_client(url, http_client=http)) as client:
                return sorted(t.name for t in (await client.list_tools()).tools)

        assert anyio.run(tools) == TOOLS
        assert refusal(url, token + "x")[0] == 401
    finally:
        stop(process)
    assert f"http://127.0.0.1:{port}{PATH}" in (tmp_path / "server.log").read_text()


# -- coach tokens --------------------------------------------------------------------------
def test_coach_tokens_issues_once_stores_only_a_digest_lists_and_revokes(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COACH_HOME", str(tmp_path / "home"))
    assert main(["tokens", "list"]) == 0
    assert "No tokens issued yet" in capsys.readouterr().out

    assert main(["tokens", "add", "dana-claude", "--role", "staff", "--owner", "dana"]) == 0
    issued = capsys.readouterr()
    token = issued.out.strip()
    assert token.startswith(PREFIX) and len(token) > 40
    assert "shown this once" in issued.err and "dana (staff)" in issued.err
    db = open_database(settings_under(tmp_path))
    with db.connect() as conn:
        stored = conn.execute(sa.select(mcp_tokens)).mappings().one()
    assert stored["token_hash"] == digest(token) and token not in json.dumps(dict(stored))
    assert TokenStore(db).check(token).owner == "dana"  # type: ignore[union-attr]

    assert main(["tokens", "add", "dana-claude", "--role", "staff", "--owner", "dana"]) == 2
    assert "already a token called 'dana-claude'" in capsys.readouterr().err
    assert main(["tokens", "add", "eve", "--role", "boss", "--owner", "eve"]) == 2
    assert "'boss' is not a role" in capsys.readouterr().err
    assert main(["tokens", "add", "eve"]) == 2
    assert "--role staff|editor|admin --owner USER" in capsys.readouterr().err
    assert main(["tokens", "add", "bad name!", "--role", "staff", "--owner", "eve"]) == 2
    assert "cannot name a token" in capsys.readouterr().err
    assert main(["tokens", "add", "eve-ide", "--role", "editor", "--owner", "eve"]) == 0
    capsys.readouterr()

    assert main(["tokens", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:3] for line in lines] == [["dana-claude", "staff", "dana"],
                                                    ["eve-ide", "editor", "eve"]]
    assert "REVOKED" not in "".join(lines) and token not in "".join(lines)

    assert main(["tokens", "revoke", "dana-claude"]) == 0
    assert "refused from now on" in capsys.readouterr().out
    assert main(["tokens", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "REVOKED" in listed[0] and "REVOKED" not in listed[1]
    assert TokenStore(db).check(token).revoked  # type: ignore[union-attr]
    assert main(["tokens", "revoke", "nobody"]) == 2
    assert "no token called 'nobody'" in capsys.readouterr().err
