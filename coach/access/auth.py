"""Optional sign-in: a file of users with salted PBKDF2-SHA256 password hashes.

One user per line, ``name:pbkdf2_sha256$iterations$salt$hash`` (salt and hash in hex); blank
lines and lines starting with ``#`` are ignored. ``coach users add NAME`` writes entries, so
nobody needs to edit the file by hand, and passwords are never stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

from coach.access.audit import SIGN_IN, SIGN_IN_FAILED, AuditLog
from coach.errors import BadInputError, ConfigError

log = logging.getLogger(__name__)

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 310_000
MIN_PASSWORD = 8
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: str | None = None
                  ) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), iterations)
    return f"{ALGORITHM}${iterations}${salt}${digest.hex()}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        algorithm, iterations, salt, expected = encoded.split("$")
        if algorithm != ALGORITHM:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt),
                                     int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise BadInputError(
            f"'{name}' cannot be a user name: use 1-64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit."
        )
    return name


def load_users(path: Path) -> dict[str, str]:
    """name -> encoded hash. Raises ConfigError naming the file and line at fault."""
    if not path.is_file():
        raise ConfigError(
            f"COACH_AUTH_FILE is {path}, but there is no such file. Create it with "
            "`coach users add NAME`, or unset COACH_AUTH_FILE to run without sign-in."
        )
    users: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, encoded = line.partition(":")
        if not sep or not _NAME.match(name) or encoded.count("$") != 3 \
                or not encoded.startswith(ALGORITHM + "$"):
            raise ConfigError(
                f"{path}, line {number}: expected 'name:{ALGORITHM}$iterations$salt$hash'. "
                "Recreate the entry with `coach users add NAME`."
            )
        users[name] = encoded
    return users


def add_user(path: Path, name: str, password: str) -> bool:
    """Add or replace a user; returns True when the user already existed. File mode 0600."""
    check_name(name)
    if len(password) < MIN_PASSWORD:
        raise BadInputError(f"The password must have at least {MIN_PASSWORD} characters.")
    users = load_users(path) if path.exists() else {}
    existed = name in users
    users[name] = hash_password(password)
    _write(path, users)
    return existed


def remove_user(path: Path, name: str) -> None:
    users = load_users(path)
    if users.pop(name, None) is None:
        raise BadInputError(f"There is no user '{name}' in {path}.")
    _write(path, users)


def _write(path: Path, users: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    body = "# Improvement Coach users: edit with `coach users add|remove NAME`\n"
    body += "".join(f"{n}:{h}\n" for n, h in sorted(users.items()))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(body)
    os.replace(tmp, path)


def authenticator(path: Path, audit: AuditLog | None = None) -> Callable[[str, str], bool]:
    """A Gradio ``auth`` callable that re-reads the file, so new users work without a restart;
    each attempt, good or bad, goes in ``audit`` (never the password)."""
    load_users(path)  # fail at start-up, not at the first login, if the file is unusable

    def check(name: str, password: str) -> bool:
        encoded = load_users(path).get(name)
        ok = encoded is not None and verify_password(password, encoded)
        if not ok:
            log.warning("failed sign-in for user %r", name)
        if audit is not None:
            audit.record(SIGN_IN if ok else SIGN_IN_FAILED, str(name)[:100], how="password",
                         detail="" if ok or encoded is not None else "no such user")
        return ok

    return check
