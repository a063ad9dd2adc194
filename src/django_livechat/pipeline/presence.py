"""Agent presence: how many agents of a website have a dashboard open, in every process.

A dashboard socket writes one :class:`~django_livechat.models.AgentPresence` row per
website its agent serves when it opens (:func:`register`), refreshes them with its
heartbeat and follows the agent's grants (:func:`refresh`), and deletes them when it closes
(:func:`unregister`). A server process that dies leaves its rows behind; they expire after
:func:`presence_ttl` (two heartbeats and a margin) and the next heartbeat of any dashboard
sweeps them away. ``agents_online`` is the number of distinct users with an unexpired row
for the website.

When a website's count changes, its visitors' sockets get a ``presence`` frame, at most
one per website per second from each process: a change within the second after a frame
is sent when the second is over, with the count as it is then.

Agents see each other too: each row also says which conversation its dashboard has open
(``viewing``, :func:`set_viewing`), and the website's dashboards get an ``agents`` frame
(:func:`agents_frames`: who is online and where) when an agent comes or goes or opens a
conversation, coalesced the same way at most every :data:`AGENTS_COALESCE_SECONDS`. The
frame goes through the website's dashboards group, so it reaches every process; it is read
from the rows as they are when it is sent, so an expired row (a dead process) is gone from
it, and the sweep that deletes such rows announces it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any, NamedTuple
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from django_livechat.conf import livechat_settings
from django_livechat.dbthreads import run_in_db_thread, run_in_writer_thread
from django_livechat.groups import visitors_group, website_group
from django_livechat.models import AgentPresence
from django_livechat.pipeline import events, frames, hours
from django_livechat.pipeline.background import loop_local, spawn

logger = logging.getLogger(__name__)

#: Seconds between two ``presence`` frames of one website (per process).
COALESCE_SECONDS = 1.0
#: Seconds between two ``agents`` frames of one website (per process).
AGENTS_COALESCE_SECONDS = 0.5
#: Seconds a process trusts a count it read (identify, pong and polling read it).
COUNT_CACHE_SECONDS = 1.0
#: Seconds between two sweeps of expired rows (per process).
SWEEP_SECONDS = 10.0
#: Margin, in seconds, on top of two heartbeats before a silent socket's rows expire.
EXPIRY_MARGIN = 10.0


def presence_ttl() -> timedelta:
    """How long a dashboard socket counts without a heartbeat."""
    return timedelta(seconds=2 * livechat_settings.HEARTBEAT_INTERVAL + EXPIRY_MARGIN)


def frame(
    website_id: UUID | str, agents_online: int, is_open: bool | None = None
) -> dict[str, Any]:
    """``presence``: the website's ``agents_online``, and whether it is ``open`` (business
    hours: :mod:`django_livechat.pipeline.hours`) unless ``is_open`` is None."""
    data: dict[str, Any] = {
        "type": "presence",
        "website_id": str(website_id),
        "agents_online": agents_online,
    }
    if is_open is not None:
        data["open"] = is_open
    return data


# ---------------------------------------------------------------- counting


def count_sync(website_ids: Iterable[UUID]) -> dict[UUID, int]:
    """``agents_online`` of each website, read now (one query)."""
    wanted = list(website_ids)
    counts = dict.fromkeys(wanted, 0)
    if not wanted:
        return counts
    rows = (
        AgentPresence.objects.filter(website_id__in=wanted, expires_at__gt=timezone.now())
        .values_list("website_id", "user_id")
        .distinct()
    )
    for website_id, _user_id in rows:
        counts[website_id] += 1
    return counts


class CountCache:
    """This process's recent counts, so that a visitor's identify, pong and poll cost at
    most one small query per website per :data:`COUNT_CACHE_SECONDS`."""

    def __init__(self) -> None:
        self._counts: dict[UUID, tuple[float, int]] = {}

    def get(self, website_id: UUID) -> int | None:
        cached = self._counts.get(website_id)
        if cached is None or cached[0] < time.monotonic():
            return None
        return cached[1]

    def last_known(self, website_id: UUID) -> int | None:
        """The count read last, however old (None: never read in this process)."""
        cached = self._counts.get(website_id)
        return None if cached is None else cached[1]

    def put(self, counts: dict[UUID, int]) -> None:
        until = time.monotonic() + COUNT_CACHE_SECONDS
        if len(self._counts) > 10_000:
            self._counts.clear()  # bounded: stale entries of many websites
        for website_id, count in counts.items():
            self._counts[website_id] = (until, count)


_cache = CountCache()


async def agents_online(website_id: UUID) -> int:
    """How many agents of the website have a dashboard open (cached for a second)."""
    cached = _cache.get(website_id)
    if cached is not None:
        return cached
    counts = await run_in_db_thread(count_sync, [website_id])
    _cache.put(counts)
    return counts[website_id]


def last_known_count(website_id: UUID) -> int | None:
    """The website's ``agents_online`` as this process read it last, without a query (for
    the inline responder, which must not query); None if it never read it."""
    return _cache.last_known(website_id)


async def check_open(website_id: UUID) -> hours.Availability:
    """The website's availability now; when it opened or closed since this process looked
    last, its visitors get a ``presence`` frame saying so (see :mod:`.hours`)."""
    now = await hours.website_availability(website_id)
    if hours.open_changed(website_id, now.open):
        flips: set[UUID] = loop_local("presence-open-flips", set)
        flips.add(website_id)
        announce([website_id])
    return now


# ---------------------------------------------------------------- the dashboards' rows


class Changed(NamedTuple):
    """What a write changed: websites whose ``agents_online`` changed (their visitors and
    dashboards hear of it), and those where only who views what did (dashboards)."""

    counts: set[UUID]
    views: set[UUID]


async def register(channel_name: str, user_id: Any, website_ids: Iterable[UUID]) -> None:
    """A dashboard socket opened: it counts for each website its agent serves."""
    await refresh(channel_name, user_id, website_ids)


async def refresh(channel_name: str, user_id: Any, website_ids: Iterable[UUID]) -> None:
    """The socket's heartbeat, or its agent's grants changed: keep its rows alive for the
    websites served now (a website added or taken away changes its count at once)."""
    await _write(_refresh_sync, channel_name, user_id, frozenset(website_ids))
    await sweep_if_due()


async def unregister(channel_name: str) -> None:
    """The dashboard socket closed."""
    await _write(_unregister_sync, channel_name)


def _unregister_sync(channel_name: str) -> Changed:
    viewed = AgentPresence.objects.filter(channel_name=channel_name, viewing__isnull=False)
    # An agent's other tab may keep the count as it was: the conversation they had open
    # here is still news to the other agents.
    views = set(viewed.values_list("website_id", flat=True))
    return Changed(_refresh_sync(channel_name, None, frozenset()).counts, views)


async def set_viewing(
    channel_name: str, conversation_id: UUID | None, website_id: UUID | None
) -> None:
    """The dashboard socket has ``conversation_id`` (of ``website_id``) open, or none:
    the website's dashboards are told (an authorized conversation: see
    :func:`django_livechat.pipeline.agent.view_conversation`)."""
    await _write(_viewing_sync, channel_name, conversation_id, website_id)


def _viewing_sync(
    channel_name: str, conversation_id: UUID | None, website_id: UUID | None
) -> Changed:
    rows = AgentPresence.objects.filter(channel_name=channel_name)
    with transaction.atomic():
        before = dict(rows.values_list("website_id", "viewing_id"))
        # Each row names a conversation of its own website only, so that an agent serving
        # two websites shows nothing of one to the other's agents.
        rows.exclude(website_id=website_id).exclude(viewing=None).update(viewing=None)
        if conversation_id is not None:
            rows.filter(website_id=website_id).update(viewing_id=conversation_id)
    views = {
        wid
        for wid, viewing in before.items()
        if viewing != (conversation_id if wid == website_id else None)
    }
    return Changed(set(), views)


async def _write(func: Callable[..., Changed], *args: Any) -> None:
    """Write in the writer thread (one writer for SQLite) and announce what changed.

    Best effort: presence is a hint for visitors and agents, so a database that fails
    here is logged and the socket carries on; its rows expire or are written at the next
    heartbeat."""
    try:
        changed = await run_in_writer_thread(func, *args)
    except Exception as exc:
        logger.warning("Updating agent presence failed (%s: %s)", type(exc).__name__, exc)
        return
    announce(changed.counts)
    announce_to_dashboards(changed.views - changed.counts)


def _refresh_sync(channel_name: str, user_id: Any, website_ids: frozenset[UUID]) -> Changed:
    """Make the socket's rows those of ``website_ids``; the websites whose count changed
    (a row's ``viewing`` survives its refreshes)."""
    rows = AgentPresence.objects.filter(channel_name=channel_name)
    expires_at = timezone.now() + presence_ttl()
    with transaction.atomic():
        held = set(rows.values_list("website_id", flat=True))
        affected = held ^ website_ids
        before = count_sync(affected)
        if held - website_ids:
            rows.filter(website_id__in=held - website_ids).delete()
        if held & website_ids:
            rows.update(expires_at=expires_at)
        AgentPresence.objects.bulk_create(
            [
                AgentPresence(
                    channel_name=channel_name,
                    website_id=website_id,
                    user_id=user_id,
                    expires_at=expires_at,
                )
                for website_id in website_ids - held
            ],
            ignore_conflicts=True,
        )
        after = count_sync(affected)
    _cache.put(after)
    counts = {website_id for website_id in affected if before[website_id] != after[website_id]}
    return Changed(counts, set())


async def sweep_if_due() -> None:
    """Delete the rows of sockets whose process died, now and then (see the module)."""
    sweeper = loop_local("presence-sweep", lambda: {"next": 0.0})
    now = time.monotonic()
    if now < sweeper["next"]:
        return
    sweeper["next"] = now + SWEEP_SECONDS
    await _write(sweep_sync)


def sweep_sync() -> Changed:
    """Delete expired rows; the websites whose count changed."""
    expired = AgentPresence.objects.filter(expires_at__lte=timezone.now())
    affected = set(expired.values_list("website_id", flat=True).distinct())
    if not affected:
        return Changed(set(), set())
    # An expired row no longer counts: deleting it changes what visitors were told when
    # it expired, which nobody announced.
    expired.delete()
    return Changed(affected, set())


# ---------------------------------------------------------------- telling the visitors


class Announcer:
    """This event loop's coalescing of ``presence`` frames (or, given ``tell`` and
    ``interval``, of ``agents`` frames), per website."""

    def __init__(
        self,
        tell: Callable[[Iterable[UUID]], Awaitable[None]] | None = None,
        interval: float = COALESCE_SECONDS,
    ) -> None:
        self.sent_at: dict[UUID, float] = {}
        self.pending: set[UUID] = set()
        self.tell = tell or tell_visitors
        self.interval = interval

    def changed(self, website_id: UUID) -> None:
        if website_id in self.pending:
            return  # the frame on its way will read the count as it is then
        self.pending.add(website_id)
        delay = self.sent_at.get(website_id, 0.0) + self.interval - time.monotonic()
        spawn(self._send(website_id, max(delay, 0.0)), name="livechat-presence")

    async def _send(self, website_id: UUID, delay: float) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
        finally:
            self.pending.discard(website_id)
        self.sent_at[website_id] = time.monotonic()
        await self.tell([website_id])


async def tell_visitors(website_ids: Iterable[UUID]) -> None:
    """Send each website's visitors its count as it is now (not coalesced: for changes
    made outside the sockets, such as a deleted user)."""
    wanted = list(website_ids)
    if not wanted:
        return
    counts = await run_in_db_thread(count_sync, wanted)
    _cache.put(counts)
    for website_id, count in counts.items():
        now = await hours.website_availability(website_id)
        flips: set[UUID] = loop_local("presence-open-flips", set)
        flipped = website_id in flips
        flips.discard(website_id)
        # ``open`` for a website with hours (or one that just lost them); an always-open
        # website's frames stay as they were.
        is_open = now.open if now.scheduled or flipped else None
        payload = events.event([[0, events.encode(frame(website_id, count, is_open))]])
        await events.group_send(visitors_group(website_id), payload)


def announce(website_ids: Iterable[UUID]) -> None:
    """These websites' counts changed: tell their visitors and dashboards (coalesced)."""
    wanted = list(website_ids)
    announcer = loop_local("presence-announcer", Announcer)
    for website_id in wanted:
        announcer.changed(website_id)
    announce_to_dashboards(wanted)


# ---------------------------------------------------------------- telling the agents


def agents_sync(website_ids: Iterable[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    """Each website's agents online (unexpired rows) and the conversations they have
    open, by user id (one query)."""
    wanted = list(website_ids)
    found: dict[UUID, dict[Any, dict[str, Any]]] = {wid: {} for wid in wanted}
    rows = (
        AgentPresence.objects.filter(website_id__in=wanted, expires_at__gt=timezone.now())
        .select_related("user")
        .order_by("user_id", "viewing_id")
    )
    for row in rows:
        agents = found[row.website_id]
        entry = agents.get(row.user_id)
        if entry is None:
            entry = agents[row.user_id] = {
                "user_id": frames.json_pk(row.user_id),
                "name": frames.display_name(row.user),
                "viewing": [],
            }
        viewing = str(row.viewing_id) if row.viewing_id is not None else None
        if viewing is not None and viewing not in entry["viewing"]:
            entry["viewing"].append(viewing)
    return {wid: list(agents.values()) for wid, agents in found.items()}


async def agents_frames(website_ids: Iterable[UUID]) -> list[dict[str, Any]]:
    """An ``agents`` frame for each website (a dashboard's websites, when it connects)."""
    wanted = sorted(website_ids)
    listed = await run_in_db_thread(agents_sync, wanted)
    return [frames.agents(wid, listed[wid]) for wid in wanted]


async def tell_dashboards(website_ids: Iterable[UUID]) -> None:
    """Send each website's dashboards, in every process, its ``agents`` frame as it is now."""
    for frame in await agents_frames(website_ids):
        payload = events.event([[0, events.encode(frame)]])
        await events.group_send(website_group(frame["website_id"]), payload)


def announce_to_dashboards(website_ids: Iterable[UUID]) -> None:
    """Who is online on these websites, or where, changed: tell their dashboards
    (coalesced)."""
    announcer = loop_local(
        "presence-agents-announcer",
        lambda: Announcer(tell_dashboards, AGENTS_COALESCE_SECONDS),
    )
    for website_id in website_ids:
        announcer.changed(website_id)
