from __future__ import annotations

import random
import threading
import uuid
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from django_livechat import store
from django_livechat.models import Conversation, Message, PendingReply, Website
from django_livechat.store import (
    ConversationNotFound,
    NewMessage,
    StoredMessage,
    append_message,
    append_messages,
)

pytestmark = pytest.mark.django_db


def make_conversation(using="default"):
    website = Website.objects.using(using).create(name="Shop")
    return Conversation.objects.using(using).create(website=website)


def new(conversation, content="hello", client_id=None, role=Message.Role.USER, **fields):
    conversation_id = conversation.pk if isinstance(conversation, Conversation) else conversation
    return NewMessage(
        conversation_id=conversation_id,
        role=role,
        content=content,
        client_id=client_id,
        **fields,
    )


def stored_seqs(conversation, using="default"):
    return list(
        Message.objects.using(using)
        .filter(conversation=conversation)
        .order_by("seq")
        .values_list("seq", flat=True)
    )


def last_seq(conversation, using="default"):
    return (
        Conversation.objects.using(using).values_list("last_seq", flat=True).get(pk=conversation.pk)
    )


# One writer -----------------------------------------------------------------


def test_seq_counts_from_one():
    conversation = make_conversation()
    results = [append_message(new(conversation, f"m{n}")) for n in range(3)]
    assert [r.message.seq for r in results] == [1, 2, 3]
    assert all(r.created for r in results)
    assert stored_seqs(conversation) == [1, 2, 3]
    assert last_seq(conversation) == 3


def test_every_field_is_stored(django_user_model):
    agent = django_user_model.objects.create_user("agent")
    conversation = make_conversation()
    result = append_message(
        new(
            conversation,
            "Hi, I'm Sam.",
            client_id="c-1",
            role=Message.Role.AGENT,
            is_manual=True,
            sender_id=agent.pk,
            metadata={"source": "dashboard"},
        )
    )
    message = Message.objects.get(pk=result.message.pk)
    assert message.conversation_id == conversation.pk
    assert message.seq == 1
    assert message.role == Message.Role.AGENT
    assert message.content == "Hi, I'm Sam."
    assert message.client_id == "c-1"
    assert message.is_manual is True
    assert message.is_auto is False
    assert message.sender == agent
    assert message.metadata == {"source": "dashboard"}


def test_conversation_id_may_be_a_string():
    conversation = make_conversation()
    result = append_message(new(str(conversation.pk)))
    assert result.message.conversation_id == conversation.pk
    assert last_seq(conversation) == 1


def test_an_empty_batch_does_nothing():
    assert append_messages([]) == []


def test_a_repeated_client_id_returns_the_stored_row_and_uses_no_seq():
    conversation = make_conversation()
    first = append_message(new(conversation, "Where is my parcel?", client_id="c-1"))
    again = append_message(new(conversation, "Where is my parcel? (retry)", client_id="c-1"))
    assert first.created
    assert not again.created
    assert again.message.pk == first.message.pk
    assert again.message.seq == 1
    assert again.message.content == "Where is my parcel?"
    assert last_seq(conversation) == 1

    following = append_message(new(conversation, "Hello?", client_id="c-2"))
    assert following.created
    assert following.message.seq == 2
    assert stored_seqs(conversation) == [1, 2]
    assert last_seq(conversation) == 2


def test_a_repeat_does_not_move_last_message_at():
    conversation = make_conversation()
    append_message(new(conversation, client_id="c-1"))
    stamped = Conversation.objects.get(pk=conversation.pk).last_message_at
    append_message(new(conversation, client_id="c-1"))
    assert Conversation.objects.get(pk=conversation.pk).last_message_at == stamped


