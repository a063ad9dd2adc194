"""The store step: append messages to conversations with gap-free ``seq``.

This is the one place that writes :class:`~django_livechat.models.Message` rows. It takes a
*batch* of new messages, possibly for many conversations, and commits them in one
transaction, so a per-process writer can group-commit the messages of many connections
(see :mod:`django_livechat.writer`). Guarantees, on SQLite and PostgreSQL alike:

* ``seq`` is 1, 2, 3 … per conversation, with no gap and no duplicate, under any number
  of concurrent writers (threads, processes, connections);
* a message with a ``client_id`` already stored in its conversation is not stored again:
  the existing row comes back with ``created=False``;
* a visitor message that wants an automatic reply (a :class:`ReplyPlan`) gets it at most
  once: an *inline* responder's reply is stored in the same transaction as the message,
  otherwise a :class:`~django_livechat.models.PendingReply` row is, claimed by the caller
  for ``lease`` seconds (see :mod:`django_livechat.pending`);
* a visitor's message for a website deactivated meanwhile is refused
  (:class:`WebsiteInactive`), read in the same transaction;
* one bad item (an unknown conversation, a database error) fails alone, never the batch.

How: the batch first locks the rows of its conversations. On PostgreSQL they are locked
in primary-key order (so two batches never deadlock), serialising writers of one
conversation; on SQLite the first statement writes, which takes the database's write lock
(a transaction that writes before it reads waits on the busy timeout instead of failing
with "database is locked"). The counters are read under that lock and written back by
the batch's last statement; a rollback rolls them back too, so no seq is ever lost. A
batch costs the same few statements whether it holds one message or hundreds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from django_livechat import batchsql, pending
from django_livechat.models import Conversation, Message, PendingReply, Website

logger = logging.getLogger(__name__)

USER, AGENT = str(Message.Role.USER), str(Message.Role.AGENT)
ASSISTANT = str(Message.Role.ASSISTANT)
OPEN, RESOLVED = str(Conversation.Status.OPEN), str(Conversation.Status.RESOLVED)

#: An inline responder: called in the writer's transaction, returns the reply text or None.
InlineResponder = Callable[[Conversation, Message], "str | None"]


class ConversationNotFound(LookupError):
    """The message's conversation does not exist (any more)."""


class WebsiteInactive(LookupError):
    """A visitor's message for a website that was deactivated: not stored."""


def reply_client_id(message_id: UUID | str) -> str:
    """The ``client_id`` of the automatic reply to a visitor message: one per message."""
    return f"auto:{message_id}"


@dataclass(frozen=True)
class ReplyPlan:
    """How a visitor message gets its automatic reply.

    With ``inline``, that responder runs inside the batch's transaction and its reply is
    stored with the message (only for responders that do no I/O and return at once).
    Without, a :class:`~django_livechat.models.PendingReply` row claimed for ``lease``
    seconds is stored with the message, and the caller runs the responder.
    """

    lease: float
    inline: InlineResponder | None = None


@dataclass(frozen=True)
class NewMessage:
    """A message to append; ``seq`` is assigned by the store."""

    conversation_id: UUID
    role: str
    content: str
    client_id: str | None = None
    is_auto: bool = False
    is_manual: bool = False
    sender_id: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    #: A visitor message to be answered by the responder.
    reply: ReplyPlan | None = None
    #: The visitor message this automatic reply answers: its pending row is settled.
    reply_to: UUID | None = None


#: What the caller must do about a visitor message's automatic reply.
NO_REPLY = "none"  # nothing: none wanted, the responder said nothing, or it was settled before
REPLIED = "replied"  # ``StoredMessage.reply`` is the reply (stored now, or before)
CLAIMED = "claimed"  # this call holds the pending reply: run the responder, store its reply
ELSEWHERE = "elsewhere"  # another process holds the pending reply and will answer
FAILED = "failed"  # the inline responder raised: ``reply_error``


@dataclass
class StoredMessage:
    """The row for a :class:`NewMessage`; ``created`` is False for a repeated ``client_id``.

    Filled in by the batch that stored it; read-only for everyone else.
    """

    message: Message
    created: bool
    #: The conversation as this batch left it, its website loaded.
    conversation: Conversation | None = None
    #: A new visitor message that reopened its resolved conversation (in the same
    #: transaction); the pipeline announces the status change.
    reopened: bool = False
    #: One of NO_REPLY, REPLIED, CLAIMED, ELSEWHERE, FAILED.
    reply_state: str = NO_REPLY
    reply: Message | None = None
    #: Whether ``reply`` was stored by this batch (not found from before).
    reply_created: bool = False
    reply_error: BaseException | None = None


Outcome = StoredMessage | Exception
#: What makes a message a repeat: its conversation, its sender's role, its client_id.
_Key = tuple[UUID, str, str]


