"""Live delivery: group membership, and finished frames sent through the channel layer.

Every event is ``{"type": "livechat.frames", "frames": [[seq, text], ...]}``: the frames
the clients will see, JSON-encoded once, with the ``seq`` of each message frame (0 for
others) so a socket can drop what it already sent. One event per group carries everything
one action produced (a message and the automatic reply stored with it go together), and
consumers relay the text as it is.

Live delivery is best effort and never the only way: a channel layer drops events when a
channel is full, and fails while its server is down. A failed ``group_send`` is logged
here with numbers and never turns a stored message into an error for its sender; a
dropped one shows as a ``seq`` gap that the client repairs with ``history`` and reports
(:func:`report_gap`), which is logged here too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from channels.layers import get_channel_layer

from django_livechat import errors
from django_livechat.groups import agent_group, conversation_group, website_group

logger = logging.getLogger(__name__)

EVENT_TYPE = "livechat.frames"


@dataclass
class DeliveryStats:
    """What this process's live delivery did; :func:`stats` returns a copy."""

    group_sends: int = 0
    failed_sends: int = 0
    gaps_reported: int = 0
    events_missed: int = 0


_stats = DeliveryStats()
_stats_lock = threading.Lock()


def stats() -> DeliveryStats:
    with _stats_lock:
        return DeliveryStats(**vars(_stats))


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame)


class Frames:
    """The frames one action sends to its conversation's sockets and its website's
    dashboards; :meth:`send` makes one event per group."""

    def __init__(self, conversation_id: UUID | str, website_id: UUID | str) -> None:
        self.conversation_id = conversation_id
        self.website_id = website_id
        self.visitors: list[list[Any]] = []
        self.dashboards: list[list[Any]] = []
        self.skip_user: Any = None

    def message(
        self, data: dict[str, Any], *, for_dashboards: dict[str, Any] | None = None
    ) -> Frames:
        """A stored message: to both (the dashboards' copy may differ: an agent's name)."""
        entry = [data["seq"], encode({"type": "chat_message", **data})]
        self.visitors.append(entry)
        if for_dashboards is not None:
            entry = [data["seq"], encode({"type": "chat_message", **for_dashboards})]
        self.dashboards.append(entry)
        return self

    def to_visitors(self, frame: dict[str, Any]) -> Frames:
        self.visitors.append([0, encode(frame)])
        return self

    def to_dashboards(self, frame: dict[str, Any]) -> Frames:
        self.dashboards.append([0, encode(frame)])
        return self

    async def send(self) -> None:
        sends = []
        if self.visitors:
            sends.append((conversation_group(self.conversation_id), event(self.visitors)))
        if self.dashboards:
            dashboards = event(self.dashboards, skip_user=self.skip_user)
            sends.append((website_group(self.website_id), dashboards))
        for group, payload in sends:
            await group_send(group, payload)


def event(frames: list[list[Any]], *, skip_user: Any = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"type": EVENT_TYPE, "frames": frames}
    if skip_user is not None:
        payload["skip_user"] = skip_user
    return payload


async def to_agent(user_id: Any, frame: dict[str, Any]) -> None:
    """A frame for every dashboard of one agent (their tabs)."""
    await group_send(agent_group(user_id), event([[0, encode(frame)]]))


async def group_send(group: str, payload: dict[str, Any]) -> None:
    """``group_send`` that logs a failure (with this process's counts) instead of raising."""
    try:
        await get_channel_layer().group_send(group, payload)
    except Exception as exc:
        with _stats_lock:
            _stats.group_sends += 1
            _stats.failed_sends += 1
            failed, total = _stats.failed_sends, _stats.group_sends
        logger.warning(
            "Live delivery to %s failed (%s: %s); %d of %d group sends of this process have "
            "failed. Nothing stored is lost: clients catch up by seq.",
            group,
            type(exc).__name__,
            exc,
            failed,
            total,
        )
        return
    with _stats_lock:
        _stats.group_sends += 1


def report_gap(who: str, conversation_id: UUID, held: int, missed: int) -> None:
    """A client found ``missed`` messages after ``held`` that never reached it live."""
    with _stats_lock:
        _stats.gaps_reported += 1
        _stats.events_missed += missed
        gaps, events = _stats.gaps_reported, _stats.events_missed
    logger.warning(
        "A %s missed %d live message(s) of conversation %s after seq %d and caught up from "
        "the database; %d gap(s), %d message(s) in this process so far. If this recurs, "
        "the channel layer is dropping events: raise its capacity (check "
        "django_livechat.W005) or look at its server.",
        who,
        missed,
        conversation_id,
        held,
        gaps,
        events,
    )


# ---------------------------------------------------------------- membership


#: Tries of a group_add before the join is refused (a layer server swamped by a
#: reconnect storm times a few out).
JOIN_ATTEMPTS = 3


async def join(channel_name: str, groups: Iterable[str]) -> list[str]:
    """Add the socket to ``groups``; ``UNAVAILABLE`` if the channel layer will not have it."""
    layer = get_channel_layer()
    joined = []
    for group in groups:
        for attempt in range(1, JOIN_ATTEMPTS + 1):
            try:
                await layer.group_add(group, channel_name)
                break
            except Exception as exc:
                if attempt == JOIN_ATTEMPTS:
                    logger.warning("Joining %s failed %d times (%s)", group, attempt, exc)
                    raise errors.unavailable("Live delivery is not available just now.") from exc
                await asyncio.sleep(0.1 * attempt)
        joined.append(group)
    return joined


async def leave(channel_name: str, groups: Iterable[str]) -> None:
    layer = get_channel_layer()
    for group in groups:
        try:
            await layer.group_discard(group, channel_name)
        except Exception as exc:  # the layer's server is down: the membership expires
            logger.info("Leaving %s failed (%s); it expires by itself", group, exc)
