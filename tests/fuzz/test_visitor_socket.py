"""Hostile frames on the visitor socket (``ws/livechat/widget/``).

Whatever a client sends, in any order, from any origin: no exception escapes the consumer
(a server would drop the socket with 1006), every refusal is an ``error`` with a documented
code, the socket answers the next ``ping`` unless the documented close applies (4403 after
``FORBIDDEN``, 1009 for an oversize frame), and nothing is stored for a refused frame.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from django_livechat.conf import livechat_settings
from django_livechat.consumers.base import max_frame_length
from django_livechat.models import Conversation, Message
from tests.factories import SHOP_ORIGIN
from tests.fuzz.protocol import BLOG_ORIGIN, FOREIGN_ORIGIN, World, visitor_fields
from tests.fuzz.strategies import encoded, wire_frames
from tests.fuzz.wire import (
    VISITOR_CODES,
    VISITOR_EVENTS,
    Exchange,
    accepted_count,
    check_exchange,
    exchange,
    refused_client_ids,
)
from tests.sockets import Visitor

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


async def primary_keys(model: type[Conversation] | type[Message]) -> set[Any]:
    return {pk async for pk in model.objects.values_list("pk", flat=True)}


@given(data=st.data())
async def test_hostile_frames_never_break_the_visitor_socket(world: World, data: Any) -> None:
    origin = data.draw(
        st.sampled_from([SHOP_ORIGIN, SHOP_ORIGIN, None, BLOG_ORIGIN, FOREIGN_ORIGIN]),
        label="origin",
    )
    identify_first = data.draw(st.booleans(), label="identify first")
    raws = data.draw(
        st.lists(
            wire_frames(
                visitor_fields(world),
                text_field=("chat_message", "message"),
                frame_limit=max_frame_length(),
                message_limit=livechat_settings.MAX_MESSAGE_LENGTH,
            ),
            min_size=1,
            max_size=6,
        ),
        label="frames",
    )
    if identify_first:
        raws = [encoded({"type": "identify", "website_id": str(world.shop.id)}), *raws]
    conversations_before = await primary_keys(Conversation)
    messages_before = await primary_keys(Message)
    results: list[Exchange] = []
    async with Visitor(origin) as visitor:
        for raw in raws:
            result = await exchange(visitor.ws, raw)
            check_exchange(
                result,
                events=VISITOR_EVENTS,
                codes=VISITOR_CODES,
                message_frames=frozenset({"chat_message"}),
            )
            results.append(result)
            if result.close_code is not None:
                break

    # Nothing stored that should not be: conversations only for an ``identified`` ...
    identified = {
        uuid.UUID(event["conversation_id"])
        for result in results
        for event in result.events
        if event["type"] == "identified"
    }
    assert (await primary_keys(Conversation)) - conversations_before <= identified
    # ... and visitor messages only for the chat_message frames that were not refused.
    stored = [
        client_id
        async for client_id in Message.objects.exclude(pk__in=messages_before)
        .filter(role=Message.Role.USER)
        .values_list("client_id", flat=True)
    ]
    assert len(stored) <= accepted_count(results, "chat_message"), (stored, results)
    assert not set(stored) & refused_client_ids(results, "chat_message"), (stored, results)
