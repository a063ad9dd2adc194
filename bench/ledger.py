"""Every message accounted for: what the clients sent and hold against the database.

One :class:`Ledger` per kind of receiver and phase: the visitors (each holds its own
conversation) or the dashboard (holds every conversation of the phase). The counts:

``sent``
   Visitor messages sent (distinct ``client_id``); ``resent`` of them were sent again
   with the same ``client_id`` (no echo in time, or a retryable error).
``stored``
   Rows in the phase's conversations: the visitors' messages and the replies.
``delivered``
   Stored messages the receivers hold at the end, live or repaired.
``replied``
   Visitor messages whose automatic reply is stored.
``repaired``
   Messages a receiver got only through ``history`` after missing the live frame; not a
   loss. ``repairs`` is how many history requests that took.
``lost``
   Stored messages a receiver that should hold them does not; sent messages never stored
   (and not refused for good); messages a receiver holds that are not stored; a hole in a
   conversation's stored ``seq``; a visitor message without its reply.
``doubled``
   A message stored twice (a ``client_id`` twice in a conversation, two replies to one
   message, one ``seq`` twice), two messages under one ``seq`` at a receiver, or one live
   frame delivered twice.

Without a database (the baselines) ``stored`` is what the visitors saw and ``lost`` counts
messages never echoed or answered.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.agent import Dashboard
from bench.widget import Held, Visitor

MAX_PROBLEMS = 20


@dataclass
class Ledger:
    who: str
    #: A socket that only receives (the dashboard, the watcher): nothing sent to count.
    receiver: bool = False
    conversations: int = 0
    sent: int = 0
    resent: int = 0
    stored: int | None = None
    delivered: int = 0
    replied: int = 0
    repaired: int = 0
    repairs: int = 0
    lost: int = 0
    doubled: int = 0
    problems: list[str] = field(default_factory=list)
    #: Worth knowing, not a failure (an empty conversation left by a refused identify).
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.lost and not self.doubled and not self.problems

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        elif len(self.problems) == MAX_PROBLEMS:
            self.problems.append("(more problems not listed)")

    def line(self) -> str:
        stored = "-" if self.stored is None else str(self.stored)
        sent = "" if self.receiver else f"sent {self.sent} (resent {self.resent}), "
        conversations = f"conversations {self.conversations}, " if self.conversations else ""
        return (
            f"{self.who}: {conversations}{sent}stored {stored}, "
            f"delivered {self.delivered}, replied {self.replied}, repaired {self.repaired} "
            f"({self.repairs} requests), lost {self.lost}, doubled {self.doubled}"
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}

    def __add__(self, other: Ledger) -> Ledger:
        """Two rounds' ledgers as one."""
        total = Ledger(self.who, self.receiver)
        for name in (
            "conversations",
            "sent",
            "resent",
            "delivered",
            "replied",
            "repaired",
            "repairs",
        ):
            setattr(total, name, getattr(self, name) + getattr(other, name))
        total.lost, total.doubled = self.lost + other.lost, self.doubled + other.doubled
        if self.stored is not None and other.stored is not None:
            total.stored = self.stored + other.stored
        total.problems = (self.problems + other.problems)[: MAX_PROBLEMS + 1]
        total.notes = self.notes + other.notes
        return total


@dataclass
class Stored:
    """The database's messages, per conversation: seq -> (message_id, role, client_id)."""

    conversations: dict[str, int]
    messages: dict[str, dict[int, tuple[str, str, str | None]]]
    seq_doubles: list[tuple[str, int]]

    @classmethod
    def from_export(cls, data: dict[str, Any]) -> Stored:
        messages: dict[str, dict[int, tuple[str, str, str | None]]] = defaultdict(dict)
        doubles = []
        for conversation, seq, role, client_id, message_id in data["messages"]:
            if seq in messages[conversation]:
                doubles.append((conversation, seq))
            messages[conversation][seq] = (message_id, role, client_id)
        return cls(dict(data["conversations"]), dict(messages), doubles)

    def rows(self, conversation: str) -> dict[int, tuple[str, str, str | None]]:
        return self.messages.get(conversation, {})

    def only(self, conversations: Iterable[str]) -> Stored:
        """The part of the database that some clients (one round's) opened."""
        keep = set(conversations)
        return Stored(
            {c: n for c, n in self.conversations.items() if c in keep},
            {c: rows for c, rows in self.messages.items() if c in keep},
            [(c, seq) for c, seq in self.seq_doubles if c in keep],
        )


def visitors_vs_database(visitors: Iterable[Visitor], stored: Stored) -> Ledger:
    ledger = Ledger("visitors")
    by_conversation: dict[str, Visitor] = {}
    for visitor in visitors:
        _count_sent(ledger, visitor)
        _count_receiver(ledger, visitor)
        if visitor.conversation_id:
            by_conversation[visitor.conversation_id] = visitor
    ledger.stored = sum(len(rows) for rows in stored.messages.values())
    _check_stored(ledger, stored)
    orphans = stored.conversations.keys() - by_conversation.keys()
    for conversation in orphans:
        if stored.rows(conversation):
            ledger.problem(f"conversation {conversation} has messages, but no visitor opened it")
    empty = sum(1 for c in orphans if not stored.rows(c))
    if empty:
        ledger.notes.append(
            f"{empty} empty conversations stored that no visitor holds (identifies that failed "
            "after the conversation was created)"
        )
    for conversation, visitor in by_conversation.items():
        if conversation not in stored.conversations:
            ledger.lost += 1
            ledger.problem(f"conversation {conversation} (socket {visitor.index}) not stored")
            continue
        ledger.conversations += 1
        _compare(ledger, f"socket {visitor.index}", visitor.held, stored.rows(conversation))
        stored_ids = {client_id for _, _, client_id in stored.rows(conversation).values()}
        for exchange in visitor.exchanges.values():
            if exchange.client_id not in stored_ids and exchange.failed is None:
                ledger.lost += 1
                ledger.problem(f"socket {visitor.index}: {exchange.client_id} sent, not stored")
    return ledger


