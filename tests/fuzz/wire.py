"""The invariants every answer to hostile input keeps, on the sockets and over HTTP."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from channels.testing import WebsocketCommunicator

from django_livechat import errors
from django_livechat.consumers.base import CLOSE_TOO_BIG, max_frame_length
from tests.fuzz.strategies import parsed

#: The codes of the protocol's error table (docs/protocol.rst). INTERNAL_ERROR and
#: UNAVAILABLE are documented too, but say the server failed: no input may cause them.
CLIENT_ERROR_CODES = frozenset(errors.HTTP_STATUS) - {errors.INTERNAL_ERROR, errors.UNAVAILABLE}
VISITOR_CODES = CLIENT_ERROR_CODES - {errors.NOT_FOUND}
DASHBOARD_CODES = CLIENT_ERROR_CODES
#: What each socket may send (docs/protocol.rst).
VISITOR_EVENTS = frozenset(
    {
        "identified",
        "history",
        "chat_message",
        "typing",
        "status",
        "error",
        "pong",
        "presence",
        "contact_saved",
        "rated",
        # Bots (issue 13).
        "reply_delta",
        "handoff",
    }
)
DASHBOARD_EVENTS = frozenset(
    {
        "ready",
        "ratings",
        "conversations",
        "conversation",
        "new_conversation",
        "history",
        "chat_message",
        "typing",
        "status",
        "assignment",
        "read",
        "error",
        "pong",
        # The agent's workspace (issue 12).
        "note",
        "notes",
        "canned",
        "search_results",
        "agents",
        "assigned_to_you",
        # Bots (issue 13).
        "reply_delta",
        "handoff",
    }
)
CLOSE_FORBIDDEN = 4403
PING = json.dumps({"type": "ping"})
#: Seconds a socket may take to answer a frame and the ping behind it.
ANSWER_TIMEOUT = 10


@dataclass
class Exchange:
    """One hostile frame, and everything the socket answered up to the ping behind it."""

    raw: str | bytes
    frame: Any
    events: list[dict[str, Any]] = field(default_factory=list)
    close_code: int | None = None

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("type") == "error"]

    @property
    def refused(self) -> bool:
        return bool(self.errors) or self.close_code is not None

    def kind(self) -> str | None:
        kind = self.frame.get("type") if isinstance(self.frame, dict) else None
        return kind if isinstance(kind, str) else None


async def exchange(ws: WebsocketCommunicator, raw: str | bytes) -> Exchange:
    """Send ``raw``, then a ``ping``; collect the answers until its ``pong`` (and the one a
    ``ping`` frame of the fuzzer's own gets) or the socket's close.

    A consumer that raises makes this raise the same exception (:func:`next_output`): in a
    server, that is a socket dropped with 1006 and no ``error``.
    """
    result = Exchange(raw, parsed(raw))
    # send_input, not send_to: an empty frame is a frame too.
    key = "bytes" if isinstance(raw, bytes) else "text"
    await ws.send_input({"type": "websocket.receive", key: raw})
    await ws.send_input({"type": "websocket.receive", "text": PING})
    pongs = 1 + (result.kind() == "ping")
    while pongs:
        message = await next_output(ws)
        if message["type"] == "websocket.close":
            result.close_code = message.get("code", 1000)
            return result
        assert message["type"] == "websocket.send", message
        event = json.loads(message["text"])
        result.events.append(event)
        if event.get("type") == "pong":
            pongs -= 1
    return result


async def next_output(ws: WebsocketCommunicator) -> dict[str, Any]:
    """What the consumer sends next; its exception as soon as it raises one (rather than
    after a timeout, as ``receive_output`` does when it was already waiting)."""
    if not ws.output_queue.empty():
        message: dict[str, Any] = ws.output_queue.get_nowait()
        return message
    getting = asyncio.ensure_future(ws.output_queue.get())
    done, _ = await asyncio.wait(
        {getting, ws.future}, timeout=ANSWER_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
    )
    if getting in done:
        message = getting.result()
        return message
    getting.cancel()
    if ws.future in done:
        ws.future.result()  # the consumer's exception: a server drops the socket (1006)
        raise AssertionError("the consumer stopped without closing the socket")
    raise AssertionError(f"no answer in {ANSWER_TIMEOUT} s")


def check_exchange(
    result: Exchange,
    *,
    events: frozenset[str],
    codes: frozenset[str],
    message_frames: frozenset[str],
) -> None:
    """The answers to one frame keep the protocol's promises."""
    for event in result.events:
        assert isinstance(event, dict) and event.get("type") in events, (result.raw, event)
    for error in result.errors:
        assert error.get("code") in codes, (result.raw, error)
        assert isinstance(error.get("message"), str) and error["message"], (result.raw, error)
        if result.kind() in message_frames and isinstance(result.frame.get("client_id"), str):
            # A refused message names its client_id, so the client knows which one it was.
            assert error.get("client_id") == result.frame["client_id"], (result.raw, error)
    oversize = len(result.raw) > max_frame_length()
    if oversize:
        assert result.close_code == CLOSE_TOO_BIG, (len(result.raw), result)
    elif result.close_code is not None:
        # The only other close: 4403, right after FORBIDDEN.
        assert result.close_code == CLOSE_FORBIDDEN, result
        assert result.errors and result.errors[-1]["code"] == errors.FORBIDDEN, result


def refused_client_ids(results: list[Exchange], kind: str) -> set[str]:
    """The ``client_id`` of every ``kind`` frame that was refused and never accepted."""
    refused, accepted = set(), set()
    for result in results:
        if result.kind() != kind or not isinstance(result.frame.get("client_id"), str):
            continue
        (refused if result.refused else accepted).add(result.frame["client_id"])
    return refused - accepted


def accepted_count(results: list[Exchange], kind: str) -> int:
    return sum(1 for r in results if r.kind() == kind and not r.refused)


# ---------------------------------------------------------------- HTTP


def check_http_answer(response: Any) -> dict[str, Any] | None:
    """An answer of the HTTP API: never a server error; JSON always; a refusal in the
    socket's error shape with a code and that code's status. The error, if it is one."""
    raw = response.content
    assert response.status_code < 500, (response.status_code, raw[:500])
    assert response["Content-Type"] == "application/json", (response.status_code, raw[:500])
    data = json.loads(raw)
    if response.status_code < 400:
        assert isinstance(data, dict), data
        return None
    assert set(data) >= {"type", "code", "message"}, data
    assert data["type"] == "error", data
    assert data["code"] in CLIENT_ERROR_CODES, data
    assert isinstance(data["message"], str) and data["message"], data
    if response.status_code != 405:  # a method the endpoint lacks keeps DRF's 405
        assert response.status_code == errors.HTTP_STATUS[data["code"]], (
            response.status_code,
            data,
        )
    return dict(data)
