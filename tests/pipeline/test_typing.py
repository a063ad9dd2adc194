"""Typing indicators: coalesced per sender, rate-limited, and always ended."""

from __future__ import annotations

import asyncio

from django.conf import settings
from django.test import override_settings

from django_livechat.pipeline import typing as typing_module
from django_livechat.pipeline.typing import TypingStates

#: A quarter of it is the interval between two events of one sender: 0.1 s here.
TIMEOUT = 0.4
INTERVAL = TIMEOUT / 4


def short_timeout():
    return override_settings(LIVECHAT={**settings.LIVECHAT, "TYPING_TIMEOUT": TIMEOUT})


class Published:
    """What the other side sees of one sender."""

    def __init__(self) -> None:
        self.states: list[bool] = []

    async def __call__(self, is_typing: bool) -> None:
        self.states.append(is_typing)


async def settle(seconds: float = INTERVAL * 2) -> None:
    await asyncio.sleep(seconds)


def test_the_interval_is_a_second_or_a_quarter_of_a_short_timeout():
    assert typing_module.min_interval() == 1.0
    with short_timeout():
        assert typing_module.min_interval() == INTERVAL


@short_timeout()
async def test_a_flood_of_the_same_state_is_one_event():
    states, seen = TypingStates(), Published()
    for _ in range(200):
        states.set("ann", True, publish=seen, owner="socket-1")
    await settle()
    assert seen.states == [True]


@short_timeout()
async def test_alternating_states_are_limited_and_the_newest_wins():
    states, seen = TypingStates(), Published()
    started = asyncio.get_running_loop().time()
    for n in range(101):  # ends on True
        states.set("ann", n % 2 == 0, publish=seen, owner="socket-1")
        await asyncio.sleep(0.002)
    elapsed = asyncio.get_running_loop().time() - started
    await settle()
    assert len(seen.states) <= elapsed / INTERVAL + 2
    assert seen.states[-1] is True


@short_timeout()
async def test_silence_ends_it_and_a_long_spell_is_refreshed():
    states, seen = TypingStates(), Published()
    states.set("ann", True, publish=seen, owner="socket-1")
    await settle(TIMEOUT + INTERVAL * 2)
    assert seen.states == [True, False]  # expired without news
    # Typing on and on: refreshed every half timeout, so receivers' own timers hold.
    seen.states.clear()
    for _ in range(12):
        states.set("ann", True, publish=seen, owner="socket-1")
        await asyncio.sleep(TIMEOUT / 6)
    assert seen.states.count(True) >= 2 and False not in seen.states


@short_timeout()
async def test_a_message_or_a_disconnect_ends_it_at_once():
    states, ann, bob = TypingStates(), Published(), Published()
    states.set("ann", True, publish=ann, owner="socket-1")
    states.set("bob", True, publish=bob, owner="socket-2")
    await asyncio.sleep(0)
    states.stop("ann")  # sent a message: not held back by the interval
    states.forget_owner("socket-2")  # closed
    await asyncio.sleep(0.01)
    assert (ann.states, bob.states) == ([True, False], [True, False])
    states.stop("nobody")
    states.forget_owner("socket-9")
    await settle()
    assert (ann.states, bob.states) == ([True, False], [True, False])


@short_timeout()
async def test_a_state_never_published_needs_no_end():
    states, seen = TypingStates(), Published()
    states.set("ann", True, publish=seen, owner="socket-1")
    await asyncio.sleep(0)
    states.set("ann", False, publish=seen, owner="socket-1")
    states.set("ann", True, publish=seen, owner="socket-1")  # held back by the interval
    states.forget_owner("socket-1")
    await settle()
    assert seen.states == [True, False]


@short_timeout()
async def test_idle_senders_are_forgotten():
    states, seen = TypingStates(), Published()
    for n in range(50):
        states.set(f"visitor-{n}", True, publish=seen, owner=f"socket-{n}")
        states.set(f"visitor-{n}", False, publish=seen, owner=f"socket-{n}")
    await settle(INTERVAL * 3)
    assert states.senders == {}