def append_message(item: NewMessage, *, using: str = DEFAULT_DB_ALIAS) -> StoredMessage:
    """Append one message; raise on failure."""
    (outcome,) = append_messages([item], using=using)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def append_messages(items: Sequence[NewMessage], *, using: str = DEFAULT_DB_ALIAS) -> list[Outcome]:
    """Append ``items`` in one transaction; return one outcome per item, in order.

    An outcome is a :class:`StoredMessage` or the exception that item failed with. If the
    batch as a whole fails, each item is retried in its own transaction so that only the
    faulty ones fail.
    """
    if not items:
        return []
    try:
        with transaction.atomic(using=using):
            return _Batch(items, using).run()
    except Exception as exc:
        if len(items) == 1:
            logger.warning("Storing a chat message failed: %s", exc)
            return [exc]
        logger.warning("A batch of %d chat messages failed; retrying one by one", len(items))
    return [append_messages([item], using=using)[0] for item in items]


class _Batch:
    """One transaction's worth of messages: a fixed number of statements for all of them.

    Lock the conversations (one statement, two on SQLite), find repeated client_ids (one
    ``SELECT``, plus two for repeats that want replies), insert messages and inline
    replies (one ``INSERT``), insert or settle pending replies (one statement each, when
    there are any), write the counters and activity back (one ``UPDATE``).
    """

    def __init__(self, items: Sequence[NewMessage], using: str) -> None:
        self.items = items
        self.using = using
        self.now = timezone.now()
        self.conversations: dict[UUID, Conversation] = {}
        self.next_seq: dict[UUID, int] = {}
        self.to_insert: list[Message] = []
        self.pending_rows: list[PendingReply] = []
        self.settled: set[UUID] = set()
        self.reopened: set[UUID] = set()
        self.agent_replied: set[UUID] = set()

    def run(self) -> list[Outcome]:
        ids = [_as_uuid(item.conversation_id) for item in self.items]
        self.conversations = _lock_conversations(self.using, set(ids))
        self.next_seq = {pk: c.last_seq for pk, c in self.conversations.items()}
        known = self._known_messages(ids)
        repeats = self._repeated_replies(ids, known)
        outcomes: list[Outcome] = []
        for pk, item in zip(ids, self.items, strict=True):
            conversation = self.conversations.get(pk)
            if conversation is None:
                outcomes.append(ConversationNotFound(f"conversation {pk} does not exist"))
                continue
            if item.role == USER and not conversation.website.is_active:
                outcomes.append(WebsiteInactive(f"website {conversation.website_id} is inactive"))
                continue
            key = (pk, item.role, item.client_id or "")
            if item.client_id is not None and key in known:
                outcomes.append(self._repeat(known[key], item, conversation, repeats))
                continue
            message = self._new_row(conversation, item)
            if item.client_id is not None:
                known[key] = message  # a second copy inside this batch maps to the first
            outcomes.append(self._created(message, item, conversation))
        self._write()
        return outcomes

    # ------------------------------------------------------------ reading

    def _known_messages(self, ids: list[UUID]) -> dict[_Key, Message]:
        """The stored messages whose ``client_id`` the batch repeats, by their key.

        ``client_id``s are one namespace per conversation *and role*: a visitor's can only
        ever match the visitor's own messages, never the automatic reply's
        (``auto:<id>``) or an agent's.
        """
        wanted = {
            (pk, item.role, item.client_id)
            for pk, item in zip(ids, self.items, strict=True)
            if item.client_id is not None and pk in self.conversations
        }
        known: dict[_Key, Message] = {}
        if not wanted:
            return known
        rows = Message.objects.using(self.using).filter(
            conversation_id__in=list(self.conversations),
            role__in={role for _, role, _ in wanted},
            client_id__in={client_id for _, _, client_id in wanted},
        )
        for message in rows:
            key = (message.conversation_id, message.role, message.client_id or "")
            if key in wanted:
                known[key] = message
        return known

    def _repeated_replies(self, ids: list[UUID], known: dict[_Key, Message]) -> _Repeats:
        """For repeated visitor messages that want a reply: their replies and pending rows."""
        messages = [
            known[(pk, item.role, item.client_id or "")]
            for pk, item in zip(ids, self.items, strict=True)
            if item.reply is not None and (pk, item.role, item.client_id or "") in known
        ]
        repeats = _Repeats()
        if not messages:
            return repeats
        by_client_id = {reply_client_id(m.id): m.id for m in messages}
        for reply in Message.objects.using(self.using).filter(
            conversation_id__in={m.conversation_id for m in messages},
            role=ASSISTANT,
            client_id__in=list(by_client_id),
        ):
            repeats.replies[by_client_id[reply.client_id or ""]] = reply
        lease = max(item.reply.lease for item in self.items if item.reply is not None)
        repeats.claimed = pending.claim(
            [m.id for m in messages if m.id not in repeats.replies],
            lease=lease,
            using=self.using,
            now=self.now,
        )
        repeats.pending = set(
            PendingReply.objects.using(self.using)
            .filter(message_id__in=[m.id for m in messages])
            .values_list("message_id", flat=True)
        )
        return repeats

    # ------------------------------------------------------------ deciding

    def _repeat(
        self, message: Message, item: NewMessage, conversation: Conversation, repeats: _Repeats
    ) -> StoredMessage:
        draft = StoredMessage(message, created=False, conversation=conversation)
        if item.reply is None or message.role != USER:
            return draft
        if message.id in repeats.replies:
            draft.reply_state, draft.reply = REPLIED, repeats.replies[message.id]
        elif message.id in repeats.claimed:
            # Stored before, its reply never made (a crash): answer it now.
            self._answer(draft, item.reply, claimed=True)
        elif message.id in repeats.pending:
            draft.reply_state = ELSEWHERE
        return draft

    def _created(
        self, message: Message, item: NewMessage, conversation: Conversation
    ) -> StoredMessage:
        draft = StoredMessage(message, created=True, conversation=conversation)
        pk = conversation.pk
        if item.role == USER and conversation.status == RESOLVED:
            # A visitor writing in a resolved conversation reopens it.
            conversation.status = OPEN
            self.reopened.add(pk)
            draft.reopened = True
        if item.role == AGENT and conversation.agent_replied_at is None:
            conversation.agent_replied_at = self.now
            self.agent_replied.add(pk)
        if item.reply_to is not None:
            self.settled.add(item.reply_to)
        if item.reply is not None:
            self._answer(draft, item.reply, claimed=False)
        return draft

    def _answer(self, draft: StoredMessage, plan: ReplyPlan, *, claimed: bool) -> None:
        """An inline reply now, or a pending reply for the caller to make."""
        message, conversation = draft.message, draft.conversation
        assert conversation is not None
        if plan.inline is None:
            if not claimed:
                until = self.now + timedelta(seconds=plan.lease)
                self.pending_rows.append(PendingReply(message=message, claimed_until=until))
            draft.reply_state = CLAIMED
            return
        try:
            text = reply_text(plan.inline(conversation, message))
        except Exception as exc:
            draft.reply_state, draft.reply_error = FAILED, exc
            if claimed:
                self.settled.add(message.id)
            return
        if claimed:
            self.settled.add(message.id)
        if text is None:
            return
        draft.reply = self._new_row(
            conversation,
            NewMessage(
                conversation_id=conversation.pk,
                role=ASSISTANT,
                content=text,
                client_id=reply_client_id(message.id),
                is_auto=True,
            ),
        )
        draft.reply_state, draft.reply_created = REPLIED, True

    def _new_row(self, conversation: Conversation, item: NewMessage) -> Message:
        pk = conversation.pk
        self.next_seq[pk] += 1
        message = Message(
            conversation_id=pk,
            created_at=self.now,
            seq=self.next_seq[pk],
            role=item.role,
            content=item.content,
            client_id=item.client_id,
            is_auto=item.is_auto,
            is_manual=item.is_manual,
            sender_id=item.sender_id,
            metadata=item.metadata,
        )
        self.to_insert.append(message)
        return message

    # ------------------------------------------------------------ writing

    def _write(self) -> None:
        if self.to_insert:
            batchsql.insert_messages(self.using, self.to_insert)
        if self.pending_rows:
            PendingReply.objects.using(self.using).bulk_create(self.pending_rows)
        if self.settled:
            pending.settle(self.settled, using=self.using)
        changed = {m.conversation_id: self.next_seq[m.conversation_id] for m in self.to_insert}
        if not changed:
            return
        batchsql.set_counters(self.using, changed, self.now)
        conversations = Conversation.objects.using(self.using)
        # Rare: a visitor back in a resolved conversation, an agent's first reply.
        if self.reopened:
            conversations.filter(pk__in=self.reopened).update(status=OPEN)
        if self.agent_replied:
            conversations.filter(pk__in=self.agent_replied).update(agent_replied_at=self.now)
        for pk in changed:
            conversation = self.conversations[pk]
            conversation.last_seq = self.next_seq[pk]
            conversation.last_message_at = conversation.updated_at = self.now


