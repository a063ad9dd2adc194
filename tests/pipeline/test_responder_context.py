"""What a responder that takes ``context`` is handed."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from django_livechat import pipeline
from django_livechat.models import Conversation
from django_livechat.responders import ResponderContext
from tests.factories import make_website

pytestmark = pytest.mark.django_db(transaction=True)

HERE = "tests.pipeline.test_responder_context"
seen: list[ResponderContext] = []
queries: list[int] = []


def livechat(**overrides):
    return override_settings(LIVECHAT={**settings.LIVECHAT, **overrides})


def with_context(conversation, message, *, context):
    with CaptureQueriesContext(connection) as captured:
        seen.append(context)
        reply = f"{context.visitor.name}, you said {len(context.history)} things"
    queries.append(len(captured))
    return reply


async def async_with_context(conversation, message, context=None):
    seen.append(context)
    return "ok"


def without_context(conversation, message):
    return "plain"


@livechat(RESPONDER=f"{HERE}.with_context", RESPONDER_HISTORY=3)
async def test_a_responder_taking_context_gets_history_visitor_and_website():
    seen.clear()
    website = await database_sync_to_async(make_website)(name="Bike shop")
    session = await pipeline.open_conversation(
        website_id=website.id,
        origin=None,
        user_identifier="u-1",
        name="Ada",
        email="ada@example.com",
        metadata={"plan": "pro"},
    )
    for n in range(3):
        await pipeline.post_visitor_message(
            session, content=f"m{n}", client_id=f"{n}", background=False
        )
    context = seen[-1]
    assert context.conversation_id == session.conversation_id
    # The last 3 messages up to the one answered, oldest first: replies included.
    assert [(h.role, h.text) for h in context.history] == [
        ("user", "m1"),
        ("assistant", "Ada, you said 3 things"),
        ("user", "m2"),
    ]
    assert context.history[0].created_at is not None
    assert context.visitor.identifier == "u-1"
    assert (context.visitor.name, context.visitor.email) == ("Ada", "ada@example.com")
    assert context.visitor.metadata["plan"] == "pro"
    assert context.visitor.verified is False  # no identity hash
    assert (context.website.id, context.website.name) == (website.id, "Bike shop")
    assert context.website.availability in ("open", "away")
    assert context.agents_online == 0 and context.website.availability == "away"
    # Everything was read before the call.
    assert set(queries) == {0}
    conversation = await Conversation.objects.aget(pk=session.conversation_id)
    assert conversation.handoff_at is None


@pytest.mark.parametrize(
    ("responder", "has_context"), [("async_with_context", True), ("without_context", False)]
)
async def test_only_a_responder_accepting_context_gets_it(responder, has_context):
    seen.clear()
    with livechat(RESPONDER=f"{HERE}.{responder}"):
        website = await database_sync_to_async(make_website)()
        session = await pipeline.open_conversation(website_id=website.id, origin=None)
        result = await pipeline.post_visitor_message(
            session, content="hi", client_id="1", background=False
        )
    assert result.reply is not None
    assert bool(seen and seen[-1] is not None) is has_context
