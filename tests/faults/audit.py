"""What the fault tests compare: the clients' records against the database.

:func:`audit` reads every conversation of the given visitors straight from PostgreSQL (with
psycopg, not through Django) and counts:

``sent``
   distinct visitor messages (``client_id``) the clients sent;
``stored``
   those stored as a visitor message (exactly once: ``client_id`` is unique per conversation);
``replied``
   stored visitor messages that have their automatic reply (``client_id`` ``auto:<id>``);
``delivered``
   (message, client) pairs: every stored message of a conversation held, with its seq and
   id, by each client of that conversation at the end;
``lost``
   sent but not stored + stored without a reply + stored but not held by a client + holes in
   the conversation's ``seq`` (which must be 1..n);
``doubled``
   a second reply to one message + a message nobody sent (another ``client_id``) + a reply to
   no stored message + a client holding two messages under one seq or a message the
   database does not have.

Every count comes with examples of what went wrong (``problems``) for the failure message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import psycopg

from tests.faults.client import Visitor
from tests.live_server import LiveServer

MESSAGES_SQL = (
    "SELECT id::text, seq, role, client_id FROM django_livechat_message "
    "WHERE conversation_id = %s::uuid ORDER BY seq"
)
MAX_PROBLEMS = 12


@dataclass
class Counts:
    sent: int = 0
    stored: int = 0
    delivered: int = 0
    replied: int = 0
    unstored: int = 0
    unreplied: int = 0
    undelivered: int = 0
    holes: int = 0
    extra_replies: int = 0
    strays: int = 0
    conflicts: int = 0
    #: What the clients did to get there (not faults): resends, gap repairs, reconnects, ...
    activity: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.unstored + self.unreplied + self.undelivered + self.holes

    @property
    def doubled(self) -> int:
        return self.extra_replies + self.strays + self.conflicts

    def line(self) -> str:
        head = (
            f"sent={self.sent} stored={self.stored} delivered={self.delivered} "
            f"replied={self.replied} lost={self.lost} doubled={self.doubled}"
        )
        details = {
            "unstored": self.unstored,
            "unreplied": self.unreplied,
            "undelivered": self.undelivered,
            "holes": self.holes,
            "extra_replies": self.extra_replies,
            "strays": self.strays,
            "conflicts": self.conflicts,
            **self.activity,
        }
        return head + " (" + " ".join(f"{k}={v}" for k, v in details.items()) + ")"

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


ACTIVITY = (
    "resends",
    "repairs",
    "reconnects",
    "posts",
    "polls",
    "echoes",
    "pongs_with_last_seq",
)


def explain(counts: Counts, clients: Iterable[Visitor], server: LiveServer) -> str:
    """A failure message: the counts, what went wrong, the clients that did not settle (at
    most eight) and the tail of the server's log."""
    lines = [counts.line(), *counts.problems]
    lines += [client.summary() for client in clients if not client.settled()][:8]
    return "\n".join([*lines, "--- server log ---", server.log_tail(2500)])


def audit(database_url: str, visitors: Iterable[Visitor]) -> Counts:
    """Count ``visitors``' conversations in the database against what the clients hold."""
    by_conversation: dict[str, list[Visitor]] = defaultdict(list)
    counts = Counts()
    activity: dict[str, int] = dict.fromkeys(ACTIVITY, 0)
    duplicates = 0
    for visitor in visitors:
        assert visitor.conversation_id, f"{visitor.name} never had a conversation"
        by_conversation[visitor.conversation_id].append(visitor)
        for name in ACTIVITY:
            activity[name] += visitor.counts[name]
        duplicates += visitor.log.duplicates
        for crash in visitor.crashes[:2]:
            counts.problem(f"{visitor.name}: the test client failed: {crash}")
    counts.activity = {**activity, "dropped_duplicates": duplicates}
    with psycopg.connect(database_url, connect_timeout=10) as connection:
        for conversation_id, clients in by_conversation.items():
            rows = connection.execute(MESSAGES_SQL, [conversation_id]).fetchall()
            _audit_conversation(counts, conversation_id, rows, clients)
    return counts


def _audit_conversation(
    counts: Counts,
    conversation_id: str,
    rows: list[tuple[str, int, str, str | None]],
    clients: list[Visitor],
) -> None:
    short = conversation_id[:8]
    seqs = [seq for _, seq, _, _ in rows]
    if seqs != list(range(1, len(seqs) + 1)):
        missing = sorted(set(range(1, max(seqs, default=0) + 1)) - set(seqs))
        counts.holes += len(missing)
        counts.problem(f"{short}: seq holes {missing[:10]}")

    sent = {item.client_id: item for client in clients for item in client.outbox.values()}
    visitor_rows = {client_id: row_id for row_id, _, role, client_id in rows if role == "user"}
    counts.sent += len(sent)
    for client_id in sent:
        if client_id in visitor_rows:
            counts.stored += 1
        else:
            counts.unstored += 1
            counts.problem(f"{short}: {client_id} never stored ({sent[client_id]})")
    for client_id in visitor_rows.keys() - sent.keys():
        counts.strays += 1
        counts.problem(f"{short}: a visitor message nobody sent: client_id {client_id}")

    replies: dict[str, int] = defaultdict(int)
    for _, seq, role, client_id in rows:
        if role == "assistant":
            answered = (client_id or "").removeprefix("auto:")
            if not (client_id or "").startswith("auto:") or answered not in visitor_rows.values():
                counts.strays += 1
                counts.problem(f"{short}: reply at seq {seq} answers nothing ({client_id})")
            else:
                replies[answered] += 1
    for client_id, row_id in visitor_rows.items():
        if client_id not in sent:
            continue
        answers = replies.get(row_id, 0)
        if answers == 0:
            counts.unreplied += 1
            counts.problem(f"{short}: {client_id} stored without a reply")
        else:
            counts.replied += 1
            counts.extra_replies += answers - 1

    stored_ids = {row_id: seq for row_id, seq, _, _ in rows}
    for client in clients:
        held = client.log.messages
        for row_id, seq, _, _ in rows:
            if held.get(seq, {}).get("message_id") == row_id:
                counts.delivered += 1
            else:
                counts.undelivered += 1
                counts.problem(f"{short}: {client.name} never got seq {seq}")
        for seq, message in held.items():
            if stored_ids.get(message["message_id"]) != seq:
                counts.conflicts += 1
                counts.problem(f"{short}: {client.name} holds seq {seq} unknown to the database")
        counts.conflicts += len(client.log.conflicts)
        for conflict in client.log.conflicts:
            counts.problem(f"{short}: {client.name}: {conflict}")


def assert_each_stored_once_and_answered(
    counts: Counts, visitors: Iterable[Visitor], server: LiveServer, *, sent: int, settled: bool
) -> None:
    """The verdict of a run: everything sent was stored once and answered once, nothing
    lost or doubled, and every client settled before its deadline."""
    message = explain(counts, visitors, server)
    assert counts.sent == sent, message
    assert (counts.lost, counts.doubled) == (0, 0), message
    assert counts.stored == counts.replied == counts.sent, message
    assert settled, message
