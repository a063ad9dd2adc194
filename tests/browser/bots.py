"""A streaming responder for the browser tests, and the calls that put it on the demo
website (``Website.responder``), run in the live example project (``LiveServer.call``).

``streaming`` writes its answer in small chunks, with a pause in the middle long enough
for a test to look at the growing reply (and run axe-core on it), yet shorter than
``STREAM_STALL_TIMEOUT`` and, in all, than ``RESPONDER_TIMEOUT``. A message asking for a
person (``responders.wants_person``) gets ``Handoff``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from django_livechat.models import Conversation, Message, Website
from django_livechat.responders import Handoff, wants_person

PATH = "tests.browser.bots.streaming"
FIRST = ["Our shop ", "opens at nine ", "on weekdays. "]
SECOND = ["It closes at six; ", "see https://shop.example/hours ", "for holidays."]
ANSWER = "".join(FIRST + SECOND)
HALF = "".join(FIRST).strip()
CHUNK_PAUSE = 0.15  # seconds between chunks
MIDDLE_PAUSE = 4.0  # seconds after the first half: the reply is shown unfinished meanwhile
HANDOFF_TEXT = "Let me find a colleague for you."


async def streaming(conversation: Conversation, message: Message) -> Handoff | AsyncIterator[str]:
    if wants_person(message.content):
        return Handoff(HANDOFF_TEXT)
    return _chunks()


async def _chunks() -> AsyncIterator[str]:
    for chunk in FIRST:
        yield chunk
        await asyncio.sleep(CHUNK_PAUSE)
    await asyncio.sleep(MIDDLE_PAUSE)
    for chunk in SECOND:
        yield chunk
        await asyncio.sleep(CHUNK_PAUSE)


def use_responder(name: str, path: str) -> None:
    """The website's own responder (``""``: back to ``LIVECHAT["RESPONDER"]``)."""
    Website.objects.filter(name=name).update(responder=path, bot_enabled=True)


def handoff_at(conversation_id: str) -> str | None:
    conversation = Conversation.objects.get(pk=conversation_id)
    return conversation.handoff_at.isoformat() if conversation.handoff_at else None
