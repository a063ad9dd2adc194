"""Load on the example project with its own settings (PostgreSQL, Redis, demo.responders.faq):
a burst of visitors' messages, and a typing flood beside a chat and an agent's dashboard."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.audit import assert_each_stored_once_and_answered, audit, explain
from tests.faults.client import (
    Dashboard,
    Visitor,
    agent_cookie,
    close_all,
    now,
    start_all,
    wait_until,
)
from tests.live_server import AGENT_LOGIN

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres_cluster]

VISITORS = 20
MESSAGES = 10
QUESTIONS = ("How much is shipping?", "Can I get a refund?", "Hello there", "Opening hours?")


def text(visitor: Visitor, number: int) -> str:
    return f"{QUESTIONS[number % len(QUESTIONS)]} ({visitor.name}, message {number})"


@pytest.mark.timeout(90)
async def test_burst_of_twenty_visitors_each_message_stored_answered_delivered_once(
    chat_server, new_visitor, report_counts
):
    visitors = [new_visitor(f"b{n}") for n in range(VISITORS)]
    await start_all(visitors)
    try:
        for number in range(MESSAGES):
            for visitor in visitors:
                visitor.send(text(visitor, number))
            await asyncio.sleep(0.02)
        settled = await wait_until(lambda: all(v.settled() for v in visitors), timeout=30)
    finally:
        await close_all(visitors)

    counts = audit(chat_server.database_url, visitors)
    report_counts(counts)
    assert_each_stored_once_and_answered(
        counts, visitors, chat_server, sent=VISITORS * MESSAGES, settled=settled
    )


FLOOD_SECONDS = 6.0
FLOOD_INTERVAL = 0.004  # about 250 typing frames a second
CHAT_MESSAGES = 10


@pytest.mark.timeout(90)
async def test_typing_flood_is_coalesced_and_the_dashboard_misses_no_message(
    chat_server, new_visitor, report_counts
):
    cookie = await asyncio.to_thread(agent_cookie, chat_server.url, *AGENT_LOGIN)
    dashboard = await Dashboard(chat_server.url, cookie).start()
    chatter = new_visitor("chatter")
    flooder = new_visitor("flooder")
    await start_all([chatter, flooder])
    dashboard.watch(chatter.conversation_id)
    flood = {"sent": 0}

    async def type_like_mad() -> None:
        # Alternating, so that a server dropping repeats of the same state is not enough.
        end = now() + FLOOD_SECONDS
        while now() < end:
            frame = {"type": "typing", "is_typing": flood["sent"] % 2 == 0}
            flood["sent"] += await flooder.send_frame(frame)
            await asyncio.sleep(FLOOD_INTERVAL)
        flood["sent"] += await flooder.send_frame({"type": "typing", "is_typing": False})

    try:
        typing_task = asyncio.create_task(type_like_mad())
        await asyncio.sleep(0.5)
        for number in range(CHAT_MESSAGES):
            chatter.send(text(chatter, number))
            await asyncio.sleep(FLOOD_SECONDS / CHAT_MESSAGES * 0.8)
        await typing_task
        chat_log = dashboard.log(chatter.conversation_id)
        settled = await wait_until(
            lambda: chatter.settled() and chat_log.contiguous >= 2 * CHAT_MESSAGES, timeout=20
        )
        # "The latest state wins and is published within about a second."
        await asyncio.sleep(2.0)
    finally:
        await close_all([chatter, flooder, dashboard])

    counts = audit(chat_server.database_url, [chatter])
    typing_seen = dashboard.typing[flooder.conversation_id]
    frames = dashboard.typing_frames.get(flooder.conversation_id, [])
    allowed = int(1.5 * FLOOD_SECONDS) + 5
    on_dashboard = sorted(dashboard.log(chatter.conversation_id).messages)
    counts.activity |= {
        "typing_sent": flood["sent"],
        "typing_on_dashboard": typing_seen,
        "typing_allowed": allowed,
        "dashboard_held": len(on_dashboard),
        "dashboard_repairs": dashboard.counts["repairs"],
    }
    report_counts(counts)
    message = explain(counts, [chatter, flooder], chat_server)
    assert (counts.lost, counts.doubled) == (0, 0), message
    assert counts.stored == counts.replied == counts.sent == CHAT_MESSAGES, message
    # The dashboard has every message of the chat (visitor's and replies), each seq once.
    assert on_dashboard == list(range(1, 2 * CHAT_MESSAGES + 1)), message
    assert settled, message
    assert flood["sent"] > 500, f"the flood was too slow to mean anything: {flood}"
    assert 0 < typing_seen <= allowed, message
    assert frames and frames[-1][1] is False, f"the last typing state shown: {frames[-3:]}"
