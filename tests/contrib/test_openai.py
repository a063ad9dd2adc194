"""contrib.openai against a fake OpenAI-compatible server on 127.0.0.1.

The fake speaks just enough HTTP/1.1: it reads a request, records its JSON body and its
headers, and answers with the next scripted reply: a stream of server-sent events (with
pauses, a stall), or an error status.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from django.core.cache import cache

from django_livechat.contrib.openai import openai_responder
from django_livechat.models import Conversation, Message
from django_livechat.responders import (
    Handoff,
    HistoryItem,
    ResponderContext,
    VisitorInfo,
    WebsiteInfo,
)


@dataclass
class Reply:
    """One scripted answer: ``status``; for 200, ``events`` (JSON objects or raw strings)
    sent ``pause`` seconds apart, then ``stall`` seconds of silence before the end."""

    status: int = 200
    events: list[Any] = field(default_factory=list)
    pause: float = 0.0
    stall: float = 0.0
    done: bool = True


def chunks(*texts: str, usage: dict[str, int] | None = None) -> list[Any]:
    events: list[Any] = [{"choices": [{"index": 0, "delta": {"role": "assistant"}}]}]
    events += [{"choices": [{"index": 0, "delta": {"content": t}}]} for t in texts]
    if usage is not None:
        events.append({"choices": [], "usage": usage})
    return events


@dataclass
class FakeModel:
    replies: list[Reply]
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            assert lines[0].startswith("POST /v1/chat/completions ")
            self.requests.append(json.loads(body))
            self.headers.append(headers)
            reply = self.replies.pop(0) if self.replies else Reply(status=503)
            await self.answer(reply, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self.closed.set()

    async def answer(
        self, reply: Reply, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if reply.status != 200:
            text = b'{"error": {"message": "overloaded"}}'
            writer.write(
                f"HTTP/1.1 {reply.status} Oops\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(text)}\r\nConnection: close\r\n\r\n".encode()
                + text
            )
            await writer.drain()
            return
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n: keep-alive\r\n\r\n"
        )
        for event in reply.events:
            data = event if isinstance(event, str) else json.dumps(event)
            writer.write(f"data: {data}\r\n\r\n".encode())
            await writer.drain()
            if reply.pause:
                await asyncio.sleep(reply.pause)
        if reply.stall:
            # Silence, until the client gives up and closes (read() then returns b"").
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(reader.read(), reply.stall)
            return
        if reply.done:
            writer.write(b"data: [DONE]\r\n\r\n")
            await writer.drain()


@pytest.fixture
async def fake_model() -> AsyncIterator[FakeModel]:
    model = FakeModel([])
    server = await asyncio.start_server(model.handle, "127.0.0.1", 0)
    model.port = server.sockets[0].getsockname()[1]
    try:
        yield model
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


def context(*history: tuple[str, str], conversation_id: uuid.UUID | None = None):
    now = datetime.now(timezone.utc)
    return ResponderContext(
        conversation_id=conversation_id or uuid.uuid4(),
        history=[HistoryItem(role, text, now) for role, text in history],
        visitor=VisitorInfo("v-1", "Ada", "ada@example.com", {"plan": "team"}, False),
        website=WebsiteInfo(uuid.uuid4(), "Shop", "open"),
        agents_online=1,
    )


def message(text: str) -> Message:
    return Message(content=text, role=Message.Role.USER)


async def reply_text(reply: Any) -> str:
    assert not isinstance(reply, Handoff), reply
    return "".join([chunk async for chunk in reply])


def bot(model: FakeModel, **options: Any):
    options = {"retries": 2, "backoff": 0.01, "read_timeout": 1.0, **options}
    return openai_responder(base_url=model.base_url, model="tiny", **options)


async def test_it_streams_the_answer_from_the_system_prompt_and_the_history(fake_model):
    fake_model.replies = [Reply(events=chunks("Our plans ", "start at ", "9 EUR."), pause=0.01)]
    respond = bot(fake_model, api_key="sk-test", system_prompt=lambda c: f"Help {c.visitor.name}.")
    ctx = context(
        ("user", "Hi"),
        ("assistant", "Hello! How can I help?"),
        ("agent", "Alex here."),
        ("system", "Alex joined."),
        ("user", "How much is it?"),
    )

    reply = await respond(Conversation(), message("How much is it?"), context=ctx)
    pieces = [piece async for piece in reply]

    assert pieces == ["Our plans ", "start at ", "9 EUR."]
    sent = fake_model.requests[0]
    assert sent["model"] == "tiny"
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}
    assert sent["messages"] == [
        {"role": "system", "content": "Help Ada."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "assistant", "content": "Alex here."},
        {"role": "user", "content": "How much is it?"},
    ]
    assert fake_model.headers[0]["authorization"] == "Bearer sk-test"
    assert fake_model.headers[0]["accept"] == "text/event-stream"


async def test_a_500_then_a_success_is_retried_before_the_first_chunk(fake_model):
    fake_model.replies = [Reply(status=500), Reply(status=429), Reply(events=chunks("Yes."))]
    reply = await bot(fake_model)(Conversation(), message("Open?"), context=context())
    assert await reply_text(reply) == "Yes."
    assert len(fake_model.requests) == 3


async def test_a_model_that_keeps_failing_hands_over_after_the_retries(fake_model):
    fake_model.replies = [Reply(status=502)] * 3
    respond = bot(fake_model, failure_text="A person will answer.")
    reply = await respond(Conversation(), message("Open?"), context=context())
    assert reply == Handoff(text="A person will answer.")
    assert len(fake_model.requests) == 3


async def test_a_client_error_is_not_retried(fake_model):
    fake_model.replies = [Reply(status=401), Reply(events=chunks("never"))]
    reply = await bot(fake_model)(Conversation(), message("Open?"), context=context())
    assert isinstance(reply, Handoff)
    assert len(fake_model.requests) == 1


async def test_an_unreachable_server_hands_over():
    respond = openai_responder(
        base_url="http://127.0.0.1:9/v1", model="tiny", retries=1, backoff=0.01
    )
    reply = await respond(Conversation(), message("Open?"), context=context())
    assert isinstance(reply, Handoff)


async def test_a_stall_before_the_first_chunk_is_retried(fake_model):
    fake_model.replies = [Reply(events=[], stall=5), Reply(events=chunks("Here."))]
    respond = bot(fake_model, read_timeout=0.3)
    reply = await respond(Conversation(), message("Open?"), context=context())
    assert await reply_text(reply) == "Here."
    assert len(fake_model.requests) == 2


async def test_a_stall_after_the_first_chunk_ends_the_stream_with_an_error(fake_model):
    """Not retried: the visitor already sees the answer; django_livechat stores what
    arrived with its cut marker and hands over."""
    fake_model.replies = [Reply(events=chunks("We are ", "open"), stall=5)]
    respond = bot(fake_model, read_timeout=0.3)
    reply = await respond(Conversation(), message("Open?"), context=context())
    got: list[str] = []

    async def read_all() -> None:
        async for piece in reply:
            got.append(piece)

    with pytest.raises(httpx.ReadTimeout):
        await read_all()
    assert got == ["We are ", "open"]
    assert len(fake_model.requests) == 1
    await asyncio.wait_for(fake_model.closed.wait(), 2)


async def test_an_error_event_mid_stream_ends_the_stream(fake_model):
    fake_model.replies = [Reply(events=[*chunks("Half"), {"error": {"message": "boom"}}])]
    reply = await bot(fake_model)(Conversation(), message("Open?"), context=context())
    with pytest.raises(Exception, match="boom"):
        await reply_text(reply)


async def test_stopping_the_stream_closes_the_connection(fake_model):
    """A hand-off stops the stream (aclose): the model's connection is closed at once."""
    fake_model.replies = [Reply(events=chunks(*["word "] * 50), pause=0.05)]
    reply = await bot(fake_model)(Conversation(), message("Open?"), context=context())
    assert await anext(reply) == "word "
    await reply.aclose()
    await asyncio.wait_for(fake_model.closed.wait(), 2)