def test_duplicates_within_one_batch():
    conversation = make_conversation()
    outcomes = append_messages(
        [
            new(conversation, "a", client_id="c-1"),
            new(conversation, "a (double click)", client_id="c-1"),
            new(conversation, "b"),
            new(conversation, "c", client_id="c-2"),
            new(conversation, "d"),
            new(conversation, "c again", client_id="c-2"),
        ]
    )
    assert [(o.message.seq, o.created) for o in outcomes] == [
        (1, True),
        (1, False),
        (2, True),
        (3, True),
        (4, True),
        (3, False),
    ]
    assert outcomes[1].message.pk == outcomes[0].message.pk
    assert outcomes[5].message.pk == outcomes[3].message.pk
    assert list(
        Message.objects.filter(conversation=conversation).values_list("content", "seq")
    ) == [
        ("a", 1),
        ("b", 2),
        ("c", 3),
        ("d", 4),
    ]
    assert last_seq(conversation) == 4


def test_a_batch_mixing_stored_and_new_client_ids():
    conversation = make_conversation()
    stored = append_message(new(conversation, "a", client_id="c-1"))
    outcomes = append_messages(
        [new(conversation, "b", client_id="c-2"), new(conversation, "a", client_id="c-1")]
    )
    assert [(o.message.seq, o.created) for o in outcomes] == [(2, True), (1, False)]
    assert outcomes[1].message.pk == stored.message.pk
    assert last_seq(conversation) == 2
    assert append_message(new(conversation, "c")).message.seq == 3


def test_a_batch_spanning_conversations():
    first, second, third = make_conversation(), make_conversation(), make_conversation()
    append_message(new(third, "earlier"))
    outcomes = append_messages(
        [
            new(first, "1a"),
            new(second, "2a"),
            new(first, "1b"),
            new(third, "3b"),
            new(second, "2b"),
            new(first, "1c"),
        ]
    )
    assert [(o.message.conversation_id, o.message.content, o.message.seq) for o in outcomes] == [
        (first.pk, "1a", 1),
        (second.pk, "2a", 1),
        (first.pk, "1b", 2),
        (third.pk, "3b", 2),
        (second.pk, "2b", 2),
        (first.pk, "1c", 3),
    ]
    assert (last_seq(first), last_seq(second), last_seq(third)) == (3, 2, 2)
    assert stored_seqs(first) == [1, 2, 3]


def test_an_unknown_conversation_fails_alone():
    conversation = make_conversation()
    missing = uuid.uuid4()
    outcomes = append_messages(
        [new(conversation, "a"), new(missing, "lost"), new(conversation, "b"), new(missing, "x")]
    )
    assert isinstance(outcomes[1], ConversationNotFound)
    assert isinstance(outcomes[3], ConversationNotFound)
    assert str(missing) in str(outcomes[1])
    assert [outcomes[0].message.seq, outcomes[2].message.seq] == [1, 2]
    assert stored_seqs(conversation) == [1, 2]
    assert not Message.objects.filter(conversation_id=missing).exists()


def test_append_message_raises_for_an_unknown_conversation():
    with pytest.raises(ConversationNotFound):
        append_message(new(uuid.uuid4()))
    assert not Message.objects.exists()


def test_a_failing_item_fails_alone_and_its_seq_is_reused(caplog):
    conversation = make_conversation()
    outcomes = append_messages(
        [
            new(conversation, "a"),
            new(conversation, None),  # NOT NULL violation: the batch fails, then this item
            new("not a uuid", "b"),
            new(conversation, "c"),
        ]
    )
    assert isinstance(outcomes[0], StoredMessage)
    assert isinstance(outcomes[1], Exception)
    assert isinstance(outcomes[2], ValueError)
    assert isinstance(outcomes[3], StoredMessage)
    assert [outcomes[0].message.seq, outcomes[3].message.seq] == [1, 2]
    assert stored_seqs(conversation) == [1, 2]
    assert last_seq(conversation) == 2
    assert "retrying one by one" in caplog.text


def test_last_message_at_is_updated():
    conversation = make_conversation()
    assert conversation.last_message_at is None
    before = timezone.now()
    append_message(new(conversation))
    first = Conversation.objects.get(pk=conversation.pk).last_message_at
    assert first is not None
    assert before <= first <= timezone.now()
    append_message(new(conversation))
    second = Conversation.objects.get(pk=conversation.pk).last_message_at
    assert second > first


# Many writers at once ---------------------------------------------------------

THREADS = 8
PER_THREAD = 25
SHARED_CLIENT_IDS = [f"shared-{n}" for n in range(10)]


