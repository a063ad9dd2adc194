"""A streaming responder for a model served over an OpenAI-compatible HTTP API.

Any server that speaks ``POST /v1/chat/completions`` with ``"stream": true`` (server-sent
events) works: a hosted API, or vLLM, llama.cpp's server, Ollama, LiteLLM on your own
machines. Needs ``httpx`` (``pip install "dj-livechat[openai]"``). In the host project::

    # myproject/bots.py
    import os
    from django_livechat.contrib.openai import openai_responder

    support_bot = openai_responder(
        base_url="http://127.0.0.1:8080/v1",
        model="my-model",
        api_key=os.environ.get("LLM_API_KEY"),
        system_prompt="You answer questions about Example Ltd's products, briefly.",
    )

and name ``"myproject.bots.support_bot"`` in ``LIVECHAT["RESPONDER"]`` or in a website's
*responder* field. For each visitor message it:

* hands over at once when the visitor asks for a person
  (:func:`~django_livechat.responders.wants_person`), or when the conversation's budget
  (``budget_replies`` replies, ``budget_tokens`` tokens; counted in Django's cache) is
  spent;
* sends the system prompt and the conversation's recent history (the responder's
  ``context``) as the chat's messages;
* waits for the first chunk of the answer with bounded timeouts (``connect_timeout``,
  ``read_timeout``), retrying a failed connection, a timeout or an HTTP 429/5xx
  ``retries`` times with exponential ``backoff``; if the model still fails, it hands over
  with ``failure_text``;
* then streams the answer. A failure after the first chunk is not retried (the visitor
  already sees the answer growing): the error ends the stream, and django_livechat stores
  what arrived with its cut marker and hands the conversation over.

``LIVECHAT["RESPONDER_TIMEOUT"]`` (10 s by default) bounds the whole reply, streaming
included: raise it for a model's long answers, and keep ``read_timeout`` (8 s) under
``LIVECHAT["STREAM_STALL_TIMEOUT"]`` (10 s) so that a silent model is noticed here first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import caches

from django_livechat.models import Conversation, Message
from django_livechat.responders import Handoff, ResponderContext, wants_person

try:
    import httpx
except ImportError as exc:  # pragma: no cover - the extra is not installed
    raise ImportError(
        'django_livechat.contrib.openai needs httpx: pip install "dj-livechat[openai]"'
    ) from exc

logger = logging.getLogger(__name__)

DEFAULT_SYSTEM_PROMPT = (
    "You are the support assistant of this website's chat. Answer briefly and politely "
    "in the visitor's language. If you do not know, or the visitor needs a person, say "
    "that a person from the team will follow up."
)
DEFAULT_HANDOFF_TEXT = "I am passing you to a person from our team; they will answer here."
DEFAULT_FAILURE_TEXT = "I cannot answer right now; a person from our team will follow up here."
DEFAULT_BUDGET_TEXT = (
    "I have answered as much as I can in this conversation; a person from our team will "
    "follow up here."
)
#: The longest pause between two attempts, whatever ``backoff`` says.
MAX_BACKOFF = 8.0
#: What a history role becomes in the chat sent to the model (system notes are left out).
ROLES = {"user": "user", "assistant": "assistant", "agent": "assistant"}
RETRY_STATUSES = frozenset({408, 409, 429})

Reply = AsyncIterator[str] | Handoff
Responder = Callable[..., Awaitable[Reply]]
SystemPrompt = str | Callable[[ResponderContext], str]


class ModelError(Exception):
    """The model's server answered with an error (``retry``: worth another attempt)."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass(frozen=True)
class OpenAIConfig:
    """What :func:`openai_responder` was given (see its docstring)."""

    base_url: str
    model: str
    api_key: str | None = None
    system_prompt: SystemPrompt = DEFAULT_SYSTEM_PROMPT
    temperature: float | None = None
    reply_max_tokens: int | None = None
    connect_timeout: float = 3.0
    read_timeout: float = 8.0
    retries: int = 1
    backoff: float = 0.5
    budget_replies: int | None = 20
    budget_tokens: int | None = None
    budget_seconds: int = 7 * 24 * 60 * 60
    cache_alias: str = "default"
    cache_prefix: str = "livechat:openai"
    include_usage: bool = True
    headers: dict[str, str] = field(default_factory=dict)
    extra_body: dict[str, Any] = field(default_factory=dict)
    handoff_text: str | None = DEFAULT_HANDOFF_TEXT
    failure_text: str | None = DEFAULT_FAILURE_TEXT
    budget_text: str | None = DEFAULT_BUDGET_TEXT

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"


