"""PostgreSQL stopped for a few seconds while visitors send, over sockets and over HTTP.

Each send that fails gets a clear error naming its message: ``error`` ``UNAVAILABLE`` with
its ``client_id`` and a ``retry_after`` over the socket, 503 with that body and a
Retry-After header over HTTP. Nothing was stored; the retry stores it exactly once and it
gets its reply (messages stored just before the stop are answered by the recovery sweep).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from tests.faults.audit import audit, explain
from tests.faults.client import HttpAnswer, Visitor, close_all, start_all, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres_cluster]

RESPONDER_TIMEOUT = 2.0
RECOVERY = RESPONDER_TIMEOUT + 10 + 8
SOCKET_VISITORS, SOCKET_MESSAGES, SOCKET_INTERVAL = 6, 5, 0.6
HTTP_VISITORS, HTTP_MESSAGES, HTTP_INTERVAL = 2, 3, 1.0
DOWN_AFTER, DOWN_FOR = 0.5, 4.0


@pytest.fixture(scope="module")
def livechat_overrides() -> dict[str, Any]:
    return {"RESPONDER_TIMEOUT": RESPONDER_TIMEOUT}


def refusals(visitors: list[Visitor]) -> tuple[list[str], list[str], int, int]:
    """What the visitors were told when a send failed: (wrong socket errors, wrong HTTP
    answers, UNAVAILABLE frames, 503 answers)."""
    wrong_frames, wrong_answers, frames, answers = [], [], 0, 0
    for visitor in visitors:
        for error in visitor.errors:
            client_id = error.get("client_id")
            if not client_id:
                continue  # names no message: not a refused send (a failed reply, ...)
            retry = error.get("retry_after")
            if (
                error.get("code") == "UNAVAILABLE"
                and client_id in visitor.outbox
                and isinstance(retry, (int, float))
            ):
                frames += 1
            else:
                wrong_frames.append(f"{visitor.name}: {error}")
        for client_id, answer in visitor.posts:
            if answer.status in (200, 201):
                continue
            body = answer.body if isinstance(answer.body, dict) else {}
            if (
                answer.status == 503
                and body.get("type") == "error"
                and body.get("code") == "UNAVAILABLE"
                and body.get("client_id") == client_id
                and isinstance(body.get("retry_after"), (int, float))
                and "retry-after" in answer.headers
            ):
                answers += 1
            else:
                wrong_answers.append(f"{visitor.name} {client_id}: {describe(answer)}")
    return wrong_frames, wrong_answers, frames, answers


def describe(answer: HttpAnswer) -> str:
    """An HTTP answer in a line: its status and JSON body, or the title of Django's
    debug page (the exception), or why there was no answer."""
    if not answer.status:
        return f"no answer ({answer.error})"
    text = " ".join(str(answer.body).split())
    title = re.search(r"<title>(.*?)</title>", text)
    return f"HTTP {answer.status} {title.group(1) if title else text[:160]}"


@pytest.mark.timeout(90)
async def test_database_stopped_while_visitors_send_clear_errors_then_stored_once_and_answered(
    chat_server, postgres_server, new_visitor, report_counts
):
    on_sockets = [new_visitor(f"d{n}") for n in range(SOCKET_VISITORS)]
    over_http = [new_visitor(f"h{n}", socket=False) for n in range(HTTP_VISITORS)]
    visitors = on_sockets + over_http
    await start_all(visitors)

    async def chat(group: list[Visitor], messages: int, interval: float) -> None:
        for number in range(messages):
            for visitor in group:
                visitor.send(f"Do you ship to Norway? ({visitor.name}, message {number})")
            await asyncio.sleep(interval)

    try:
        sending = asyncio.gather(
            chat(on_sockets, SOCKET_MESSAGES, SOCKET_INTERVAL),
            chat(over_http, HTTP_MESSAGES, HTTP_INTERVAL),
        )
        await asyncio.sleep(DOWN_AFTER)
        await asyncio.to_thread(postgres_server.stop)
        try:
            await asyncio.sleep(DOWN_FOR)
        finally:
            await asyncio.to_thread(postgres_server.start)
        await sending
        settled = await wait_until(lambda: all(v.settled() for v in visitors), timeout=RECOVERY)
    finally:
        await close_all(visitors)

    counts = audit(chat_server.database_url, visitors)
    wrong_frames, wrong_answers, unavailable_frames, unavailable_answers = refusals(visitors)
    counts.activity |= {
        "unavailable_frames": unavailable_frames,
        "unavailable_503": unavailable_answers,
        "wrong_errors": len(wrong_frames) + len(wrong_answers),
        # Errors naming no message (a ping or a reply that failed): reported, not judged.
        "other_errors": sum(not e.get("client_id") for v in visitors for e in v.errors),
    }
    report_counts(counts)
    message = explain(counts, visitors, chat_server)
    wrong = "\n".join(["wrong refusals:", *wrong_frames[:8], *wrong_answers[:8], message])
    assert not wrong_frames and not wrong_answers, wrong
    # The outage did hit sends on both transports (else this test tested nothing).
    assert unavailable_frames > 0 and unavailable_answers > 0, wrong
    assert counts.sent == SOCKET_VISITORS * SOCKET_MESSAGES + HTTP_VISITORS * HTTP_MESSAGES
    assert (counts.lost, counts.doubled) == (0, 0), message
    assert counts.stored == counts.replied == counts.sent, message
    assert settled, message
