"""The responder runner: every visitor message gets its automatic reply once.

* The responder is resolved once from ``LIVECHAT["RESPONDER"]`` (again when the setting
  changes). An :func:`~django_livechat.responders.inline` one runs inside the store's
  transaction (:class:`~django_livechat.store.ReplyPlan`); any other runs here.
* Here it runs with bounded concurrency (``RESPONDER_CONCURRENCY``): sync responders in a
  thread pool of their own, never the pipeline's database threads; async ones on the event
  loop. ``RESPONDER_TIMEOUT`` bounds the wait for a free slot and the run together. A
  timed-out sync call cannot be stopped: it keeps its slot until it returns, so a hung
  responder delays only other replies, never reads, writes or sockets.
* A visitor message waiting for its reply has a pending row claimed by this process (see
  :mod:`django_livechat.pending`). The reply is stored with ``reply_to``, which settles the
  row in the same transaction; a responder that answers nothing or fails settles it too.
  If storing the reply fails (the database is down), the row stays: its lease runs out and
  the recovery task of some server process answers the message again. That task runs in
  every process, so messages whose process died (``kill -9``, a crash) are answered after
  a restart too, and a visitor's retry of such a message answers it at once.
* A website's own ``responder`` wins over the setting and its ``bot_enabled`` switch
  turns replies off (:func:`plan_for`, from a per-process copy of the websites that
  differ, read again before a message once it is :data:`WEBSITE_BOTS_TTL` seconds old,
  at once after a save in this process: a change made elsewhere applies within 2 s); a
  conversation handed to a person (``handoff_at``) gets no more replies.
* A responder may hand over (:class:`~django_livechat.responders.Handoff`) or stream its
  reply (:mod:`~django_livechat.pipeline.streams`); a streamed reply is stored once, when
  it ends, so the guarantees above hold for it too: a process that dies mid-stream stored
  nothing and the message is answered again.
* Replies are cleaned like a visitor's text, and a reply made here (not inline: an inline
  reply is bound to the visitor's message, which counted) counts against the
  conversation's message rate limit; a responder over it is stopped: the reply dropped,
  the conversation handed over.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync, iscoroutinefunction
from django.core.signals import setting_changed
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.utils.module_loading import import_string

from django_livechat import errors, pending
from django_livechat.conf import livechat_settings
from django_livechat.dbthreads import run_in_db_thread, run_in_writer_thread
from django_livechat.errors import ChatError
from django_livechat.models import Conversation, Message, Website
from django_livechat.pipeline import events, frames, handoff, streams
from django_livechat.pipeline.background import loop_local, spawn
from django_livechat.pipeline.hours import reply_mode
from django_livechat.pipeline.presence import count_sync
from django_livechat.ratelimit import Window, visitor_limiter
from django_livechat.responders import (
    Handoff,
    HistoryItem,
    ResponderContext,
    VisitorInfo,
    WebsiteInfo,
    accepts_context,
    is_inline,
)
from django_livechat.store import NewMessage, ReplyPlan, reply_client_id, reply_text
from django_livechat.writer import store

logger = logging.getLogger(__name__)

#: How much longer than RESPONDER_TIMEOUT a claim on a pending reply lasts.
LEASE_MARGIN = 10.0
ASSISTANT = str(Message.Role.ASSISTANT)


#: How old this process's copy of the websites' own responders and switches may get.
WEBSITE_BOTS_TTL = 2.0


def get_responder() -> Callable[..., Any]:
    """The configured responder, imported once (again after the setting changes)."""
    return _imported(livechat_settings.RESPONDER)


@functools.cache
def _imported(path: str) -> Callable[..., Any]:
    responder: Callable[..., Any] = import_string(path)
    return responder


def responder_for(website: Website) -> Callable[..., Any]:
    """The website's own responder if it names one, else ``LIVECHAT["RESPONDER"]``."""
    return _imported(website.responder or livechat_settings.RESPONDER)


def _forget(setting: str, **kwargs: Any) -> None:
    if setting == "LIVECHAT":
        _imported.cache_clear()
        _plan_of.cache_clear()
        _executor.cache_clear()


setting_changed.connect(_forget, dispatch_uid="django_livechat.pipeline.replies")


def lease_seconds() -> float:
    return livechat_settings.RESPONDER_TIMEOUT + LEASE_MARGIN


