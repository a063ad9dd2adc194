"""The rate limits' own rules: windows in a shared cache, per-socket counts, client addresses.

The pipeline's use of them (which calls count, refusals that count nothing, retries never
refused, two processes sharing a limit) is tested in ``tests/pipeline/test_limits.py``.
"""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.test import override_settings

from django_livechat import errors, ratelimit
from django_livechat.errors import ChatError
from django_livechat.ratelimit import SocketLimits, VisitorLimits, Window, client_address

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


def livechat(**overrides):
    return override_settings(LIVECHAT={**settings.LIVECHAT, **overrides})


async def take(limits, window, identity, now):
    """None if allowed, else the refusal's retry_after."""
    try:
        await limits.take([(window, identity)], "Too many.", now=now)
    except ChatError as error:
        refused = error
    else:
        return None
    assert refused.code == errors.RATE_LIMITED
    return refused.retry_after


# ---------------------------------------------------------------- shared windows


async def test_a_window_allows_its_count_and_says_when_to_come_back():
    limits, window = VisitorLimits(), Window("t", 2, 10)
    assert await take(limits, window, "a", 0) is None
    assert await take(limits, window, "a", 1) is None
    # Two in this window already: the next window, weighing them in, has room for one
    # once half of it has passed (2 * 0.5 + 1 = 2).
    assert await take(limits, window, "a", 2) == pytest.approx(8 + 5)
    assert await take(limits, window, "b", 2) is None  # per identity
    assert await take(limits, window, "a", 14) == pytest.approx(1)  # 2 * 0.6 + 1 > 2
    assert await take(limits, window, "a", 15) is None
    assert await take(limits, window, "a", 35) is None  # both windows long gone


async def test_the_previous_window_counts_for_what_it_still_covers():
    limits, window = VisitorLimits(), Window("t", 4, 10)
    for second in (6, 7, 8, 9):
        assert await take(limits, window, "a", second) is None
    # At 12 the sliding window still covers 80% of the previous one: 4 * 0.8 + 1 > 4.
    assert await take(limits, window, "a", 12) == pytest.approx(0.5)
    assert await take(limits, window, "a", 12.5) is None  # 4 * 0.75 + 1 = 4


async def test_a_refusal_counts_nothing():
    limits, window = VisitorLimits(), Window("t", 1, 10)
    assert await take(limits, window, "a", 0) is None
    for _ in range(5):
        assert await take(limits, window, "a", 1) is not None
    # Only the one allowed hit weighs in the next window (1 * 0.5 + 1 > 1 until its end).
    assert await take(limits, window, "a", 19.5) == pytest.approx(0.5)
    assert await take(limits, window, "a", 20) is None


async def test_several_limits_refuse_together_and_name_the_longest_wait():
    limits = VisitorLimits()
    short, long = Window("short", 1, 10), Window("long", 5, 100)
    assert await limits.take([(short, "a"), (long, "x")], "", now=0)
    with pytest.raises(ChatError) as info:
        await limits.take([(short, "a"), (long, "x")], "Too many.", now=1)
    assert info.value.retry_after == pytest.approx(19)
    # The refused attempt was not counted against the limit that had room.
    for second in range(2, 6):
        await limits.take([(long, "x")], "", now=second)
    with pytest.raises(ChatError):
        await limits.take([(long, "x")], "", now=6)


async def test_a_ticket_gives_back_what_it_counted():
    limits, window = VisitorLimits(), Window("t", 1, 10)
    ticket = await limits.take([(window, "a")], "", now=0)
    await ticket.give_back()  # what it counted was not done
    await ticket.give_back()  # and only once
    assert await take(limits, window, "a", 1) is None
    assert await take(limits, window, "a", 2) is not None


async def test_zero_turns_a_limit_off():
    limits, window = VisitorLimits(), Window("t", 0, 10)
    for _ in range(100):
        assert await take(limits, window, "a", 0) is None


async def test_the_cache_is_the_configured_alias():
    caches_setting = {**settings.CACHES, "limits": {"BACKEND": LOCMEM, "LOCATION": "limits"}}
    window = Window("t", 1, 10)
    with override_settings(CACHES=caches_setting), livechat(RATE_LIMIT_CACHE="limits"):
        await VisitorLimits().take([(window, "a")], "", now=0)
        assert caches["limits"].get("livechat:limit:t:10:a:0") == 1
        assert caches["default"].get("livechat:limit:t:10:a:0") is None


class BrokenCache(BaseCache):
    """A cache whose server is down."""

    def __init__(self, location, params):
        super().__init__(params)

    def get_many(self, keys, version=None):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    incr = add = decr = get_many


