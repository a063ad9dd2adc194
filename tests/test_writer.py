from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async

from django_livechat import store as store_module
from django_livechat import writer
from django_livechat.models import Conversation, Message
from django_livechat.store import ConversationNotFound, NewMessage
from tests.factories import make_website

pytestmark = pytest.mark.django_db(transaction=True)


def make_conversations(count: int) -> list[Conversation]:
    website = make_website()
    return [Conversation.objects.create(website=website) for _ in range(count)]


async def test_concurrent_submissions_share_batches(monkeypatch):
    conversations = await database_sync_to_async(make_conversations)(20)
    sizes: list[int] = []
    real = store_module.append_messages

    def recording(items, **kwargs):
        sizes.append(len(items))
        return real(items, **kwargs)

    monkeypatch.setattr(writer, "append_messages", recording)
    results = await asyncio.gather(
        *(
            writer.store(NewMessage(conversation_id=c.id, role="user", content=f"{n}"))
            for n in range(5)
            for c in conversations
        )
    )
    assert sum(sizes) == 100
    assert max(sizes) > 1, "nothing was grouped into a shared transaction"
    assert len(sizes) < 100
    per_conversation = {}
    for result in results:
        per_conversation.setdefault(result.message.conversation_id, []).append(result.message.seq)
    assert all(sorted(seqs) == [1, 2, 3, 4, 5] for seqs in per_conversation.values())


async def test_a_bad_item_fails_alone():
    (conversation,) = await database_sync_to_async(make_conversations)(1)
    import uuid

    good = writer.store(NewMessage(conversation_id=conversation.id, role="user", content="ok"))
    bad = writer.store(NewMessage(conversation_id=uuid.uuid4(), role="user", content="lost?"))
    outcomes = await asyncio.gather(good, bad, return_exceptions=True)
    assert outcomes[0].message.seq == 1
    assert isinstance(outcomes[1], ConversationNotFound)
    assert await Message.objects.acount() == 1


async def test_a_failing_batch_is_retried_item_by_item(monkeypatch):
    conversations = await database_sync_to_async(make_conversations)(3)
    calls: list[int] = []
    real = store_module._Batch.run

    def flaky(batch):
        calls.append(len(batch.items))
        if len(batch.items) > 1:
            raise RuntimeError("simulated failure of the shared transaction")
        return real(batch)

    monkeypatch.setattr(store_module._Batch, "run", flaky)
    results = await asyncio.gather(
        *(
            writer.store(NewMessage(conversation_id=c.id, role="user", content="x"))
            for c in conversations
        )
    )
    assert [r.message.seq for r in results] == [1, 1, 1]
    assert await Message.objects.acount() == 3
