"""The outbox: emails written where their cause is stored, sent once by a sender.

A row is inserted once per ``dedupe_key`` (a second insert of the same key is a no-op),
so a retried trigger never makes a second email. A sender *claims* due rows with a
conditional ``UPDATE`` that only succeeds on a row that is unsent and unclaimed (or whose
claim ran out), like :mod:`django_livechat.pending`: of several processes exactly one
wins each row. The winner sends and marks it sent at once; a failure is recorded and the
row is tried again later (exponential backoff) until ``EMAIL_MAX_ATTEMPTS`` claims.

At least once, not exactly once, in one case: the mail server accepted a message and the
process died before it marked the row sent (a window of one ``UPDATE``). The lease then
runs out and another sender sends it again. Every other crash (before the server accepted
it) loses nothing and duplicates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from django_livechat.conf import livechat_settings
from django_livechat.models import Conversation, EmailOutbox

#: How long a claim lasts: longer than any one send (SMTP timeouts included).
LEASE_SECONDS = 300.0
#: Delay before the first retry; doubled with each further attempt, up to MAX_BACKOFF.
FIRST_BACKOFF = 60.0
MAX_BACKOFF = 3600.0


@dataclass(frozen=True)
class Composed:
    """An email's subject and bodies."""

    subject: str
    text: str
    html: str = ""


def enqueue(
    *,
    kind: str,
    dedupe_key: str,
    to: str,
    email: Composed,
    send_after: datetime,
    conversation: Conversation | None = None,
) -> bool:
    """Store an email to send after ``send_after``; False if ``dedupe_key`` is stored."""
    if EmailOutbox.objects.filter(dedupe_key=dedupe_key).exists():
        return False
    try:
        with transaction.atomic():
            EmailOutbox.objects.create(
                kind=kind,
                dedupe_key=dedupe_key,
                to=to,
                subject=email.subject[:300],
                body_text=email.text,
                body_html=email.html,
                conversation=conversation,
                send_after=send_after,
            )
    except IntegrityError:
        return False  # enqueued by someone else meanwhile
    return True


def due(now: datetime) -> Q:
    """The rows a sender may claim at ``now``."""
    unclaimed = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return (
        Q(sent_at__isnull=True, send_after__lte=now)
        & Q(attempts__lt=livechat_settings.EMAIL_MAX_ATTEMPTS)
        & unclaimed
    )


def claim_due(
    *, limit: int = 20, lease: float = LEASE_SECONDS, now: datetime | None = None
) -> list[EmailOutbox]:
    """Claim up to ``limit`` due rows, oldest first; the rows this call won."""
    now = now or timezone.now()
    candidates = list(
        EmailOutbox.objects.filter(due(now))
        .order_by("send_after", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    until = now + timedelta(seconds=lease)
    won = [
        pk
        for pk in candidates
        if EmailOutbox.objects.filter(due(now), pk=pk).update(
            claimed_until=until, attempts=F("attempts") + 1
        )
    ]
    return list(EmailOutbox.objects.filter(pk__in=won).order_by("send_after", "pk"))


def mark_sent(row: EmailOutbox, *, now: datetime | None = None) -> None:
    EmailOutbox.objects.filter(pk=row.pk).update(
        sent_at=now or timezone.now(), claimed_until=None, last_error=""
    )


def mark_failed(row: EmailOutbox, error: str, *, now: datetime | None = None) -> None:
    """Record the failure; the row is due again after a backoff (while attempts remain)."""
    now = now or timezone.now()
    backoff = min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** max(0, row.attempts - 1))
    EmailOutbox.objects.filter(pk=row.pk, sent_at__isnull=True).update(
        claimed_until=None,
        last_error=error[:2000],
        send_after=now + timedelta(seconds=backoff),
    )


def cancel(row: EmailOutbox) -> None:
    """The email is no longer wanted (the visitor saw the replies, the address opted out)."""
    EmailOutbox.objects.filter(pk=row.pk, sent_at__isnull=True).delete()


def update_content(row: EmailOutbox, to: str, email: Composed) -> None:
    """Store what is about to be sent (composed again at send time), for the admin."""
    row.to, row.subject, row.body_text, row.body_html = (
        to,
        email.subject[:300],
        email.text,
        email.html,
    )
    EmailOutbox.objects.filter(pk=row.pk).update(
        to=row.to, subject=row.subject, body_text=row.body_text, body_html=row.body_html
    )
