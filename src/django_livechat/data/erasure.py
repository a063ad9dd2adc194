"""Erasing one visitor for a data-protection request.

Everything of the visitor goes: their conversations (``visitor_identifier`` exact, or
``visitor_email`` in any case) with the messages, private notes, attachments and their
files, ratings, read markers, and the emails to them in the outbox, sent or not. Their
email opt-out stays: it is their own request not to be written to, and keeping it is
what honours it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet

from django_livechat.data.deletion import Removal, delete_conversations, measure
from django_livechat.models import Conversation, EmailOptOut, EmailOutbox, Website


@dataclass(frozen=True)
class Visitor:
    """Who to erase: by the host's identifier, by email address, or (an anonymous visitor)
    by their one conversation; on one ``website``, on the websites ``within``, or all."""

    identifier: str = ""
    email: str = ""
    conversation_id: UUID | None = None
    website: Website | None = None
    within: QuerySet[Website] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        named = [
            bool(self.identifier.strip()),
            bool(self.email.strip()),
            bool(self.conversation_id),
        ]
        if named.count(True) != 1:
            raise ValueError("Name the visitor by identifier or by email, one of the two.")

    def describe(self) -> str:
        if self.identifier:
            return f"identifier {self.identifier!r}"
        if self.email:
            return repr(self.email)
        return f"the anonymous visitor of conversation {self.conversation_id}"

    def conversations(self) -> QuerySet[Conversation]:
        found: QuerySet[Conversation]
        if self.identifier:
            found = Conversation.objects.filter(visitor_identifier=self.identifier)
        elif self.email:
            found = Conversation.objects.filter(visitor_email__iexact=self.email.strip())
        else:
            found = Conversation.objects.filter(pk=self.conversation_id)
        return self._scoped(found, "website")

    def other_emails(self) -> QuerySet[EmailOutbox]:
        """Emails to the address that no conversation of theirs holds (their
        conversations' emails follow them); on some websites, only those websites'."""
        if not self.email:
            nothing: QuerySet[EmailOutbox] = EmailOutbox.objects.none()
            return nothing
        to_them: QuerySet[EmailOutbox] = EmailOutbox.objects.filter(
            to__iexact=self.email.strip()
        ).exclude(conversation__in=self.conversations().values("pk"))
        return self._scoped(to_them, "conversation__website")

    def _scoped(self, rows: QuerySet[Any], path: str) -> QuerySet[Any]:
        if self.website is not None:
            rows = rows.filter(**{path: self.website})
        if self.within is not None:
            rows = rows.filter(**{f"{path}__in": self.within})
        return rows


def visitors_of(
    conversations: QuerySet[Conversation], within: QuerySet[Website] | None = None
) -> list[Visitor]:
    """The visitors of ``conversations``, each once: by identifier when the host gave one,
    else by email address, else (anonymous) by the conversation itself."""
    found: dict[tuple[str, str], Visitor] = {}
    rows = conversations.order_by("created_at").values_list(
        "pk", "visitor_identifier", "visitor_email"
    )
    for pk, identifier, email in rows:
        if identifier:
            key, visitor = ("identifier", identifier), Visitor(identifier=identifier, within=within)
        elif email:
            key, visitor = ("email", email.lower()), Visitor(email=email, within=within)
        else:
            key, visitor = ("conversation", str(pk)), Visitor(conversation_id=pk, within=within)
        found.setdefault(key, visitor)
    return list(found.values())


@dataclass(frozen=True)
class Erasure:
    """What went (or would go), the conversations by id, and whether an opt-out stays."""

    removal: Removal
    conversations: list[tuple[str, str, str]]  # (id, website name, created_at ISO)
    opt_out_kept: bool


def erase_visitor(visitor: Visitor, *, dry_run: bool = False) -> Erasure:
    """Erase ``visitor`` (with ``dry_run``: say what would go and change nothing)."""
    found = visitor.conversations()
    listed = [
        (str(pk), name, created.isoformat())
        for pk, name, created in found.order_by("created_at").values_list(
            "pk", "website__name", "created_at"
        )
    ]
    others = visitor.other_emails()
    if dry_run:
        removal = measure(found)
        removal.emails += others.count()
    else:
        removal = delete_conversations(found)
        with transaction.atomic():
            removal.emails += others.delete()[0]
    kept = (
        bool(visitor.email)
        and EmailOptOut.objects.filter(address=visitor.email.strip().lower()).exists()
    )
    return Erasure(removal, listed, kept)
