"""A message posted over HTTP reaches the sockets and dashboards through the channel layer.

Two ways to call the sync API view, as servers do:

* ASGI (the async test below, through Django's ``AsyncClient``): the view runs in a worker
  thread and ``async_to_sync`` hands the pipeline to the server's (here the test's) event
  loop, the loop the in-memory channel layer's subscribers wait on.
* WSGI (the sync test, through ``APIClient``): each ``async_to_sync`` call runs the pipeline
  on an event loop of its own. ``InMemoryChannelLayer`` only puts events on queues there
  (``put_nowait`` binds no loop), so they can be read afterwards from yet another loop.
  A real WSGI deployment needs a cross-process layer (channels-redis) anyway.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import AsyncClient

from django_livechat.conf import DEFAULT_AUTO_RESPONSE_AWAY_TEXT
from django_livechat.groups import conversation_group, website_group
from tests.api.conftest import conversations_url, messages_url, open_conversation, post_message
from tests.factories import SHOP_ORIGIN, make_website
from tests.layer import chat_messages, received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


EXPECTED = [(1, "user", "hello"), (2, "assistant", DEFAULT_AUTO_RESPONSE_AWAY_TEXT)]


async def test_an_http_message_is_broadcast_over_asgi():
    website = await database_sync_to_async(make_website)()
    client = AsyncClient(headers={"Origin": SHOP_ORIGIN})
    created = await client.post(
        conversations_url(), {"website_id": str(website.id)}, content_type="application/json"
    )
    assert created.status_code == 201
    data = created.json()
    to_visitor = await subscribe(conversation_group(data["conversation_id"]))
    to_dashboard = await subscribe(website_group(website.id))

    response = await client.post(
        messages_url(),
        {"message": "hello", "client_id": "c-1"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {data['visitor_token']}"},
    )
    assert response.status_code == 201

    for channel in (to_visitor, to_dashboard):
        frames = await received(channel)
        assert chat_messages(frames) == EXPECTED
        # The default responder is inline: its reply comes with the message, no typing.
        assert [f for f in frames if f["type"] == "typing"] == []

    # A repeat is answered to its sender only: nothing new goes out.
    again = await client.post(
        messages_url(),
        {"message": "hello", "client_id": "c-1"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {data['visitor_token']}"},
    )
    assert again.status_code == 200
    assert await received(to_visitor) == []


def test_an_http_message_is_broadcast_over_wsgi(api):
    website = make_website()
    data = open_conversation(api, website)
    to_visitor = async_to_sync(subscribe)(conversation_group(data["conversation_id"]))
    to_dashboard = async_to_sync(subscribe)(website_group(website.id))

    assert post_message(api, data["visitor_token"], "hello", "c-1").status_code == 201

    assert chat_messages(async_to_sync(received)(to_visitor)) == EXPECTED
    assert chat_messages(async_to_sync(received)(to_dashboard)) == EXPECTED
