"""Satisfaction ratings and returning visitors' earlier conversations."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.groups import website_group
from django_livechat.models import Conversation, Message
from django_livechat.store import NewMessage, append_message
from tests.factories import SHOP_ORIGIN, make_user, make_website
from tests.layer import received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


async def new_session(website=None, **identity):
    if website is None:
        website = await database_sync_to_async(make_website)()
    return await pipeline.open_conversation(website_id=website.id, origin=SHOP_ORIGIN, **identity)


async def resolve(session, agent=None):
    await Conversation.objects.filter(pk=session.conversation_id).aupdate(
        status="resolved", assigned_agent=agent
    )


async def test_rate_a_resolved_conversation_once():
    session = await new_session()
    await resolve(session)
    dashboards = await subscribe(website_group(session.website_id))
    rated = await pipeline.rate(session, 4, "  Quick and kind. ")
    assert rated == {
        "type": "rated",
        "conversation_id": str(session.conversation_id),
        "rating": 4,
        "comment": "Quick and kind.",
    }
    conversation = await Conversation.objects.aget(pk=session.conversation_id)
    assert (conversation.rating, conversation.rating_comment) == (4, "Quick and kind.")
    assert conversation.rated_at is not None
    (frame,) = await received(dashboards)
    assert frame["type"] == "conversation"
    assert frame["conversation"]["rating"] == 4
    assert frame["conversation"]["rating_comment"] == "Quick and kind."
    with pytest.raises(ChatError) as info:
        await pipeline.rate(session, 1)
    assert info.value.code == errors.ALREADY_RATED
    assert (await Conversation.objects.aget(pk=session.conversation_id)).rating == 4


async def test_only_resolved_conversations():
    session = await new_session()
    with pytest.raises(ChatError) as info:
        await pipeline.rate(session, 5)
    assert info.value.code == errors.NOT_RESOLVED
    assert (await Conversation.objects.aget(pk=session.conversation_id)).rating is None


@pytest.mark.parametrize(
    ("rating", "comment"), [(0, None), (6, None), ("5", None), (True, None), (4.5, None), (3, 7)]
)
async def test_bad_ratings(rating, comment):
    session = await new_session()
    await resolve(session)
    with pytest.raises(ChatError) as info:
        await pipeline.rate(session, rating, comment)
    assert info.value.code == errors.INVALID_MESSAGE


async def test_summary_per_website_and_per_agent():
    shop = await database_sync_to_async(make_website)(name="Shop")
    blog = await database_sync_to_async(make_website)(name="Blog")
    ann = await database_sync_to_async(make_user)("ann", first_name="Ann")
    bob = await database_sync_to_async(make_user)("bob")
    await shop.agents.aadd(ann, bob)
    for website, agent, rating in (
        (shop, ann, 5),
        (shop, ann, 4),
        (shop, bob, 2),
        (shop, None, 3),
        (blog, ann, 1),  # ann does not serve the blog: not counted
    ):
        session = await new_session(website)
        await resolve(session, agent)
        await pipeline.rate(session, rating)
    await new_session(shop)  # not rated
    agent = await pipeline.authorize_agent(ann)
    summary = await pipeline.ratings_summary(agent)
    assert summary == {
        "type": "ratings",
        "websites": [
            {"website_id": str(shop.id), "name": "Shop", "average": 3.5, "count": 4},
        ],
        "agents": [
            {"user_id": ann.pk, "name": "Ann", "average": 4.5, "count": 2},
            {"user_id": bob.pk, "name": "bob", "average": 2.0, "count": 1},
        ],
    }


# ---------------------------------------------------------------- returning visitors


async def test_previous_conversations_of_the_same_visitor():
    shop = await database_sync_to_async(make_website)(name="Shop")
    blog = await database_sync_to_async(make_website)(name="Blog")
    ann = await database_sync_to_async(make_user)("ann")
    await shop.agents.aadd(ann)
    await blog.agents.aadd(ann)
    first = await new_session(shop, user_identifier="u-1")
    await database_sync_to_async(append_message)(
        NewMessage(first.conversation_id, str(Message.Role.USER), "Where is my order?")
    )
    await resolve(first)
    await pipeline.rate(first, 5)
    by_email = await new_session(
        shop, prechat={"email": "ADA@example.com", "name": "Ada"}
    )  # anonymous, same address
    await new_session(blog, user_identifier="u-1")  # another website
    await new_session(shop, user_identifier="u-2")  # someone else
    await new_session(shop)  # anonymous, no address
    await Conversation.objects.filter(pk=by_email.conversation_id).aupdate(
        visitor_email="ada@example.com"
    )
    latest = await new_session(shop, user_identifier="u-1", email="ada@example.com")
    agent = await pipeline.authorize_agent(ann)
    entry, _messages, _more = await pipeline.agent_history(agent, latest.conversation_id, 0)
    previous = entry["previous"]
    assert [p["conversation_id"] for p in previous] == [
        str(by_email.conversation_id),
        str(first.conversation_id),
    ]
    assert previous[1]["status"] == "resolved" and previous[1]["rating"] == 5
    assert previous[1]["last_message"]["message"] == "Where is my order?"
    assert previous[0]["last_message"] is None and previous[0]["created_at"]
    # The agent opens an earlier one (read only) with the same request.
    earlier, messages, _more = await pipeline.agent_history(agent, first.conversation_id, 0)
    assert [m["message"] for m in messages] == ["Where is my order?"]
    assert earlier["previous"] == []
    # Nobody to recognise: no list.
    anonymous = await new_session(shop)
    entry, _messages, _more = await pipeline.agent_history(agent, anonymous.conversation_id, 0)
    assert entry["previous"] == []
