"""Abuse limits: how much a visitor may send, and how often; the client address they use.

Shared limits are counted in Django's cache (``LIVECHAT["RATE_LIMIT_CACHE"]``), so they
hold across server processes and across transports, a socket's frames and HTTP calls
counting together:

* messages per visitor (a conversation): ``RATE_LIMIT_MESSAGES`` per ``RATE_LIMIT_PERIOD``;
* messages per client address, every conversation of it together (so starting a new
  conversation resets nothing): ``RATE_LIMIT_ADDRESS_MESSAGES`` per ``RATE_LIMIT_PERIOD``;
* conversations opened per client address: ``RATE_LIMIT_ADDRESS_CONVERSATIONS`` per
  ``RATE_LIMIT_CONVERSATIONS_PERIOD``.

Each is a sliding window estimated from two fixed ones (the previous window's count,
weighted by how much of it the sliding window still covers, plus the current one's): two
cache keys per limit and identity, an atomic ``incr`` per attempt. A refused attempt
counts nothing, and :meth:`Ticket.give_back` returns what was counted for something that
was then not done (nothing stored). A cache that fails lets everything through (logged):
the limits guard the chat, they must not stop it. With a process-local cache
(``LocMemCache``) the limits hold per server process (system check W006).

Per-socket limits (typing frames and history requests, ``RATE_LIMIT_SOCKET_TYPING`` and
``RATE_LIMIT_SOCKET_HISTORY`` per ``RATE_LIMIT_PERIOD``) stay in the socket's process,
where the socket lives: :class:`SocketLimits`.

:func:`client_address` is the one place that says who a client is: the peer's address, or
with ``TRUSTED_PROXIES`` the one that many proxies wrote into ``X-Forwarded-For``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import close_old_connections

from django_livechat import errors
from django_livechat.conf import livechat_settings
from django_livechat.errors import ChatError

logger = logging.getLogger(__name__)

#: Cache backends whose counts live in the memory of one process.
PROCESS_LOCAL_BACKENDS = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)
#: The shortest ``retry_after`` a refusal names (it is sent rounded to a tenth).
MIN_RETRY_AFTER = 0.1
# A failing cache is logged at most this often, not on every message.
FAILURE_LOG_INTERVAL = 60.0
# IPv6 hosts get a /64 each: one address per host would let anyone use billions.
IPV6_PREFIX = 64

R = TypeVar("R")

# Calls to a cache that does network I/O (Redis, memcached, a database) run here, off the
# event loop; each thread keeps its own cache connection (Django's caches are per thread).
_cache_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="livechat-limits")


# ---------------------------------------------------------------- who the client is


def client_address(peer: str | None, forwarded_for: str | None) -> str | None:
    """The client's address for the per-address limits, or None when it is not known.

    ``peer`` is the address of the connection (the ASGI scope's ``client``, or
    ``REMOTE_ADDR``); ``forwarded_for`` the ``X-Forwarded-For`` header(s), joined with
    commas. The header is trusted only with ``LIVECHAT["TRUSTED_PROXIES"]`` = *n* > 0:
    the address is then the *n*-th from its right (each trusted proxy appended the one it
    was reached from; anything left of those came from the client). IPv6 addresses count
    per /64 network.
    """
    proxies = livechat_settings.TRUSTED_PROXIES
    address = peer or None
    if proxies > 0 and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if hops:
            address = hops[-min(proxies, len(hops))]
    elif forwarded_for and address is not None:
        _warn_if_behind_a_proxy(address)
    return None if address is None else _normalized(address)


def _normalized(address: str) -> str | None:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        try:  # a proxy may write a port: "203.0.113.7:5123", "[2001:db8::1]:443"
            ip = ipaddress.ip_address(urlsplit(f"//{address}").hostname or "")
        except ValueError:
            return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False))
    return str(ip)


_proxy_warned = False


def _warn_if_behind_a_proxy(peer: str) -> None:
    # Once per process: a local proxy without TRUSTED_PROXIES makes every visitor one
    # client for the per-address limits, which then refuse them all together.
    global _proxy_warned
    if _proxy_warned:
        return
    try:
        private = ipaddress.ip_address(peer).is_private
    except ValueError:
        return
    if private:
        _proxy_warned = True
        logger.warning(
            "Requests from %s carry X-Forwarded-For, but LIVECHAT['TRUSTED_PROXIES'] is 0: "
            "every visitor behind that proxy counts as one client address for the rate "
            "limits. Set TRUSTED_PROXIES to the number of proxies in front of the server "
            "(or let the ASGI server apply the header).",
            peer,
        )


# ---------------------------------------------------------------- shared limits


@dataclass(frozen=True)
class Window:
    """``count`` attempts per ``period`` seconds for each identity; 0 means no limit."""

    name: str
    count: int
    period: float


#: A limit and the identity it counts for (a conversation id, a client address).
Count = tuple[Window, str]


class Ticket:
    """What one allowed attempt counted; :meth:`give_back` if it was not done after all."""

    def __init__(self, alias: str = "", keys: Sequence[str] = ()) -> None:
        self.alias = alias
        self.keys = list(keys)

    async def give_back(self) -> None:
        if self.keys:
            keys, self.keys = self.keys, []
            await _call(self.alias, _give_back_sync, self.alias, keys)


class VisitorLimits:
    """The limits shared by every process and transport (see the module's docstring)."""

    async def message(self, conversation_id: UUID, address: str | None) -> Ticket:
        """Count one visitor message; ``RATE_LIMITED`` (counting nothing) when over."""
        period = livechat_settings.RATE_LIMIT_PERIOD
        counts: list[Count] = [
            (Window("message", livechat_settings.RATE_LIMIT_MESSAGES, period), conversation_id.hex)
        ]
        if address is not None:
            limit = livechat_settings.RATE_LIMIT_ADDRESS_MESSAGES
            counts.append((Window("address-message", limit, period), address))
        return await self.take(counts)

    async def conversation(self, address: str | None) -> Ticket:
        """Count one new conversation of ``address``; ``RATE_LIMITED`` when over."""
        if address is None:
            return Ticket()
        window = Window(
            "address-conversation",
            livechat_settings.RATE_LIMIT_ADDRESS_CONVERSATIONS,
            livechat_settings.RATE_LIMIT_CONVERSATIONS_PERIOD,
        )
        return await self.take(
            [(window, address)], "Too many new conversations from your address; wait a moment."
        )

    async def take(
        self, counts: Sequence[Count], message: str | None = None, *, now: float | None = None
    ) -> Ticket:
        """Count one attempt against each limit, or refuse it (``RATE_LIMITED`` with
        ``message``, by default the code's own) and count none."""
        counts = [(window, identity) for window, identity in counts if window.count > 0]
        if not counts:
            return Ticket()
        alias = livechat_settings.RATE_LIMIT_CACHE
        now = time.time() if now is None else now
        keys, wait = await _call(alias, _take_sync, alias, counts, now)
        if wait is not None:
            raise ChatError(errors.RATE_LIMITED, message, retry_after=wait)
        return Ticket(alias, keys)

    def reset(self) -> None:
        """Forget what this process counted (for tests): the counts of a process-local
        cache are this process's memory; a shared cache's are everyone's, and stay."""
        alias = livechat_settings.RATE_LIMIT_CACHE
        if is_process_local(alias):
            caches[alias].clear()


visitor_limiter = VisitorLimits()


def is_process_local(alias: str) -> bool:
    """Whether the cache ``alias`` keeps its entries in each process's own memory."""
    config = getattr(settings, "CACHES", {}).get(alias)
    return isinstance(config, dict) and config.get("BACKEND") in PROCESS_LOCAL_BACKENDS


async def _call(alias: str, func: Callable[..., R], *args: Any) -> R:
    if is_process_local(alias):
        return func(*args)  # memory only, nothing to wait for
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_cache_executor, functools.partial(_tidy, func, *args))