@dataclass
class _Repeats:
    replies: dict[UUID, Message] = field(default_factory=dict)
    claimed: set[UUID] = field(default_factory=set)
    pending: set[UUID] = field(default_factory=set)


def reply_text(result: object) -> str | None:
    """What a responder returned, as the reply's text: None (or blank) for no reply;
    ``TypeError`` for anything but a string."""
    if result is None:
        return None
    if not isinstance(result, str):
        raise TypeError(f"The responder returned {type(result).__name__}, not str or None")
    return result.strip() or None


def _lock_conversations(using: str, ids: set[UUID]) -> dict[UUID, Conversation]:
    """The batch's conversations (website loaded), locked until the transaction ends.

    Missing ones are absent. This is the transaction's first statement and takes the lock
    (see the module docstring). Websites are read apart, once each: a batch's many
    conversations mostly share a few.
    """
    connection = connections[using]
    rows = Conversation.objects.using(using).filter(pk__in=ids)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update().order_by("pk")
    else:
        batchsql.take_write_lock(using, ids)
    conversations = {conversation.pk: conversation for conversation in rows}
    websites = Website.objects.using(using).in_bulk({c.website_id for c in conversations.values()})
    for conversation in conversations.values():
        conversation.website = websites[conversation.website_id]
    return conversations


def _as_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
