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
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from asgiref.sync import iscoroutinefunction
from django.core.signals import setting_changed
from django.db import close_old_connections
from django.utils.module_loading import import_string

from django_livechat import errors, pending
from django_livechat.conf import livechat_settings
from django_livechat.dbthreads import run_in_db_thread, run_in_writer_thread
from django_livechat.errors import ChatError
from django_livechat.models import Conversation, Message
from django_livechat.pipeline import events, frames
from django_livechat.pipeline.background import loop_local, spawn
from django_livechat.responders import is_inline
from django_livechat.store import NewMessage, ReplyPlan, reply_client_id, reply_text
from django_livechat.writer import store

logger = logging.getLogger(__name__)

#: How much longer than RESPONDER_TIMEOUT a claim on a pending reply lasts.
LEASE_MARGIN = 10.0
ASSISTANT = str(Message.Role.ASSISTANT)


@functools.cache
def get_responder() -> Callable[..., Any]:
    """The configured responder, imported once (again after the setting changes)."""
    responder: Callable[..., Any] = import_string(livechat_settings.RESPONDER)
    return responder


def _forget(setting: str, **kwargs: Any) -> None:
    if setting == "LIVECHAT":
        get_responder.cache_clear()
        plan.cache_clear()
        _executor.cache_clear()


setting_changed.connect(_forget, dispatch_uid="django_livechat.pipeline.replies")


def lease_seconds() -> float:
    return livechat_settings.RESPONDER_TIMEOUT + LEASE_MARGIN


@functools.cache
def plan() -> ReplyPlan:
    """How the store should handle a new visitor message's reply (again after the
    settings change)."""
    responder = get_responder()
    inline = is_inline(responder) and not iscoroutinefunction(responder)
    return ReplyPlan(lease=lease_seconds(), inline=responder if inline else None)


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


async def run_responder(conversation: Conversation, message: Message) -> str | None:
    """The responder's reply text for ``message`` (None: no reply); raises what it raised,
    or ``TimeoutError`` after ``RESPONDER_TIMEOUT``."""
    responder = get_responder()
    timeout = livechat_settings.RESPONDER_TIMEOUT
    result = await asyncio.wait_for(_in_a_slot(responder, conversation, message), timeout)
    return reply_text(result)


async def _in_a_slot(responder: Callable[..., Any], *args: Any) -> Any:
    slots = _slots()
    await slots.acquire()
    if iscoroutinefunction(responder):
        try:
            return await responder(*args)
        finally:
            slots.release()
    loop = asyncio.get_running_loop()
    work = _executor().submit(_call_sync, responder, *args)
    # The slot is free when the thread is, which may be long after a timeout.
    work.add_done_callback(lambda _: _release_from_thread(loop, slots))
    return await asyncio.wrap_future(work)


def _release_from_thread(loop: asyncio.AbstractEventLoop, slots: asyncio.Semaphore) -> None:
    if not loop.is_closed():
        loop.call_soon_threadsafe(slots.release)


def _call_sync(responder: Callable[..., Any], *args: Any) -> Any:
    close_old_connections()
    try:
        return responder(*args)
    finally:
        close_old_connections()


# ---------------------------------------------------------------- making a reply


async def answer(message: Message, conversation: Conversation) -> dict[str, Any] | None:
    """Run the responder for a visitor message whose pending reply this process holds;
    store and deliver its reply. The visitor's waiting state ends in every case."""
    out = events.Frames(conversation.pk, conversation.website_id)
    try:
        text = await run_responder(conversation, message)
    except Exception as exc:
        log_failure(message, exc)
        await _settle(message.id)
        if livechat_settings.RESPONDER_ERRORS_TO_VISITOR:
            out.to_visitors(failure_event(exc))
        await out.to_visitors(typing_frame(conversation.pk, False)).send()
        return None
    if text is None:
        await _settle(message.id)
        await out.to_visitors(typing_frame(conversation.pk, False)).send()
        return None
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
