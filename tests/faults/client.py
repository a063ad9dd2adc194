"""Protocol clients for the fault tests: visitors and an agent's dashboard that behave as the
widget and the dashboard do, and record what they saw.

They follow ``docs/protocol.rst`` and the version 2 rules (lossless live delivery):

* a :class:`Visitor` identifies (a new conversation, or a rejoin with ``conversation_id``,
  ``visitor_token`` and the last ``seq`` it holds), keeps an outbox keyed by ``client_id``
  and sends every unacknowledged message again after a reconnect, reconnects with backoff,
  sends ``ping`` with ``last_seq`` every ``heartbeat`` seconds and treats 2 x heartbeat + 5 s
  of silence as a dead socket, repairs a hole in its ``seq`` (or a ``pong`` whose
  ``last_seq`` is ahead) with one ``history`` request after a 1 s grace, retries a message
  refused with ``UNAVAILABLE`` or ``RATE_LIMITED`` after ``retry_after`` and one refused with
  ``INTERNAL_ERROR`` over HTTP, and while its socket is down posts and polls over HTTP (as
  the widget falls back); with ``socket=False`` it is a polling HTTP client only;
* a :class:`Dashboard` holds an agent's socket (a session cookie from the admin's login
  form), records every ``chat_message`` and ``typing`` frame per conversation, and repairs
  the conversations it ``watch``\\ es as the dashboard repairs the open one.

Every wait has a deadline. Nothing here asserts: the tests compare these records with the
database (:mod:`tests.faults.audit`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http.client
import http.cookiejar
import itertools
import json
import math
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

WIDGET_PATH = "ws/livechat/widget/"
DASHBOARD_PATH = "ws/livechat/dashboard/"
GAP_GRACE = 1.0  # protocol v2: a late event gets this long before a hole is repaired
CATCH_UP_TIMEOUT = 5.0  # an unanswered history request stops blocking the next one
OPEN_TIMEOUT = 5.0  # connect and identify (or ready) each
TICK = 0.05
FINAL_CODES = frozenset({"INVALID_MESSAGE", "MESSAGE_TOO_LONG"})
RETRY_LATER_CODES = frozenset({"UNAVAILABLE", "RATE_LIMITED"})
HTTP_FINAL_STATUSES = frozenset({400, 413})

# urllib blocks: HTTP calls run here, wide enough for every visitor of a test at once
# (asyncio's default executor has only a few threads on a small machine).
_http_threads = ThreadPoolExecutor(max_workers=64, thread_name_prefix="fault-http")


def now() -> float:
    return time.monotonic()


# ---------------------------------------------------------------- HTTP


@dataclass(frozen=True)
class HttpAnswer:
    """An HTTP answer; ``status`` 0 when there was none (refused, reset, timed out)."""

    status: int
    body: Any
    headers: dict[str, str]
    error: str = ""


def http_request(
    method: str,
    url: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15.0,
) -> HttpAnswer:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpAnswer(response.status, _json(response.read()), _headers(response))
    except urllib.error.HTTPError as exc:
        return HttpAnswer(exc.code, _json(exc.read()), _headers(exc))
    except (OSError, http.client.HTTPException) as exc:  # URLError and timeouts are OSErrors
        return HttpAnswer(0, None, {}, error=repr(exc))


async def http_async(method: str, url: str, **options: Any) -> HttpAnswer:
    call = functools.partial(http_request, method, url, **options)
    return await asyncio.get_running_loop().run_in_executor(_http_threads, call)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def _headers(response: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers.items()}


def retry_after(source: dict[str, Any] | None, headers: dict[str, str] | None = None) -> float:
    """Seconds to wait from an error's ``retry_after`` (or a Retry-After header); 1 s if
    neither says, and never more than 30 s (the tests' deadlines are shorter anyway)."""
    value: Any = (source or {}).get("retry_after") if isinstance(source, dict) else None
    if value is None and headers:
        value = headers.get("retry-after")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 1.0
    return min(max(seconds, 0.05), 30.0)


def agent_cookie(server_url: str, username: str, password: str) -> str:
    """Log in through the admin's login form; the ``Cookie`` header of that session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = server_url + "admin/login/"
    with opener.open(login, timeout=15) as response:
        page = response.read().decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if found is None:
        raise RuntimeError("no CSRF token on the admin's login page")
    form = urllib.parse.urlencode(
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": found.group(1),
            "next": "/admin/",
        }
    ).encode()
    with opener.open(
        urllib.request.Request(login, data=form, headers={"Referer": login}), timeout=15
    ):
        pass
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"logging in as {username!r} failed")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


# ---------------------------------------------------------------- what a client holds


class SeqLog:
    """One conversation's messages as a client holds them: every ``seq`` once, the highest
    ``seq`` held without a hole, and the gap-repair state (protocol v2, rule 3)."""

    def __init__(self) -> None:
        self.messages: dict[int, dict[str, Any]] = {}
        self.contiguous = 0
        #: The newest seq the server said exists (a pong's or an inbox entry's last_seq).
        self.announced = 0
        self.duplicates = 0  # a seq received again (live and history overlap): dropped
        self.conflicts: list[str] = []  # one seq with two different messages: a real fault
        self.repairs = 0
        self._gap_since: float | None = None
        self._catch_up_since: float | None = None

    def take(self, message: dict[str, Any], source: str) -> bool:
        """Add a message; False if its seq was already held."""
        seq = message["seq"]
        held = self.messages.get(seq)
        if held is not None:
            self.duplicates += 1
            if held["message_id"] != message["message_id"]:
                self.conflicts.append(
                    f"seq {seq}: {held['message_id']} ({held['_source']}) and "
                    f"{message['message_id']} ({source})"
                )
            return False
        self.messages[seq] = {**message, "_source": source}
        while self.contiguous + 1 in self.messages:
            self.contiguous += 1
        return True

    def announce(self, last_seq: object) -> None:
        if isinstance(last_seq, int) and not isinstance(last_seq, bool):
            self.announced = max(self.announced, last_seq)

    @property
    def highest(self) -> int:
        return max([self.announced, *self.messages])

    def missing(self) -> bool:
        return self.highest > self.contiguous

    def repair_due(self, at: float) -> bool:
        """Whether to ask for history now: a hole seen for the grace time, none in flight."""
        if self._catch_up_since is not None and at - self._catch_up_since > CATCH_UP_TIMEOUT:
            self._catch_up_since = None
        if not self.missing():
            self._gap_since = None
            return False
        if self._gap_since is None:
            self._gap_since = at
            return False
        return at - self._gap_since >= GAP_GRACE and self._catch_up_since is None

    def catching_up(self, at: float, *, repair: bool) -> None:
        """A history request went out (a repair, or a rejoin's own catch-up)."""
        self._catch_up_since = at
        self._gap_since = None
        if repair:
            self.repairs += 1

    def caught_up(self) -> None:
        self._catch_up_since = None

    def reset_catch_up(self) -> None:
        self._catch_up_since = None


@dataclass
class Outgoing:
    """One of the visitor's messages, from :meth:`Visitor.send` until the server's copy
    names its ``seq``."""

    client_id: str
    text: str
    #: When to (re)send: ``inf`` while a sent copy waits for its echo.
    due: float = 0.0
    seq: int | None = None
    message_id: str | None = None
    #: A final error code (the server will never take it).
    failed: str = ""
    frames: int = 0
    posts: int = 0
    #: The next attempt goes over HTTP (after an INTERNAL_ERROR naming it).
    via_http: bool = False
    posting: bool = False
    http_failures: int = 0

    @property
    def settled(self) -> bool:
        return self.seq is not None or bool(self.failed)


def _backoff(attempt: int, base: float, ceiling: float) -> float:
    return min(ceiling, base * 2 ** min(attempt, 10)) * (0.5 + random.random() / 2)


# ---------------------------------------------------------------- the visitor


class Visitor:
    """A visitor's widget: see the module docstring for what it does."""

    def __init__(
        self,
        server_url: str,
        website_id: str,
        *,
        name: str,
        origin: str | None = None,
        heartbeat: float = 2.0,
        reconnect_base: float = 0.2,
        reconnect_max: float = 2.0,
        poll_interval: float = 1.0,
        http_fallback: bool = True,
        socket: bool = True,
        conversation_id: str | None = None,
        visitor_token: str | None = None,
    ) -> None:
        self.name = name
        self.website_id = website_id
        self.ws_url = "ws" + server_url.removeprefix("http") + WIDGET_PATH
        self.api_url = server_url + "livechat/api/"
        self.origin = origin
        self.heartbeat = heartbeat
        self.reconnect_base = reconnect_base
        self.reconnect_max = reconnect_max
        self.poll_interval = poll_interval
        self.http_fallback = http_fallback
        self.use_socket = socket
        self.conversation_id = conversation_id
        self.visitor_token = visitor_token
        self.log = SeqLog()
        self.outbox: dict[str, Outgoing] = {}
        self.counts: Counter[str] = Counter()
        self.errors: list[dict[str, Any]] = []  # every error frame, as received
        self.posts: list[tuple[str, HttpAnswer]] = []  # (client_id, answer) of each post
        self.crashes: list[str] = []  # exceptions of this client's own tasks
        self._numbers = itertools.count(1)
        self._ws: ClientConnection | None = None
        self._ready = False
        self._ever_ready = False
        self._last_ping = 0.0
        self._last_poll = 0.0
        self._polling = False
        self._closing = False
        self._identified: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._posts: set[asyncio.Task[Any]] = set()

    # ------------------------------------------------------------ public

    async def start(self, timeout: float = 15.0) -> Visitor:
        """Connect and identify (or, HTTP only, open the conversation); bounded."""
        self._identified = asyncio.Event()
        if self.use_socket:
            self._tasks.append(asyncio.create_task(self._run_socket()))
        else:
            await self._open_over_http(now() + timeout)
        self._tasks.append(asyncio.create_task(self._pump()))
        try:
            await asyncio.wait_for(self._identified.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"{self.name} not identified within {timeout}s; errors: {self.errors[-3:]}"
            ) from None
        return self

    def send(self, text: str) -> Outgoing:
        """Queue a message; it goes out at once if the socket is ready."""
        item = Outgoing(client_id=f"{self.name}-m{next(self._numbers)}", text=text, due=now())
        self.outbox[item.client_id] = item
        self.counts["sent"] += 1
        return item

    async def send_frame(self, frame: dict[str, Any]) -> bool:
        """Send any frame (``typing``, ...) if the socket is ready; False if it is not."""
        ws = self._ws if self._ready else None
        if ws is None:
            return False
        try:
            await ws.send(json.dumps(frame))
        except ConnectionClosed:
            return False
        return True

    async def close(self) -> None:
        self._closing = True
        for task in [*self._tasks, *self._posts]:
            task.cancel()
        for task in [*self._tasks, *self._posts]:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, 3)
        self._tasks.clear()
        self._posts.clear()

    @property
    def ready(self) -> bool:
        return self._ready

    def unacknowledged(self) -> list[Outgoing]:
        return [item for item in self.outbox.values() if not item.settled]

    def replies(self) -> dict[str, list[int]]:
        """The seqs of the automatic replies held, by the message_id they answer."""
        found: dict[str, list[int]] = {}
        for seq, message in self.log.messages.items():
            client_id = message.get("client_id") or ""
            if message.get("role") == "assistant" and client_id.startswith("auto:"):
                found.setdefault(client_id.removeprefix("auto:"), []).append(seq)
        return found

    def settled(self) -> bool:
        """Everything sent is acknowledged and answered, and nothing is missing."""
        if self.unacknowledged() or self.log.missing():
            return False
        replies = self.replies()
        return all(item.failed or item.message_id in replies for item in self.outbox.values())

    def summary(self) -> str:
        unacked = len(self.unacknowledged())
        return (
            f"{self.name}: conversation={self.conversation_id} held={len(self.log.messages)} "
            f"contiguous={self.log.contiguous} announced={self.log.announced} "
            f"unacked={unacked} counts={dict(self.counts)} crashes={self.crashes[:3]}"
        )

    # ------------------------------------------------------------ the socket

    async def _run_socket(self) -> None:
        attempt = 0
        while not self._closing:
            try:
                async with connect(
                    self.ws_url,
                    origin=self.origin,  # type: ignore[arg-type]  # None: no header
                    open_timeout=OPEN_TIMEOUT,
                    close_timeout=1,
                    ping_interval=None,  # a browser's socket has no pings of its own
                    max_queue=None,
                ) as ws:
                    self.counts["connections"] += 1
                    if await self._session(ws):
                        attempt = 0
            except (OSError, TimeoutError, WebSocketException):
                self.counts["connect_failures"] += 1
            except Exception as exc:  # a bug here, or a frame it cannot read: on record
                self.crashes.append(repr(exc))
            finally:
                self._socket_down()
            if self._closing:
                return
            self.counts["reconnects"] += 1
            await asyncio.sleep(_backoff(attempt, self.reconnect_base, self.reconnect_max))
            attempt += 1

    async def _session(self, ws: ClientConnection) -> bool:
        """One socket's life; True if it got as far as ``identified``."""
        self._ws = ws
        identify: dict[str, Any] = {"type": "identify", "website_id": self.website_id}
        if self.visitor_token:
            identify |= {
                "conversation_id": self.conversation_id,
                "visitor_token": self.visitor_token,
                "last_seq": self.log.contiguous,
            }
            self.log.catching_up(now(), repair=False)  # the rejoin's history answers
        else:
            identify |= {"user_identifier": self.name, "metadata": {"page": "/fault-test"}}
        await ws.send(json.dumps(identify))
        return await read_frames(ws, self, "identify_timeouts")

    def _socket_down(self) -> None:
        was_ready = self._ready
        self._ws = None
        self._ready = False
        self.log.reset_catch_up()
        if was_ready:
            # Nothing waits for the next socket: due at once (over HTTP if it falls back).
            for item in self.unacknowledged():
                item.due = min(item.due, now())

    async def _on_frame(self, ws: ClientConnection, frame: dict[str, Any]) -> bool:
        """Handle one frame; False to close the socket (and reconnect)."""
        kind = frame.get("type")
        self.counts[f"in_{kind}"] += 1
        if kind == "identified":
            if self.conversation_id and frame["conversation_id"] != self.conversation_id:
                self.counts["conversation_changed"] += 1
            self.conversation_id = frame["conversation_id"]
            self.visitor_token = frame["visitor_token"]
            self._ready = self._ever_ready = True
            self._last_ping = now()
            for item in self.unacknowledged():  # resend all unacknowledged ones
                item.due = min(item.due, now())
            assert self._identified is not None
            self._identified.set()
        elif kind == "history":
            messages = frame.get("messages") or []
            for message in messages:
                self._take(message, "history")
            if frame.get("has_more") and messages:
                await ws.send(json.dumps({"type": "history", "last_seq": messages[-1]["seq"]}))
            else:
                self.log.caught_up()
        elif kind == "chat_message":
            self._take(frame, "live")
        elif kind == "pong":
            if "last_seq" in frame:
                self.counts["pongs_with_last_seq"] += 1
                self.log.announce(frame["last_seq"])
        elif kind == "typing":
            self.counts[f"typing_{frame.get('role')}"] += 1
        elif kind == "error":
            return self._on_error(frame)
        return True

    def _on_error(self, frame: dict[str, Any]) -> bool:
        self.errors.append({**frame, "_ready": self._ready, "_at": now()})
        code = frame.get("code")
        self.counts[f"error_{code}"] += 1
        if not self._ready or code == "FORBIDDEN":
            return False  # identify failed: reconnect after a backoff
        item = self.outbox.get(frame.get("client_id") or "")
        if item is None or item.settled:
            return True  # names no pending message (the responder failed, ...)
        if code in FINAL_CODES:
            item.failed = str(code)
        elif code in RETRY_LATER_CODES:
            item.due = now() + retry_after(frame)
        elif code == "INTERNAL_ERROR":
            item.via_http = True
            item.due = now()
        else:
            item.due = now() + 1.0
        return True

    def _take(self, message: dict[str, Any], source: str) -> None:
        if message.get("conversation_id") not in (None, self.conversation_id):
            self.counts["foreign_messages"] += 1
            return
        if not self.log.take(message, source):
            return
        self.counts[f"got_{source}"] += 1
        item = self.outbox.get(message.get("client_id") or "")
        if item is None or message.get("role") != "user":
            if message.get("role") == "assistant":
                self.counts["replies"] += 1
            return
        if item.seq is None:
            item.seq, item.message_id = message["seq"], message["message_id"]
            if source == "live":
                self.counts["echoes"] += 1
        elif item.seq != message["seq"]:
            self.log.conflicts.append(f"{item.client_id} at seq {item.seq} and {message['seq']}")

    # ------------------------------------------------------------ timers and HTTP

    async def _pump(self) -> None:
        """Every tick: due messages out, heartbeat, gap repair, HTTP polling."""
        while not self._closing:
            at = now()
            ws = self._ws if self._ready else None
            try:
                for item in list(self.outbox.values()):
                    if item.settled or item.posting or item.due > at:
                        continue
                    if ws is not None and not item.via_http:
                        item.frames += 1
                        item.due = math.inf
                        self.counts["frames_sent"] += 1
                        if item.frames + item.posts > 1:
                            self.counts["resends"] += 1
                        frame = {"type": "chat_message", "message": item.text}
                        await ws.send(json.dumps(frame | {"client_id": item.client_id}))
                    elif self.visitor_token and (item.via_http or self.http_fallback):
                        self._post_soon(item)
                if ws is not None:
                    if at - self._last_ping >= self.heartbeat:
                        self._last_ping = at
                        ping = {"type": "ping", "last_seq": self.log.contiguous}
                        await ws.send(json.dumps(ping))
                    if self.log.repair_due(at):
                        self.log.catching_up(at, repair=True)
                        self.counts["repairs"] += 1
                        repair = {"type": "history", "last_seq": self.log.contiguous}
                        await ws.send(json.dumps(repair | {"reason": "gap"}))
                elif self._may_poll(at):
                    self._last_poll = at
                    self._spawn(self._poll())
            except ConnectionClosed:
                pass  # the socket task reconnects; unacknowledged messages go again
            except Exception as exc:
                self.crashes.append(repr(exc))
            await asyncio.sleep(TICK)

    def _may_poll(self, at: float) -> bool:
        return (
            bool(self.visitor_token)
            and (self.http_fallback or not self.use_socket)
            and not self._polling
            and at - self._last_poll >= self.poll_interval
        )

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._posts.add(task)
        task.add_done_callback(self._spawned_done)

    def _spawned_done(self, task: asyncio.Task[Any]) -> None:
        self._posts.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.crashes.append(repr(task.exception()))

    def _post_soon(self, item: Outgoing) -> None:
        item.posting = True
        item.posts += 1
        if item.frames + item.posts > 1:
            self.counts["resends"] += 1
        self._spawn(self._post(item))

    async def send_over_http(self, text: str) -> HttpAnswer:
        """Post a new message over HTTP at once (as the widget does without a socket) and
        return the answer; the message joins the outbox, so a failed post is retried as
        any pending message is."""
        item = Outgoing(client_id=f"{self.name}-m{next(self._numbers)}", text=text)
        self.outbox[item.client_id] = item
        self.counts["sent"] += 1
        item.posting, item.posts = True, 1
        return await self._post(item)

    async def _post(self, item: Outgoing) -> HttpAnswer:
        try:
            answer = await self.post(item.text, item.client_id)
        finally:
            item.posting = False
        self._posted(item, answer)
        return answer

    def _posted(self, item: Outgoing, answer: HttpAnswer) -> None:
        if answer.status in (200, 201) and isinstance(answer.body, dict):
            item.via_http = False
            self._take(answer.body["message"], "http")
            if answer.body.get("reply"):
                self._take(answer.body["reply"], "http")
        elif answer.status in (429, 503):
            item.due = now() + retry_after(answer.body, answer.headers)
        elif answer.status in HTTP_FINAL_STATUSES:
            item.failed = f"HTTP {answer.status}"
        else:  # no answer, 500, ...: the server may be down; try again later
            item.http_failures += 1
            item.due = now() + _backoff(item.http_failures, self.reconnect_base, self.reconnect_max)

    async def post(self, text: str, client_id: str) -> HttpAnswer:
        """``POST messages/`` once, recorded in :attr:`posts` (the widget's HTTP fallback)."""
        headers = {"Authorization": f"Bearer {self.visitor_token}"}
        if self.origin:
            headers["Origin"] = self.origin
        self.counts["posts"] += 1
        answer = await http_async(
            "POST",
            self.api_url + "messages/",
            body={"message": text, "client_id": client_id},
            headers=headers,
        )
        self.counts[f"http_{answer.status}"] += 1
        self.posts.append((client_id, answer))
        return answer

    async def _poll(self) -> None:
        """``GET messages/?after_seq=`` (the widget's polling while its socket is down)."""
        self._polling = True
        try:
            headers = {"Authorization": f"Bearer {self.visitor_token}"}
            if self.origin:
                headers["Origin"] = self.origin
            while True:
                url = f"{self.api_url}messages/?after_seq={self.log.contiguous}"
                answer = await http_async("GET", url, headers=headers)
                self.counts["polls"] += 1
                if answer.status != 200 or not isinstance(answer.body, dict):
                    return
                messages = answer.body.get("messages") or []
                for message in messages:
                    self._take(message, "poll")
                if not (answer.body.get("has_more") and messages):
                    return
        finally:
            self._polling = False

    async def _open_over_http(self, deadline: float) -> None:
        body: dict[str, Any] = {"website_id": self.website_id}
        if self.visitor_token:
            body |= {"conversation_id": self.conversation_id, "visitor_token": self.visitor_token}
        else:
            body |= {"user_identifier": self.name, "metadata": {"page": "/fault-test"}}
        headers = {"Origin": self.origin} if self.origin else {}
        while now() < deadline:
            answer = await http_async(
                "POST", self.api_url + "conversations/", body=body, headers=headers
            )
            if answer.status in (200, 201):
                self.conversation_id = answer.body["conversation_id"]
                self.visitor_token = answer.body["visitor_token"]
                assert self._identified is not None
                self._identified.set()
                return
            await asyncio.sleep(0.5)


# ---------------------------------------------------------------- the agent's dashboard


class Dashboard:
    """An agent's dashboard socket: records messages and typing per conversation."""

    def __init__(
        self,
        server_url: str,
        cookie: str,
        *,
        watch: Iterable[str] = (),
        heartbeat: float = 2.0,
        reconnect_base: float = 0.2,
        reconnect_max: float = 2.0,
    ) -> None:
        self.ws_url = "ws" + server_url.removeprefix("http") + DASHBOARD_PATH
        self.cookie = cookie
        self.watched = set(watch)
        self.heartbeat = heartbeat
        self.reconnect_base = reconnect_base
        self.reconnect_max = reconnect_max
        self.logs: dict[str, SeqLog] = {}
        #: typing frames received, by conversation; and the (time, is_typing) of each.
        self.typing: Counter[str] = Counter()
        self.typing_frames: dict[str, list[tuple[float, bool]]] = {}
        self.counts: Counter[str] = Counter()
        self.errors: list[dict[str, Any]] = []
        self.crashes: list[str] = []
        self.cursor: str | None = None
        self._ws: ClientConnection | None = None
        self._ready = False
        self._last_beat = 0.0
        self._closing = False
        self._up: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def log(self, conversation_id: str) -> SeqLog:
        return self.logs.setdefault(conversation_id, SeqLog())

    def watch(self, conversation_id: str) -> None:
        """Repair this conversation's holes, as the dashboard does for the open one."""
        self.watched.add(conversation_id)
        self.log(conversation_id)

    async def start(self, timeout: float = 15.0) -> Dashboard:
        self._up = asyncio.Event()
        self._tasks = [asyncio.create_task(self._run()), asyncio.create_task(self._pump())]
        try:
            await asyncio.wait_for(self._up.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"dashboard not ready within {timeout}s: {self.errors}") from None
        return self

    async def close(self) -> None:
        self._closing = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, 3)

    async def _run(self) -> None:
        attempt = 0
        while not self._closing:
            try:
                async with connect(
                    self.ws_url,
                    additional_headers={"Cookie": self.cookie},
                    open_timeout=OPEN_TIMEOUT,
                    close_timeout=1,
                    ping_interval=None,
                    max_queue=None,
                ) as ws:
                    self._ws = ws
                    self.counts["connections"] += 1
                    if await self._session(ws):
                        attempt = 0
            except (OSError, TimeoutError, WebSocketException):
                self.counts["connect_failures"] += 1
            except Exception as exc:
                self.crashes.append(repr(exc))
            finally:
                self._ws, self._ready = None, False
                for log in self.logs.values():
                    log.reset_catch_up()
            if self._closing:
                return
            self.counts["reconnects"] += 1
            await asyncio.sleep(_backoff(attempt, self.reconnect_base, self.reconnect_max))
            attempt += 1

    async def _session(self, ws: ClientConnection) -> bool:
        return await read_frames(ws, self, "ready_timeouts")

    async def _on_frame(self, ws: ClientConnection, frame: dict[str, Any]) -> bool:
        kind = frame.get("type")
        self.counts[f"in_{kind}"] += 1
        conversation_id = frame.get("conversation_id")
        if kind == "ready":
            self._ready = True
            self._last_beat = now()
            assert self._up is not None
            self._up.set()
            # After a (re)connect: the open conversations' history from what is held.
            for watched in self.watched:
                log = self.log(watched)
                log.catching_up(now(), repair=False)
                request = {"conversation_id": watched, "last_seq": log.contiguous}
                await ws.send(json.dumps({"type": "history", **request}))
        elif kind == "conversations":
            if frame.get("cursor"):
                self.cursor = frame["cursor"]
            for entry in frame.get("conversations") or []:
                self._entry(entry)
        elif kind == "conversation" or kind == "new_conversation":
            self._entry(frame.get("conversation") or {})
        elif kind == "history" and isinstance(conversation_id, str):
            log = self.log(conversation_id)
            messages = frame.get("messages") or []
            for message in messages:
                log.take(message, "history")
            if frame.get("has_more") and messages:
                request = {"conversation_id": conversation_id, "last_seq": messages[-1]["seq"]}
                await ws.send(json.dumps({"type": "history", **request}))
            else:
                log.caught_up()
        elif kind == "chat_message" and isinstance(conversation_id, str):
            self.log(conversation_id).take(frame, "live")
        elif kind == "typing" and isinstance(conversation_id, str):
            self.typing[conversation_id] += 1
            entry = (now(), bool(frame.get("is_typing")))
            self.typing_frames.setdefault(conversation_id, []).append(entry)
        elif kind == "error":
            self.errors.append(frame)
            if frame.get("code") == "FORBIDDEN":
                return False
        return True

    def _entry(self, entry: dict[str, Any]) -> None:
        conversation_id = entry.get("conversation_id")
        if conversation_id in self.watched:
            self.log(conversation_id).announce(entry.get("last_seq"))

    async def _pump(self) -> None:
        while not self._closing:
            at = now()
            ws = self._ws if self._ready else None
            if ws is not None:
                try:
                    if at - self._last_beat >= self.heartbeat:
                        self._last_beat = at
                        beat: dict[str, Any] = {"type": "ping"}
                        if self.cursor:
                            beat = {"type": "conversations", "changed_since": self.cursor}
                        await ws.send(json.dumps(beat))
                    for conversation_id in self.watched:
                        log = self.log(conversation_id)
                        if log.repair_due(at):
                            log.catching_up(at, repair=True)
                            self.counts["repairs"] += 1
                            request = {
                                "type": "history",
                                "conversation_id": conversation_id,
                                "last_seq": log.contiguous,
                                "reason": "gap",
                            }
                            await ws.send(json.dumps(request))
                except ConnectionClosed:
                    pass
                except Exception as exc:
                    self.crashes.append(repr(exc))
            await asyncio.sleep(TICK)


