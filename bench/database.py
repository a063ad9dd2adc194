"""The benchmark's database: prepared before the server starts, checked after the load.

Runs in the load generator's process (Django set up with ``bench.settings`` and the same
environment as the server), never in the server.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

ORIGIN = "http://bench.localhost:8000"


def setup_django() -> None:
    import django

    django.setup()


def prepare() -> str:
    """Migrate, and create the website the clients chat with; return its id."""
    from django.core.management import call_command
    from django.db import connections

    from django_livechat.models import Website

    call_command("migrate", verbosity=0, interactive=False)
    website = Website.objects.create(name="Benchmark", allowed_origins=[ORIGIN])
    connections.close_all()
    return str(website.id)


@dataclass
class Verification:
    """Per conversation: gap-free seqs, and the rows the clients saw."""

    conversations: int = 0
    messages: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "conversations": self.conversations,
            "messages": self.messages,
            "problems": self.problems[:20],
        }


def verify(website_id: str, seen: dict[str, tuple[int, int]]) -> Verification:
    """Check the stored conversations of ``website_id`` against ``seen``.

    ``seen`` maps a conversation id to the (user, assistant) messages its client received.
    Every conversation's ``seq`` must be exactly 1..n, ``last_seq`` n, and its role counts
    what the client saw.
    """
    from django.db import connections

    from django_livechat.models import Conversation, Message

    result = Verification()
    conversations = {
        str(pk): last_seq
        for pk, last_seq in Conversation.objects.filter(website_id=website_id).values_list(
            "id", "last_seq"
        )
    }
    seqs: dict[str, list[int]] = {pk: [] for pk in conversations}
    roles: dict[str, Counter[str]] = {pk: Counter() for pk in conversations}
    rows = (
        Message.objects.filter(conversation__website_id=website_id)
        .order_by("conversation_id", "seq")
        .values_list("conversation_id", "seq", "role")
    )
    for conversation_id, seq, role in rows.iterator(chunk_size=10_000):
        seqs[str(conversation_id)].append(seq)
        roles[str(conversation_id)][role] += 1
        result.messages += 1
    connections.close_all()

    result.conversations = len(conversations)
    if set(conversations) != set(seen):
        result.problems.append(
            f"{len(conversations)} conversations stored, {len(seen)} opened by the clients"
        )
    for pk, numbers in seqs.items():
        if numbers != list(range(1, len(numbers) + 1)):
            result.problems.append(f"conversation {pk}: seqs are not 1..{len(numbers)}")
        if conversations[pk] != len(numbers):
            result.problems.append(
                f"conversation {pk}: last_seq {conversations[pk]} but {len(numbers)} messages"
            )
        users, assistants = seen.get(pk, (0, 0))
        stored = (roles[pk]["user"], roles[pk]["assistant"])
        if stored != (users, assistants):
            result.problems.append(
                f"conversation {pk}: stored user/assistant {stored}, "
                f"clients saw {(users, assistants)}"
            )
    return result