def plan() -> ReplyPlan:
    """How the store should handle a new visitor message's reply with the configured
    responder (again after the settings change)."""
    return _plan_of(livechat_settings.RESPONDER)


@functools.cache
def _plan_of(path: str) -> ReplyPlan:
    responder = _imported(path)
    inline = is_inline(responder) and not iscoroutinefunction(responder)
    return ReplyPlan(lease=lease_seconds(), inline=_guarded(responder) if inline else None)


async def plan_for(website_id: UUID) -> ReplyPlan | None:
    """How the store should handle a visitor message's reply on this website: None when
    its bot is switched off."""
    bots = await _website_bots()
    if website_id in bots.disabled:
        return None
    path = bots.responders.get(website_id)
    return plan() if path is None else _plan_of(path)


# ---------------------------------------------------------------- websites' own bots


@dataclass
class _WebsiteBots:
    """The websites whose bot differs from the settings': their responders, and those
    switched off (few, usually none)."""

    read_at: float
    responders: dict[UUID, str] = field(default_factory=dict)
    disabled: set[UUID] = field(default_factory=set)


_bots: _WebsiteBots | None = None
_bots_lock = threading.Lock()


async def _website_bots() -> _WebsiteBots:
    global _bots
    bots = _bots
    if bots is None:
        # One read for the messages that wait for it, which go on in their order.
        async with loop_local("website-bots-read", asyncio.Lock):
            bots = _bots
            if bots is None:
                bots = _bots = await run_in_db_thread(_read_website_bots)
    elif time.monotonic() - bots.read_at > WEBSITE_BOTS_TTL:
        # Read again before this message (one query per process every WEBSITE_BOTS_TTL
        # seconds at most), so that a change made in another process applies within that
        # time; the messages that wait meanwhile share the read.
        async with loop_local("website-bots-read", asyncio.Lock):
            bots = _bots
            if bots is None or time.monotonic() - bots.read_at > WEBSITE_BOTS_TTL:
                await _refresh_website_bots()
                bots = _bots or bots
    assert bots is not None
    return bots


async def _refresh_website_bots() -> None:
    global _bots
    try:
        _bots = await run_in_db_thread(_read_website_bots)
    except Exception as exc:
        logger.warning("Reading the websites' own responders failed (%s)", exc)
        if _bots is not None:
            _bots.read_at = time.monotonic()  # the copy in hand serves until the next try


def _read_website_bots() -> _WebsiteBots:
    bots = _WebsiteBots(read_at=time.monotonic())
    rows = Website.objects.filter(~Q(responder="") | Q(bot_enabled=False))
    for pk, responder, enabled in rows.values_list("pk", "responder", "bot_enabled"):
        if responder:
            bots.responders[pk] = responder
        if not enabled:
            bots.disabled.add(pk)
    return bots


def _website_saved(sender: Any, instance: Website, **kwargs: Any) -> None:
    global _bots
    with _bots_lock:
        _bots = None  # read again by the next message of this process
    if not instance.bot_enabled:
        website_id = instance.pk
        transaction.on_commit(lambda: _stop_website_streams(website_id))


def _stop_website_streams(website_id: UUID) -> None:
    try:
        async_to_sync(streams.stop_website)(website_id)
    except RuntimeError as exc:  # saved from an event loop's own thread
        logger.info("Stopping the streams of website %s failed (%s)", website_id, exc)


post_save.connect(_website_saved, sender=Website, dispatch_uid="django_livechat.website_bots")


# ---------------------------------------------------------------- inline responders


_handoffs: set[UUID] = set()
_handoffs_lock = threading.Lock()


def _guarded(responder: Callable[..., Any]) -> Callable[[Conversation, Message], str | None]:
    """An inline responder as the store calls it: not on a website whose bot is off, nor
    in a conversation handed over; a website's own inline responder instead; a
    :class:`~django_livechat.responders.Handoff` noted for :func:`take_handoff`."""

    def run(conversation: Conversation, message: Message) -> str | None:
        website = conversation.website
        if conversation.handoff_at is not None or not website.bot_enabled:
            return None
        actual = responder_for(website)
        if actual is not responder and not is_inline(actual):
            # The website changed its responder a moment ago (this process's copy is
            # WEBSITE_BOTS_TTL old at most): this message gets no reply.
            logger.warning(
                "Website %s's responder changed; message %s gets no automatic reply",
                website.pk,
                message.id,
            )
            return None
        result = actual(conversation, message)
        if isinstance(result, Handoff):
            with _handoffs_lock:
                _handoffs.add(message.id)
            result = result.text
        text = reply_text(result)
        return None if text is None else clean_reply(text)

    run.livechat_inline = True  # type: ignore[attr-defined]
    return run