# ---------------------------------------------------------------- waiting


async def read_frames(ws: ClientConnection, client: Any, not_ready_count: str) -> bool:
    """Hand ``client`` the socket's frames until it is done with them (its ``_on_frame``
    says so) or the socket falls silent: past the silence rule once the client is ready,
    past :data:`OPEN_TIMEOUT` before. Returns whether the client got ready."""
    deadline = now() + OPEN_TIMEOUT
    silence = 2 * client.heartbeat + 5
    while True:
        wait = silence if client._ready else min(silence, deadline - now())
        try:
            raw = await asyncio.wait_for(ws.recv(), max(wait, 0.01))
        except TimeoutError:
            client.counts["silence_closes" if client._ready else not_ready_count] += 1
            return bool(client._ready)
        if not await client._on_frame(ws, json.loads(raw)):
            return bool(client._ready)


async def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` seconds pass (False)."""
    deadline = now() + timeout
    while True:
        if condition():
            return True
        if now() >= deadline:
            return False
        await asyncio.sleep(interval)


async def start_all(clients: Iterable[Any], timeout: float = 20.0) -> None:
    await asyncio.gather(*(client.start(timeout) for client in clients))


async def close_all(clients: Iterable[Any]) -> None:
    await asyncio.gather(*(client.close() for client in clients), return_exceptions=True)
