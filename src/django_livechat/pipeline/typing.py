"""Typing indicators: coalesced and rate-limited per sender, and always ended.

A client may send ``typing`` frames as fast as it likes; what reaches the other side is at
most one change per :func:`min_interval` per sender (the newest state wins and goes out
as soon as the interval allows), a refresh every half ``TYPING_TIMEOUT`` while typing
goes on, and a ``false`` when the sender stops, sends a message, disconnects or falls
silent for ``TYPING_TIMEOUT``. So a typing flood costs the dashboards one event a second
and never crowds out anyone's messages.

The timers live here, per event loop; consumers only report what the client said and
when the socket goes (:meth:`TypingStates.forget_owner`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Hashable
from dataclasses import dataclass, field
from typing import Any

from django_livechat.conf import livechat_settings
from django_livechat.pipeline.background import loop_local, spawn

#: At most one typing event per sender per this many seconds (a quarter of
#: ``TYPING_TIMEOUT`` if that is shorter, so that a typing state outlives the wait).
MIN_INTERVAL = 1.0


def min_interval() -> float:
    return min(MIN_INTERVAL, livechat_settings.TYPING_TIMEOUT / 4)


Publish = Callable[[bool], Coroutine[Any, Any, None]]


@dataclass
class _Sender:
    publish: Publish
    owner: str
    wanted: bool = False
    published: bool = False
    published_at: float = float("-inf")
    flush: asyncio.TimerHandle | None = None
    expiry: asyncio.TimerHandle | None = None
    #: Anything the caller keeps about the sender (an authorization, a website id).
    context: dict[str, Any] = field(default_factory=dict)


class TypingStates:
    """The typing state of every sender on this event loop."""

    def __init__(self) -> None:
        self.senders: dict[Hashable, _Sender] = {}

    def get(self, key: Hashable) -> _Sender | None:
        return self.senders.get(key)

    def set(
        self,
        key: Hashable,
        typing: bool,
        *,
        publish: Publish,
        owner: str,
        immediate: bool = False,
    ) -> _Sender:
        """``key`` says it types (or not); publish what others should see, when allowed
        (at once with ``immediate``: the sender sent a message or left)."""
        sender = self.senders.get(key)
        if sender is None:
            sender = self.senders[key] = _Sender(publish=publish, owner=owner)
        sender.publish, sender.owner, sender.wanted = publish, owner, typing
        if sender.expiry is not None:
            sender.expiry.cancel()
            sender.expiry = None
        if typing:
            loop = asyncio.get_running_loop()
            timeout = livechat_settings.TYPING_TIMEOUT
            sender.expiry = loop.call_later(timeout, self._expire, key)
        if immediate:
            if sender.flush is not None:
                sender.flush.cancel()
                sender.flush = None
            sender.published_at = float("-inf")
        self._schedule(key, sender)
        return sender

    def stop(self, key: Hashable) -> None:
        """``key`` stopped typing (sent a message): tell others if they think it types."""
        sender = self.senders.get(key)
        if sender is not None and (sender.wanted or sender.published):
            self.set(key, False, publish=sender.publish, owner=sender.owner, immediate=True)

    def forget_owner(self, owner: str) -> None:
        """The socket ``owner`` is gone: end every typing state it started."""
        for key, sender in list(self.senders.items()):
            if sender.owner == owner and (sender.wanted or sender.published):
                self.set(key, False, publish=sender.publish, owner=owner, immediate=True)

    def _expire(self, key: Hashable) -> None:
        sender = self.senders.get(key)
        if sender is not None:
            sender.expiry = None
            self.set(key, False, publish=sender.publish, owner=sender.owner)

    def _due(self, sender: _Sender, now: float) -> bool:
        if sender.wanted != sender.published:
            return True
        refresh = livechat_settings.TYPING_TIMEOUT / 2
        return sender.wanted and now - sender.published_at >= refresh

    def _schedule(self, key: Hashable, sender: _Sender) -> None:
        now = time.monotonic()
        if not self._due(sender, now):
            self._discard_idle(key, sender)
            return
        if sender.flush is not None:
            return  # a publish is already coming; it will carry the newest state
        wait = sender.published_at + min_interval() - now
        if wait <= 0:
            self._flush(key)
        else:
            sender.flush = asyncio.get_running_loop().call_later(wait, self._flush, key)

    def _flush(self, key: Hashable) -> None:
        sender = self.senders.get(key)
        if sender is None:
            return
        sender.flush = None
        now = time.monotonic()
        if self._due(sender, now):
            sender.published, sender.published_at = sender.wanted, now
            spawn(sender.publish(sender.wanted), name="livechat-typing")
        self._discard_idle(key, sender)

    def _discard_idle(self, key: Hashable, sender: _Sender) -> None:
        if sender.wanted or sender.published or sender.flush is not None:
            return
        # Kept until the interval has passed, so that a true/false flood stays limited.
        wait = sender.published_at + min_interval() - time.monotonic()
        if wait > 0:
            sender.flush = asyncio.get_running_loop().call_later(wait, self._flush, key)
            return
        if sender.expiry is not None:
            sender.expiry.cancel()
        self.senders.pop(key, None)


def typing_states() -> TypingStates:
    """This event loop's typing states."""
    return loop_local("typing", TypingStates)
