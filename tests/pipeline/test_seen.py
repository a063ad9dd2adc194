"""The visitor's seen position: the ``seen`` frame, ``POST api/seen/`` and the pipeline."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from rest_framework.test import APIClient

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.models import Conversation
from django_livechat.pipeline import seen
from tests.factories import SHOP_ORIGIN, make_website
from tests.sockets import Visitor

pytestmark = pytest.mark.django_db(transaction=True)

SEEN_URL = "/livechat/api/seen/"


@database_sync_to_async
def shop():
    return make_website()


@database_sync_to_async
def position(conversation_id):
    return Conversation.objects.values_list("visitor_read_seq", flat=True).get(pk=conversation_id)


async def conversation_with_messages(website, n=3):
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    for i in range(n):
        await pipeline.post_visitor_message(
            session, content=f"m{i}", client_id=f"c{i}", background=False
        )
    return session


@pytest.fixture
def silent(settings):
    # No automatic replies: the seqs are the visitor's messages only.
    settings.LIVECHAT = {**settings.LIVECHAT, "AUTO_RESPONSE_ENABLED": False}


async def test_the_position_only_moves_forward_and_stops_at_the_last_message(silent):
    website = await shop()
    session = await conversation_with_messages(website, 3)
    await pipeline.mark_seen(session, 2)
    assert await position(session.conversation_id) == 2
    await pipeline.mark_seen(session, 1)
    assert await position(session.conversation_id) == 2
    await pipeline.mark_seen(session, 99)
    assert await position(session.conversation_id) == 3
    # A message after a too-large seq is still tracked (the clamp is remembered).
    await pipeline.post_visitor_message(session, content="m3", client_id="c3", background=False)
    await pipeline.mark_seen(session, 4)
    assert await position(session.conversation_id) == 4


@pytest.mark.parametrize("seq", [None, -1, "3", 1.5, True])
async def test_a_bad_seq_is_refused(seq):
    website = await shop()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    with pytest.raises(ChatError) as refused:
        await pipeline.mark_seen(session, seq)
    assert refused.value.code == errors.INVALID_MESSAGE


async def test_a_repeated_position_costs_no_write(silent, monkeypatch):
    website = await shop()
    session = await conversation_with_messages(website, 2)
    await pipeline.mark_seen(session, 2)
    writes = []
    monkeypatch.setattr(seen, "store_seen", lambda *args: writes.append(args) or 2)
    for _ in range(20):
        await pipeline.mark_seen(session, 2)
        await pipeline.mark_seen(session, 1)
    assert writes == []


async def test_the_seen_frame_answers_nothing(silent):
    website = await shop()
    async with Visitor() as visitor:
        identified = await visitor.identify(website)
        cid = identified["conversation_id"]
        await visitor.send(type="chat_message", message="hi", client_id="c1")
        assert (await visitor.recv_type("chat_message"))["seq"] == 1
        await visitor.send(type="seen", seq=1)
        await visitor.nothing()
        assert await position(cid) == 1
        await visitor.send(type="seen", seq="x")
        error = await visitor.recv()
        assert error["type"] == "error" and error["code"] == "INVALID_MESSAGE"


async def test_the_seen_frame_needs_identify():
    async with Visitor() as visitor:
        await visitor.send(type="seen", seq=1)
        error = await visitor.recv()
        assert error["code"] == "NOT_IDENTIFIED"


def test_post_seen_stores_the_position_and_answers_204(silent):
    website = make_website()
    api = APIClient()
    opened = api.post(
        "/livechat/api/conversations/",
        {"website_id": str(website.id)},
        format="json",
        HTTP_ORIGIN=SHOP_ORIGIN,
    ).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {opened['visitor_token']}", "HTTP_ORIGIN": SHOP_ORIGIN}
    api.post("/livechat/api/messages/", {"message": "hi", "client_id": "c1"}, format="json", **auth)
    response = api.post(SEEN_URL, {"seq": 1}, format="json", **auth)
    assert response.status_code == 204 and response.content == b""
    assert Conversation.objects.get().visitor_read_seq == 1
    bad = api.post(SEEN_URL, {"seq": -1}, format="json", **auth)
    assert bad.status_code == 400 and bad.json()["code"] == "INVALID_MESSAGE"
    assert api.post(SEEN_URL, {"seq": 1}, format="json").status_code == 401