async def test_the_reply_budget_hands_over_without_asking_the_model(fake_model):
    fake_model.replies = [Reply(events=chunks("One.")), Reply(events=chunks("Two."))]
    respond = bot(fake_model, budget_replies=2, budget_text="That is all from me.")
    conversation_id = uuid.uuid4()
    for expected in ("One.", "Two."):
        reply = await respond(
            Conversation(), message("?"), context=context(conversation_id=conversation_id)
        )
        assert await reply_text(reply) == expected

    spent = await respond(
        Conversation(), message("?"), context=context(conversation_id=conversation_id)
    )
    assert spent == Handoff(text="That is all from me.")
    assert len(fake_model.requests) == 2
    # Another conversation has its own budget.
    fake_model.replies = [Reply(events=chunks("Fresh."))]
    other = await respond(Conversation(), message("?"), context=context())
    assert await reply_text(other) == "Fresh."


async def test_the_token_budget_counts_the_servers_usage_report(fake_model):
    usage = {"prompt_tokens": 30, "completion_tokens": 20, "total_tokens": 50}
    fake_model.replies = [Reply(events=chunks("Sure.", usage=usage))] * 2
    respond = bot(fake_model, budget_replies=None, budget_tokens=90, budget_text="Enough.")
    ctx = context()
    for _ in range(2):
        assert await reply_text(await respond(Conversation(), message("?"), context=ctx)) == "Sure."
    assert await respond(Conversation(), message("?"), context=ctx) == Handoff(text="Enough.")
    assert len(fake_model.requests) == 2


async def test_without_a_usage_report_tokens_are_estimated(fake_model):
    fake_model.replies = [Reply(events=chunks("x" * 400))]
    respond = bot(fake_model, include_usage=False, budget_replies=None, budget_tokens=100)
    ctx = context()
    assert len(await reply_text(await respond(Conversation(), message("?"), context=ctx))) == 400
    assert "stream_options" not in fake_model.requests[0]
    assert isinstance(await respond(Conversation(), message("?"), context=ctx), Handoff)


async def test_asking_for_a_person_hands_over_without_asking_the_model(fake_model):
    respond = bot(fake_model, handoff_text="Passing you on.")
    reply = await respond(
        Conversation(), message("Can I talk to a real person?"), context=context()
    )
    assert reply == Handoff(text="Passing you on.")
    assert fake_model.requests == []