def take_handoff(message_id: UUID) -> bool:
    """Whether the inline reply to ``message_id`` handed the conversation over (once)."""
    with _handoffs_lock:
        if message_id in _handoffs:
            _handoffs.discard(message_id)
            return True
    return False


def clean_reply(text: str, *, room: int = 0) -> str:
    """A responder's text as a visitor's would be stored: no NUL, no lone surrogate, at
    most ``MAX_MESSAGE_LENGTH`` characters (``room`` fewer, for a line to follow)."""
    text = text.replace("\x00", "")
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text[: max(0, livechat_settings.MAX_MESSAGE_LENGTH - room)].strip()


# ---------------------------------------------------------------- running the responder


@functools.cache
def _executor() -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(
        max_workers=livechat_settings.RESPONDER_CONCURRENCY,
        thread_name_prefix="livechat-responder",
    )


def _slots() -> asyncio.Semaphore:
    size = livechat_settings.RESPONDER_CONCURRENCY
    semaphore = loop_local(f"responder-slots-{size}", lambda: asyncio.Semaphore(size))
    return semaphore


async def run_responder(
    conversation: Conversation,
    message: Message,
    *,
    responder: Callable[..., Any] | None = None,
    context: ResponderContext | None = None,
) -> Any:
    """What the responder returned for ``message`` (text, None, a
    :class:`~django_livechat.responders.Handoff` or an iterator of chunks); raises what it
    raised, or ``TimeoutError`` after ``RESPONDER_TIMEOUT``."""
    responder = responder or get_responder()
    timeout = livechat_settings.RESPONDER_TIMEOUT
    kwargs = {} if context is None else {"context": context}
    return await asyncio.wait_for(_in_a_slot(responder, conversation, message, **kwargs), timeout)


