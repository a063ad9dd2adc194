"""A visitor's email address left in the widget."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.groups import website_group
from django_livechat.models import Conversation
from tests.factories import SHOP_ORIGIN, make_website
from tests.layer import received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


async def new_session():
    website = await database_sync_to_async(make_website)()
    return await pipeline.open_conversation(website_id=website.id, origin=SHOP_ORIGIN)


async def test_saved_and_told_to_the_dashboards():
    session = await new_session()
    dashboards = await subscribe(website_group(session.website_id))
    saved = await pipeline.save_contact(session, " ada@example.com ", "Ada")
    assert saved == {"type": "contact_saved", "email": "ada@example.com", "name": "Ada"}
    conversation = await Conversation.objects.aget(pk=session.conversation_id)
    assert (conversation.visitor_email, conversation.visitor_name) == ("ada@example.com", "Ada")
    (frame,) = await received(dashboards)
    assert frame["type"] == "conversation"
    assert frame["conversation"]["visitor_email"] == "ada@example.com"
    assert frame["conversation"]["visitor_name"] == "Ada"


async def test_the_name_is_kept_when_not_given():
    session = await new_session()
    await pipeline.save_contact(session, "ada@example.com", "Ada")
    saved = await pipeline.save_contact(session, "ada@work.example")
    assert saved == {"type": "contact_saved", "email": "ada@work.example", "name": "Ada"}


@pytest.mark.parametrize(
    ("email", "name", "fields"),
    [
        (None, None, {"email"}),
        ("", None, {"email"}),
        ("not an address", None, {"email"}),
        (42, None, {"email"}),
        ("a" * 250 + "@b.example", None, {"email"}),
        ("ada@example.com", "x" * 201, {"name"}),
        ("ada@example.com", ["Ada"], {"name"}),
    ],
)
async def test_refused(email, name, fields):
    session = await new_session()
    with pytest.raises(ChatError) as info:
        await pipeline.save_contact(session, email, name)
    assert info.value.code == errors.INVALID_PRECHAT
    assert set(info.value.fields) == fields
    conversation = await Conversation.objects.aget(pk=session.conversation_id)
    assert conversation.visitor_email == ""
