"""``POST api/handoff/``: the visitor asks for a person over HTTP; a streamed reply over HTTP."""

from __future__ import annotations

import asyncio

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from django_livechat.models import Conversation, Message
from tests.api.conftest import assert_error, bearer, open_conversation, post_message

pytestmark = pytest.mark.django_db(transaction=True)

HERE = "tests.api.test_handoff"


def handoff_url() -> str:
    return reverse("django_livechat:api-handoff")


async def streamed(conversation, message):
    for chunk in ["Streamed ", "over ", "HTTP"]:
        await asyncio.sleep(0.01)
        yield chunk


def test_a_visitor_asks_for_a_person(api, website):
    created = open_conversation(api, website)
    token, cid = created["visitor_token"], created["conversation_id"]
    assert_error(api.post(handoff_url()), 401, "NOT_IDENTIFIED")
    response = api.post(handoff_url(), **bearer(token))
    assert response.status_code == 200, response.content
    body = response.json()
    handoff_at = Conversation.objects.get(pk=cid).handoff_at
    assert body == {
        "type": "handoff",
        "conversation_id": cid,
        "handoff_at": handoff_at.isoformat(),
        "by": "visitor",
    }
    # Idempotent: the first time stays.
    assert api.post(handoff_url(), **bearer(token)).json()["handoff_at"] == body["handoff_at"]
    # No more automatic replies.
    posted = post_message(api, token, "hello?")
    assert posted.json()["reply"] is None


def test_post_message_returns_a_streamed_reply_when_it_is_finished(api, website):
    with override_settings(LIVECHAT={**settings.LIVECHAT, "RESPONDER": f"{HERE}.streamed"}):
        created = open_conversation(api, website)
        posted = post_message(api, created["visitor_token"], "hi")
    assert posted.status_code == 201, posted.content
    assert posted.json()["reply"]["message"] == "Streamed over HTTP"
    assert Message.objects.filter(role="assistant").count() == 1