async def test_a_failing_cache_lets_everyone_through_and_says_so(caplog, monkeypatch):
    monkeypatch.setattr(ratelimit, "_last_failure_log", float("-inf"))
    broken = {**settings.CACHES, "broken": {"BACKEND": f"{__name__}.BrokenCache"}}
    window = Window("t", 1, 10)
    with override_settings(CACHES=broken), livechat(RATE_LIMIT_CACHE="broken"):
        for _ in range(3):
            ticket = await VisitorLimits().take([(window, "a")], "", now=0)
            await ticket.give_back()
    warnings = [r for r in caplog.records if r.name == "django_livechat.ratelimit"]
    assert len(warnings) == 1  # not one per message
    assert "'broken' failed" in warnings[0].getMessage()


def test_reset_forgets_a_process_local_cache_but_not_a_shared_one():
    caches["default"].set("livechat:limit:t:10:a:0", 3)
    VisitorLimits().reset()
    assert caches["default"].get("livechat:limit:t:10:a:0") is None
    shared = {**settings.CACHES, "shared": {"BACKEND": f"{__name__}.BrokenCache"}}
    with override_settings(CACHES=shared), livechat(RATE_LIMIT_CACHE="shared"):
        VisitorLimits().reset()  # would raise if it touched the shared cache


def test_process_local_backends():
    local = {"BACKEND": LOCMEM}
    dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://"}
    with override_settings(CACHES={"default": local, "dummy": dummy, "redis": redis}):
        assert ratelimit.is_process_local("default")
        assert ratelimit.is_process_local("dummy")
        assert not ratelimit.is_process_local("redis")
        assert not ratelimit.is_process_local("missing")


# ---------------------------------------------------------------- per socket


@livechat(RATE_LIMIT_SOCKET_HISTORY=2, RATE_LIMIT_SOCKET_TYPING=3, RATE_LIMIT_PERIOD=10)
def test_socket_limits_are_a_sliding_window_per_kind():
    limits = SocketLimits()
    limits.history(now=0)
    limits.history(now=1)
    with pytest.raises(ChatError) as info:
        limits.history(now=2)
    assert info.value.code == errors.RATE_LIMITED
    assert info.value.retry_after == pytest.approx(8)  # the first leaves the window at 10
    assert "history" in info.value.message
    for second in range(3):
        limits.typing(now=second)  # each kind counts on its own
    with pytest.raises(ChatError):
        limits.typing(now=3)
    limits.history(now=10.5)
    SocketLimits().history(now=2)  # per socket


@livechat(RATE_LIMIT_SOCKET_HISTORY=0, RATE_LIMIT_SOCKET_TYPING=0)
def test_socket_limits_turned_off():
    limits = SocketLimits()
    for _ in range(1000):
        limits.history(now=0)
        limits.typing(now=0)


# ---------------------------------------------------------------- client addresses


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.7", None, "203.0.113.7"),
        # Without TRUSTED_PROXIES the header is anyone's to write: never believed.
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),
        (None, "198.51.100.1", None),
        ("", None, None),
        ("2001:db8:1:2:3:4:5:6", None, "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", None, "203.0.113.7"),
        ("not an address", None, None),
    ],
)
def test_client_address_without_trusted_proxies(peer, forwarded, expected):
    assert client_address(peer, forwarded) == expected


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.1", "198.51.100.1"),
        # What the client wrote comes first; the trusted proxy appended the real peer.
        (1, "10.9.9.9, 6.6.6.6,198.51.100.1", "198.51.100.1"),
        (2, "6.6.6.6, 198.51.100.1, 192.0.2.50", "198.51.100.1"),
        (3, "198.51.100.1, 192.0.2.50", "198.51.100.1"),  # fewer hops than proxies
        (1, None, "127.0.0.1"),  # not through the proxy: the peer
        (1, " , ", "127.0.0.1"),
        (1, "198.51.100.1:5123", "198.51.100.1"),
        (1, "[2001:db8::1]:443", "2001:db8::/64"),
        (1, "unknown", None),
    ],
)
def test_client_address_behind_trusted_proxies(proxies, forwarded, expected):
    with livechat(TRUSTED_PROXIES=proxies):
        assert client_address("127.0.0.1", forwarded) == expected


def test_a_proxy_that_is_not_trusted_is_logged_once(caplog, monkeypatch):
    monkeypatch.setattr(ratelimit, "_proxy_warned", False)
    with caplog.at_level(logging.WARNING, logger="django_livechat.ratelimit"):
        client_address("8.8.8.8", "198.51.100.1")  # a public peer: no proxy of ours
        assert not caplog.records
        for _ in range(3):
            assert client_address("127.0.0.1", "198.51.100.1") == "127.0.0.1"
    (record,) = caplog.records
    assert "TRUSTED_PROXIES" in record.getMessage()