def run_threads(count, work, using):
    """Run ``work(index)`` in ``count`` threads released together; return their results."""
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = []

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            # Each thread has its own connection; a leftover one would keep the test
            # database open.
            connections[using].close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return results


@pytest.fixture
def batch_failures(monkeypatch):
    """Exceptions raised by whole batches.

    A failed batch is retried item by item, which hides a deadlock or a lost race from the
    outcomes; the store must not need that retry under mere concurrency.
    """
    failures = []
    run = store._Batch.run

    def recording_run(batch):
        try:
            return run(batch)
        except Exception as exc:
            failures.append(exc)
            raise

    monkeypatch.setattr(store._Batch, "run", recording_run)
    return failures


def append_concurrently(using, batch_size, batch_failures):
    """THREADS writers append to one conversation, all also sending SHARED_CLIENT_IDS."""
    conversation = make_conversation(using)

    def work(index):
        items = [
            # Half with a client id of their own, half without.
            new(conversation, f"t{index}-{n}", client_id=f"t{index}-{n}" if n % 2 else None)
            for n in range(PER_THREAD)
        ]
        items += [
            new(conversation, client_id, client_id=client_id) for client_id in SHARED_CLIENT_IDS
        ]
        random.Random(index).shuffle(items)
        outcomes = []
        for start in range(0, len(items), batch_size):
            outcomes += append_messages(items[start : start + batch_size], using=using)
        return list(zip(items, outcomes, strict=True))

    results = run_threads(THREADS, work, using)

    assert batch_failures == []
    total = THREADS * PER_THREAD + len(SHARED_CLIENT_IDS)
    assert stored_seqs(conversation, using) == list(range(1, total + 1))
    assert last_seq(conversation, using) == total
    rows = Message.objects.using(using).filter(conversation=conversation)
    client_ids = Counter(rows.exclude(client_id=None).values_list("client_id", flat=True))
    assert set(client_ids.values()) == {1}
    assert set(SHARED_CLIENT_IDS) <= set(client_ids)

    by_client_id = defaultdict(list)
    for thread_results in results:
        assert all(isinstance(outcome, StoredMessage) for _, outcome in thread_results)
        seqs = [outcome.message.seq for _, outcome in thread_results if outcome.created]
        assert seqs == sorted(seqs)  # one writer's messages keep their order
        for item, outcome in thread_results:
            assert outcome.message.content == item.content
            if item.client_id in SHARED_CLIENT_IDS:
                by_client_id[item.client_id].append(outcome)
            else:
                assert outcome.created
    for client_id, outcomes in by_client_id.items():
        assert len(outcomes) == THREADS
        assert sum(outcome.created for outcome in outcomes) == 1, client_id
        assert len({outcome.message.pk for outcome in outcomes}) == 1, client_id


