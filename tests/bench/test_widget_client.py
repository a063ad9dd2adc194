"""The benchmark's visitor client counts a doubled delivery only when the server sent a
live frame twice unasked: the answer to a retry repeats the message and its reply."""

from __future__ import annotations

import asyncio

from bench.widget import Exchange, Visitor


def _visitor() -> Visitor:
    return Visitor(0, "ws://127.0.0.1:9/ws/", origin="http://127.0.0.1", website_id="w")


def _exchange(visitor: Visitor, client_id: str, *, resent: int) -> Exchange:
    exchange = Exchange(
        client_id=client_id,
        text="hello",
        sent_at=0.0,
        done=asyncio.get_running_loop().create_future(),
        resent=resent,
    )
    visitor.exchanges[client_id] = exchange
    return exchange


def _frames(client_id: str) -> list[dict[str, object]]:
    message = {"seq": 1, "message_id": "m1", "role": "user", "client_id": client_id}
    reply = {"seq": 2, "message_id": "m2", "role": "assistant", "client_id": "auto:m1"}
    return [{"type": "chat_message", **message}, {"type": "chat_message", **reply}]


async def test_a_retrys_acknowledgement_is_not_doubled() -> None:
    visitor = _visitor()
    _exchange(visitor, "b0-1", resent=2)
    for frame in _frames("b0-1") + _frames("b0-1"):  # the broadcast, then the retry's ack
        visitor._frame(frame)
    assert visitor.counts.doubled == 0
    assert visitor.counts.redelivered == 2
    assert not visitor.counts.errors


async def test_the_same_live_frames_twice_unasked_are_doubled() -> None:
    visitor = _visitor()
    _exchange(visitor, "b0-1", resent=0)
    for frame in _frames("b0-1") + _frames("b0-1"):
        visitor._frame(frame)
    assert visitor.counts.doubled == 2
    assert len(visitor.counts.doubles) == 2
