"""``kill -9`` of the server process in the middle of a burst, and a restart on the same port.

The responder thinks a moment before answering (``tests.faults.responders``), so the kill
falls between messages and their replies. The visitors reconnect and send again what was
never acknowledged (same ``client_id``). Every message must end up stored once with exactly
one automatic reply: those stored before the crash without a reply are answered after the
restart, when their sender retries them or by the recovery sweep within about
RESPONDER_TIMEOUT + 10 s.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.faults.audit import assert_each_stored_once_and_answered, audit
from tests.faults.client import close_all, now, start_all, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres_cluster]

RESPONDER_TIMEOUT = 3.0
# What the recovery sweep may take after the restart (protocol v2), and some slack.
RECOVERY = RESPONDER_TIMEOUT + 10 + 8
VISITORS = 20
MESSAGES = 10
# Kill once this many messages are acknowledged and at least UNANSWERED of them have no
# reply yet on the visitors' screens: a crash between a message and its reply.
KILL_AFTER = 60
UNANSWERED = 15


@pytest.fixture(scope="module")
def livechat_overrides() -> dict[str, Any]:
    return {
        "RESPONDER": "tests.faults.responders.thinking_faq",
        "RESPONDER_TIMEOUT": RESPONDER_TIMEOUT,
    }


@pytest.mark.timeout(120)
async def test_server_killed_mid_burst_every_message_stored_once_and_answered_once(
    chat_server, new_visitor, report_counts
):
    visitors = [new_visitor(f"k{n}") for n in range(VISITORS)]
    await start_all(visitors)

    def acknowledged() -> int:
        return sum(item.seq is not None for v in visitors for item in v.outbox.values())

    def answered() -> int:
        return sum(len(v.replies()) for v in visitors)

    async def burst() -> None:
        for number in range(MESSAGES):
            for visitor in visitors:
                visitor.send(f"Where is my parcel? ({visitor.name}, message {number})")
            await asyncio.sleep(0.05)

    try:
        sending = asyncio.create_task(burst())
        await wait_until(
            lambda: acknowledged() >= KILL_AFTER and acknowledged() - answered() >= UNANSWERED,
            timeout=20,
            interval=0.01,
        )
        await asyncio.to_thread(chat_server.kill)
        at_kill = {"acknowledged": acknowledged(), "answered": answered()}
        await sending  # the rest of the burst goes into the outboxes meanwhile
        await asyncio.sleep(0.5)
        await asyncio.to_thread(chat_server.start)
        restarted = now()
        settled = await wait_until(lambda: all(v.settled() for v in visitors), timeout=RECOVERY)
        took = now() - restarted
    finally:
        await close_all(visitors)
        if chat_server.process is None:
            await asyncio.to_thread(chat_server.start)  # for the module's next test

    counts = audit(chat_server.database_url, visitors)
    counts.activity |= {
        "acknowledged_at_kill": at_kill["acknowledged"],
        "answered_at_kill": at_kill["answered"],
        "settled_after_s": round(took, 1),
    }
    report_counts(counts)
    assert_each_stored_once_and_answered(
        counts, visitors, chat_server, sent=VISITORS * MESSAGES, settled=settled
    )
