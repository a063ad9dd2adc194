"""Business hours: whether a website is open now, and when it opens next.

A website's ``business_hours`` is a weekly schedule in its ``time_zone`` (blank: the
host's ``TIME_ZONE``), several ranges a day, ``closed_dates`` days off; an empty schedule
is always open (closed dates still close). Times are wall-clock times of the website's
zone, so a range such as 09:00-17:30 stays that on the days clocks change.

Visitors learn it as ``availability`` (widget settings, the template tag's config,
``identified``) and in ``presence`` frames. A website's hours are read once per
:data:`HOURS_CACHE_SECONDS` per process (a change made in the admin is seen at once in
the process that saved it). Opening and closing are noticed at a visitor's next
``identify`` or heartbeat (every ``HEARTBEAT_INTERVAL``): when the state differs from the
one this process saw last, the website's visitors get a ``presence`` frame with the new
``open``.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models.signals import post_save
from django.utils import timezone

from django_livechat.dbthreads import run_in_db_thread
from django_livechat.models import WEEKDAYS, Website, is_iso_date, minutes_of
from django_livechat.pipeline.background import loop_local

#: Seconds a process trusts the hours it read of a website.
HOURS_CACHE_SECONDS = 30.0
#: How far ahead ``next_open`` is looked for (closed dates may close a long stretch).
LOOKAHEAD_DAYS = 400
#: The fields :func:`availability` reads.
HOURS_FIELDS = ("id", "time_zone", "business_hours", "closed_dates", "reply_time")

OPEN, CLOSED, AWAY = "open", "closed", "away"


@dataclass(frozen=True)
class Availability:
    """Whether the website is open, the reply time it promises, when it opens next."""

    open: bool
    reply_time: str | None
    next_open: dt.datetime | None
    #: Whether the website has hours or closed dates at all (else it is always open).
    scheduled: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "open": self.open,
            "reply_time": self.reply_time,
            "next_open": self.next_open.isoformat() if self.next_open else None,
        }


def website_zone(website: Website) -> dt.tzinfo:
    """The website's time zone; the host's ``TIME_ZONE`` when blank (or no longer known)."""
    for name in (website.time_zone, settings.TIME_ZONE):
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return dt.timezone.utc


def availability(website: Website, now: dt.datetime | None = None) -> Availability:
    """The website's :class:`Availability` at ``now`` (default: the current time)."""
    zone = website_zone(website)
    local = (now or timezone.now()).astimezone(zone)
    schedule = _schedule(website)
    closed = {d for d in (website.closed_dates or []) if is_iso_date(d)}
    minute = local.hour * 60 + local.minute
    is_open = local.date().isoformat() not in closed and any(
        start <= minute < end for start, end in schedule[local.weekday()]
    )
    reply_time = website.reply_time.strip() or None
    scheduled = bool(website.business_hours) or bool(closed)
    if is_open:
        return Availability(True, reply_time, None, scheduled)
    return Availability(False, reply_time, _next_open(local, zone, schedule, closed), scheduled)


def _schedule(website: Website) -> list[list[tuple[int, int]]]:
    """Open ranges, in minutes after midnight, per weekday (Monday first)."""
    hours = website.business_hours
    if not isinstance(hours, dict) or not hours:
        return [[(0, 24 * 60)] for _day in WEEKDAYS]  # no schedule: always open
    days: list[list[tuple[int, int]]] = []
    for day in WEEKDAYS:
        ranges = hours.get(day) or []
        try:
            days.append(sorted((minutes_of(a), minutes_of(b)) for a, b in ranges))
        except (TypeError, ValueError):
            days.append([])  # a malformed day (saved around the admin's checks) is closed
    return days


def _next_open(
    local: dt.datetime, zone: dt.tzinfo, schedule: list[list[tuple[int, int]]], closed: set[str]
) -> dt.datetime | None:
    minute = local.hour * 60 + local.minute
    for ahead in range(LOOKAHEAD_DAYS):
        day = local.date() + dt.timedelta(days=ahead)
        if day.isoformat() in closed:
            continue
        for start, _end in schedule[day.weekday()]:
            if ahead == 0 and start <= minute:
                continue  # begun already (or over): not the next opening
            opens = dt.datetime.combine(day, dt.time(start // 60, start % 60), tzinfo=zone)
            # A wall-clock time skipped by a DST change is read as the instant after it.
            return opens.astimezone(dt.timezone.utc).astimezone(zone)
    return None


def reply_mode(website: Website, agents_online: int | None) -> str:
    """What the automatic reply says: ``"closed"`` outside business hours, ``"away"`` when
    open with nobody present (``agents_online`` 0), else ``"open"`` (also when the count
    is not known)."""
    if not availability(website).open:
        return CLOSED
    return AWAY if agents_online == 0 else OPEN


# ---------------------------------------------------------------- reading, cached


class HoursCache:
    """This process's recently read hours, per website."""

    def __init__(self) -> None:
        self.rows: dict[UUID, tuple[float, Website | None]] = {}

    def get(self, website_id: UUID) -> tuple[bool, Website | None]:
        cached = self.rows.get(website_id)
        if cached is None or cached[0] < time.monotonic():
            return False, None
        return True, cached[1]

    def put(self, website_id: UUID, website: Website | None) -> None:
        if len(self.rows) > 10_000:
            self.rows.clear()  # bounded: stale entries of many websites
        self.rows[website_id] = (time.monotonic() + HOURS_CACHE_SECONDS, website)

    def forget(self, website_id: UUID) -> None:
        self.rows.pop(website_id, None)


_cache = HoursCache()


def _forget_saved(sender: Any, instance: Website, **kwargs: Any) -> None:
    _cache.forget(instance.pk)


post_save.connect(_forget_saved, sender=Website, dispatch_uid="django_livechat.hours")


def hours_sync(website_id: UUID) -> Website | None:
    found: Website | None = Website.objects.only(*HOURS_FIELDS).filter(pk=website_id).first()
    return found


async def website_availability(website_id: UUID) -> Availability:
    """The website's availability now, its hours read at most once per
    :data:`HOURS_CACHE_SECONDS`; an unknown website is open (it has no hours)."""
    known, website = _cache.get(website_id)
    if not known:
        website = await run_in_db_thread(hours_sync, website_id)
        _cache.put(website_id, website)
    if website is None:
        return Availability(True, None, None)
    return availability(website)


def open_changed(website_id: UUID, is_open: bool) -> bool:
    """Record the state this process saw; whether it differs from the one seen before."""
    seen: dict[UUID, bool] = loop_local("hours-open", dict)
    before = seen.get(website_id)
    if len(seen) > 10_000:
        seen.clear()
    seen[website_id] = is_open
    return before is not None and before != is_open