def batches_across_conversations(using, batch_failures):
    """Batches touching the same conversations in different orders must not deadlock."""
    conversations = [make_conversation(using) for _ in range(4)]
    rounds = 15

    def work(index):
        rng = random.Random(index)
        outcomes = []
        for _ in range(rounds):
            items = [new(c, f"t{index}") for c in conversations for _ in range(2)]
            rng.shuffle(items)
            outcomes += append_messages(items, using=using)
        return outcomes

    results = run_threads(THREADS, work, using)

    assert batch_failures == []
    assert all(isinstance(o, StoredMessage) for outcomes in results for o in outcomes)
    per_conversation = THREADS * rounds * 2
    for conversation in conversations:
        assert stored_seqs(conversation, using) == list(range(1, per_conversation + 1))
        assert last_seq(conversation, using) == per_conversation


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("batch_size", [1, 5])
def test_concurrent_appends_sqlite(batch_size, batch_failures):
    append_concurrently("default", batch_size, batch_failures)


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_across_conversations_sqlite(batch_failures):
    batches_across_conversations("default", batch_failures)


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"], transaction=True)
@pytest.mark.parametrize("batch_size", [1, 5])
def test_concurrent_appends_postgres(batch_size, batch_failures):
    append_concurrently("postgres", batch_size, batch_failures)


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"], transaction=True)
def test_concurrent_batches_across_conversations_postgres(batch_failures):
    batches_across_conversations("postgres", batch_failures)


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"])
def test_repeats_and_unknown_conversations_postgres():
    conversation = make_conversation("postgres")
    outcomes = append_messages(
        [
            new(conversation, "a", client_id="c-1"),
            new(uuid.uuid4(), "lost"),
            new(conversation, "a", client_id="c-1"),
            new(conversation, "b"),
        ],
        using="postgres",
    )
    assert isinstance(outcomes[1], ConversationNotFound)
    assert [(o.message.seq, o.created) for o in (outcomes[0], outcomes[2], outcomes[3])] == [
        (1, True),
        (1, False),
        (2, True),
    ]
    assert stored_seqs(conversation, "postgres") == [1, 2]
    assert last_seq(conversation, "postgres") == 2
    assert not Message.objects.using("default").exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_mixes_repeats_and_new_messages_of_several_conversations():
    website = Website.objects.create(name="Shop")
    first, second = (Conversation.objects.create(website=website) for _ in range(2))
    outcomes = store.append_messages(
        [
            NewMessage(conversation_id=first.id, role="user", content="a", client_id="x"),
            NewMessage(conversation_id=second.id, role="user", content="b"),
            NewMessage(conversation_id=first.id, role="user", content="a", client_id="x"),
            NewMessage(conversation_id=first.id, role="assistant", content="c"),
        ]
    )
    assert [(o.message.conversation_id, o.message.seq, o.created) for o in outcomes] == [
        (first.id, 1, True),
        (second.id, 1, True),
        (first.id, 1, False),
        (first.id, 2, True),
    ]
    first.refresh_from_db()
    assert first.last_seq == 2


@pytest.mark.django_db(transaction=True)
def test_a_visitor_message_reopens_a_resolved_conversation_in_the_same_transaction():
    website = Website.objects.create(name="Shop")
    conversation = Conversation.objects.create(website=website, status="resolved")
    first, second, reply = store.append_messages(
        [
            NewMessage(conversation_id=conversation.id, role="user", content="back again"),
            NewMessage(conversation_id=conversation.id, role="user", content="hello?"),
            NewMessage(conversation_id=conversation.id, role="assistant", content="hi"),
        ]
    )
    assert [first.reopened, second.reopened, reply.reopened] == [True, False, False]
    conversation.refresh_from_db()
    assert conversation.status == "open"
    # An agent's or the responder's message does not reopen.
    Conversation.objects.filter(pk=conversation.pk).update(status="resolved")
    (agent,) = store.append_messages(
        [NewMessage(conversation_id=conversation.id, role="agent", content="bye")]
    )
    assert agent.reopened is False
    conversation.refresh_from_db()
    assert conversation.status == "resolved"


# ---------------------------------------------------------------- automatic replies


def answer_politely(conversation, message):
    assert Conversation.website.is_cached(conversation)  # handed over loaded, not queried
    return f"  re: {message.content}  "


def answer_nothing(conversation, message):
    return None


def answer_badly(conversation, message):
    raise RuntimeError("the rules are broken")


INLINE = store.ReplyPlan(lease=30, inline=answer_politely)
LATER = store.ReplyPlan(lease=30)


def pending_rows():
    return {p.message_id: p for p in PendingReply.objects.all()}


def test_an_inline_reply_is_stored_with_its_message():
    conversation = make_conversation()
    (outcome,) = append_messages([new(conversation, "hi", "c-1", reply=INLINE)])
    assert outcome.created and outcome.reply_state == store.REPLIED and outcome.reply_created
    reply = outcome.reply
    assert (reply.seq, reply.role, reply.content) == (2, "assistant", "re: hi")
    assert reply.client_id == store.reply_client_id(outcome.message.id) and reply.is_auto
    assert list(Message.objects.values_list("seq", flat=True)) == [1, 2]
    assert outcome.conversation.last_seq == 2 and pending_rows() == {}
    conversation.refresh_from_db()
    assert conversation.last_seq == 2


