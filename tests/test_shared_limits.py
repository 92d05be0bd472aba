"""The question limit counted in the shared database (issue 28, part 1): two replicas (two
limiters, as two processes would build them, on one database) allow a user the limit once.
SQLite and a real PostgreSQL (the ``database_url`` fixture)."""

from __future__ import annotations

import threading

import pytest

from coach.access.limits import SharedRateLimiter
from coach.db import open_database
from coach.errors import RateLimitedError
from coach.ratelimit import RateLimiter
from coach.ui.context import limiter_for


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def replicas(make_settings, database_url, per_minute, per_day=0, clock=None):
    settings = make_settings(database_url=database_url)
    return [SharedRateLimiter(open_database(settings), per_minute, per_day,
                              **({"clock": clock} if clock else {})) for _ in range(2)]


def test_two_replicas_allow_a_user_exactly_the_limit_per_minute(make_settings, database_url):
    clock = Clock()
    a, b = replicas(make_settings, database_url, 3, clock=clock)
    a.acquire("alice")
    b.acquire("alice")
    clock.t += 10
    a.acquire("alice")
    with pytest.raises(RateLimitedError, match="You can ask again in 50 seconds") as refused:
        b.acquire("alice")
    assert refused.value.retry_after == pytest.approx(50)
    with pytest.raises(RateLimitedError):
        a.acquire("alice")
    b.acquire("bob")  # another user has a limit of their own
    assert a.remaining("alice") == b.remaining("alice") == 0
    clock.t += 50.5  # the first two questions leave the window
    a.acquire("alice")
    b.acquire("alice")
    with pytest.raises(RateLimitedError):
        a.acquire("alice")  # refused questions never counted
    assert b.remaining("alice") == 0


def test_a_daily_quota_holds_across_replicas(make_settings, database_url):
    clock = Clock()
    a, b = replicas(make_settings, database_url, 0, per_day=2, clock=clock)
    a.acquire("alice")
    clock.t += 3600
    b.acquire("alice")
    clock.t += 3600
    with pytest.raises(RateLimitedError, match="questions today"):
        a.acquire("alice")
    clock.t += 86_400
    b.acquire("alice")


def test_replicas_asking_at_once_never_admit_more_than_the_limit(make_settings, database_url):
    a, b = replicas(make_settings, database_url, 5)
    admitted: list[int] = []

    def ask(limiter: SharedRateLimiter) -> None:
        for _ in range(10):
            try:
                limiter.acquire("alice")
                admitted.append(1)
            except RateLimitedError:
                pass

    threads = [threading.Thread(target=ask, args=(limiter,)) for limiter in (a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 1 <= len(admitted) <= 5


def test_the_app_counts_in_the_database_when_replicas_share_one(make_settings, tmp_path):
    assert isinstance(limiter_for(make_settings()), RateLimiter)
    shared = make_settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}")
    assert isinstance(limiter_for(shared), SharedRateLimiter)
    assert isinstance(limiter_for(make_settings(rate_limit_per_day=100)), SharedRateLimiter)
