"""The security audit log (issue 28, part 3): each audited event appears once with who, when,
what and from where, never a password or a secret; retention; CSV; the Admin tab's view.
Real database (SQLite), real users file, real web app and gradio_client."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from conftest import settings_under
from ui_helpers import downloaded, free_port, running_app, write_kb

from coach.access import auth
from coach.access.audit import (
    EXPORT,
    FORGOTTEN,
    HEADERS,
    PASSWORD_CHANGED,
    ROLE_CHANGED,
    SIGN_IN,
    SIGN_IN_FAILED,
    USER_ADDED,
    USER_REMOVED,
    AuditLog,
    as_csv,
)
from coach.access.proxy import from_settings
from coach.access.roles import RoleStore
from coach.cli import main
from coach.db import open_database
from coach.db import schema as s

PASSWORD = "a-long-password-1"


def log_of(settings):
    return AuditLog(open_database(settings), settings.audit_retention_days)


def kinds(settings, **filters):
    return [(e.event, e.actor, e.subject) for e in reversed(log_of(settings).events(**filters))]


def everything_written(settings) -> str:
    with open_database(settings).connect() as conn:
        return repr(conn.execute(sa.select(s.audit_events)).all())


def test_password_sign_ins_are_audited_without_the_password(tmp_path):
    settings = settings_under(tmp_path)
    users = tmp_path / "users"
    auth.add_user(users, "alice", PASSWORD)
    check = auth.authenticator(users, log_of(settings))
    assert check("alice", PASSWORD) and not check("alice", "wrong-password-9")
    assert not check("mallory", PASSWORD)
    events = log_of(settings).events()
    assert [(e.event, e.actor, e.how, e.detail) for e in reversed(events)] == [
        (SIGN_IN, "alice", "password", ""), (SIGN_IN_FAILED, "alice", "password", ""),
        (SIGN_IN_FAILED, "mallory", "password", "no such user")]
    written = everything_written(settings)
    assert PASSWORD not in written and "wrong-password-9" not in written


def request(peer: str, **headers: str) -> SimpleNamespace:
    return SimpleNamespace(client=SimpleNamespace(host=peer), headers=headers)


def test_proxy_sign_ins_are_audited_once_and_forgeries_each_time(tmp_path):
    settings = settings_under(tmp_path, trusted_user_header="X-User",
                              trusted_proxies="10.0.0.5/32")
    proxy = from_settings(settings, log_of(settings))
    assert proxy is not None
    for _ in range(3):  # every request carries the header: one sign-in event
        assert proxy.user(request("10.0.0.5", **{"X-User": "bob"})) == "bob"
    assert proxy.user(request("10.9.9.9", **{"X-User": "admin"})) is None
    events = list(reversed(log_of(settings).events()))
    assert [(e.event, e.actor, e.peer, e.how) for e in events] == [
        (SIGN_IN, "bob", "10.0.0.5", "proxy"), (SIGN_IN_FAILED, "admin", "10.9.9.9", "proxy")]
    assert "COACH_TRUSTED_PROXIES" in events[1].detail


def test_a_role_change_names_who_changed_it_and_from_what(tmp_path):
    settings = settings_under(tmp_path)
    roles = RoleStore(open_database(settings))
    roles.set("carol", "editor", by="alice")
    roles.set("carol", "admin", by="alice")
    assert [(e.actor, e.subject, e.detail) for e in reversed(log_of(settings).events(
        event=ROLE_CHANGED))] == [("alice", "carol", "staff -> editor"),
                                  ("alice", "carol", "editor -> admin")]


def test_accounts_and_forget_from_the_command_line_are_audited(tmp_path, monkeypatch, capsys):
    settings = settings_under(tmp_path, auth_file=tmp_path / "users")
    monkeypatch.setenv("COACH_HOME", str(settings.home))
    monkeypatch.setenv("COACH_AUTH_FILE", str(settings.auth_file))
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n{PASSWORD}\n"))
    assert main(["users", "add", "dave", "--role", "editor"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}x\n{PASSWORD}x\n"))
    assert main(["users", "add", "dave"]) == 0
    assert main(["users", "set-role", "dave", "admin"]) == 0
    assert main(["users", "remove", "dave"]) == 0
    assert main(["users", "forget", "dave"]) == 0
    capsys.readouterr()
    events = list(reversed(log_of(settings).events()))
    assert [(e.event, e.subject) for e in events] == [
        (USER_ADDED, "dave"), (ROLE_CHANGED, "dave"), (PASSWORD_CHANGED, "dave"),
        (ROLE_CHANGED, "dave"), (USER_REMOVED, "dave"), (FORGOTTEN, "dave")]
    assert all(e.actor.startswith("cli") for e in events)
    assert PASSWORD not in everything_written(settings)


def test_old_events_go_after_the_retention_period_and_csv_lists_them(tmp_path):
    settings = settings_under(tmp_path, audit_retention_days=30)
    audit = log_of(settings)
    audit.record(EXPORT, "erin", detail="insights CSV")
    with open_database(settings).begin() as conn:
        conn.execute(s.audit_events.insert().values(
            at="2020-01-01T00:00:00+00:00", event=EXPORT, actor="old", subject="", peer="",
            how="web", detail="long ago"))
    assert audit.purge() == 1
    assert [e.actor for e in audit.events()] == ["erin"]
    rows = list(csv.reader(io.StringIO(as_csv(audit.events()))))
    assert rows[0][:3] == ["When (UTC)", "Event", "Who"] and rows[1][1:3] == [EXPORT, "erin"]
    assert AuditLog(open_database(settings)).purge() == 0  # no retention given: keep all


@pytest.mark.slow
def test_the_admin_tab_lists_and_exports_the_log_and_audits_exports(tmp_path, embedder):
    from gradio_client import Client

    from coach.app import build_coach

    write_kb(tmp_path / "kb")
    users = tmp_path / "users"
    auth.add_user(users, "admin", PASSWORD)
    settings = settings_under(tmp_path, port=free_port(), auth_file=users)
    RoleStore(open_database(settings)).set("admin", "admin", by="test")
    coach = build_coach(settings, embedder=embedder)
    coach.ingest()
    with running_app(coach, settings) as url:
        client = Client(url, auth=("admin", PASSWORD), verbose=False)
        client.predict(30, api_name="/insights_export")
        table = client.predict("", "admin", 0, api_name="/audit_events")
        links = client.predict(EXPORT, "", 0, api_name="/audit_export")
        (csv,) = downloaded(url, links, client).values()  # served to admins by /files
    assert csv.decode().splitlines()[0] == ",".join(HEADERS) and EXPORT in csv.decode()
    shown = [row[1] for row in table["data"]]
    assert SIGN_IN in shown and EXPORT in shown
    exports = log_of(settings).events(event=EXPORT)
    assert [(e.actor, e.peer, e.how) for e in exports][:2] == [
        ("admin", "127.0.0.1", "web"), ("admin", "127.0.0.1", "web")]
    assert [e.detail for e in reversed(exports)] == ["insights CSV (30 days)",
                                                     "security audit log (CSV)"]


def test_mcp_tokens_issued_and_revoked_are_audited_without_the_token(tmp_path, monkeypatch,
                                                                     capsys):
    from coach.access.audit import TOKEN_ISSUED, TOKEN_REVOKED

    settings = settings_under(tmp_path)
    monkeypatch.setenv("COACH_HOME", str(settings.home))
    assert main(["tokens", "add", "copilot", "--role", "staff", "--owner", "fay"]) == 0
    token = capsys.readouterr().out.strip()
    assert main(["tokens", "revoke", "copilot"]) == 0
    events = list(reversed(log_of(settings).events()))
    assert [(e.event, e.subject, e.how) for e in events] == [
        (TOKEN_ISSUED, "fay", "cli"), (TOKEN_REVOKED, "fay", "cli")]
    assert "copilot" in events[0].detail and token and token not in everything_written(settings)
