"""``kill -9`` of the server process while it streams automatic replies, and a restart.

The responder (:func:`slow_stream`, in the server process) streams its reply over a few
seconds, so the kill lands while every visitor watches a growing reply (``reply_delta``).
Nothing of a stream is stored before it ends, so the kill leaves each message with a
pending reply whose claim runs out; after the restart the recovery sweep (or the
visitor's retry) answers it again. Each visitor must end with exactly one stored reply
per message, and no growing bubble left: each one ends with its ``chat_message``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from django_livechat.models import Conversation, Message
from tests.faults.audit import assert_each_stored_once_and_answered, audit
from tests.faults.client import close_all, now, start_all, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres_cluster]

RESPONDER_TIMEOUT = 5.0
CHUNKS = 20
CHUNK_EVERY = 0.15  # 3 s a reply, within RESPONDER_TIMEOUT
# The claim (RESPONDER_TIMEOUT + 10 s) runs out, the sweep finds it, the new stream runs.
RECOVERY = RESPONDER_TIMEOUT + 10 + 3 + CHUNKS * CHUNK_EVERY + 15
VISITORS = 5


async def slow_stream(conversation: Conversation, message: Message) -> AsyncIterator[str]:
    """A model answering word by word (runs in the server process)."""
    for number in range(CHUNKS):
        await asyncio.sleep(CHUNK_EVERY)
        yield f"word{number} "


@pytest.fixture(scope="module")
def livechat_overrides() -> dict[str, Any]:
    return {
        "RESPONDER": f"{__name__}.slow_stream",
        "RESPONDER_TIMEOUT": RESPONDER_TIMEOUT,
        "STREAM_STALL_TIMEOUT": 2.0,
    }


class Bubbles:
    """What one visitor's screen shows of the automatic replies: growing bubbles by
    client_id, and the stored replies that replaced them."""

    def __init__(self) -> None:
        self.growing: dict[str, str] = {}
        self.deltas = 0
        self.restarted = 0
        self.finished: dict[str, str] = {}

    def watch(self, visitor: Any) -> None:
        original = visitor._on_frame

        async def on_frame(ws: Any, frame: dict[str, Any]) -> bool:
            kind = frame.get("type")
            if kind == "reply_delta":
                self.deltas += 1
                before = self.growing.get(frame["client_id"])
                if before is not None and not frame["text"].startswith(before):
                    self.restarted += 1  # a fresh stream after the crash: the bubble restarts
                if frame["client_id"] not in self.finished:
                    self.growing[frame["client_id"]] = frame["text"]
            messages = frame.get("messages") or ([frame] if kind == "chat_message" else [])
            for message in messages:
                client_id = message.get("client_id") or ""
                if message.get("role") == "assistant" and client_id.startswith("auto:"):
                    self.growing.pop(client_id, None)
                    self.finished[client_id] = message["message"]
            return bool(await original(ws, frame))

        visitor._on_frame = on_frame
        self.visitor = visitor

    def left_growing(self) -> list[str]:
        """Bubbles whose stored reply the visitor does not hold (by socket or by poll: a
        client drops a bubble when the chat_message of its client_id arrives)."""
        held = self.visitor.replies()
        return [cid for cid in self.growing if cid.removeprefix("auto:") not in held]


@pytest.mark.timeout(150)
async def test_server_killed_mid_stream_each_message_gets_one_reply_and_no_bubble_is_left(
    chat_server, new_visitor, report_counts
):
    visitors = [new_visitor(f"s{n}") for n in range(VISITORS)]
    screens = [Bubbles() for _ in visitors]
    for visitor, screen in zip(visitors, screens, strict=True):
        screen.watch(visitor)
    await start_all(visitors)
    try:
        for visitor in visitors:
            visitor.send(f"Tell me about your bikes ({visitor.name})")
        # Visitors watch their replies grow: the kill lands mid-stream.
        streaming = await wait_until(
            lambda: sum(bool(s.growing) and s.deltas >= 3 for s in screens) >= 2, timeout=20
        )
        assert streaming, [vars(s) for s in screens]
        await asyncio.to_thread(chat_server.kill)
        cut = [dict(s.growing) for s in screens if s.growing]
        at_kill = {"deltas": sum(s.deltas for s in screens), "growing_at_kill": len(cut)}
        await asyncio.sleep(0.5)
        await asyncio.to_thread(chat_server.start)
        restarted = now()
        settled = await wait_until(
            lambda: (
                all(v.settled() for v in visitors) and not any(s.left_growing() for s in screens)
            ),
            timeout=RECOVERY,
        )
        took = now() - restarted
    finally:
        await close_all(visitors)
        if chat_server.process is None:
            await asyncio.to_thread(chat_server.start)

    counts = audit(chat_server.database_url, visitors)
    counts.activity |= {**at_kill, "settled_after_s": round(took, 1)}
    report_counts(counts)
    assert_each_stored_once_and_answered(
        counts, visitors, chat_server, sent=VISITORS, settled=settled
    )
    # The kill cut replies short on the screens (no stored reply then); each was made again.
    assert at_kill["growing_at_kill"] >= 2
    whole = "".join(f"word{n} " for n in range(CHUNKS)).strip()
    for screen, visitor in zip(screens, visitors, strict=True):
        assert screen.left_growing() == []  # no partial reply left growing
        replies = [
            m["message"] for m in visitor.log.messages.values() if m.get("role") == "assistant"
        ]
        assert replies == [whole]  # the whole reply, once, never the cut one