def openai_responder(
    *,
    base_url: str,
    model: str,
    api_key: str | None = None,
    system_prompt: SystemPrompt = DEFAULT_SYSTEM_PROMPT,
    temperature: float | None = None,
    reply_max_tokens: int | None = None,
    connect_timeout: float = 3.0,
    read_timeout: float = 8.0,
    retries: int = 1,
    backoff: float = 0.5,
    budget_replies: int | None = 20,
    budget_tokens: int | None = None,
    budget_seconds: int = 7 * 24 * 60 * 60,
    cache_alias: str = "default",
    cache_prefix: str = "livechat:openai",
    include_usage: bool = True,
    headers: dict[str, str] | None = None,
    extra_body: dict[str, Any] | None = None,
    handoff_text: str | None = DEFAULT_HANDOFF_TEXT,
    failure_text: str | None = DEFAULT_FAILURE_TEXT,
    budget_text: str | None = DEFAULT_BUDGET_TEXT,
) -> Responder:
    """A streaming responder that asks the chat-completions API under ``base_url``
    (``.../v1``) for ``model``'s answer.

    * ``api_key``: sent as ``Authorization: Bearer``; ``headers``: more headers;
      ``extra_body``: more request fields (``top_p``, ``stop``...).
    * ``system_prompt``: the first message, or a callable ``(context) -> str`` that writes
      it from the website, the visitor and their metadata.
    * ``temperature``, ``reply_max_tokens`` (sent as ``max_tokens``): per reply.
    * ``connect_timeout``, ``read_timeout`` (seconds; the read timeout is also the longest
      silence between two chunks); ``retries`` more attempts before the first chunk,
      ``backoff`` seconds before the first retry, doubling (at most :data:`MAX_BACKOFF`).
    * ``budget_replies``, ``budget_tokens`` (``None``: no limit): what one conversation
      may use, counted in the cache ``cache_alias`` for ``budget_seconds`` (tokens from
      the server's ``usage`` report when ``include_usage``, else estimated at 4
      characters a token). Use a cache shared by your server processes (Redis,
      Memcached, the database) for the budget to hold across them.
    * ``handoff_text``, ``failure_text``, ``budget_text``: the bot's last words when the
      visitor asks for a person, when the model fails, when the budget is spent
      (``None``: hand over silently).
    """
    config = OpenAIConfig(
        base_url=base_url,
        model=model,
        api_key=api_key,
        system_prompt=system_prompt,
        temperature=temperature,
        reply_max_tokens=reply_max_tokens,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries=retries,
        backoff=backoff,
        budget_replies=budget_replies,
        budget_tokens=budget_tokens,
        budget_seconds=budget_seconds,
        cache_alias=cache_alias,
        cache_prefix=cache_prefix,
        include_usage=include_usage,
        headers=dict(headers or {}),
        extra_body=dict(extra_body or {}),
        handoff_text=handoff_text,
        failure_text=failure_text,
        budget_text=budget_text,
    )

    async def respond(
        conversation: Conversation, message: Message, *, context: ResponderContext
    ) -> Reply:
        return await answer(config, conversation, message, context)

    respond.__doc__ = f"The model {model!r} at {base_url}, streamed (contrib.openai)."
    return respond


async def answer(
    config: OpenAIConfig, conversation: Conversation, message: Message, context: ResponderContext
) -> Reply:
    """The responder's work: a hand-off, or the model's answer as a stream of chunks."""
    if wants_person(message.content):
        return Handoff(text=config.handoff_text)
    budget = Budget(config, str(context.conversation_id))
    if await budget.spent():
        logger.info("The conversation %s has spent its model budget", context.conversation_id)
        return Handoff(text=config.budget_text)
    body = request_body(config, message, context)
    try:
        first, rest = await open_stream(config, body)
    except (httpx.HTTPError, ModelError) as exc:
        logger.warning("The model at %s failed (%s); handing over", config.url, exc)
        return Handoff(text=config.failure_text)
    await budget.add(replies=1)
    return relay(first, rest, budget, prompt_chars=sum(len(m["content"]) for m in body["messages"]))


def request_body(
    config: OpenAIConfig, message: Message, context: ResponderContext
) -> dict[str, Any]:
    prompt = config.system_prompt
    system = prompt(context) if callable(prompt) else prompt
    messages = [{"role": "system", "content": system}]
    for item in context.history:
        role = ROLES.get(item.role)
        if role is not None and item.text:
            messages.append({"role": role, "content": item.text})
    if len(messages) == 1 or messages[-1] != {"role": "user", "content": message.content}:
        messages.append({"role": "user", "content": message.content})
    body: dict[str, Any] = {"model": config.model, "messages": messages, "stream": True}
    if config.include_usage:
        body["stream_options"] = {"include_usage": True}
    if config.temperature is not None:
        body["temperature"] = config.temperature
    if config.reply_max_tokens is not None:
        body["max_tokens"] = config.reply_max_tokens
    return body | config.extra_body


# ---------------------------------------------------------------- the HTTP stream


