"""What every store shares, defined once: the clock (UTC times as the ISO text every app table
stores), the user name of a single-user install (``local``, sign-in off) and the check of a
user name given on the command line."""

from __future__ import annotations

import datetime as dt

from coach.errors import BadInputError

LOCAL_USER = "local"  # the one user when sign-in is off (this machine, or --no-auth)


def utc_now() -> dt.datetime:
    """The time now, UTC, to the second (the default clock of the stores that take one)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def stamp(when: dt.datetime) -> str:
    """The ISO text every app table stores times as (UTC, seconds)."""
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def now(timespec: str = "seconds") -> str:
    """The time now as stored: ISO text, UTC, to the second (``timespec="microseconds"`` where
    two writes in the same second must still sort in the order they happened)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec=timespec)


def check_user(user: str) -> str:
    user = str(user or "").strip()
    if not user or len(user) > 100:
        raise BadInputError("A user name must be 1 to 100 characters, for example --user alex.")
    return user