def dashboard_vs_database(dashboard: Dashboard, stored: Stored) -> Ledger:
    """The dashboard must hold every stored message of the phase's conversations once."""
    ledger = Ledger("dashboard", receiver=True)
    ledger.stored = sum(len(rows) for rows in stored.messages.values())
    ledger.replied = _replied(stored)
    _count_receiver(ledger, dashboard)
    for conversation in stored.conversations:
        held = dashboard.held.get(conversation, {})
        _compare(ledger, "dashboard", held, stored.rows(conversation))
    for conversation in dashboard.held.keys() - stored.conversations.keys():
        ledger.lost += len(dashboard.held[conversation])
        ledger.problem(f"dashboard holds conversation {conversation}, which is not stored")
    return ledger


def visitors_alone(visitors: Iterable[Visitor]) -> Ledger:
    """The baseline: every message sent must have come back echoed and answered."""
    ledger = Ledger("visitors")
    stored = 0
    for visitor in visitors:
        _count_sent(ledger, visitor)
        _count_receiver(ledger, visitor)
        ledger.delivered += len(visitor.held)
        stored += len(visitor.held)
        for exchange in visitor.exchanges.values():
            if exchange.echo_at is None or exchange.reply_at is None:
                ledger.lost += 1
                ledger.problem(f"socket {visitor.index}: {exchange.client_id} not completed")
            else:
                ledger.replied += 1
        if sorted(visitor.held) != list(range(1, len(visitor.held) + 1)):
            ledger.problem(f"socket {visitor.index}: seqs are not 1..{len(visitor.held)}")
    ledger.stored = None
    return ledger


def watcher_vs_visitors(watcher: Dashboard, visitors: Iterable[Visitor]) -> Ledger:
    """The dashboard baseline: the watcher must hold every message the visitors hold."""
    ledger = Ledger("watcher", receiver=True)
    _count_receiver(ledger, watcher)
    for visitor in visitors:
        held = watcher.held.get(visitor.conversation_id, {})
        rows = {seq: (h.message_id, h.role, h.client_id) for seq, h in visitor.held.items()}
        ledger.replied += sum(1 for h in visitor.held.values() if h.role == "assistant")
        _compare(ledger, "watcher", held, rows)
    return ledger


# ---------------------------------------------------------------- pieces


def _count_sent(ledger: Ledger, visitor: Visitor) -> None:
    ledger.sent += len(visitor.exchanges)
    ledger.resent += sum(1 for e in visitor.exchanges.values() if e.resent)


def _count_receiver(ledger: Ledger, receiver: Visitor | Dashboard) -> None:
    counts = receiver.counts
    ledger.repaired += counts.repaired
    ledger.repairs += counts.repairs
    ledger.doubled += counts.doubled
    for double in getattr(counts, "doubles", []):
        ledger.problem(double)


def _check_stored(ledger: Ledger, stored: Stored) -> None:
    """The database alone: seqs 1..n, last_seq n, one row per client_id, one reply each."""
    for conversation, seq in stored.seq_doubles:
        ledger.doubled += 1
        ledger.problem(f"conversation {conversation}: seq {seq} stored twice")
    for conversation, last_seq in stored.conversations.items():
        rows = stored.rows(conversation)
        if sorted(rows) != list(range(1, len(rows) + 1)):
            holes = len(set(range(1, max(rows, default=0) + 1)) - rows.keys())
            ledger.lost += holes
            ledger.problem(f"conversation {conversation}: stored seqs are not 1..{len(rows)}")
        if last_seq != max(rows, default=0):
            newest = max(rows, default=0)
            ledger.problem(f"conversation {conversation}: last_seq {last_seq}, newest {newest}")
        client_ids = Counter(client_id for _, _, client_id in rows.values() if client_id)
        for client_id, times in client_ids.items():
            if times > 1:
                ledger.doubled += times - 1
                ledger.problem(f"conversation {conversation}: {client_id} stored {times} times")
    ledger.replied = _replied(stored)
    users = sum(
        1 for rows in stored.messages.values() for _, role, _ in rows.values() if role == "user"
    )
    if ledger.replied < users:
        ledger.lost += users - ledger.replied
        ledger.problem(f"{users - ledger.replied} visitor messages stored without their reply")


def _replied(stored: Stored) -> int:
    """Visitor messages with a stored automatic reply."""
    replied = 0
    for rows in stored.messages.values():
        users = {message_id for message_id, role, _ in rows.values() if role == "user"}
        replies = [
            c[5:]
            for _, role, c in rows.values()
            if role == "assistant" and c and c.startswith("auto:")
        ]
        replied += len(users & set(replies))
    return replied


def _compare(
    ledger: Ledger,
    who: str,
    held: dict[int, Held],
    rows: dict[int, tuple[str, str, str | None]],
) -> None:
    """One receiver's messages of one conversation against what should be there."""
    for seq, (message_id, _, _) in rows.items():
        have = held.get(seq)
        if have is None:
            ledger.lost += 1
            ledger.problem(f"{who}: never got seq {seq} ({message_id})")
        elif have.message_id != message_id:
            ledger.doubled += 1
            ledger.problem(f"{who}: seq {seq} is {have.message_id}, stored {message_id}")
        else:
            ledger.delivered += 1
    for seq in held.keys() - rows.keys():
        ledger.lost += 1
        ledger.problem(f"{who}: holds seq {seq} ({held[seq].message_id}), which is not stored")
