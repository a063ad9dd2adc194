"""Hostile frames on the agent socket (``ws/livechat/dashboard/``).

An agent's tool can be buggy or compromised: whatever it sends, no exception escapes the
consumer, every refusal is an ``error`` with a documented code, the socket answers the next
``ping`` unless the documented close applies, and no agent message is stored for a
refused ``agent_message``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from django_livechat.conf import livechat_settings
from django_livechat.consumers.base import max_frame_length
from django_livechat.models import Message
from tests.fuzz.examples import CI_EXAMPLES, MORE_EXAMPLES
from tests.fuzz.protocol import World, agent_fields
from tests.fuzz.strategies import wire_frames
from tests.fuzz.wire import (
    DASHBOARD_CODES,
    DASHBOARD_EVENTS,
    Exchange,
    accepted_count,
    check_exchange,
    exchange,
    refused_client_ids,
)
from tests.sockets import Dashboard

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


# Opening a dashboard is the costly part of an example (presence rows, the inbox, the
# ratings, who is online): fewer examples of more frames each try as many frames.
@settings(max_examples=MORE_EXAMPLES or CI_EXAMPLES // 4)
@given(data=st.data())
async def test_hostile_frames_never_break_the_dashboard_socket(world: World, data: Any) -> None:
    raws = data.draw(
        st.lists(
            wire_frames(
                agent_fields(world),
                text_field=("agent_message", "message"),
                frame_limit=max_frame_length(),
                message_limit=livechat_settings.MAX_MESSAGE_LENGTH,
            ),
            min_size=1,
            max_size=16,
        ),
        label="frames",
    )
    before = {pk async for pk in Message.objects.values_list("pk", flat=True)}
    results: list[Exchange] = []
    async with Dashboard(world.ann) as dashboard:
        for raw in raws:
            result = await exchange(dashboard.ws, raw)
            check_exchange(
                result,
                events=DASHBOARD_EVENTS,
                codes=DASHBOARD_CODES,
                message_frames=frozenset({"agent_message"}),
            )
            results.append(result)
            if result.close_code is not None:
                break

    # No agent message stored for an agent_message that was refused.
    stored = [
        client_id
        async for client_id in Message.objects.exclude(pk__in=before)
        .filter(role=Message.Role.AGENT)
        .values_list("client_id", flat=True)
    ]
    assert len(stored) <= accepted_count(results, "agent_message"), (stored, results)
    assert not set(stored) & refused_client_ids(results, "agent_message"), (stored, results)