def _tidy(func: Callable[..., R], *args: Any) -> R:
    # A database cache opens connections in this thread; they are closed as the pipeline's
    # own threads close theirs (django_livechat.dbthreads).
    close_old_connections()
    try:
        return func(*args)
    finally:
        close_old_connections()


def _take_sync(alias: str, counts: Sequence[Count], now: float) -> tuple[list[str], float | None]:
    try:
        cache = caches[alias]
        slots = []
        for window, identity in counts:
            index, into = divmod(now, window.period)
            current = _key(window, identity, int(index))
            before = _key(window, identity, int(index) - 1)
            slots.append((window, current, before, into / window.period))
        earlier = cache.get_many([before for _, _, before, _ in slots])
        taken: list[str] = []
        waits = []
        for window, current, before, elapsed in slots:
            hits = _incr(cache, current, window)
            taken.append(current)
            wait = _wait(window, int(earlier.get(before, 0)), hits, elapsed)
            if wait is not None:
                waits.append(wait)
        if waits:
            _decr_all(cache, taken)
            return [], max(max(waits), MIN_RETRY_AFTER)
        return taken, None
    except Exception as exc:
        _cache_failed(alias, exc)
        return [], None


def _give_back_sync(alias: str, keys: list[str]) -> None:
    try:
        _decr_all(caches[alias], keys)
    except Exception as exc:
        _cache_failed(alias, exc)


