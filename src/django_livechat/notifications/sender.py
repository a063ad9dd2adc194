"""Sending what is due: one pass (:func:`run_once`) and the loop of each server process.

A pass enqueues the digests that are due, claims due outbox rows (a lease, see
:mod:`.outbox`), prepares each again (a reply email is dropped when the visitor has seen
every reply meanwhile, any email when its address opted out), sends it through Django's
email framework (``get_connection()``: whatever ``EMAIL_BACKEND`` the host set) and marks
it sent right away, so the at-least-once window is one ``UPDATE`` per email.

Each server process runs passes every ``EMAIL_SEND_INTERVAL`` seconds on a thread of its
own (never the pipeline's database threads), unless ``EMAIL_SENDER_ENABLED`` is False:
then a worker or cron runs ``manage.py livechat_send_emails``. Both may run at once.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import close_old_connections

from django_livechat.conf import livechat_settings
from django_livechat.models import Conversation, EmailOutbox, Website
from django_livechat.notifications import compose, digest, outbox, triggers, unsubscribe
from django_livechat.notifications.outbox import Composed
from django_livechat.pipeline.background import loop_local

logger = logging.getLogger(__name__)

#: Rows claimed per batch (one mail server connection each).
BATCH = 20
#: Batches per pass at most, so that one pass ends even while rows keep arriving.
MAX_BATCHES = 50

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="livechat-email")


@dataclass(frozen=True)
class Ready:
    """An outbox row as it is to be sent now."""

    to: str
    email: Composed
    website: Website | None


def prepare(row: EmailOutbox) -> Ready | None:
    """The row's email as it is to be sent now, or None when it is no longer wanted."""
    if unsubscribe.is_opted_out(row.to):
        return None
    conversation = (
        Conversation.objects.select_related("website").filter(pk=row.conversation_id).first()
        if row.conversation_id
        else None
    )
    if row.kind == triggers.VISITOR_REPLY:
        if conversation is None or not triggers.wants_followup(conversation):
            return None
        if conversation.visitor_read_seq >= triggers.burst_start(row):
            return None  # the visitor came back; later replies have an email of their own
        replies = triggers.unseen_replies(conversation)
        email = compose.visitor_reply(conversation, replies)
        outbox.update_content(row, conversation.visitor_email, email)
        return Ready(conversation.visitor_email, email, conversation.website)
    if row.kind == triggers.AGENT_NEW_CONVERSATION and (
        conversation is None or conversation.agent_replied_at is not None
    ):
        return None  # answered meanwhile
    website = conversation.website if conversation else None
    return Ready(row.to, Composed(row.subject, row.body_text, row.body_html), website)


def send_due(limit: int = BATCH) -> tuple[int, int]:
    """Claim and send up to ``limit`` due emails: ``(claimed, sent)``."""
    rows = outbox.claim_due(limit=limit)
    if not rows:
        return 0, 0
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:
        for row in rows:
            outbox.mark_failed(row, _describe(exc))
        logger.warning("Could not reach the mail server (%s); %d email(s) wait", exc, len(rows))
        return len(rows), 0
    sent = 0
    try:
        for row in rows:
            sent += _send_one(row, connection)
    finally:
        try:
            connection.close()
        except Exception as exc:
            logger.info("Closing the mail server connection failed (%s)", exc)
    return len(rows), sent


def _send_one(row: EmailOutbox, connection: object) -> int:
    try:
        ready = prepare(row)
        if ready is None:
            outbox.cancel(row)
            return 0
        message = EmailMultiAlternatives(
            subject=ready.email.subject,
            body=ready.email.text,
            from_email=compose.from_email(),
            to=[ready.to],
            headers=compose.headers(ready.to, ready.website),
            connection=connection,
        )
        if ready.email.html:
            message.attach_alternative(ready.email.html, "text/html")
        message.send()
    except Exception as exc:
        outbox.mark_failed(row, _describe(exc))
        logger.warning(
            "Sending email %s to %s failed (attempt %d of %d): %s",
            row.pk,
            row.to,
            row.attempts,
            livechat_settings.EMAIL_MAX_ATTEMPTS,
            exc,
        )
        return 0
    # At once: the at-least-once window is this one statement.
    outbox.mark_sent(row)
    return 1


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def run_once(*, digests: bool = True) -> int:
    """One pass: enqueue due digests, then send what is due; how many were sent."""
    if digests:
        digest.enqueue_due_digests()
    total = 0
    for _ in range(MAX_BATCHES):
        claimed, sent = send_due()
        total += sent
        if not claimed:  # (a short batch may be one that lost races: look again)
            break
    return total


# ---------------------------------------------------------------- the per-process loop


def ensure_sender() -> None:
    """Start this event loop's sender task, once (the pipeline calls this on use)."""
    if livechat_settings.EMAIL_SENDER_ENABLED:
        loop_local("email-sender", _start)


def _start() -> asyncio.Task[None]:
    # Not a pipeline.spawn() task: drain() waits for those, and this one never ends.
    task = asyncio.get_running_loop().create_task(_send_forever(), name="livechat-email-sender")
    task.add_done_callback(_ended)
    return task


def _ended(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("The email sender stopped", exc_info=task.exception())


async def _send_forever() -> None:
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(livechat_settings.EMAIL_SEND_INTERVAL)
        if not livechat_settings.EMAIL_SENDER_ENABLED:
            continue
        try:
            await loop.run_in_executor(_executor, _pass)
        except Exception as exc:
            logger.warning("Sending the due emails failed (%s)", exc)


def _pass() -> int:
    close_old_connections()
    try:
        return run_once()
    finally:
        close_old_connections()
