"""A visitor's socket as the widget uses it (``js/widget/transport.js``, protocol v2).

Where it matters for losses the client behaves like the widget:

* it holds messages by ``seq`` and drops a ``seq`` it already has;
* a ``chat_message`` above a hole, noticed and still missing after a grace of
  :data:`GRACE` seconds, is repaired with ``{"type": "history", "last_seq": N}`` from the
  last seq held contiguously, one request in flight at a time (``js/shared/catchup.js``);
* a message not echoed back within :data:`ACK_TIMEOUT` seconds is sent again with the same
  ``client_id`` (the widget resends over HTTP; this client over the socket, which the
  protocol allows); one echoed but left without its reply that long makes it ask for
  history, as a heartbeat's ``pong`` with a higher ``last_seq`` would;
* ``UNAVAILABLE``/``RATE_LIMITED`` for a message: sent again after ``retry_after``;
* rejoining (:meth:`Visitor.rejoin`) identifies with ``conversation_id``,
  ``visitor_token`` and ``last_seq``, takes the ``history`` that follows, and resends the
  messages still waiting for their echo.

Replies may come with or without ``typing`` frames around them; typing frames are
skipped unparsed (they carry nothing the benchmark checks).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

ACK_TIMEOUT = 10.0
GRACE = 1.0
ANSWER_TIMEOUT = 15.0
CONNECT_TIMEOUT = 60.0
TYPING_PREFIX = '{"type": "typing"'
# Error codes after which the same message may be sent again, and how soon (seconds).
RETRYABLE = {"UNAVAILABLE": 2.0, "RATE_LIMITED": 2.0, "INTERNAL_ERROR": 1.0}


class ProtocolError(Exception):
    """The server answered something a correct server never sends."""


@dataclass(frozen=True)
class Held:
    """A message a client holds, and whether it came live (else through ``history``)."""

    message_id: str
    role: str
    client_id: str | None
    live: bool


@dataclass
class Exchange:
    """One visitor message: sent, echoed (its ``message_id``), answered."""

    client_id: str
    text: str
    sent_at: float
    done: asyncio.Future[float]
    message_id: str | None = None
    echo_at: float | None = None
    reply_at: float | None = None
    resent: int = 0
    failed: str | None = None  # a final error code: the server refused it for good


@dataclass
class Counts:
    """What a client did to stay whole, and what it saw go wrong."""

    repairs: int = 0  # history requests for a gap or a stalled message
    repaired: int = 0  # messages it got only through history
    resent: int = 0  # messages sent again with the same client_id
    redelivered: int = 0  # a seq it already had, arriving again (harmless)
    doubled: int = 0  # two live copies of one message, or two messages under one seq
    errors: list[str] = field(default_factory=list)
    doubles: list[str] = field(default_factory=list)  # the first few doubled, described


async def open_socket(
    url: str, *, origin: str | None, compression: bool = False, cookie: str | None = None
) -> ClientConnection:
    return await connect(
        url,
        origin=origin,  # type: ignore[arg-type]
        additional_headers={"Cookie": cookie} if cookie else None,
        compression="deflate" if compression else None,
        proxy=None,
        open_timeout=CONNECT_TIMEOUT,
        ping_interval=None,
        close_timeout=5,
        max_queue=None,
    )


class Visitor:
    """One visitor socket and conversation. ``website_id`` None: the echo baseline, whose
    socket is identified on connect and keeps no history to repair from."""

    def __init__(
        self,
        index: int,
        url: str,
        *,
        origin: str,
        website_id: str | None,
        compression: bool = False,
        ack_timeout: float = ACK_TIMEOUT,
    ) -> None:
        self.index = index
        self.url = url
        self.origin = origin
        self.website_id = website_id
        self.compression = compression
        self.ack_timeout = ack_timeout
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.conversation_id = ""
        self.visitor_token = ""
        self.held: dict[int, Held] = {}
        self.contiguous = 0
        self.top = 0
        self.exchanges: dict[str, Exchange] = {}
        self.by_message_id: dict[str, Exchange] = {}
        self.replies: dict[str, float] = {}  # message_id answered -> when the reply came
        self.counts = Counts()
        self.sent = 0
        self.identified: asyncio.Future[None] | None = None
        self.history_answer: asyncio.Future[None] | None = None
        self.closed = asyncio.Event()
        self.gap_task: asyncio.Task[None] | None = None
        self.gap_wanted = 0

    @property
    def repairable(self) -> bool:
        return self.website_id is not None

    # ------------------------------------------------------------ joining

    async def join(self) -> None:
        """Open the socket and start a conversation (or, on the echo socket, just open)."""
        await self._open()
        if self.repairable:
            await self._send({"type": "identify", "website_id": self.website_id})
        await self._await(self.identified, "identified")

    async def rejoin(self) -> None:
        """Open a new socket and identify with the conversation's token and ``last_seq``,
        wait for ``identified`` and the ``history`` after it, then resend what was never
        echoed (as the widget does after a reconnect)."""
        await self._open()
        loop = asyncio.get_running_loop()
        self.history_answer = loop.create_future()
        await self._send(
            {
                "type": "identify",
                "website_id": self.website_id,
                "conversation_id": self.conversation_id,
                "visitor_token": self.visitor_token,
                "last_seq": self.contiguous,
            }
        )
        await self._await(self.identified, "identified")
        await self._await(self.history_answer, "history")
        for exchange in self.exchanges.values():
            if exchange.message_id is None and exchange.failed is None:
                await self._resend(exchange)

    async def _open(self) -> None:
        self.closed.clear()
        self.identified = asyncio.get_running_loop().create_future()
        self.ws = await open_socket(self.url, origin=self.origin, compression=self.compression)
        self.reader = asyncio.get_running_loop().create_task(self._read(self.ws))

    async def _await(self, future: asyncio.Future[None] | None, what: str) -> None:
        assert future is not None
        closed: asyncio.Future[Any] = asyncio.ensure_future(self.closed.wait())
        try:
            await asyncio.wait({future, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
        if not future.done():
            raise ProtocolError(f"socket {self.index}: closed while waiting for {what}")
        future.result()

    async def close(self) -> None:
        if self.gap_task is not None:
            self.gap_task.cancel()
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)

    # ------------------------------------------------------------ sending

    async def exchange(self) -> Exchange:
        """Send a message and wait until its echo and its reply are held (repairing and
        resending as the widget would). Bounded by the caller."""
        self.sent += 1
        client_id = f"b{self.index}-{self.sent}"
        exchange = Exchange(
            client_id=client_id,
            text=f"Benchmark message {self.sent} from socket {self.index}",
            sent_at=time.perf_counter(),
            done=asyncio.get_running_loop().create_future(),
        )
        self.exchanges[client_id] = exchange
        await self._send_message(exchange)
        while True:
            try:
                await asyncio.wait_for(asyncio.shield(exchange.done), self.ack_timeout)
                return exchange
            except asyncio.TimeoutError:
                await self._stalled(exchange)

    async def _stalled(self, exchange: Exchange) -> None:
        if self.closed.is_set():
            return  # the rejoin resends it
        if exchange.message_id is None:
            await self._resend(exchange)
        elif self.repairable:
            await self._request_history()

    async def _resend(self, exchange: Exchange) -> None:
        exchange.resent += 1
        self.counts.resent += 1
        await self._send_message(exchange)

    async def _send_message(self, exchange: Exchange) -> None:
        await self._send(
            {"type": "chat_message", "message": exchange.text, "client_id": exchange.client_id}
        )

    async def _send(self, frame: dict[str, Any]) -> None:
        if self.ws is None:
            return
        # A closed socket: the reader notices; a rejoin resends what is pending.
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(json.dumps(frame))

    async def _request_history(self) -> None:
        self.counts.repairs += 1
        loop = asyncio.get_running_loop()
        self.history_answer = loop.create_future()
        await self._send({"type": "history", "last_seq": self.contiguous, "reason": "gap"})
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.history_answer), ANSWER_TIMEOUT)

    # ------------------------------------------------------------ receiving

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                if isinstance(raw, str) and raw.startswith(TYPING_PREFIX):
                    continue
                try:
                    self._frame(json.loads(raw))
                except Exception as exc:  # a wrong frame is an error, not a hang
                    self.counts.errors.append(f"socket {self.index}: {type(exc).__name__}: {exc}")
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    def _frame(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "chat_message":
            self._message(event, live=True)
        elif kind == "history":
            for message in event.get("messages", []):
                self._message(message, live=False)
            if event.get("has_more") and event.get("messages"):
                asyncio.get_running_loop().create_task(
                    self._send({"type": "history", "last_seq": self.contiguous})
                )
            elif self.history_answer is not None and not self.history_answer.done():
                self.history_answer.set_result(None)
        elif kind == "identified":
            self.conversation_id = event["conversation_id"]
            self.visitor_token = event.get("visitor_token", "")
            if self.identified is not None and not self.identified.done():
                self.identified.set_result(None)
        elif kind == "pong":
            if isinstance(event.get("last_seq"), int) and event["last_seq"] > self.contiguous:
                self._note_gap(event["last_seq"])
        elif kind == "error":
            self._error(event)

    def _message(self, event: dict[str, Any], *, live: bool) -> None:
        seq = event["seq"]
        message_id = event["message_id"]
        known = self.held.get(seq)
        if known is not None:
            if known.message_id != message_id:
                self.counts.doubled += 1
                self.counts.errors.append(
                    f"socket {self.index}: seq {seq} is {known.message_id} and {message_id}"
                )
            elif live and known.live and not self._resent(event):
                self.counts.doubled += 1  # the same live frame twice, not asked for
                if len(self.counts.doubles) < 5:
                    self.counts.doubles.append(
                        f"socket {self.index}: seq {seq} ({event['role']}, "
                        f"{event.get('client_id')}) came live twice"
                    )
            else:
                self.counts.redelivered += 1
            return
        self.held[seq] = Held(message_id, event["role"], event.get("client_id"), live)
        if not live:
            self.counts.repaired += 1
        self.top = max(self.top, seq)
        while self.contiguous + 1 in self.held:
            self.contiguous += 1
        if self.contiguous < self.top and self.repairable:
            self._note_gap(self.top)
        self._settle(event)

    def _resent(self, event: dict[str, Any]) -> bool:
        """Whether a second live copy is the answer to a retry: a retried message's
        acknowledgement repeats the message and its stored reply, to the sender only."""
        client_id = event.get("client_id") or ""
        if event.get("role") == "assistant" and client_id.startswith("auto:"):
            exchange = self.by_message_id.get(client_id[5:])
        else:
            exchange = self.exchanges.get(client_id)
        return exchange is not None and exchange.resent > 0

    def _settle(self, event: dict[str, Any]) -> None:
        """Match a message to the exchange it echoes or answers."""
        now = time.perf_counter()
        role, client_id = event["role"], event.get("client_id") or ""
        if role == "user":
            exchange = self.exchanges.get(client_id)
            if exchange is None:
                raise ProtocolError(f"socket {self.index}: an echo of {client_id!r}, never sent")
            exchange.message_id, exchange.echo_at = event["message_id"], now
            self.by_message_id[exchange.message_id] = exchange
            if exchange.message_id in self.replies:
                exchange.reply_at = self.replies[exchange.message_id]
        elif role == "assistant" and client_id.startswith("auto:"):
            answered = client_id[5:]
            self.replies[answered] = now
            exchange = self.by_message_id.get(answered)
            if exchange is None:
                return  # the echo is still on its way (or in the same history)
            exchange.reply_at = now
        else:
            raise ProtocolError(f"socket {self.index}: unexpected message {event}")
        complete = exchange.echo_at is not None and exchange.reply_at is not None
        if complete and not exchange.done.done():
            exchange.done.set_result(max(exchange.echo_at or 0.0, exchange.reply_at or 0.0))

    def _error(self, event: dict[str, Any]) -> None:
        code, client_id = event.get("code"), event.get("client_id")
        if self.identified is not None and not self.identified.done() and not client_id:
            # The identify was refused: this attempt failed (the caller counts it).
            self.identified.set_exception(ProtocolError(f"identify refused: {event}"))
            return
        exchange = self.exchanges.get(client_id or "")
        if exchange is not None and exchange.message_id is None and code in RETRYABLE:
            delay = float(event.get("retry_after") or RETRYABLE[code])
            asyncio.get_running_loop().call_later(
                delay, lambda: asyncio.ensure_future(self._resend(exchange))
            )
            return
        self.counts.errors.append(f"socket {self.index}: error frame {event}")
        if exchange is not None and not exchange.done.done():
            exchange.failed = str(code)
            exchange.done.set_exception(ProtocolError(f"{client_id} refused: {event}"))

    # ------------------------------------------------------------ gap repair

    def _note_gap(self, up_to: int) -> None:
        self.gap_wanted = max(self.gap_wanted, up_to)
        if self.gap_task is None or self.gap_task.done():
            self.gap_task = asyncio.get_running_loop().create_task(self._repair_gap())

    async def _repair_gap(self) -> None:
        """After the grace, ask for what is still missing; one request at a time."""
        while self.contiguous < self.gap_wanted and not self.closed.is_set():
            await asyncio.sleep(GRACE)
            if self.contiguous >= self.gap_wanted or self.closed.is_set():
                return
            await self._request_history()