def _key(window: Window, identity: str, index: int) -> str:
    return f"livechat:limit:{window.name}:{window.period:g}:{identity}:{index}"


def _incr(cache: BaseCache, key: str, window: Window) -> int:
    try:
        return int(cache.incr(key))
    except ValueError:  # no count yet in this window
        if cache.add(key, 1, timeout=math.ceil(2 * window.period) + 1):
            return 1
        return int(cache.incr(key))  # another process made it first


def _decr_all(cache: BaseCache, keys: list[str]) -> None:
    for key in keys:
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to give back
            cache.decr(key)


def _wait(window: Window, earlier: int, hits: int, elapsed: float) -> float | None:
    """None if ``hits`` (this attempt included) fit, else the seconds until one would.

    ``earlier`` is the previous window's count, ``elapsed`` how much of the current
    window has passed (0 to 1).
    """
    limit = window.count
    if earlier * (1 - elapsed) + hits <= limit:
        return None
    if hits <= limit:
        # The previous window's share has to shrink until this attempt fits.
        return (1 - (limit - hits) / earlier - elapsed) * window.period
    # This window is used up: into the next one, until this one's share leaves room.
    return (1 - elapsed + 1 - (limit - 1) / (hits - 1)) * window.period


_last_failure_log = -math.inf


def _cache_failed(alias: str, exc: Exception) -> None:
    global _last_failure_log
    now = time.monotonic()
    if now - _last_failure_log >= FAILURE_LOG_INTERVAL:
        _last_failure_log = now
        logger.warning(
            "The rate limits' cache %r failed (%r); visitors are not rate-limited until it "
            "answers again.",
            alias,
            exc,
        )


# ---------------------------------------------------------------- per-socket limits


class SocketLimits:
    """One socket's typing frames and history requests, counted in its own process (a
    socket stays on one): a sliding window of ``RATE_LIMIT_PERIOD`` seconds each."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}

    def typing(self, *, now: float | None = None) -> None:
        """Count a ``typing`` frame that starts (or renews) typing; ``RATE_LIMITED`` when
        over."""
        self._take("typing", livechat_settings.RATE_LIMIT_SOCKET_TYPING, now)

    def history(self, *, now: float | None = None) -> None:
        """Count a history request (a rejoin's included); ``RATE_LIMITED`` when over."""
        self._take("history", livechat_settings.RATE_LIMIT_SOCKET_HISTORY, now)

    def _take(self, kind: str, limit: int, now: float | None) -> None:
        if limit <= 0:
            return
        period = livechat_settings.RATE_LIMIT_PERIOD
        now = time.monotonic() if now is None else now
        hits = self._hits.setdefault(kind, deque())
        while hits and hits[0] <= now - period:
            hits.popleft()
        if len(hits) >= limit:
            wait = max(hits[0] + period - now, MIN_RETRY_AFTER)
            raise ChatError(
                errors.RATE_LIMITED, f"Too many {kind} frames; wait a moment.", retry_after=wait
            )
        hits.append(now)
