"""Pending automatic replies: a claim with a lease, won by exactly one process."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections
from django.utils import timezone

from django_livechat import pending
from django_livechat.models import PendingReply
from django_livechat.store import NewMessage, ReplyPlan, append_message
from tests.factories import make_website

pytestmark = pytest.mark.django_db(transaction=True)


def waiting_message(lease: float = 30.0, **fields):
    """A visitor message stored with its reply pending, as a non-inline responder leaves it."""
    website = make_website()
    conversation = website.conversations.create()
    stored = append_message(
        NewMessage(conversation.pk, "user", "hello", client_id="c-1", reply=ReplyPlan(lease=lease))
    )
    if fields:
        PendingReply.objects.filter(message=stored.message).update(**fields)
    return stored.message


def test_a_live_claim_cannot_be_taken():
    message = waiting_message()
    assert pending.claim([message.id], lease=10) == set()
    assert pending.claim_expired(lease=10) == []


def test_an_expired_claim_is_taken_once_and_counted():
    message = waiting_message(claimed_until=timezone.now() - timedelta(seconds=1))
    assert pending.claim([message.id], lease=10) == {message.id}
    row = PendingReply.objects.get(message=message)
    assert row.attempts == 2 and row.claimed_until > timezone.now() + timedelta(seconds=9)
    assert pending.claim([message.id], lease=10) == set()  # taken now


def test_claim_expired_takes_the_oldest_first_up_to_the_limit():
    past = timezone.now() - timedelta(seconds=5)
    messages = [waiting_message(claimed_until=past + timedelta(seconds=n)) for n in range(3)]
    assert pending.claim_expired(lease=10, limit=2) == [m.id for m in messages[:2]]
    assert pending.claim_expired(lease=10, limit=2) == [messages[2].id]


def test_a_message_that_killed_its_processes_is_given_up(caplog):
    past = timezone.now() - timedelta(seconds=1)
    doomed = waiting_message(claimed_until=past, attempts=pending.MAX_ATTEMPTS)
    hopeful = waiting_message(claimed_until=past, attempts=pending.MAX_ATTEMPTS - 1)
    assert pending.claim_expired(lease=10) == [hopeful.id]
    assert not PendingReply.objects.filter(message=doomed).exists()
    assert str(doomed.id) in caplog.text and "Giving up" in caplog.text


def test_settle_forgets():
    message = waiting_message()
    pending.settle([message.id])
    assert not PendingReply.objects.exists()


def test_of_racing_claimers_exactly_one_wins():
    message = waiting_message(claimed_until=timezone.now() - timedelta(seconds=1))
    won: list[set] = []
    start = threading.Barrier(4)

    def claimer() -> None:
        try:
            start.wait()
            won.append(pending.claim([message.id], lease=10))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(len(w) for w in won) == [0, 0, 0, 1]
