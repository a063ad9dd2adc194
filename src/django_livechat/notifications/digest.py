"""The agents' daily digests: the day's new conversations no agent has answered.

An agent who chose ``daily`` gets one digest a day, due from ``EMAIL_DIGEST_HOUR``
o'clock in ``TIME_ZONE``, listing the conversations of the websites they serve (with
``notify_agents`` on) that started since their previous digest (at most a day before)
and that no agent has answered; none, no email. The preference row's ``last_digest_at``
is moved with a conditional update in the transaction that enqueues the digest, so of
several senders one makes it, and the ``dedupe_key`` (agent and day) guards the rest.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from django_livechat import permissions
from django_livechat.conf import livechat_settings
from django_livechat.models import AgentPreference, Conversation, EmailOutbox, Message
from django_livechat.notifications import compose, outbox, unsubscribe

DAILY = str(AgentPreference.EmailNotifications.DAILY)
AGENT_DIGEST = str(EmailOutbox.Kind.AGENT_DIGEST)


def latest_digest_time(now: datetime) -> datetime:
    """The most recent ``EMAIL_DIGEST_HOUR`` o'clock (in ``TIME_ZONE``) at or before ``now``."""
    local = timezone.localtime(now)
    moment = local.replace(
        hour=livechat_settings.EMAIL_DIGEST_HOUR, minute=0, second=0, microsecond=0
    )
    return moment if moment <= local else moment - timedelta(days=1)


def unanswered_since(user: object, since: datetime) -> list[tuple[Conversation, Message | None]]:
    """The conversations started since ``since`` on the user's websites, with a visitor
    message and no agent reply, each with its first visitor message."""
    conversations = (
        Conversation.objects.select_related("website")
        .filter(
            website__in=permissions.served_websites(user),
            website__notify_agents=True,
            created_at__gte=since,
            agent_replied_at__isnull=True,
            status=Conversation.Status.OPEN,
            messages__role=Message.Role.USER,
        )
        .distinct()
        .order_by("created_at")
    )
    return [
        (c, c.messages.filter(role=Message.Role.USER).order_by("seq").first())
        for c in conversations
    ]


def enqueue_due_digests(now: datetime | None = None) -> int:
    """Enqueue every digest due at ``now``; how many were enqueued."""
    now = now or timezone.now()
    moment = latest_digest_time(now)
    due = AgentPreference.objects.select_related("user").filter(
        email_notifications=DAILY, user__is_active=True
    )
    enqueued = 0
    for preference in due:
        last = preference.last_digest_at
        if last is not None and last >= moment:
            continue
        enqueued += _digest_for(preference, moment, now)
    return enqueued


def _digest_for(preference: AgentPreference, moment: datetime, now: datetime) -> int:
    user = preference.user
    last = preference.last_digest_at
    since = max(last, moment - timedelta(days=1)) if last else moment - timedelta(days=1)
    with transaction.atomic():
        # Claim this day's digest: only if no other sender moved last_digest_at meanwhile.
        if not AgentPreference.objects.filter(pk=preference.pk, last_digest_at=last).update(
            last_digest_at=now
        ):
            return 0
        address = str(getattr(user, "email", "") or "")
        if not address or unsubscribe.is_opted_out(address):
            return 0
        found = unanswered_since(user, since)
        if not found:
            return 0
        return int(
            outbox.enqueue(
                kind=AGENT_DIGEST,
                dedupe_key=f"{AGENT_DIGEST}:{user.pk}:{timezone.localdate(moment).isoformat()}",
                to=address,
                email=compose.agent_digest(found, address, found[0][0].website),
                send_after=now,
            )
        )
