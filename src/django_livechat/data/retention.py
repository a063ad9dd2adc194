"""Retention: conversations are deleted once they have been quiet for the website's
``retention_days`` (blank: ``LIVECHAT["RETENTION_DAYS"]``; ``None``: kept for ever).

Quiet means no message since (``last_message_at``; a conversation without any message
counts from ``created_at``). ``manage.py livechat_apply_retention`` runs it, from cron.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from django_livechat.conf import livechat_settings
from django_livechat.data.deletion import Removal, delete_conversations, measure
from django_livechat.models import Conversation, Website


def retention_days(website: Website) -> int | None:
    """The days ``website`` keeps a quiet conversation; ``None``: for ever."""
    if website.retention_days == 0:
        # The field allows 0, which would delete every conversation at once: a slip of
        # the admin form, never a policy. Keep them.
        return None
    if website.retention_days is not None:
        return int(website.retention_days)
    return livechat_settings.RETENTION_DAYS


def expired_conversations(website: Website, now: dt.datetime) -> QuerySet[Conversation] | None:
    """The conversations of ``website`` quiet for longer than it keeps them (``None``:
    it keeps them for ever)."""
    days = retention_days(website)
    if days is None:
        return None
    expired: QuerySet[Conversation] = Conversation.objects.alias(
        last_activity=Coalesce("last_message_at", "created_at")
    ).filter(website=website, last_activity__lt=now - dt.timedelta(days=days))
    return expired


@dataclass(frozen=True)
class WebsiteRetention:
    """What retention took (or would take) from one website."""

    website: Website
    days: int
    removal: Removal


def apply_retention(
    *,
    website: Website | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    on_batch: Callable[[Website, Removal], None] | None = None,
) -> list[WebsiteRetention]:
    """Delete the expired conversations of every website (or of ``website``), in batches;
    with ``dry_run`` only count them. One entry per website that keeps conversations for
    a limited time."""
    now = now or timezone.now()
    websites = [website] if website is not None else list(Website.objects.order_by("name"))
    results = []
    for site in websites:
        expired = expired_conversations(site, now)
        if expired is None:
            continue
        if dry_run:
            removal = measure(expired)
        else:
            report = None if on_batch is None else (lambda r, s=site: on_batch(s, r))
            removal = delete_conversations(expired, on_batch=report)
        results.append(WebsiteRetention(site, retention_days(site) or 0, removal))
    return results
