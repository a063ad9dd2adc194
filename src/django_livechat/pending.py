"""Pending automatic replies: claims with a lease, so each is made once across processes.

A :class:`~django_livechat.models.PendingReply` row is stored with a visitor message whose
reply is not stored with it, claimed by the storing process until ``claimed_until``. The
claim is a conditional ``UPDATE`` (only a row whose lease has passed can be claimed), so of
several processes exactly one wins; the reply itself is unique per message (its
``client_id``), so even a claim that outlived its lease cannot store a second one.

Writes go through the writer thread (:func:`django_livechat.dbthreads.run_in_writer_thread`)
or the store's transaction; these functions use the ORM and run in those threads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS
from django.db.models import F
from django.utils import timezone

from django_livechat.models import PendingReply

logger = logging.getLogger(__name__)

#: A message whose responder run was claimed this many times without an outcome (each
#: time its process died) is given up: it would likely kill the next process too.
MAX_ATTEMPTS = 3


def claim(
    message_ids: Iterable[UUID],
    *,
    lease: float,
    using: str = DEFAULT_DB_ALIAS,
    now: datetime | None = None,
) -> set[UUID]:
    """Claim the pending replies of ``message_ids`` whose lease has passed; the ids won."""
    now = now or timezone.now()
    candidates = list(
        PendingReply.objects.using(using)
        .filter(message_id__in=list(message_ids), claimed_until__lt=now)
        .values_list("message_id", flat=True)
    )
    won: set[UUID] = set()
    for message_id in candidates:
        updated = (
            PendingReply.objects.using(using)
            .filter(message_id=message_id, claimed_until__lt=now)
            .update(claimed_until=now + timedelta(seconds=lease), attempts=F("attempts") + 1)
        )
        if updated:
            won.add(message_id)
    return won


def claim_expired(*, lease: float, limit: int = 100, using: str = DEFAULT_DB_ALIAS) -> list[UUID]:
    """Claim up to ``limit`` pending replies whose process went away, oldest first.

    Those already tried :data:`MAX_ATTEMPTS` times are settled instead, with an error in
    the log.
    """
    now = timezone.now()
    expired = list(
        PendingReply.objects.using(using)
        .filter(claimed_until__lt=now)
        .order_by("claimed_until")
        .values_list("message_id", "attempts")[:limit]
    )
    hopeless = [message_id for message_id, attempts in expired if attempts >= MAX_ATTEMPTS]
    if hopeless:
        logger.error(
            "Giving up the automatic replies to %d visitor message(s) after %d attempts each "
            "(their server processes died while answering): %s",
            len(hopeless),
            MAX_ATTEMPTS,
            ", ".join(str(m) for m in hopeless),
        )
        settle(hopeless, using=using)
    retry = [message_id for message_id, attempts in expired if attempts < MAX_ATTEMPTS]
    return sorted(claim(retry, lease=lease, using=using, now=now), key=retry.index)


def settle(message_ids: Iterable[UUID], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """The replies of ``message_ids`` are made, or will not be: forget them."""
    PendingReply.objects.using(using).filter(message_id__in=list(message_ids)).delete()
