from __future__ import annotations

import pytest
from django.test import override_settings

from django_livechat.ratelimit import SlidingWindowLimiter


@override_settings(LIVECHAT={"RATE_LIMIT_MESSAGES": 2, "RATE_LIMIT_PERIOD": 10})
def test_sliding_window():
    limiter = SlidingWindowLimiter()
    assert limiter.hit("a", now=0) is None
    assert limiter.hit("a", now=1) is None
    assert limiter.hit("a", now=2) == 8  # the first hit leaves the window at t=10
    assert limiter.hit("b", now=2) is None  # per key
    assert limiter.hit("a", now=10.5) is None
    assert limiter.hit("a", now=10.6) == pytest.approx(0.4)


@override_settings(LIVECHAT={"RATE_LIMIT_MESSAGES": 0})
def test_zero_turns_it_off():
    limiter = SlidingWindowLimiter()
    assert all(limiter.hit("a", now=0) is None for _ in range(1000))


@override_settings(LIVECHAT={"RATE_LIMIT_MESSAGES": 1, "RATE_LIMIT_PERIOD": 1})
def test_idle_keys_are_swept(monkeypatch):
    from django_livechat import ratelimit

    monkeypatch.setattr(ratelimit, "SWEEP_AT", 3)
    limiter = SlidingWindowLimiter()
    for key in "abc":
        limiter.hit(key, now=0)
    limiter.hit("d", now=5)
    assert set(limiter._hits) == {"d"}


@override_settings(LIVECHAT={"RATE_LIMIT_MESSAGES": 1, "RATE_LIMIT_PERIOD": 10})
def test_a_hit_for_what_was_not_done_is_given_back():
    limiter = SlidingWindowLimiter()
    assert limiter.hit("a", now=0) is None
    limiter.undo("a")  # the database refused the message: the visitor sends it again
    assert limiter.hit("a", now=1) is None
    assert limiter.hit("a", now=2) is not None
    limiter.undo("never-seen")
