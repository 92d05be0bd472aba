"""Sign-in accounts: password hashing, the users file, `coach users`, and the new settings."""

from __future__ import annotations

import io
import stat

import pytest
from conftest import settings_under

from coach import cli
from coach.access import auth
from coach.config import load_settings
from coach.errors import BadInputError, ConfigError


def test_a_password_hash_verifies_only_the_same_password():
    encoded = auth.hash_password("correct horse", iterations=1000)
    algorithm, iterations, salt, digest = encoded.split("$")
    assert (algorithm, iterations, len(salt), len(digest)) == ("pbkdf2_sha256", "1000", 32, 64)
    assert auth.verify_password("correct horse", encoded)
    assert not auth.verify_password("correct horsE", encoded)
    assert not auth.verify_password("x", "garbage")
    # a fresh salt each time: the same password never gives the same line twice
    assert auth.hash_password("correct horse", iterations=1000) != encoded


def test_known_vector():
    # the published PBKDF2-HMAC-SHA256 test vector: P="password", S="salt", c=1, dkLen=32
    assert auth.hash_password("password", iterations=1, salt="73616c74").endswith(
        "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b")


def test_add_user_writes_a_private_file_and_replaces_an_existing_entry(tmp_path):
    path = tmp_path / "conf" / "users"
    assert auth.add_user(path, "alice", "first-password") is False
    assert auth.add_user(path, "bob", "second-password") is False
    assert auth.add_user(path, "alice", "changed-password") is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    users = auth.load_users(path)
    assert sorted(users) == ["alice", "bob"]
    assert auth.verify_password("changed-password", users["alice"])
    assert "first-password" not in path.read_text()
    check = auth.authenticator(path)
    assert check("bob", "second-password") and not check("bob", "wrong-password")
    assert not check("nobody", "second-password")


@pytest.mark.parametrize("name, password, expected", [
    ("a b", "long-enough", "cannot be a user name"),
    ("alice", "short", "at least 8 characters"),
])
def test_bad_names_and_short_passwords_are_refused(tmp_path, name, password, expected):
    with pytest.raises(BadInputError, match=expected):
        auth.add_user(tmp_path / "users", name, password)
    assert not (tmp_path / "users").exists()


def test_a_broken_users_file_names_the_line(tmp_path):
    path = tmp_path / "users"
    path.write_text("# comment\n\nalice:pbkdf2_sha256$1$00$00\nbob:plaintext\n")
    with pytest.raises(ConfigError, match=r"users, line 4: expected"):
        auth.load_users(path)
    with pytest.raises(ConfigError, match="no such file"):
        auth.authenticator(tmp_path / "missing")


def test_coach_users_add_reads_the_password_from_stdin(tmp_path, monkeypatch, capsys):
    path = tmp_path / "users"
    monkeypatch.setenv("COACH_AUTH_FILE", str(path))
    monkeypatch.setenv("COACH_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("sys.stdin", io.StringIO("a-good-password\n"))
    assert cli.main(["users", "add", "carol"]) == 0
    out = capsys.readouterr().out
    assert "Added carol (admin)" in out and "first admin" in out
    assert auth.verify_password("a-good-password", auth.load_users(path)["carol"])
    for name, role in (("dave", ["--role", "editor"]), ("erin", [])):
        monkeypatch.setattr("sys.stdin", io.StringIO("another-password\n"))
        assert cli.main(["users", "add", name, *role]) == 0
    assert "Added erin (staff)" in capsys.readouterr().out
    assert cli.main(["users", "set-role", "erin", "editor"]) == 0
    assert cli.main(["users", "set-role", "zed", "editor"]) == 2
    assert "no user 'zed'" in capsys.readouterr().err
    assert cli.main(["users", "set-role", "erin", "boss"]) == 2
    assert "'boss' is not a role" in capsys.readouterr().err
    assert cli.main(["users", "list"]) == 0
    assert capsys.readouterr().out.split() == ["carol", "admin", "dave", "editor",
                                               "erin", "editor"]
    assert cli.main(["users", "remove", "carol"]) == 0
    assert sorted(auth.load_users(path)) == ["dave", "erin"]


def test_an_existing_users_file_keeps_working_as_staff_and_asks_for_an_admin(tmp_path):
    from coach.access.roles import RoleStore, no_admin_warning

    path = tmp_path / "users"
    auth.add_user(path, "alice", "alice-password")  # a users file from before roles
    settings = settings_under(tmp_path, auth_file=path)
    warning = no_admin_warning(settings)
    assert warning and "coach users set-role NAME admin" in warning
    from coach.db import open_database

    roles = RoleStore(open_database(settings))
    assert roles.role_of("alice") == "staff"
    roles.set("alice", "admin", by="test")
    assert no_admin_warning(settings) is None


def test_coach_users_without_a_file_says_what_to_set(monkeypatch, capsys):
    assert cli.main(["users", "list"]) == 2
    assert "set COACH_AUTH_FILE or pass --file" in capsys.readouterr().err


def test_serve_is_a_command():
    parser, handlers = cli._parser()
    args = parser.parse_args(["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.host, args.port) == ("0.0.0.0", 9000) and "serve" in handlers


def test_web_settings_have_safe_defaults_and_checks(tmp_path, monkeypatch):
    settings = settings_under(tmp_path)
    assert (settings.host, settings.port, settings.auth_file) == ("127.0.0.1", 7860, None)
    monkeypatch.setenv("COACH_AUTH_FILE", "")
    assert load_settings().auth_file is None
    monkeypatch.setenv("COACH_PORT", "99999")
    with pytest.raises(ConfigError, match="COACH_PORT"):
        load_settings()


def test_serve_with_a_missing_users_file_stops_with_a_clear_message(tmp_path, monkeypatch,
                                                                    capsys):
    monkeypatch.setenv("COACH_AUTH_FILE", str(tmp_path / "nope"))
    monkeypatch.setenv("COACH_HOME", str(tmp_path / "home"))
    assert cli.main(["serve", "--port", "9"]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "coach users add NAME" in err
    assert not (tmp_path / "home").exists()  # stopped before anything was built
