"""What agents read, and the inbox's catch-up from a cursor."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from channels.db import database_sync_to_async

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from tests.factories import make_user, make_website

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def shop_with_agent():
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    ann = make_user("ann", first_name="Ann")
    shop.agents.add(ann)
    return shop, blog, ann


async def chat(website, text="hello"):
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    await pipeline.post_visitor_message(session, content=text, client_id="c", background=False)
    return session


def ids(inbox):
    return [entry["conversation_id"] for entry in inbox.entries]


async def test_every_answer_carries_a_cursor_and_a_catch_up_returns_what_changed():
    shop, blog, ann = await shop_with_agent()
    agent = await pipeline.authorize_agent(ann)
    quiet, busy = await chat(shop), await chat(shop)
    await chat(blog)  # not served: never listed
    full = await pipeline.list_conversations(agent)
    assert set(ids(full)) == {str(quiet.conversation_id), str(busy.conversation_id)}
    frame = full.frame()
    assert frame["type"] == "conversations" and "changed_since" not in frame
    cursor = frame["cursor"]
    assert datetime.fromisoformat(cursor) == full.cursor

    # Nothing changed, apart from what the overlap re-sends (a client merges those).
    await asyncio.sleep(0.01)
    await pipeline.post_visitor_message(busy, content="more", client_id="d", background=False)
    fresh = await pipeline.list_conversations(agent, changed_since=cursor)
    assert str(busy.conversation_id) in ids(fresh)
    assert fresh.frame()["changed_since"] == cursor
    (entry,) = [e for e in fresh.entries if e["conversation_id"] == str(busy.conversation_id)]
    assert (entry["last_seq"], entry["unread"]) == (4, 2)


async def test_a_catch_up_long_after_lists_only_the_changes(monkeypatch):
    from django_livechat.pipeline import inbox as inbox_module

    shop, _, ann = await shop_with_agent()
    agent = await pipeline.authorize_agent(ann)
    old, changed = await chat(shop), await chat(shop)
    cursor = (await pipeline.list_conversations(agent)).frame()["cursor"]
    # Make the overlap vanish, as if the cursor were minutes old.
    monkeypatch.setattr(inbox_module, "CURSOR_OVERLAP", inbox_module.timedelta(0))
    await asyncio.sleep(0.01)
    assert ids(await pipeline.list_conversations(agent, changed_since=cursor)) == []
    await pipeline.resolve_conversation(agent, changed.conversation_id)
    assert ids(await pipeline.list_conversations(agent, changed_since=cursor)) == [
        str(changed.conversation_id)
    ]
    # This agent's own read marker moving is a change for them.
    await pipeline.mark_read(agent, old.conversation_id, 1)
    listed = ids(await pipeline.list_conversations(agent, changed_since=cursor))
    assert set(listed) == {str(old.conversation_id), str(changed.conversation_id)}
    new = await chat(shop)
    assert str(new.conversation_id) in ids(
        await pipeline.list_conversations(agent, changed_since=cursor)
    )


async def test_a_bad_cursor_is_refused():
    _, _, ann = await shop_with_agent()
    agent = await pipeline.authorize_agent(ann)
    for bad in ("yesterday", 17, "2026-11-29T10:00:00", ["x"]):
        with pytest.raises(ChatError) as info:
            await pipeline.list_conversations(agent, changed_since=bad)
        assert info.value.code == errors.INVALID_MESSAGE


async def test_a_gap_in_a_dashboard_is_logged(caplog):
    shop, _, ann = await shop_with_agent()
    agent = await pipeline.authorize_agent(ann)
    session = await chat(shop)
    _, messages, _ = await pipeline.agent_history(agent, session.conversation_id, 0, "gap")
    assert len(messages) == 2
    assert "A dashboard missed 2 live message(s)" in caplog.text
