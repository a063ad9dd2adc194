"""Streamed automatic replies: the ones running in this process, their deltas, stopping.

A responder that returns an iterator of text chunks streams its reply. While it runs,
the conversation's visitor sockets and its website's dashboards get ``reply_delta``
frames with the whole text so far (never stored, no ``seq``), at most one per
``LIVECHAT["STREAM_DELTA_INTERVAL"]``; the reply is stored once, when the stream ends
(:mod:`~django_livechat.pipeline.replies`), and its ``chat_message`` replaces the
growing bubble.

A stream ends early when no chunk comes for ``STREAM_STALL_TIMEOUT``, when it runs past
``RESPONDER_TIMEOUT`` in all, when the iterator raises, or when it is stopped: the
conversation was handed over (:mod:`~django_livechat.pipeline.handoff`) or its website's
bot switched off. A stop may come from any server process: :func:`stop` sends it to a
group per conversation that each running stream's process joins with a channel of its
own while the stream runs, and the process running it cancels it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from channels.layers import get_channel_layer

from django_livechat.conf import livechat_settings
from django_livechat.pipeline import events, frames
from django_livechat.pipeline.background import loop_local

logger = logging.getLogger(__name__)

STOP_EVENT = "livechat.stream_stop"

#: Why a stream ended.
FINISHED = "finished"  # the iterator ran out
STALLED = "stalled"  # no chunk for STREAM_STALL_TIMEOUT
TIMED_OUT = "timed_out"  # longer than RESPONDER_TIMEOUT in all
FAILED = "failed"  # the iterator raised (``StreamResult.error``)
STOPPED = "stopped"  # handed over, or the website's bot switched off


def stop_group(conversation_id: UUID | str) -> str:
    """The processes running a stream in the conversation listen here for a stop."""
    return f"livechat.streamstop.{conversation_id}"


def website_stop_group(website_id: UUID | str) -> str:
    """The processes running a stream on the website listen here (its bot switched off)."""
    return f"livechat.streamstop-website.{website_id}"


@dataclass(frozen=True)
class StreamResult:
    """The text that arrived, and why the stream ended."""

    text: str
    reason: str
    error: BaseException | None = None

    @property
    def cut(self) -> bool:
        return self.reason != FINISHED


def _running() -> dict[UUID, set[Stream]]:
    registry: dict[UUID, set[Stream]] = loop_local("streams", dict)
    return registry


def running_in(conversation_id: UUID) -> int:
    """How many streams of the conversation this process runs (tests, diagnostics)."""
    return len(_running().get(conversation_id, ()))


class Stream:
    """One streamed reply to ``message_id``: collects the chunks and sends the deltas."""

    def __init__(self, conversation_id: UUID, website_id: UUID, message_id: UUID) -> None:
        self.conversation_id = conversation_id
        self.website_id = website_id
        self.message_id = message_id
        self.client_id = f"auto:{message_id}"
        self._stop = asyncio.Event()
        self._text = ""
        self._sent = ""
        self._dirty = asyncio.Event()
        self._sending = asyncio.Lock()
        self._first = True

    def stop(self) -> None:
        """End the stream at once with what arrived so far."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    # ------------------------------------------------------------ collecting

    async def collect(self, chunks: AsyncIterator[Any], *, timeout: float) -> StreamResult:
        """Read ``chunks`` until they run out, stall, take more than ``timeout`` seconds in
        all, fail or are stopped; send deltas meanwhile."""
        deadline = time.monotonic() + timeout
        stall = livechat_settings.STREAM_STALL_TIMEOUT
        flusher = asyncio.ensure_future(self._flush_forever())
        stopper = asyncio.ensure_future(self._stop.wait())
        parts: list[str] = []
        reason, error = FINISHED, None
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    reason = TIMED_OUT
                    break
                step = asyncio.ensure_future(anext(chunks))
                done, _ = await asyncio.wait(
                    {step, stopper},
                    timeout=min(stall, remaining),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if step not in done:
                    await _abandon(step)
                    reason = STALLED if stall < remaining else TIMED_OUT
                    reason = STOPPED if self.stopped else reason
                    break
                try:
                    chunk = step.result()
                except StopAsyncIteration:
                    break
                except Exception as exc:
                    reason, error = FAILED, exc
                    break
                if not isinstance(chunk, str):
                    reason = FAILED
                    error = TypeError(f"A responder stream gave {type(chunk).__name__}, not str")
                    break
                if chunk:
                    parts.append(chunk)
                    self._text = "".join(parts)
                    self._dirty.set()
                if self.stopped:
                    reason = STOPPED
                    break
        finally:
            stopper.cancel()
            await self._close_flusher(flusher)
            await _close(chunks)
        return StreamResult("".join(parts), reason, error)

    # ------------------------------------------------------------ deltas

    async def _flush_forever(self) -> None:
        interval = livechat_settings.STREAM_DELTA_INTERVAL
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            async with self._sending:
                await self._send_delta()
            await asyncio.sleep(interval)

    async def _send_delta(self) -> None:
        text = self._text
        if text == self._sent:
            return
        self._sent = text
        frame = frames.reply_delta(self.conversation_id, self.message_id, text)
        out = events.Frames(self.conversation_id, self.website_id)
        if self._first:
            # The bubble takes over from the responder's typing indicator.
            self._first = False
            out.to_visitors(frames.typing(self.conversation_id, "assistant", False))
        await out.to_visitors(frame).to_dashboards(frame).send()

    async def _close_flusher(self, flusher: asyncio.Future[Any]) -> None:
        # Wait for a delta on its way: none may follow the stored reply.
        async with self._sending:
            flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher


async def _abandon(step: asyncio.Future[Any]) -> None:
    """Give up on a chunk that did not come: cancel it (an async generator sees
    ``CancelledError``; a thread reading a sync iterator is left to finish alone)."""
    step.cancel()
    await asyncio.wait({step}, timeout=1.0)
    if step.done() and not step.cancelled():
        step.exception()  # retrieved: not logged as "never retrieved"


async def _close(chunks: AsyncIterator[Any]) -> None:
    close = getattr(chunks, "aclose", None)
    if close is None:
        return
    try:
        await asyncio.wait_for(close(), 1.0)
    except Exception as exc:
        logger.info("Closing a responder's stream failed (%s)", exc)


# ------------------------------------------------------------ sync iterators


async def from_sync(chunks: Iterator[Any], executor: Any) -> AsyncIterator[Any]:
    """A sync iterator's chunks, each read in ``executor`` (the responders' pool)."""
    loop = asyncio.get_running_loop()
    done = object()
    while True:
        chunk = await loop.run_in_executor(executor, next, chunks, done)
        if chunk is done:
            return
        yield chunk


# ------------------------------------------------------------ running and stopping


@contextlib.asynccontextmanager
async def running(conversation_id: UUID, website_id: UUID, message_id: UUID) -> Any:
    """A :class:`Stream` registered as running in this process (and listening for a stop
    from other processes) for the duration of the block."""
    stream = Stream(conversation_id, website_id, message_id)
    registry = _running()
    registry.setdefault(conversation_id, set()).add(stream)
    listener = await _listen(stream)
    try:
        yield stream
    finally:
        streams = registry.get(conversation_id)
        if streams is not None:
            streams.discard(stream)
            if not streams:
                del registry[conversation_id]
        if listener is not None:
            await listener.close()


def stop_here(conversation_id: UUID) -> int:
    """Stop the conversation's streams running in this process; how many."""
    streams = list(_running().get(conversation_id, ()))
    for stream in streams:
        stream.stop()
    return len(streams)


async def stop(conversation_id: UUID) -> None:
    """Stop the conversation's streams in every process (this one at once)."""
    stop_here(conversation_id)
    payload = {"type": STOP_EVENT, "conversation_id": str(conversation_id)}
    await events.group_send(stop_group(conversation_id), payload)


async def stop_website(website_id: UUID) -> None:
    """Stop the website's streams in every process (its bot was switched off)."""
    for streams in list(_running().values()):
        for stream in list(streams):
            if str(stream.website_id) == str(website_id):
                stream.stop()
    payload = {"type": STOP_EVENT, "website_id": str(website_id)}
    await events.group_send(website_stop_group(website_id), payload)


class _Listener:
    def __init__(self, stream: Stream, channel: str) -> None:
        self.stream = stream
        self.channel = channel
        self.task = asyncio.ensure_future(self._receive())

    async def _receive(self) -> None:
        layer = get_channel_layer()
        while True:
            message = await layer.receive(self.channel)
            if message.get("type") == STOP_EVENT:
                self.stream.stop()

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task
        await events.leave(self.channel, _stop_groups(self.stream))


def _stop_groups(stream: Stream) -> list[str]:
    return [stop_group(stream.conversation_id), website_stop_group(stream.website_id)]


async def _listen(stream: Stream) -> _Listener | None:
    layer = get_channel_layer()
    if layer is None:
        return None
    try:
        # The layer's default prefix: on channels-redis the process's sockets and this
        # channel then share one receive loop (another prefix would take turns with it,
        # holding the sockets' events back for a blocking pop at a time).
        channel = await layer.new_channel()
        for group in _stop_groups(stream):
            await layer.group_add(group, channel)
    except Exception as exc:
        # Stops from this process still work; other processes' are missed.
        logger.warning("A stream could not listen for stops from other processes (%s)", exc)
        return None
    return _Listener(stream, channel)