class Stream:
    """One streamed response: its client, its response, and the answer's text pieces."""

    def __init__(self, client: httpx.AsyncClient, response: httpx.Response) -> None:
        self.client = client
        self.response = response
        self.usage: dict[str, Any] = {}
        self.text = self._text()

    async def close(self) -> None:
        try:
            await self.response.aclose()
        finally:
            await self.client.aclose()

    async def _text(self) -> AsyncIterator[str]:
        """The answer's non-empty pieces; raises :class:`ModelError` on an error event."""
        async for event in server_sent_events(self.response):
            if "error" in event:
                raise ModelError(f"error event: {event['error']!r}", retry=False)
            if isinstance(event.get("usage"), dict):
                self.usage = event["usage"]
            for choice in event.get("choices") or ():
                content = (choice.get("delta") or {}).get("content")
                if isinstance(content, str) and content:
                    yield content


async def open_stream(config: OpenAIConfig, body: dict[str, Any]) -> tuple[str, Stream]:
    """The answer's first piece and the open stream for the rest, after up to
    ``config.retries`` retries; raises the last attempt's error."""
    attempt = 0
    while True:
        try:
            return await _attempt(config, body)
        except (httpx.TransportError, ModelError) as exc:
            if isinstance(exc, ModelError) and not exc.retry:
                raise
            if attempt >= config.retries:
                raise
            delay = min(config.backoff * 2**attempt, MAX_BACKOFF)
            attempt += 1
            logger.info(
                "The model at %s failed (%s); attempt %d in %.1f s",
                config.url,
                exc,
                attempt + 1,
                delay,
            )
            await asyncio.sleep(delay)


async def _attempt(config: OpenAIConfig, body: dict[str, Any]) -> tuple[str, Stream]:
    timeout = httpx.Timeout(
        connect=config.connect_timeout,
        read=config.read_timeout,
        write=config.connect_timeout,
        pool=config.connect_timeout,
    )
    headers = {"Accept": "text/event-stream", **config.headers}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    client = httpx.AsyncClient(timeout=timeout, headers=headers)
    stream: Stream | None = None
    try:
        request = client.build_request("POST", config.url, json=body)
        stream = Stream(client, await client.send(request, stream=True))
        status = stream.response.status_code
        if status != 200:
            detail = (await stream.response.aread())[:200].decode(errors="replace")
            retry = status in RETRY_STATUSES or status >= 500
            raise ModelError(f"HTTP {status}: {detail}", retry=retry)
        first = await anext(stream.text, None)
        if first is None:
            raise ModelError("an empty answer", retry=False)
    except BaseException:
        await (stream.close() if stream else client.aclose())
        raise
    return first, stream


async def server_sent_events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The JSON ``data`` of each server-sent event, until ``[DONE]`` or the end."""
    data: list[str] = []
    async for line in response.aiter_lines():
        if line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
            continue
        if line or not data:
            continue  # a comment (": keep-alive"), another field, or a blank line alone
        payload, data = "\n".join(data), []
        if payload.strip() == "[DONE]":
            return
        yield _parse(payload)
    if data and "\n".join(data).strip() != "[DONE]":
        yield _parse("\n".join(data))


def _parse(payload: str) -> dict[str, Any]:
    try:
        event = json.loads(payload)
    except ValueError as exc:
        raise ModelError(f"not JSON: {payload[:100]!r}", retry=False) from exc
    if not isinstance(event, dict):
        raise ModelError(f"not an object: {payload[:100]!r}", retry=False)
    return event


async def relay(
    first: str, stream: Stream, budget: Budget, *, prompt_chars: int
) -> AsyncIterator[str]:
    """The answer's pieces for django_livechat. The response is closed however the stream
    ends (finished, failed, or stopped by a hand-off), and its tokens are counted."""
    written = len(first)
    try:
        yield first
        async for piece in stream.text:
            written += len(piece)
            yield piece
    finally:
        await stream.close()
        usage = stream.usage.get("total_tokens")
        tokens = usage if isinstance(usage, int) else math.ceil((prompt_chars + written) / 4)
        await budget.add(tokens=tokens)


# ---------------------------------------------------------------- the budget


class Budget:
    """Replies and tokens one conversation has used, in Django's cache."""

    def __init__(self, config: OpenAIConfig, conversation_id: str) -> None:
        self.config = config
        self.cache = caches[config.cache_alias]
        self.keys = {
            name: f"{config.cache_prefix}:{conversation_id}:{name}"
            for name in ("replies", "tokens")
        }

    async def spent(self) -> bool:
        limits = {"replies": self.config.budget_replies, "tokens": self.config.budget_tokens}
        if all(limit is None for limit in limits.values()):
            return False
        used = await self.cache.aget_many(list(self.keys.values()))
        return any(
            limit is not None and int(used.get(self.keys[name], 0)) >= limit
            for name, limit in limits.items()
        )

    async def add(self, *, replies: int = 0, tokens: int = 0) -> None:
        for name, amount in (("replies", replies), ("tokens", tokens)):
            if amount:
                key = self.keys[name]
                # add() then incr(): atomic on the caches that share state between processes.
                await self.cache.aadd(key, 0, self.config.budget_seconds)
                try:
                    await self.cache.aincr(key, amount)
                except ValueError:  # expired between the two calls
                    await self.cache.aset(key, amount, self.config.budget_seconds)
