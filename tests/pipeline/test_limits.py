"""The pipeline's rate limits: per visitor and per client address, across transports and
processes; refusals that count nothing; a retry never refused."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import override_settings

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.models import Conversation, Message
from django_livechat.ratelimit import visitor_limiter
from tests.factories import SHOP_ORIGIN, make_website

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "198.51.100.23"
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


def livechat(**overrides):
    return override_settings(LIVECHAT={**settings.LIVECHAT, **overrides})


@pytest.fixture
async def website():
    return await database_sync_to_async(make_website)()


async def post(session, client_id, address=ADDRESS):
    return await pipeline.post_visitor_message(
        session,
        content=f"message {client_id}",
        client_id=client_id,
        background=False,
        address=address,
    )


async def refusal(call):
    with pytest.raises(ChatError) as info:
        await call
    assert info.value.code == errors.RATE_LIMITED
    assert info.value.retry_after > 0
    return info.value


async def accepted(session, count, address=ADDRESS, prefix="m"):
    """How many of ``count`` messages were stored before the first refusal."""
    for n in range(count):
        try:
            await post(session, f"{prefix}{n}", address)
        except ChatError as error:
            refused = error
            break
    else:
        return count
    assert refused.code == errors.RATE_LIMITED
    return n


# ---------------------------------------------------------------- messages


async def test_a_new_conversation_does_not_reset_the_address_limit(website):
    """Found: re-identifying gave a fresh limit each time (100 accepted in 5.6 s)."""
    total = 0
    for _ in range(5):  # the defaults: 20 a conversation, 60 an address, a minute
        session = await pipeline.open_conversation(
            website_id=website.id, origin=SHOP_ORIGIN, address=ADDRESS
        )
        total += await accepted(session, 20)
    assert total == 60
    assert await Message.objects.filter(role="user").acount() == 60
    # Another address is not held back by this one.
    other = await pipeline.open_conversation(
        website_id=website.id, origin=SHOP_ORIGIN, address="192.0.2.9"
    )
    assert await accepted(other, 3, address="192.0.2.9") == 3


@livechat(RATE_LIMIT_MESSAGES=2, RATE_LIMIT_ADDRESS_MESSAGES=0)
async def test_the_visitor_limit_holds_on_its_own(website):
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    assert await accepted(session, 5, address=None) == 2
    # Without a known address only the visitor's own limit applies.
    again = await pipeline.open_conversation(website_id=website.id, origin=None)
    assert await accepted(again, 2, address=None) == 2


@livechat(RATE_LIMIT_MESSAGES=2)
async def test_a_retry_of_a_stored_message_is_answered_never_refused(website):
    """Found: a retry could be refused with RATE_LIMITED instead of getting its copy."""
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    first = await post(session, "c-1")
    await post(session, "c-2")
    await refusal(post(session, "c-3"))
    retry = await post(session, "c-1")
    assert not retry.created
    assert retry.message == first.message and retry.reply == first.reply
    assert [frame["message_id"] for frame in retry.ack] == [
        first.message["message_id"],
        first.reply["message_id"],
    ]
    await refusal(post(session, "c-3"))  # still over: the retry changed nothing
    assert await Message.objects.acount() == 4


@livechat(RATE_LIMIT_MESSAGES=2)
async def test_a_retry_does_not_use_up_the_limit(website):
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    await post(session, "c-1")
    for _ in range(3):
        assert not (await post(session, "c-1")).created
    assert (await post(session, "c-2")).created


@livechat(RATE_LIMIT_MESSAGES=1, RATE_LIMIT_PERIOD=30)
async def test_the_socket_and_http_count_together(website):
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    # As the socket posts (background) ...
    await pipeline.post_visitor_message(
        session, content="by socket", client_id="ws", background=True, address=ADDRESS
    )
    await pipeline.drain()
    # ... and as the HTTP API does, on the same conversation, from the same address.
    error = await refusal(post(session, "http"))
    assert error.retry_after <= 30 * 2


# ---------------------------------------------------------------- conversations


async def test_conversations_per_address_are_limited(website):
    """Found: creating conversations was unlimited (300 in 1.8 s)."""
    for _ in range(20):  # the default: 20 each 10 minutes
        await pipeline.open_conversation(website_id=website.id, origin=None, address=ADDRESS)
    error = await refusal(
        pipeline.open_conversation(website_id=website.id, origin=None, address=ADDRESS)
    )
    assert "conversations" in error.message
    assert await Conversation.objects.acount() == 20
    # Rejoining makes no new conversation: not limited by this.
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    rejoined = await pipeline.open_conversation(
        website_id=website.id,
        origin=None,
        address=ADDRESS,
        visitor_token=session.visitor_token,
    )
    assert rejoined.conversation_id == session.conversation_id
    # Other addresses, and callers that know no address, are not held back.
    await pipeline.open_conversation(website_id=website.id, origin=None, address="192.0.2.9")
    await pipeline.open_conversation(website_id=website.id, origin=None, address=None)


@livechat(RATE_LIMIT_ADDRESS_CONVERSATIONS=1)
async def test_a_conversation_that_was_not_created_does_not_count(website):
    inactive = await database_sync_to_async(make_website)(name="Off", is_active=False)
    for site, origin, code in (
        (inactive.id, None, errors.INVALID_WEBSITE),
        (website.id, "https://evil.example.net", errors.FORBIDDEN),
    ):
        for _ in range(3):
            with pytest.raises(ChatError) as info:
                await pipeline.open_conversation(website_id=site, origin=origin, address=ADDRESS)
            assert info.value.code == code
    await pipeline.open_conversation(website_id=website.id, origin=None, address=ADDRESS)
    await refusal(pipeline.open_conversation(website_id=website.id, origin=None, address=ADDRESS))


# ---------------------------------------------------------------- across processes


def two_processes(first, second):
    """CACHES with two aliases standing for the cache connections of two processes."""
    return override_settings(CACHES={**settings.CACHES, "process-1": first, "process-2": second})


async def post_in_turn(website, n):
    """Process 1 takes the visitor's first two messages, process 2 the rest (as HTTP posts
    spread over processes would); how many of ``n`` were stored."""
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    with livechat(RATE_LIMIT_MESSAGES=3, RATE_LIMIT_CACHE="process-1"):
        stored = await accepted(session, 2, prefix="a")
    visitor_limiter.reset()  # process 2 has none of process 1's memory
    with livechat(RATE_LIMIT_MESSAGES=3, RATE_LIMIT_CACHE="process-2"):
        stored += await accepted(session, n - 2, prefix="b")
    return stored


@pytest.mark.redis
async def test_two_processes_share_the_limit_through_a_shared_cache(website, redis_flush):
    """Found: the limit was per process, so two processes doubled it."""
    redis = {"BACKEND": REDIS_CACHE, "LOCATION": redis_flush}
    with two_processes(redis, dict(redis)):
        assert await post_in_turn(website, 4) == 3


async def test_with_a_process_local_cache_each_process_counts_alone(website):
    """What system check W006 warns of: LocMemCache holds the limits per process."""
    with two_processes(
        {"BACKEND": LOCMEM, "LOCATION": "process-1"}, {"BACKEND": LOCMEM, "LOCATION": "process-2"}
    ):
        assert await post_in_turn(website, 4) == 4
