"""What enqueues an email. The pipeline calls these after it stored what caused them.

* An agent's reply: the visitor gets an email ``EMAIL_FOLLOWUP_DELAY`` seconds after the
  first reply they have not seen, if they left an address, the website emails replies
  (``email_followup``) and the address did not opt out. One email per burst: the
  ``dedupe_key`` is the conversation and the first unseen reply's ``seq``, so replies
  that follow before the visitor comes back join that email (it is composed again when
  sent, with every reply still unseen, and dropped if the visitor saw them all).
* A conversation's first visitor message while none of the website's agents has a
  dashboard open (and the website's ``notify_agents`` is on): each agent who chose
  immediate email gets one (``dedupe_key`` per conversation and agent); agents who chose
  the daily digest find it there (:mod:`.digest`).

Enqueueing happens right after the message's transaction commits: what to send is worked
out in the pipeline's read threads and only the insert goes to its writer thread. Not
inside the store's transaction, which the writer shares among many conversations'
messages (group commit) and which must stay short and fail alone. The cost is a crash
window between the commit and the insert, in which the email (never the message) is
lost; the ``dedupe_key`` makes a repeated trigger harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from django_livechat import permissions
from django_livechat.conf import livechat_settings
from django_livechat.dbthreads import run_in_db_thread, run_in_writer_thread
from django_livechat.models import AgentPreference, Conversation, EmailOutbox, Message
from django_livechat.notifications import compose, outbox, unsubscribe
from django_livechat.notifications.outbox import Composed
from django_livechat.pipeline import presence

logger = logging.getLogger(__name__)

AGENT, USER = str(Message.Role.AGENT), str(Message.Role.USER)
VISITOR_REPLY = str(EmailOutbox.Kind.VISITOR_REPLY)
AGENT_NEW_CONVERSATION = str(EmailOutbox.Kind.AGENT_NEW_CONVERSATION)
IMMEDIATE = str(AgentPreference.EmailNotifications.IMMEDIATE)


# ---------------------------------------------------------------- from the pipeline


async def after_agent_reply(conversation_id: UUID) -> None:
    """An agent's reply was stored: the visitor may get it by email. Never raises."""
    try:
        planned = await run_in_db_thread(plan_visitor_reply, conversation_id)
        if planned:
            await run_in_writer_thread(enqueue_planned, planned)
    except Exception as exc:
        logger.warning("Enqueueing the reply email of %s failed (%s)", conversation_id, exc)


async def after_new_conversation(website_id: UUID, conversation_id: UUID) -> None:
    """A conversation got its first visitor message: tell the agents if none is present.
    Never raises."""
    try:
        if await presence.agents_online(website_id) > 0:
            return  # the common case costs no query (the count is cached)
        planned = await run_in_db_thread(plan_agent_notifications, conversation_id)
        if planned:
            await run_in_writer_thread(enqueue_planned, planned)
    except Exception as exc:
        logger.warning("Enqueueing the agents' emails of %s failed (%s)", conversation_id, exc)


@dataclass(frozen=True)
class Planned:
    """An email to enqueue: :func:`~django_livechat.notifications.outbox.enqueue`'s
    arguments."""

    kind: str
    dedupe_key: str
    to: str
    email: Composed
    send_after: datetime
    conversation: Conversation | None


def enqueue_planned(planned: list[Planned]) -> int:
    """Enqueue what was planned (writer thread); how many were new."""
    return sum(
        outbox.enqueue(
            kind=p.kind,
            dedupe_key=p.dedupe_key,
            to=p.to,
            email=p.email,
            send_after=p.send_after,
            conversation=p.conversation,
        )
        for p in planned
    )


# ---------------------------------------------------------------- the visitor


def unseen_replies(conversation: Conversation) -> list[Message]:
    """The agents' replies after the visitor's seen position, oldest first."""
    return list(
        Message.objects.filter(
            conversation=conversation, role=AGENT, seq__gt=conversation.visitor_read_seq
        ).order_by("seq")
    )


def wants_followup(conversation: Conversation | None) -> bool:
    """Whether the conversation's visitor may get reply emails at all."""
    return bool(
        conversation is not None
        and conversation.visitor_email
        and conversation.website.email_followup
        and not unsubscribe.is_opted_out(conversation.visitor_email)
    )


def visitor_reply_key(conversation_id: UUID, first_seq: int) -> str:
    return f"{VISITOR_REPLY}:{conversation_id}:{first_seq}"


def burst_start(row: EmailOutbox) -> int:
    """The seq of the first reply a visitor_reply row was enqueued for."""
    return int(row.dedupe_key.rsplit(":", 1)[1])


def plan_visitor_reply(conversation_id: UUID) -> list[Planned]:
    """The email of the conversation's unseen replies, unless none is due or it is
    enqueued already."""
    conversation = Conversation.objects.select_related("website").filter(pk=conversation_id).first()
    if conversation is None or not wants_followup(conversation):
        return []
    replies = unseen_replies(conversation)
    if not replies:
        return []
    key = visitor_reply_key(conversation.pk, replies[0].seq)
    if EmailOutbox.objects.filter(dedupe_key=key).exists():
        return []
    delay = timedelta(seconds=livechat_settings.EMAIL_FOLLOWUP_DELAY)
    return [
        Planned(
            kind=VISITOR_REPLY,
            dedupe_key=key,
            to=conversation.visitor_email,
            email=compose.visitor_reply(conversation, replies),
            send_after=replies[0].created_at + delay,
            conversation=conversation,
        )
    ]


def enqueue_visitor_reply(conversation_id: UUID) -> bool:
    """:func:`plan_visitor_reply` and enqueue it, in one thread."""
    return bool(enqueue_planned(plan_visitor_reply(conversation_id)))


# ---------------------------------------------------------------- the agents


def agents_of(website_id: UUID) -> list[Any]:
    """The active agents who serve the website (listed ones and superusers) and have an
    email address."""
    users = (
        get_user_model()
        ._default_manager.filter(is_active=True)
        .filter(Q(livechat_websites=website_id) | Q(is_superuser=True))
        .exclude(email="")
        .distinct()
    )
    return [user for user in users if permissions.is_agent(user)]


def preference_of(user: Any) -> str:
    row = AgentPreference.objects.filter(user=user).first()
    return row.email_notifications if row else IMMEDIATE


def agent_key(conversation_id: UUID, user: Any) -> str:
    return f"{AGENT_NEW_CONVERSATION}:{conversation_id}:{user.pk}"


def plan_agent_notifications(conversation_id: UUID) -> list[Planned]:
    """The immediate emails about a new conversation when no agent of its website is
    present."""
    conversation = Conversation.objects.select_related("website").filter(pk=conversation_id).first()
    if conversation is None or not conversation.website.notify_agents:
        return []
    website = conversation.website
    if presence.count_sync([website.pk])[website.pk] > 0:
        return []
    first = conversation.messages.filter(role=USER).order_by("seq").first()
    return [
        Planned(
            kind=AGENT_NEW_CONVERSATION,
            dedupe_key=agent_key(conversation.pk, user),
            to=user.email,
            email=compose.agent_new_conversation(conversation, first, user.email),
            send_after=timezone.now(),
            conversation=conversation,
        )
        for user in agents_of(website.pk)
        if preference_of(user) == IMMEDIATE and not unsubscribe.is_opted_out(user.email)
    ]


def enqueue_agent_notifications(conversation_id: UUID) -> int:
    """:func:`plan_agent_notifications` and enqueue them, in one thread; how many."""
    return enqueue_planned(plan_agent_notifications(conversation_id))
