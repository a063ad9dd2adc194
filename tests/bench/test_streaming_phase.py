"""The benchmark's streaming phase: its responders, and its client's view of the deltas."""

from __future__ import annotations

import pytest

from bench import phases, streaming
from bench.streaming import StreamingVisitor


def _visitor() -> StreamingVisitor:
    expected = "".join(streaming.pieces())
    return StreamingVisitor(
        0, "ws://127.0.0.1:9/ws/", origin="http://127.0.0.1", website_id="w", expected=expected
    )


def _delta(text: str) -> dict[str, str]:
    return {"type": "reply_delta", "reply_to": "m1", "client_id": "auto:m1", "text": text}


def test_the_phase_is_known_and_runs_on_both_backends() -> None:
    assert phases.parse("streaming,streaming@redis") == [
        phases.PhaseSpec("streaming", "embedded"),
        phases.PhaseSpec("streaming", "redis"),
    ]


async def test_the_two_responders_give_the_same_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(streaming.CHUNKS_ENV, "5")
    monkeypatch.setenv(streaming.DELAY_ENV, "0.001")
    chunks = [piece async for piece in streaming.streamed_reply(None, None)]
    assert len(chunks) == 5
    assert "".join(chunks) == await streaming.whole_reply(None, None)


def test_growing_deltas_are_counted_by_their_chunks() -> None:
    visitor = _visitor()
    for pieces in (1, 3, 3, 7):
        visitor._frame(_delta("".join(streaming.pieces()[:pieces])))
    stream = visitor.streams["m1"]
    assert (stream.deltas, stream.chunks) == (4, 7)
    assert not visitor.counts.errors


def test_a_delta_that_shrinks_or_strays_is_an_error() -> None:
    visitor = _visitor()
    visitor._frame(_delta("w0000 w0001 "))
    visitor._frame(_delta("w0000 "))
    visitor._frame(_delta("w0000 oops"))
    assert len(visitor.counts.errors) == 2
