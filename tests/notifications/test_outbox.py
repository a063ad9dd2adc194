"""The outbox's claims and leases: each email sent once across senders and crashes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.test import override_settings
from django.utils import timezone

from django_livechat.models import EmailOutbox
from django_livechat.notifications import outbox as emails
from django_livechat.notifications import sender
from django_livechat.notifications.outbox import Composed

pytestmark = pytest.mark.django_db(transaction=True)


def enqueue(n: int = 1, *, key: str = "test", **fields) -> list[EmailOutbox]:
    for i in range(n):
        emails.enqueue(
            kind="agent_digest",
            dedupe_key=f"{key}:{i}",
            to=f"agent{i}@shop.example",
            email=Composed(f"Subject {i}", f"Body {i}", f"<p>Body {i}</p>"),
            send_after=fields.get("send_after", timezone.now()),
        )
    return list(EmailOutbox.objects.order_by("pk"))


def test_a_dedupe_key_is_enqueued_once():
    assert emails.enqueue(
        kind="agent_digest",
        dedupe_key="k",
        to="a@shop.example",
        email=Composed("s", "t"),
        send_after=timezone.now(),
    )
    assert not emails.enqueue(
        kind="agent_digest",
        dedupe_key="k",
        to="b@shop.example",
        email=Composed("s", "t"),
        send_after=timezone.now(),
    )
    assert EmailOutbox.objects.count() == 1


def test_of_two_claims_one_wins_until_the_lease_runs_out():
    enqueue(3)
    first = emails.claim_due(limit=10)
    assert len(first) == 3 and all(r.attempts == 1 for r in first)
    assert emails.claim_due(limit=10) == []  # leased
    later = timezone.now() + timedelta(seconds=emails.LEASE_SECONDS + 1)
    again = emails.claim_due(limit=10, now=later)
    assert [r.pk for r in again] == [r.pk for r in first] and again[0].attempts == 2


def test_future_and_sent_rows_are_not_claimed():
    enqueue(1, key="later", send_after=timezone.now() + timedelta(minutes=5))
    (row,) = enqueue(1, key="now")[1:]
    emails.mark_sent(row)
    assert emails.claim_due() == []


def test_a_crashed_sender_is_replaced_and_each_email_goes_out_once(outbox):
    """Rows enqueued; a sender claims two and dies before sending them (its lease stays).
    Other senders leave them alone until the lease runs out, then a new sender sends each
    exactly once."""
    rows = enqueue(5)
    crashed = emails.claim_due(limit=2)  # claimed, then the process died
    assert len(crashed) == 2
    # Another sender, meanwhile, sends what is free: the 3 unclaimed rows.
    assert sender.run_once(digests=False) == 3
    assert sender.run_once(digests=False) == 0  # the 2 are still leased
    # Their lease runs out ("restart"): a new sender sends them, once.
    EmailOutbox.objects.filter(pk__in=[r.pk for r in crashed]).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert sender.run_once(digests=False) == 2
    assert sender.run_once(digests=False) == 0
    assert sorted(m.to[0] for m in outbox) == sorted(r.to for r in rows)
    assert not EmailOutbox.objects.filter(sent_at__isnull=True).exists()


def test_concurrent_senders_never_send_a_row_twice(outbox):
    enqueue(30)
    barrier = threading.Barrier(3)
    sent: list[int] = []

    def run() -> None:
        barrier.wait()
        sent.append(sender.run_once(digests=False))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(sent) == 30
    assert len(outbox) == 30 and len({m.to[0] for m in outbox}) == 30


class FailingBackend(EmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


@override_settings(EMAIL_BACKEND="tests.notifications.test_outbox.FailingBackend")
def test_a_failure_is_retried_with_backoff_then_kept_with_its_error(livechat):
    livechat(EMAIL_MAX_ATTEMPTS=2)
    (row,) = enqueue(1)
    assert sender.run_once(digests=False) == 0
    row.refresh_from_db()
    assert row.attempts == 1 and row.sent_at is None and row.claimed_until is None
    assert row.last_error == "ConnectionRefusedError: the mail server is down"
    assert row.send_after > timezone.now() + timedelta(seconds=emails.FIRST_BACKOFF - 5)
    assert sender.run_once(digests=False) == 0  # backing off: not claimed
    EmailOutbox.objects.update(send_after=timezone.now())
    sender.run_once(digests=False)
    row.refresh_from_db()
    assert row.attempts == 2
    EmailOutbox.objects.update(send_after=timezone.now())
    assert emails.claim_due() == []  # given up after EMAIL_MAX_ATTEMPTS, kept for the admin
    assert EmailOutbox.objects.filter(last_error__contains="down").count() == 1


def test_the_backoff_doubles_up_to_an_hour():
    (row,) = enqueue(1)
    now = timezone.now()
    delays = []
    for attempts in (1, 2, 3, 10):
        row.attempts = attempts
        emails.mark_failed(row, "x", now=now)
        row.refresh_from_db()
        delays.append((row.send_after - now).total_seconds())
    assert delays == [60, 120, 240, 3600]
