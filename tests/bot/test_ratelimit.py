"""A sliding-window rate limit: N events per window and key, refused attempts not counted."""

from __future__ import annotations

from bot.ratelimit import RateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_holds_per_key_and_frees_up_as_the_window_slides() -> None:
    clock = Clock()
    limit = RateLimit(3, 60.0, clock)
    assert [limit.hit("a") for _ in range(3)] == [None, None, None]
    assert limit.hit("a") == 60.0
    assert limit.hit("b") is None
    clock.now += 30
    assert limit.hit("a") == 30.0  # refused attempts do not push the wait further
    clock.now += 30
    assert limit.hit("a") is None


def test_zero_turns_the_limit_off() -> None:
    limit = RateLimit(0, 60.0)
    assert all(limit.hit("a") is None for _ in range(1000))
