"""Redis, the channel layer, killed and started again on the same port under open sockets.

Redis keeps nothing across the restart (no persistence), as a crashed cache would not: every
group membership is gone. The database is fine all along, so every message is stored and
answered; the sockets reconnect or repair and catch up by ``seq``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.faults.audit import assert_each_stored_once_and_answered, audit, explain
from tests.faults.client import close_all, start_all, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres_cluster]

RESPONDER_TIMEOUT = 2.0
RECOVERY = RESPONDER_TIMEOUT + 10 + 5  # protocol v2's recovery sweep, and some slack
VISITORS = 8
MESSAGES = 8  # well under the rate limit (20 a minute) with the retries
INTERVAL = 0.5
DOWN_AFTER, DOWN_FOR = 1.2, 2.0


@pytest.fixture(scope="module")
def livechat_overrides() -> dict[str, Any]:
    return {"RESPONDER_TIMEOUT": RESPONDER_TIMEOUT}


@pytest.mark.timeout(90)
async def test_redis_restarted_under_open_sockets_nothing_lost_nothing_doubled(
    chat_server, redis_server, new_visitor, report_counts
):
    visitors = [new_visitor(f"r{n}") for n in range(VISITORS)]
    await start_all(visitors)

    async def chat() -> None:
        for number in range(MESSAGES):
            for visitor in visitors:
                visitor.send(f"How much is shipping? ({visitor.name}, message {number})")
            await asyncio.sleep(INTERVAL)

    try:
        sending = asyncio.create_task(chat())
        await asyncio.sleep(DOWN_AFTER)
        await asyncio.to_thread(redis_server.kill)
        await asyncio.sleep(DOWN_FOR)
        await asyncio.to_thread(redis_server.start)
        await sending
        settled = await wait_until(lambda: all(v.settled() for v in visitors), timeout=RECOVERY)
    finally:
        await close_all(visitors)
        if redis_server.process is None:
            await asyncio.to_thread(redis_server.start)

    counts = audit(chat_server.database_url, visitors)
    report_counts(counts)
    assert_each_stored_once_and_answered(
        counts, visitors, chat_server, sent=VISITORS * MESSAGES, settled=settled
    )


@pytest.mark.timeout(60)
async def test_http_post_while_redis_is_down_is_stored_and_answered_and_sockets_catch_up(
    chat_server, redis_server, new_visitor, report_counts
):
    tab = new_visitor("tab")
    await tab.start()
    tab.send("Hello, anyone there?")
    other_tab = None
    try:
        assert await wait_until(tab.settled, timeout=10), tab.summary()
        other_tab = new_visitor(
            "other-tab", conversation_id=tab.conversation_id, visitor_token=tab.visitor_token
        )
        await other_tab.start()
        assert await wait_until(lambda: other_tab.log.contiguous == 2, timeout=10)

        await asyncio.to_thread(redis_server.kill)
        try:
            answer = await tab.send_over_http("Can I get a refund? (posted while Redis is down)")
        finally:
            await asyncio.to_thread(redis_server.start)
        # Both tabs end up with the four messages, each seq once.
        caught_up = await wait_until(
            lambda: tab.settled() and other_tab.log.contiguous >= 4, timeout=RECOVERY
        )
    finally:
        await close_all([tab, *([other_tab] if other_tab else [])])

    counts = audit(chat_server.database_url, [tab, other_tab])
    report_counts(counts)
    message = explain(counts, [tab, other_tab], chat_server)
    body = answer.body if isinstance(answer.body, dict) else {}
    assert answer.status == 201, f"HTTP {answer.status}: {str(answer.body)[:300]}\n{message}"
    assert body["message"]["seq"] == 3 and body["reply"] and body["reply"]["seq"] == 4, body
    assert (counts.lost, counts.doubled) == (0, 0), message
    assert counts.stored == counts.replied == counts.sent == 2, message
    assert caught_up, message
