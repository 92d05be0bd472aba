"""Roles are enforced by the server for every event: each named API endpoint is called through
gradio_client as staff, editor and admin, and refused exactly when the role is too low."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from conftest import settings_under
from ui_helpers import free_port, running_app, write_kb

from coach.access import auth
from coach.access.roles import ROLES, Access, RoleStore, allows
from coach.app import build_coach
from coach.db import open_database
from coach.ui.app import TABS, build_ui
from coach.ui.guard import guard

pytestmark = pytest.mark.slow

JOURNEY = Path(__file__).resolve().parents[1] / "knowledge" / "journey.yaml"
PASSWORD = "a-long-password"
# the least role each named endpoint needs: a new endpoint must be added here (and to a tab)
EXPECTED = {
    "ask": "staff", "feedback": "staff", "new_conversation": "staff",
    "history": "staff", "history_open": "staff", "history_delete": "staff",
    "history_confirm_delete": "staff", "history_export": "staff",
    "survey_open": "staff", "survey_list": "staff", "survey_results": "staff",
    "survey_close": "staff", "survey_adopt": "staff", "survey_respond": "staff",
    "evaluate": "editor", "eval_runs": "editor", "eval_compare": "editor",
    "eval_prefer": "editor", "upload": "editor", "reindex": "editor", "test_retrieval": "editor",
    "remove_document": "editor",
    "on_search": "editor", "set_role": "admin", "list_users": "admin",
    "insights": "admin", "insights_export": "admin",
    "audit_events": "admin", "audit_export": "admin",
    "review_queue": "editor", "review_item": "editor", "review_save": "editor",
    "review_save_case": "editor",
}
COACH_TAB = "staff"  # every coach_* endpoint (the Coach tab)
PROJECTS_TAB = "staff"  # every projects_* endpoint (the Projects tab)


@pytest.fixture(scope="module")
def app(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("roles")
    write_kb(root / "kb")
    shutil.copyfile(JOURNEY, root / "kb" / "journey.yaml")
    (root / "evals").mkdir()  # no suites: the Evaluate endpoint answers at once
    users = root / "users"
    for role in ROLES:
        auth.add_user(users, role, PASSWORD)
    settings = settings_under(root, port=free_port(), auth_file=users,
                              evals_dir=root / "evals")
    roles = RoleStore(open_database(settings))
    for role in ROLES:
        roles.set(role, role, by="test")
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    with running_app(coach, settings) as url:
        yield url, root


def dummy(param: dict, root: Path) -> object:
    """A harmless value for one endpoint parameter (its default when it has one)."""
    from gradio_client import handle_file

    if param.get("parameter_has_default"):
        return param.get("parameter_default")
    if param.get("type", {}).get("enum"):  # a radio or dropdown: one of its choices
        return param["type"]["enum"][0]
    if param.get("component") in ("Dropdown", "Radio"):  # with no choices at all
        return None
    kind = str(param.get("python_type", {}).get("type", "")).lower()
    if "filepath" in kind or "file" in str(param.get("component", "")).lower():
        doc = root / "upload.txt"  # a type both the Library and the Projects tab take
        doc.write_text("# Note\n\nA short note about huddles.\n", encoding="utf-8")
        return [handle_file(str(doc))] if "list" in kind else handle_file(str(doc))
    if "bool" in kind:
        return False
    if "float" in kind or "int" in kind:
        return 0
    if "list" in kind:
        return []
    if "dict" in kind:
        return None
    return "What is a run chart?"


def call(client: Any, user: str, endpoint: str, info: dict, root: Path) -> str | None:
    """The refusal message, or None when the endpoint ran (whatever it answered)."""
    args = [dummy(p, root) for p in info["parameters"]]
    try:
        client.predict(*args, api_name=endpoint)
    except Exception as exc:  # noqa: BLE001 - the message says whether it was a refusal
        if "Not allowed" in str(exc):
            return str(exc)
        raise AssertionError(f"{endpoint} as {user} failed for another reason: {exc}") from exc
    return None


def test_every_named_endpoint_refuses_exactly_the_roles_below_its_own(app):
    from gradio_client import Client

    url, root = app
    api = Client(url, auth=("admin", PASSWORD), verbose=False).view_api(
        print_info=False, return_format="dict")
    endpoints = {name.lstrip("/"): info for name, info in api["named_endpoints"].items()}
    expected = EXPECTED | {n: COACH_TAB for n in endpoints if n.startswith("coach_")} | {
        n: PROJECTS_TAB for n in endpoints if n.startswith("projects_")}
    assert set(endpoints) == set(expected), (
        "an endpoint was added or removed: declare its role in EXPECTED and in the app")
    assert sum(n.startswith("coach_") for n in endpoints) >= 5
    assert sum(n.startswith("projects_") for n in endpoints) >= 8
    outcomes = {}
    clients = {role: Client(url, auth=(role, PASSWORD), verbose=False) for role in ROLES}
    for name, info in endpoints.items():
        for role in ROLES:
            refused = call(clients[role], role, "/" + name, info, root)
            outcomes[name, role] = refused is not None
            if refused:
                assert f"needs the {expected[name]} role" in refused
                assert f"signed in as {role}" in refused
    assert outcomes == {(n, r): not allows(r, expected[n]) for n in expected for r in ROLES}


def test_an_event_that_declares_no_role_stops_the_app_from_building():
    with gr.Blocks() as demo:
        box = gr.Textbox()
        gr.Button("one").click(lambda s: s, box, box, api_name="one")
        gr.Button("two").click(lambda s: s, box, box, api_name="two")
    first = min(demo.fns)
    with pytest.raises(RuntimeError, match="declare no role.*two"):
        guard(demo, {first: "staff"}, Access(None, sign_in=True))


def test_every_event_of_the_app_is_guarded_and_every_tab_has_a_role(make_coach, tmp_path):
    settings = settings_under(tmp_path, auth_file=tmp_path / "users")
    auth.add_user(tmp_path / "users", "x", PASSWORD)
    demo = build_ui(make_coach(settings=settings), settings)
    served = [fn for fn in demo.fns.values() if fn.fn is not None]
    assert served and all(getattr(fn.fn, "_coach_role", None) in ROLES for fn in served)
    assert {role for _, _, role in TABS} <= set(ROLES)
    assert len(demo.fns) > len(EXPECTED)  # the private events are guarded too


def test_the_admin_table_is_read_at_each_page_load(make_coach, tmp_path):
    """A user or role added elsewhere (the command line, another replica sharing the database)
    shows when the Admin tab next loads: the table is not a snapshot taken at start-up."""
    from types import SimpleNamespace

    users = tmp_path / "users"
    auth.add_user(users, "alice", PASSWORD)
    settings = settings_under(tmp_path, auth_file=users)
    roles = RoleStore(open_database(settings))
    roles.set("alice", "admin", by="test")
    demo = build_ui(make_coach(settings=settings), settings)
    table = next(b for b in demo.blocks.values() if getattr(b, "elem_id", "") == "users-table")
    loads = [fn for fn in demo.fns.values() if fn.fn is not None and table in fn.outputs
             and all(event == "load" for _, event in fn.targets)]
    assert len(loads) == 1, "the users table is not refreshed when the page loads"

    auth.add_user(users, "bob", PASSWORD)
    roles.set("bob", "editor", by="another replica")
    shown = loads[0].fn(SimpleNamespace(username="alice"))  # as Gradio calls it, signed in

    assert shown == [["alice", "admin"], ["bob", "editor"]]
    assert not isinstance(loads[0].fn(SimpleNamespace(username="bob")), list)  # editor: skipped
