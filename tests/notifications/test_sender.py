"""The sender loop of each server process, and ``manage.py livechat_send_emails``."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from io import StringIO

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.utils import timezone

from django_livechat import pipeline
from django_livechat.models import AgentPreference, EmailOutbox
from django_livechat.notifications import outbox as emails
from django_livechat.notifications import sender
from django_livechat.pipeline.background import loop_local
from tests.notifications.conftest import agent_sync, shop_sync

pytestmark = pytest.mark.django_db(transaction=True)


def enqueue(key: str = "k", **fields) -> None:
    emails.enqueue(
        kind="agent_digest",
        dedupe_key=key,
        to="ann@shop.example",
        email=emails.Composed("Digest", "body"),
        send_after=fields.get("send_after", timezone.now()),
    )


async def test_the_loop_sends_what_becomes_due(livechat, outbox):
    livechat(EMAIL_SENDER_ENABLED=True, EMAIL_SEND_INTERVAL=0.05)
    sender.ensure_sender()
    task = loop_local("email-sender", lambda: None)
    assert task is not None and not task.done()
    sender.ensure_sender()  # once per loop
    assert loop_local("email-sender", lambda: None) is task
    await database_sync_to_async(enqueue)()
    try:
        for _ in range(100):
            if outbox:
                break
            await asyncio.sleep(0.05)
        assert [m.subject for m in outbox] == ["Digest"]
    finally:
        task.cancel()


async def test_no_loop_when_a_worker_sends(livechat):
    livechat(EMAIL_SENDER_ENABLED=False)
    sender.ensure_sender()
    assert loop_local("email-sender", lambda: None) is None


def test_the_command_sends_what_is_due(outbox):
    enqueue("now")
    enqueue("later", send_after=timezone.now() + timedelta(hours=1))
    out = StringIO()
    call_command("livechat_send_emails", stdout=out)
    assert out.getvalue().strip() == "Sent 1 email."
    assert len(outbox) == 1
    assert EmailOutbox.objects.filter(sent_at__isnull=True).count() == 1


def test_the_command_makes_digests_only_when_asked(outbox, livechat):
    website = shop_sync()
    agent_sync(website, "bob", preference="daily")
    livechat(EMAIL_DIGEST_HOUR=timezone.localtime().hour)
    call_command("livechat_send_emails", stdout=StringIO())
    assert AgentPreference.objects.get().last_digest_at is None
    call_command("livechat_send_emails", "--digest", stdout=StringIO())
    # Nothing unanswered today: no email, but the day's digest is done.
    assert AgentPreference.objects.get().last_digest_at is not None
    assert outbox == []


async def test_a_hanging_mail_server_never_blocks_the_chat(livechat, monkeypatch):
    livechat(EMAIL_SENDER_ENABLED=True, EMAIL_SEND_INTERVAL=0.01)
    started, release = threading.Event(), threading.Event()

    def hangs(**kwargs):
        started.set()
        release.wait(10)
        return 0

    monkeypatch.setattr(sender, "run_once", hangs)
    website = await database_sync_to_async(shop_sync)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    sender.ensure_sender()
    task = loop_local("email-sender", lambda: None)
    try:
        assert await asyncio.to_thread(started.wait, 5)  # the sender is stuck now
        posted = await asyncio.wait_for(
            pipeline.post_visitor_message(
                session, content="hello", client_id="c1", background=False
            ),
            timeout=5,
        )
        assert posted.created
    finally:
        release.set()
        task.cancel()
