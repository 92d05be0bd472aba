"""The per-user question rate limit: a sliding window over a clock the test moves by hand."""

from __future__ import annotations

import threading

import pytest

from coach.errors import CoachError, RateLimitedError
from coach.ratelimit import RateLimiter, message


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_is_reached_then_the_message_says_when_to_ask_again():
    clock = Clock()
    limiter = RateLimiter(3, clock=clock)
    for _ in range(3):
        limiter.acquire("alice")
        clock.now += 10
    with pytest.raises(RateLimitedError) as caught:
        limiter.acquire("alice")  # t=30: the first question (t=0) leaves the window at t=60
    assert caught.value.retry_after == pytest.approx(30)
    assert str(caught.value) == ("You have asked 3 questions in the last minute, the most this "
                                 "app answers per person. You can ask again in 30 seconds.")
    assert isinstance(caught.value, CoachError)  # the UI shows CoachErrors as messages


def test_the_window_slides_one_question_at_a_time():
    clock = Clock()
    limiter = RateLimiter(2, clock=clock)
    limiter.acquire("alice")  # t=0
    clock.now += 40
    limiter.acquire("alice")  # t=40
    clock.now += 19.5  # t=59.5: both still inside the last minute
    with pytest.raises(RateLimitedError) as caught:
        limiter.acquire("alice")
    assert caught.value.retry_after == pytest.approx(0.5)
    assert str(caught.value).endswith("You can ask again in 1 second.")
    clock.now += 0.5  # t=60: the first has left the window, the second has not
    limiter.acquire("alice")
    with pytest.raises(RateLimitedError) as caught:
        limiter.acquire("alice")
    assert caught.value.retry_after == pytest.approx(40)


def test_a_refused_question_does_not_count():
    clock = Clock()
    limiter = RateLimiter(1, clock=clock)
    limiter.acquire("alice")
    for _ in range(5):  # hammering while limited must not push the wait further out
        clock.now += 10
        with pytest.raises(RateLimitedError):
            limiter.acquire("alice")
    clock.now += 10  # t=60
    limiter.acquire("alice")


def test_users_are_counted_separately():
    limiter = RateLimiter(1, clock=Clock())
    limiter.acquire("alice")
    limiter.acquire("bob")
    with pytest.raises(RateLimitedError):
        limiter.acquire("alice")
    assert limiter.remaining("alice") == 0
    assert limiter.remaining("carol") == 1


def test_zero_means_no_limit():
    limiter = RateLimiter(0, clock=Clock())
    for _ in range(1000):
        limiter.acquire("alice")
    assert limiter.remaining("alice") is None
    with pytest.raises(ValueError):
        RateLimiter(-1)


def test_users_idle_for_a_minute_are_forgotten():
    clock = Clock()
    limiter = RateLimiter(5, clock=clock)
    for n in range(1500):
        limiter.acquire(f"visitor-{n}")
    clock.now += 61
    limiter.acquire("late")  # past 1024 tracked users: the idle ones are swept
    assert len(limiter._asked) < 1500
    assert limiter.remaining("visitor-0") == 5


def test_concurrent_questions_never_exceed_the_limit():
    limiter = RateLimiter(50, clock=Clock())
    allowed: list[int] = []
    refused: list[int] = []

    def ask(n: int) -> None:
        try:
            limiter.acquire("alice")
            allowed.append(n)
        except RateLimitedError:
            refused.append(n)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 50 and len(refused) == 150


def test_the_message_is_singular_for_one():
    assert message(1, 59.2) == ("You have asked 1 question in the last minute, the most this "
                                "app answers per person. You can ask again in 60 seconds.")