def test_inline_replies_interleave_with_their_messages_in_one_batch():
    one, two = make_conversation(), make_conversation()
    outcomes = append_messages(
        [
            new(one, "a", "1", reply=INLINE),
            new(two, "b", "2", reply=INLINE),
            new(one, "c", "3", reply=INLINE),
        ]
    )
    seqs = [(o.message.seq, o.reply.seq) for o in outcomes]
    assert seqs == [(1, 2), (1, 2), (3, 4)]
    assert [m.content for m in Message.objects.filter(conversation=one)] == [
        "a",
        "re: a",
        "c",
        "re: c",
    ]


def test_an_inline_responder_with_nothing_to_say_or_failing():
    conversation = make_conversation()
    quiet, broken = append_messages(
        [
            new(conversation, "a", "1", reply=store.ReplyPlan(lease=30, inline=answer_nothing)),
            new(conversation, "b", "2", reply=store.ReplyPlan(lease=30, inline=answer_badly)),
        ]
    )
    assert (quiet.reply_state, quiet.reply) == (store.NO_REPLY, None)
    assert broken.reply_state == store.FAILED and isinstance(broken.reply_error, RuntimeError)
    assert Message.objects.count() == 2 and pending_rows() == {}  # both messages kept


def test_a_reply_to_be_made_later_is_claimed_for_the_lease():
    conversation = make_conversation()
    (outcome,) = append_messages([new(conversation, "hi", "c-1", reply=LATER)])
    assert outcome.reply_state == store.CLAIMED and outcome.reply is None
    row = pending_rows()[outcome.message.id]
    assert timezone.now() + timedelta(seconds=25) < row.claimed_until
    assert row.claimed_until < timezone.now() + timedelta(seconds=31)
    # The reply, when it comes, settles it in its own transaction.
    (reply,) = append_messages(
        [
            new(
                conversation,
                "later",
                store.reply_client_id(outcome.message.id),
                role=Message.Role.ASSISTANT,
                reply_to=outcome.message.id,
            )
        ]
    )
    assert reply.created and pending_rows() == {}


def test_a_repeated_visitor_message_and_its_reply():
    conversation = make_conversation()
    (first,) = append_messages([new(conversation, "hi", "c-1", reply=INLINE)])
    (again,) = append_messages([new(conversation, "hi", "c-1", reply=INLINE)])
    assert not again.created and again.reply_state == store.REPLIED
    assert again.reply.pk == first.reply.pk and not again.reply_created
    assert Message.objects.count() == 2


def test_a_repeat_whose_reply_another_process_is_making():
    conversation = make_conversation()
    append_messages([new(conversation, "hi", "c-1", reply=LATER)])
    (again,) = append_messages([new(conversation, "hi", "c-1", reply=LATER)])
    assert (again.created, again.reply_state) == (False, store.ELSEWHERE)


@pytest.mark.parametrize("plan", [LATER, INLINE])
def test_a_repeat_whose_reply_was_never_made_is_answered_now(plan):
    """Its process died between the message and the reply: the retry answers it."""
    conversation = make_conversation()
    (first,) = append_messages([new(conversation, "hi", "c-1", reply=LATER)])
    PendingReply.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    (again,) = append_messages([new(conversation, "hi", "c-1", reply=plan)])
    assert not again.created
    if plan is LATER:
        assert again.reply_state == store.CLAIMED
        assert pending_rows()[first.message.id].attempts == 2
    else:
        assert again.reply_state == store.REPLIED and again.reply_created
        assert again.reply.seq == 2 and pending_rows() == {}


def test_an_agent_message_marks_the_conversation_answered():
    conversation = make_conversation()
    visitor, _, _ = append_messages(
        [
            new(conversation, "hi", "1"),
            new(conversation, "hello", "2", role=Message.Role.AGENT),
            new(conversation, "thanks", "3"),
        ]
    )
    assert visitor.conversation.agent_replied_at is not None  # one instance per batch
    conversation.refresh_from_db()
    first_reply = conversation.agent_replied_at
    assert first_reply is not None
    append_messages([new(conversation, "again", "4", role=Message.Role.AGENT)])
    conversation.refresh_from_db()
    assert conversation.agent_replied_at == first_reply  # the first reply's time stays
