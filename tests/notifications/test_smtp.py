"""Through Django's SMTP backend to a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from django_livechat.models import EmailOutbox
from django_livechat.notifications import outbox as emails
from django_livechat.notifications import sender
from tests.factories import SHOP_ORIGIN
from tests.notifications.conftest import VISITOR_EMAIL, agent, reply, send_now, shop, visitor

pytestmark = pytest.mark.django_db(transaction=True)


def parsed(envelope):
    return email.message_from_bytes(envelope.content, policy=policy.default)


async def test_a_reply_email_reaches_the_smtp_server(smtp, livechat, settings):
    settings.DEFAULT_FROM_EMAIL = "help@shop.example"
    livechat(EMAIL_FOLLOWUP_DELAY=0)
    website = await shop()
    ann = await agent(website, "ann")
    session = await visitor(website)
    await reply(ann, session.conversation_id, "Your parcel left today.", "a1")
    assert await send_now() == 1
    (envelope,) = smtp.inbox.envelopes
    assert envelope.mail_from == "help@shop.example" and envelope.rcpt_tos == [VISITOR_EMAIL]
    message = parsed(envelope)
    assert message["Subject"] == "New reply from Shop"
    unsubscribe = message["List-Unsubscribe"].strip()
    assert unsubscribe.startswith(f"<{SHOP_ORIGIN}/livechat/email/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Your parcel left today." in text and "Your parcel left today." in html
    assert "livechat_resume=" in text
    assert await send_now() == 0 and len(smtp.inbox.envelopes) == 1


@database_sync_to_async
def make_due():
    EmailOutbox.objects.update(send_after=timezone.now())


async def test_a_server_that_is_down_delays_the_email_and_nothing_is_lost(smtp, livechat):
    livechat(EMAIL_FOLLOWUP_DELAY=0)
    website = await shop()
    ann = await agent(website, "ann")
    session = await visitor(website)
    await reply(ann, session.conversation_id, "Hi", "a1")
    smtp.stop()
    assert await send_now() == 0
    row = await EmailOutbox.objects.aget()
    assert row.sent_at is None and row.attempts == 1 and "Connection" in row.last_error
    smtp.start()  # back, on the same port
    await make_due()
    assert await send_now() == 1
    assert len(smtp.inbox.envelopes) == 1
    row = await EmailOutbox.objects.aget()
    assert row.sent_at is not None and row.last_error == ""


def enqueue(n):
    for i in range(n):
        emails.enqueue(
            kind="agent_digest",
            dedupe_key=f"k{i}",
            to=f"agent{i}@shop.example",
            email=emails.Composed(f"Digest {i}", "body"),
            send_after=timezone.now(),
        )


@pytest.mark.django_db(transaction=True)
def test_a_restarted_sender_sends_each_unsent_email_once(smtp):
    """The process dies in the middle of a batch: the rows it sent are marked sent, the
    ones it had claimed but not sent wait for their lease, then a new sender sends them."""
    enqueue(6)
    calls = {"n": 0}
    real_send = sender._send_one

    def dies_after_three(row, connection):
        calls["n"] += 1
        if calls["n"] > 3:
            raise SystemExit("killed")  # not an Exception: nothing is recorded, as in a crash
        return real_send(row, connection)

    with mock.patch.object(sender, "_send_one", dies_after_three), pytest.raises(SystemExit):
        sender.run_once(digests=False)
    assert len(smtp.inbox.envelopes) == 3
    assert sender.run_once(digests=False) == 0  # the dead process's claims still hold
    EmailOutbox.objects.filter(sent_at__isnull=True).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert sender.run_once(digests=False) == 3
    received = sorted(e.rcpt_tos[0] for e in smtp.inbox.envelopes)
    assert received == sorted(f"agent{i}@shop.example" for i in range(6))  # each once


@pytest.mark.django_db(transaction=True)
def test_the_documented_edge_a_crash_between_accept_and_mark_sent_sends_again(smtp):
    """At least once: the server accepted the email, the process died before marking it
    sent; after the lease another sender sends it again. The window is one UPDATE."""
    enqueue(1)
    with (
        mock.patch.object(emails, "mark_sent", side_effect=SystemExit("killed")),
        pytest.raises(SystemExit),
    ):
        sender.run_once(digests=False)
    EmailOutbox.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert sender.run_once(digests=False) == 1
    assert len(smtp.inbox.envelopes) == 2
