"""Unseen agent replies emailed to the visitor (locmem backend)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from django_livechat import pipeline
from django_livechat.models import EmailOptOut, EmailOutbox, Website
from django_livechat.pipeline.resume import read_resume_token
from tests.factories import SHOP_ORIGIN
from tests.notifications.conftest import (
    VISITOR_EMAIL,
    agent,
    reply,
    rows,
    send_now,
    shop,
    visitor,
)

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def due_now() -> None:
    EmailOutbox.objects.update(send_after=timezone.now())


async def test_a_burst_of_unseen_replies_is_one_email_after_the_delay(livechat, outbox):
    livechat(EMAIL_FOLLOWUP_DELAY=300)
    website = await shop()
    ann = await agent(website, "ann")
    session = await visitor(website, page=f"{SHOP_ORIGIN}/shoes?size=42#top")
    await reply(ann, session.conversation_id, "Hello, we have them in blue.", "a1")
    await reply(ann, session.conversation_id, "And in red!", "a2")
    (row,) = await rows()
    assert row.kind == "visitor_reply" and row.to == VISITOR_EMAIL
    assert row.dedupe_key == f"visitor_reply:{session.conversation_id}:1"
    assert row.send_after > timezone.now() + timedelta(seconds=290)
    assert await send_now() == 0  # not due yet
    assert outbox == []

    await due_now()
    assert await send_now() == 1
    (email,) = outbox
    assert email.to == [VISITOR_EMAIL] and email.subject == "New reply from Shop"
    assert "Hello, we have them in blue." in email.body and "And in red!" in email.body
    assert "Replying to this email does not reach the chat" in email.body
    html, kind = email.alternatives[0]
    assert kind == "text/html" and "And in red!" in html
    # The link back: the page the chat started on, with a resume token for it.
    link = next(line for line in email.body.splitlines() if "livechat_resume=" in line)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{SHOP_ORIGIN}/shoes"
    query = parse_qs(parts.query)
    assert query["size"] == ["42"]
    assert read_resume_token(query["livechat_resume"][0]) == (session.conversation_id, website.id)
    # Unsubscribe in the body and in the headers (RFC 8058 one-click).
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(f"{SHOP_ORIGIN}/livechat/email/unsubscribe/")
    assert unsubscribe in email.body
    (sent,) = await rows()
    assert sent.sent_at is not None and sent.attempts == 1
    assert await send_now() == 0  # sent once
    assert len(outbox) == 1


async def test_a_reply_the_visitor_has_seen_is_not_emailed(livechat, outbox):
    livechat(EMAIL_FOLLOWUP_DELAY=0)
    website = await shop()
    ann = await agent(website, "ann")
    session = await visitor(website)
    sent = await reply(ann, session.conversation_id, "Hi!", "a1")
    assert len(await rows()) == 1
    await pipeline.mark_seen(session, sent.message["seq"])
    assert await send_now() == 0
    assert outbox == []
    assert await rows() == []  # dropped, not kept for later


async def test_replies_after_the_visitor_came_back_are_a_new_email(livechat, outbox):
    livechat(EMAIL_FOLLOWUP_DELAY=0)
    website = await shop()
    ann = await agent(website, "ann")
    session = await visitor(website)
    first = await reply(ann, session.conversation_id, "One", "a1")
    await pipeline.mark_seen(session, first.message["seq"])
    await reply(ann, session.conversation_id, "Two", "a2")
    await reply(ann, session.conversation_id, "Three", "a3")
    assert await send_now() == 1
    (email,) = outbox
    assert "Two" in email.body and "Three" in email.body and "One" not in email.body
    # The first burst was seen: its row is gone; the second one was sent.
    assert [r.dedupe_key.rsplit(":", 1)[1] for r in await rows()] == ["2"]


async def test_a_retried_reply_enqueues_nothing_more(livechat):
    livechat(EMAIL_FOLLOWUP_DELAY=0)
    website = await shop()
    ann = await agent(website, "ann")
    session = await visitor(website)
    await reply(ann, session.conversation_id, "Hi!", "a1")
    again = await reply(ann, session.conversation_id, "Hi!", "a1")
    assert not again.created
    assert len(await rows()) == 1


@pytest.mark.parametrize("why", ["no address", "website off", "opted out"])
async def test_no_email_when_not_wanted(livechat, outbox, why):
    livechat(EMAIL_FOLLOWUP_DELAY=0)
    website = await shop(email_followup=why != "website off")
    ann = await agent(website, "ann")
    if why == "opted out":
        await EmailOptOut.objects.acreate(address=VISITOR_EMAIL.upper())
    session = await visitor(website, email=None if why == "no address" else VISITOR_EMAIL)
    await reply(ann, session.conversation_id, "Hi!", "a1")
    assert await rows() == []
    assert await send_now() == 0 and outbox == []


async def test_an_opt_out_after_enqueueing_cancels_the_email(livechat, outbox):
    livechat(EMAIL_FOLLOWUP_DELAY=0)
    website = await shop()
    ann = await agent(website, "ann")
    session = await visitor(website)
    await reply(ann, session.conversation_id, "Hi!", "a1")
    await EmailOptOut.objects.acreate(address=VISITOR_EMAIL)
    assert await send_now() == 0 and outbox == []


async def test_a_page_on_another_origin_is_not_linked(livechat, outbox):
    livechat(EMAIL_FOLLOWUP_DELAY=0)
    website = await shop()
    ann = await agent(website, "ann")
    session = await visitor(website, page="https://evil.example.net/phish")
    await reply(ann, session.conversation_id, "Hi!", "a1")
    await send_now()
    (email,) = outbox
    assert "evil.example.net" not in email.body
    link = next(line for line in email.body.splitlines() if "livechat_resume=" in line)
    assert link.startswith(f"{SHOP_ORIGIN}/?livechat_resume=")


async def test_email_base_url_and_from(livechat, outbox, settings):
    settings.DEFAULT_FROM_EMAIL = "default@shop.example"
    livechat(EMAIL_FOLLOWUP_DELAY=0, EMAIL_BASE_URL="https://chat.example.com")
    website = await shop()
    ann = await agent(website, "ann")
    session = await visitor(website)
    await reply(ann, session.conversation_id, "Hi!", "a1")
    await send_now()
    assert outbox[0].from_email == "default@shop.example"
    assert (
        outbox[0]
        .extra_headers["List-Unsubscribe"]
        .startswith("<https://chat.example.com/livechat/email/unsubscribe/")
    )
    livechat(EMAIL_FROM="Shop <help@shop.example>")
    await Website.objects.filter(pk=website.pk).aupdate(name="Shop & Co")
    await pipeline.mark_seen(session, 1)
    await reply(ann, session.conversation_id, "Again", "a2")
    await send_now()
    assert outbox[1].from_email == "Shop <help@shop.example>"
    assert outbox[1].subject == "New reply from Shop & Co"  # text, not HTML-escaped
