"""Private notes: stored once per client_id, sent to the dashboards, never to a visitor."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.core import mail

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.groups import conversation_group, website_group
from django_livechat.models import Conversation, EmailOutbox, Note
from django_livechat.notifications import sender
from django_livechat.pipeline import notes
from tests.factories import make_user, make_website
from tests.layer import received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Customer is on the blocklist, do not refund"


@database_sync_to_async
def two_shops():
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    ann = make_user("ann", first_name="Ann", email="ann@shop.example")
    bob = make_user("bob", first_name="Bob")
    cat = make_user("cat", first_name="Cat")
    shop.agents.add(ann, cat)
    blog.agents.add(bob)
    return shop, blog, ann, bob, cat


async def chat(website, text="hello"):
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    await pipeline.post_visitor_message(session, content=text, client_id="c", background=False)
    return session


async def test_a_note_is_stored_and_sent_to_the_website_dashboards_only():
    shop, _, ann, _, _ = await two_shops()
    session = await chat(shop)
    agent = await pipeline.authorize_agent(ann)
    dashboards = await subscribe(website_group(shop.id))
    visitors = await subscribe(conversation_group(session.conversation_id))

    result = await pipeline.add_note(
        agent, session.conversation_id, text=f"  {SECRET} ", client_id="n1"
    )
    assert result.created and result.ack == []
    note = result.note
    assert note["text"] == SECRET
    assert note["author"] == {"user_id": ann.pk, "name": "Ann"}
    assert (note["conversation_id"], note["client_id"]) == (str(session.conversation_id), "n1")
    assert await received(dashboards) == [{"type": "note", "note": note}]
    assert await received(visitors) == []
    stored = await database_sync_to_async(Note.objects.get)()
    assert (stored.text, stored.author_id) == (SECRET, ann.pk)
    # Not a message: the conversation's seq did not move.
    conversation = await database_sync_to_async(Conversation.objects.get)()
    assert conversation.last_seq == 2


async def test_a_retried_client_id_answers_the_stored_note_once():
    shop, _, ann, _, cat = await two_shops()
    session = await chat(shop)
    agent = await pipeline.authorize_agent(ann)
    first = await pipeline.add_note(agent, session.conversation_id, text="one", client_id="n1")
    dashboards = await subscribe(website_group(shop.id))
    again = await pipeline.add_note(agent, session.conversation_id, text="other", client_id="n1")
    assert not again.created
    assert again.note == first.note
    assert again.ack == [{"type": "note", "note": first.note}]
    assert await received(dashboards) == []  # no second broadcast
    # Another agent's client_id is theirs: no clash, no one else's note handed back.
    other = await pipeline.add_note(
        await pipeline.authorize_agent(cat), session.conversation_id, text="mine", client_id="n1"
    )
    assert other.created and other.note["text"] == "mine"
    assert await database_sync_to_async(Note.objects.count)() == 2


@pytest.mark.parametrize("text", ["", "   ", None, 5, "x" * 4001])
async def test_empty_or_too_long_notes_are_refused(text):
    shop, _, ann, _, _ = await two_shops()
    session = await chat(shop)
    agent = await pipeline.authorize_agent(ann)
    with pytest.raises(ChatError) as refused:
        await pipeline.add_note(agent, session.conversation_id, text=text, client_id="n1")
    assert refused.value.code == errors.INVALID_MESSAGE
    assert await database_sync_to_async(Note.objects.count)() == 0


async def test_notes_are_listed_oldest_first_the_newest_up_to_the_limit(monkeypatch):
    shop, _, ann, _, _ = await two_shops()
    session = await chat(shop)
    agent = await pipeline.authorize_agent(ann)
    for n in range(4):
        await pipeline.add_note(agent, session.conversation_id, text=f"n{n}", client_id=f"k{n}")
    frame = await pipeline.list_notes(agent, session.conversation_id)
    assert frame["type"] == "notes"
    assert frame["conversation_id"] == str(session.conversation_id)
    assert [n["text"] for n in frame["notes"]] == ["n0", "n1", "n2", "n3"]
    monkeypatch.setattr(notes, "NOTES_LIMIT", 2)
    frame = await pipeline.list_notes(agent, session.conversation_id)
    assert [n["text"] for n in frame["notes"]] == ["n2", "n3"]


async def test_another_websites_notes_read_like_a_missing_conversation():
    shop, _blog, ann, bob, _ = await two_shops()
    session = await chat(shop)
    ann_agent, bob_agent = await pipeline.authorize_agent(ann), await pipeline.authorize_agent(bob)
    await pipeline.add_note(ann_agent, session.conversation_id, text=SECRET, client_id="n1")
    missing = "00000000-0000-4000-8000-000000000000"
    for conversation_id in (session.conversation_id, missing):
        with pytest.raises(ChatError) as refused:
            await pipeline.list_notes(bob_agent, conversation_id)
        assert refused.value.code == errors.NOT_FOUND
        assert refused.value.message == "No such conversation."
        with pytest.raises(ChatError) as refused:
            await pipeline.add_note(bob_agent, conversation_id, text="x", client_id="b1")
        assert refused.value.code == errors.NOT_FOUND
    assert await database_sync_to_async(Note.objects.count)() == 1


async def test_a_note_never_reaches_a_visitors_history_poll_inbox_preview_or_email(settings):
    settings.LIVECHAT = {
        **settings.LIVECHAT,
        "EMAIL_FOLLOWUP_DELAY": 0,
        "EMAIL_SENDER_ENABLED": False,
    }
    mail.outbox = []
    shop, _, ann, _, _ = await two_shops()
    session = await chat(shop)
    await database_sync_to_async(Conversation.objects.filter(pk=session.conversation_id).update)(
        visitor_email="vi@example.org"
    )
    agent = await pipeline.authorize_agent(ann)
    await pipeline.post_agent_message(
        agent, session.conversation_id, content="We are on it.", client_id="a1"
    )
    await pipeline.add_note(agent, session.conversation_id, text=SECRET, client_id="n1")

    outgoing = await pipeline.history(session, 0)
    polled = await pipeline.poll(session, 0)
    messages, _ = await pipeline.messages_after(session.conversation_id, 0, for_agents=True)
    inbox = await pipeline.list_conversations(agent)
    entry = await pipeline.agent_conversation(agent, session.conversation_id)
    for shown in (outgoing.frames, polled, messages, inbox.frame(), entry):
        assert SECRET not in json.dumps(shown)
    assert inbox.entries[0]["last_message"]["message"] == "We are on it."

    # The follow-up email of the unseen reply.
    await database_sync_to_async(EmailOutbox.objects.update)(send_after=shop.created_at)
    assert await database_sync_to_async(sender.run_once)(digests=False) >= 1
    bodies = [email.body for email in mail.outbox]
    bodies += [html for email in mail.outbox for html, _ in email.alternatives]
    assert any("We are on it." in body for body in bodies)
    assert not any(SECRET in body for body in bodies)
