"""Every file the app makes is served behind a role (issue 28): against the real app on
127.0.0.1 with passwords, each kind of file — an exported conversation, an action plan, a
project's chart, an evaluation report, the Insights data, the audit log — is fetched through
``/files`` as its owner, as another staff user, as an editor, as an admin and signed out; and
nothing under COACH_HOME is a Gradio static path."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from conftest import settings_under
from eval_support import write_suite
from ui_helpers import download, download_hrefs, free_port, running_app, write_kb

from coach.access import auth
from coach.access.roles import RoleStore
from coach.app import build_coach
from coach.db import open_database
from coach.ui.downloads import Refused, locate

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a-long-password"
ROLES = {"alice": "staff", "bob": "staff", "eddie": "editor", "ada": "admin"}
FALLS = "Month,Falls\n" + "".join(f"2025-{m:02d}-01,{8 - m % 3}\n" for m in range(1, 13))


@pytest.fixture(scope="module")
def app(embedder, tmp_path_factory):
    root = tmp_path_factory.mktemp("downloads")
    for name in ROLES:
        auth.add_user(root / "users", name, PASSWORD)
    settings = settings_under(root, port=free_port(), auth_file=root / "users",
                              evals_dir=root / "evals")
    write_kb(settings.knowledge_dir)
    shutil.copy(ROOT / "knowledge" / "journey.yaml", settings.knowledge_dir)
    write_suite(root)
    roles = RoleStore(open_database(settings))
    for name, role in ROLES.items():
        roles.set(name, role, by="test")
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    with running_app(coach, settings) as url:
        yield url, settings, root


def client(url: str, name: str):
    from gradio_client import Client

    return Client(url, auth=(name, PASSWORD), verbose=False)


def made(url: str, root: Path) -> dict[str, tuple[str, list[str]]]:
    """Each kind of file made through its tab: {kind: (who made it, its links)}."""
    from gradio_client import handle_file

    alice, eddie, ada = client(url, "alice"), client(url, "eddie"), client(url, "ada")
    alice.predict("What is a PDSA cycle?", None, api_name="/ask")
    (_, conversation), *_ = [tuple(c) for c in alice.predict(api_name="/history")["choices"]]
    conversation_links, _ = alice.predict(conversation, api_name="/history_export")
    alice.predict(api_name="/coach_resume")
    _, plan_links = alice.predict(api_name="/coach_export")
    out = alice.predict("Falls on Ward 7", "Reduce falls on Ward 7 from 8 to 6 a month by "
                        "31 March 2027", "Ward 7 team", "Matron", api_name="/projects_create")
    measure = alice.predict(out[1]["value"], "outcome", "Falls", "down", "run", "Falls on "
                            "Datix", "Datix", "monthly", "Ward manager", "", "",
                            api_name="/projects_add_measure")[2]["value"]
    data = root / "falls.csv"
    data.write_text(FALLS, encoding="utf-8")
    chart_links = alice.predict(measure, handle_file(str(data)), None,
                                api_name="/projects_upload")[-1]
    _, _, report_links, _ = eddie.predict("tiny/suite.yaml", api_name="/evaluate")
    insights_links = ada.predict(0, api_name="/insights_export")
    audit_links = ada.predict("", "", 0, api_name="/audit_export")
    return {"conversation": ("alice", download_hrefs(conversation_links)),
            "action plan": ("alice", download_hrefs(plan_links)),
            "project chart": ("alice", download_hrefs(chart_links)),
            "evaluation report": ("eddie", download_hrefs(report_links)),
            "insights": ("ada", download_hrefs(insights_links)),
            "audit log": ("ada", download_hrefs(audit_links))}


# who may fetch each kind, besides its maker
OTHERS = {"conversation": set(), "action plan": set(), "project chart": set(),
          "evaluation report": {"ada"}, "insights": set(), "audit log": set()}


def test_each_kind_of_file_goes_to_its_owner_or_role_and_to_nobody_else(app):
    url, settings, root = app
    files = made(url, root)
    users = {name: client(url, name) for name in ROLES}
    for kind, (maker, links) in files.items():
        assert links, f"the {kind} offered no download"
        for href in links:
            assert download(url, href, users[maker]).status_code == 200, (kind, href)
            for name in set(ROLES) - {maker}:
                got = download(url, href, users[name])
                allowed = name in OTHERS[kind] or (kind == "evaluation report"
                                                   and ROLES[name] == "editor")
                assert got.status_code == (200 if allowed else 403), (kind, name, got.text)
            refused = download(url, href)  # signed out
            assert refused.status_code == 401 and "Sign in" in refused.text
    # an owner's file is refused to another user even by its exact folder name
    sample = files["conversation"][1][0]
    got = download(url, sample, users["ada"])
    assert got.status_code == 403 and "belongs to another user" in got.text
    # a file is sent as an attachment, never rendered in the app's page
    served = download(url, files["evaluation report"][1][0], users["eddie"])
    assert served.headers["content-disposition"].startswith("attachment")
    assert served.headers["x-content-type-options"] == "nosniff"


def test_nothing_under_coach_home_is_a_gradio_static_path(app):
    from gradio.data_classes import _StaticFiles

    url, settings, _ = app
    home = Path(settings.home).resolve()
    assert not [p for p in _StaticFiles.all_paths if Path(p).resolve().is_relative_to(home)]
    # Gradio's own file route will not hand out a file of the app's home either
    secret = next((home / "exports").rglob("*.*"), None) or (home / "exports.key")
    alice = client(url, "alice")
    got = httpx.get(f"{url.rstrip('/')}/gradio_api/file={quote(str(secret))}",
                    cookies=alice.cookies, timeout=30)
    assert got.status_code in (403, 404), got.status_code


def test_paths_outside_an_area_or_unknown_are_not_found(tmp_path):
    (tmp_path / "exports").mkdir()
    (tmp_path / "secret.txt").write_text("never served", encoding="utf-8")
    for area, rel in (("runs", "../secret.txt"), ("nowhere", "x.csv"), ("runs", "")):
        with pytest.raises(Refused) as refused:
            locate(tmp_path, area, rel, user="ada", role="admin")
        assert refused.value.status == 404
    with pytest.raises(Refused) as refused:
        locate(tmp_path, "exports", "abc/plan.md", user=None, role=None)
    assert refused.value.status == 401
