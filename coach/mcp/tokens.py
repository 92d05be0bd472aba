"""The MCP server's access tokens (`coach tokens add|list|revoke`), in the app's database
(table ``mcp_tokens``, coach/db/schema.py).

A token is 32 random bytes (``secrets``), shown once when issued and never stored: the table
keeps its SHA-256 digest (a random high-entropy token needs no slow hash), its name, a role
(coach/access/roles.py), the owner whose name every call is logged under, who issued it and
when, and when it was revoked. ``TokenStore.check`` tells a known token from an unknown or a
revoked one, so the HTTP server can say which it was.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from coach.access.roles import check_role
from coach.db import Database, check_user, now
from coach.db.schema import mcp_tokens as TOKENS
from coach.errors import BadInputError

PREFIX = "coach_"  # every token starts with it, so a leaked one is recognisable
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class TokenInfo:
    """One issued token as the table keeps it (never the token itself)."""

    name: str
    role: str
    owner: str
    created_at: str
    created_by: str
    revoked_at: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def digest(token: str) -> str:
    """The SHA-256 hex digest a token is stored and looked up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not NAME.fullmatch(name):
        raise BadInputError(f"'{name}' cannot name a token: use 1 to 64 letters, digits, dots, "
                            "dashes or underscores, starting with a letter or digit "
                            "(for example claude-desktop-alex).")
    return name


class TokenStore:
    """Issue, list, revoke and check the MCP server's tokens."""

    def __init__(self, db: Database):
        self.db = db

    def add(self, name: str, *, role: str, owner: str, by: str) -> str:
        """Issue a token called ``name`` for ``owner`` with ``role``; returns the token (the
        only time it is seen). A name already used, even by a revoked token, is refused."""
        name, role, owner = check_name(name), check_role(role), check_user(owner)
        token = PREFIX + secrets.token_urlsafe(32)
        with self.db.begin() as conn:
            taken = conn.execute(sa.select(TOKENS.c.name).where(TOKENS.c.name == name)).first()
            if taken is not None:
                raise BadInputError(f"There is already a token called '{name}' (see `coach "
                                    "tokens list`): choose another name.")
            conn.execute(TOKENS.insert().values(
                name=name, token_hash=digest(token), role=role, owner=owner,
                created_at=now(), created_by=check_user(by), revoked_at=None))
        return token

    def all(self) -> list[TokenInfo]:
        """Every token issued, revoked ones too, by name."""
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(TOKENS).order_by(TOKENS.c.name)).mappings().all()
        return [_info(row) for row in rows]

    def revoke(self, name: str) -> TokenInfo:
        """Revoke the token called ``name`` (its row stays, marked revoked); returns it."""
        name = check_name(name)
        with self.db.begin() as conn:
            row = conn.execute(sa.select(TOKENS).where(TOKENS.c.name == name)).mappings().first()
            if row is None:
                raise BadInputError(f"There is no token called '{name}' (see `coach tokens "
                                    "list`).")
            if row["revoked_at"] is None:
                conn.execute(TOKENS.update().where(TOKENS.c.name == name).values(
                    revoked_at=now()))
            found = conn.execute(sa.select(TOKENS).where(TOKENS.c.name == name)).mappings()
            return _info(found.one())

    def check(self, token: str) -> TokenInfo | None:
        """The token's record when ``token`` was issued here (check ``revoked``), else None."""
        if not token.startswith(PREFIX):
            return None
        with self.db.connect() as conn:
            row = conn.execute(sa.select(TOKENS).where(
                TOKENS.c.token_hash == digest(token))).mappings().first()
        return _info(row) if row is not None else None


def _info(row: sa.RowMapping) -> TokenInfo:
    return TokenInfo(name=str(row["name"]), role=str(row["role"]), owner=str(row["owner"]),
                     created_at=str(row["created_at"]), created_by=str(row["created_by"]),
                     revoked_at=None if row["revoked_at"] is None else str(row["revoked_at"]))