async def _in_a_slot(responder: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    slots = _slots()
    await slots.acquire()
    if iscoroutinefunction(responder) or inspect.isasyncgenfunction(responder):
        try:
            result = responder(*args, **kwargs)
            return await result if inspect.isawaitable(result) else result
        finally:
            slots.release()
    loop = asyncio.get_running_loop()
    work = _executor().submit(_call_sync, responder, *args, **kwargs)
    # The slot is free when the thread is, which may be long after a timeout.
    work.add_done_callback(lambda _: _release_from_thread(loop, slots))
    return await asyncio.wrap_future(work)


def _release_from_thread(loop: asyncio.AbstractEventLoop, slots: asyncio.Semaphore) -> None:
    if not loop.is_closed():
        loop.call_soon_threadsafe(slots.release)


def _call_sync(responder: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    close_old_connections()
    try:
        return responder(*args, **kwargs)
    finally:
        close_old_connections()


# ---------------------------------------------------------------- context


async def load_context(conversation: Conversation, message: Message) -> ResponderContext:
    """What a responder taking ``context`` is handed: read in one database-thread hop."""
    return await run_in_db_thread(_context_sync, conversation, message)


def _context_sync(conversation: Conversation, message: Message) -> ResponderContext:
    website = conversation.website
    rows = Message.objects.filter(conversation_id=conversation.pk, seq__lte=message.seq)
    recent = list(rows.order_by("-seq")[: livechat_settings.RESPONDER_HISTORY])
    history = [HistoryItem(m.role, m.content, m.created_at) for m in reversed(recent)]
    online = count_sync([website.pk])[website.pk]
    metadata = dict(conversation.metadata or {})
    visitor = VisitorInfo(
        identifier=conversation.visitor_identifier,
        name=conversation.visitor_name,
        email=conversation.visitor_email,
        metadata=metadata,
        verified=metadata.get("identity_verified") is True,
    )
    return ResponderContext(
        conversation_id=conversation.pk,
        history=history,
        visitor=visitor,
        website=WebsiteInfo(website.pk, website.name, reply_mode(website, online)),
        agents_online=online,
    )


# ---------------------------------------------------------------- making a reply


@dataclass
class _Reply:
    """A responder's outcome as text to store: ``handoff`` after it, ``cut`` short."""

    text: str | None
    handoff: bool = False
    stream: streams.StreamResult | None = None


async def answer(message: Message, conversation: Conversation) -> dict[str, Any] | None:
    """Run the responder for a visitor message whose pending reply this process holds;
    store and deliver its reply. The visitor's waiting state ends in every case."""
    out = events.Frames(conversation.pk, conversation.website_id)
    website = conversation.website
    if conversation.handoff_at is not None or not website.bot_enabled:
        await _settle(message.id)
        await out.to_visitors(typing_frame(conversation.pk, False)).send()
        return None
    started = time.monotonic()
    try:
        responder = responder_for(website)
        context = await load_context(conversation, message) if accepts_context(responder) else None
        result = await run_responder(conversation, message, responder=responder, context=context)
        reply = await _reply_of(result, conversation, message, started)
    except Exception as exc:
        await _failed(message, conversation, exc, out)
        return None
    if reply.stream is not None and reply.stream.cut and reply.text is None:
        # Stopped (handed over, the bot switched off) or failed before its first chunk.
        outcome = reply.stream
        if outcome.reason != streams.STOPPED:
            error = outcome.error or TimeoutError("The responder's stream stalled")
            await _failed(message, conversation, error, out)
            await _hand_over(conversation.pk)
            return None
        await _settle(message.id)
        await out.to_visitors(typing_frame(conversation.pk, False)).send()
        return None
    if reply.text is None:
        await _settle(message.id)
        await out.to_visitors(typing_frame(conversation.pk, False)).send()
        if reply.handoff:
            await _hand_over(conversation.pk)
        return None
    if not await _count_reply(conversation.pk):
        logger.warning(
            "The responder's reply to message %s was dropped: the conversation is over its "
            "message rate limit (a responder answering in a loop?); handing it over",
            message.id,
        )
        await _settle(message.id)
        await out.to_visitors(typing_frame(conversation.pk, False)).send()
        await _hand_over(conversation.pk)
        return None
    data = await _store_reply(message, conversation, reply.text, out)
    if reply.handoff:
        await _hand_over(conversation.pk)
    return data


async def _reply_of(
    result: Any, conversation: Conversation, message: Message, started: float
) -> _Reply:
    """The text to store from what the responder returned (a stream read to its end)."""
    if isinstance(result, Handoff):
        text = reply_text(result.text)
        return _Reply(None if text is None else clean_reply(text), handoff=True)
    chunks = _as_chunks(result)
    if chunks is None:
        text = reply_text(result)
        return _Reply(None if text is None else clean_reply(text))
    remaining = livechat_settings.RESPONDER_TIMEOUT - (time.monotonic() - started)
    async with streams.running(conversation.pk, conversation.website_id, message.id) as stream:
        outcome = await stream.collect(chunks, timeout=remaining)
    if outcome.cut:
        log_cut(message, outcome)
    marker = livechat_settings.STREAM_CUT_TEXT
    text = clean_reply(outcome.text, room=len(marker) + 2 if outcome.cut else 0)
    if not text:
        return _Reply(None, stream=outcome)
    if outcome.cut:
        text = f"{text}\n\n{marker}"
    # Cut short by the stream itself: a person follows up (a stop came from a hand-off).
    handoff_after = outcome.cut and outcome.reason != streams.STOPPED
    return _Reply(text, handoff=handoff_after, stream=outcome)


def _as_chunks(result: Any) -> AsyncIterator[Any] | None:
    """A streamed reply as an async iterator; None for anything else."""
    if isinstance(result, AsyncIterator):
        return result
    if isinstance(result, Iterator) and not isinstance(result, (str, bytes)):
        return streams.from_sync(result, _executor())
    return None


def log_cut(message: Message, outcome: streams.StreamResult) -> None:
    if outcome.reason == streams.FAILED:
        logger.error(
            "The responder's stream failed on message %s", message.id, exc_info=outcome.error
        )
    elif outcome.reason == streams.STOPPED:
        logger.info("The responder's stream for message %s was stopped", message.id)
    else:
        logger.error(
            "The responder's stream for message %s %s (STREAM_STALL_TIMEOUT %ss, "
            "RESPONDER_TIMEOUT %ss)",
            message.id,
            "stalled" if outcome.reason == streams.STALLED else "ran too long",
            livechat_settings.STREAM_STALL_TIMEOUT,
            livechat_settings.RESPONDER_TIMEOUT,
        )


async def _failed(
    message: Message, conversation: Conversation, exc: BaseException, out: events.Frames
) -> None:
    log_failure(message, exc)
    await _settle(message.id)
    if livechat_settings.RESPONDER_ERRORS_TO_VISITOR:
        out.to_visitors(failure_event(exc))
    await out.to_visitors(typing_frame(conversation.pk, False)).send()


async def _store_reply(
    message: Message, conversation: Conversation, text: str, out: events.Frames
) -> dict[str, Any] | None:
    reply = NewMessage(
        conversation_id=conversation.pk,
        role=ASSISTANT,
        content=text,
        client_id=reply_client_id(message.id),
        is_auto=True,
        reply_to=message.id,
    )
    try:
        stored = await store(reply)
    except Exception as exc:
        logger.warning(
            "Storing the automatic reply to message %s failed (%s); it is made again once "
            "its claim runs out",
            message.id,
            exc,
        )
        await out.to_visitors(typing_frame(conversation.pk, False)).send()
        return None
    data = frames.message_data(stored.message)
    if stored.created:
        out.message(data)
    # Already there (made by another process): it was delivered with it.
    await out.to_visitors(typing_frame(conversation.pk, False)).send()
    return data


async def _count_reply(conversation_id: UUID) -> bool:
    """Count a reply against the conversation's message rate limit; False when over."""
    period = livechat_settings.RATE_LIMIT_PERIOD
    window = Window("message", livechat_settings.RATE_LIMIT_MESSAGES, period)
    try:
        await visitor_limiter.take([(window, conversation_id.hex)])
    except ChatError:
        return False
    return True


async def _hand_over(conversation_id: UUID) -> None:
    try:
        await handoff.hand_over(conversation_id, handoff.BOT)
    except Exception as exc:
        logger.warning("Handing conversation %s over failed (%s)", conversation_id, exc)


def failure_event(exc: BaseException) -> dict[str, Any]:
    """The ``error`` frame telling a visitor their automatic reply failed."""
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        text = "The automatic reply took too long; an agent will see your message."
    else:
        text = "The automatic reply failed; an agent will see your message."
    return ChatError(errors.INTERNAL_ERROR, text).as_event()


def log_failure(message: Message, exc: BaseException) -> None:
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        logger.error(
            "The responder took longer than RESPONDER_TIMEOUT (%ss) on message %s",
            livechat_settings.RESPONDER_TIMEOUT,
            message.id,
        )
    else:
        logger.error("The responder failed on message %s", message.id, exc_info=exc)


def typing_frame(conversation_id: UUID, is_typing: bool) -> dict[str, Any]:
    """The responder's typing indicator, for the visitor's sockets only."""
    return frames.typing(conversation_id, ASSISTANT, is_typing)


async def _settle(message_id: UUID) -> None:
    try:
        await run_in_writer_thread(pending.settle, [message_id])
    except Exception as exc:
        # Its claim runs out and the message is answered again: a second chance.
        logger.warning("Settling the pending reply of %s failed (%s)", message_id, exc)


# ---------------------------------------------------------------- recovery


def recovery_interval() -> float:
    return max(1.0, min(10.0, livechat_settings.RESPONDER_TIMEOUT / 2))


def ensure_recovery() -> None:
    """Start this event loop's recovery task, once (the pipeline calls this on use)."""
    loop_local("recovery", lambda: spawn(_recover_forever(), name="livechat-recovery"))


async def _recover_forever() -> None:
    while True:
        await asyncio.sleep(recovery_interval())
        try:
            while await recover_once() >= livechat_settings.RESPONDER_CONCURRENCY:
                pass  # a backlog: claim the next slice at once
        except Exception as exc:
            logger.warning("Looking for unanswered visitor messages failed (%s)", exc)


async def recover_once() -> int:
    """Answer visitor messages whose pending reply's claim ran out; how many were claimed."""
    limit = livechat_settings.RESPONDER_CONCURRENCY
    claimed = await run_in_writer_thread(pending.claim_expired, lease=lease_seconds(), limit=limit)
    if not claimed:
        return 0
    messages = await run_in_db_thread(_load_messages, claimed)
    logger.info("Answering %d visitor message(s) left without a reply", len(messages))
    await asyncio.gather(*(answer(m, m.conversation) for m in messages))
    return len(claimed)


def _load_messages(message_ids: list[UUID]) -> list[Message]:
    return list(
        Message.objects.select_related("conversation__website")
        .filter(pk__in=message_ids)
        .order_by("conversation_id", "seq")
    )
