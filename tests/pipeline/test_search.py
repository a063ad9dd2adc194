"""The agents' search: what it finds on SQLite and on PostgreSQL (full-text, through the
index of migration 0009), one result per conversation, the snippet, the scope, the limits."""

from __future__ import annotations

import importlib
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connections
from django.utils import timezone

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.models import Conversation, Message, Note, Website
from django_livechat.pipeline.search import (
    MAX_QUERY_LENGTH,
    SEARCH_LIMIT,
    SNIPPET_LENGTH,
    Terms,
    find,
    full_text_match,
    make_snippet,
    parse_terms,
)
from tests.factories import SHOP_ORIGIN

SQLITE = pytest.param("default", marks=pytest.mark.django_db(transaction=True), id="sqlite")
POSTGRES = pytest.param(
    "postgres",
    marks=[pytest.mark.postgres, pytest.mark.django_db(databases=["default", "postgres"])],
    id="postgres",
)
BOTH = [SQLITE, POSTGRES]
index_ops = importlib.import_module("django_livechat.migrations.0009_search_index")


class World:
    """Two websites on the database ``alias``: Ann serves the shop, Bob the blog."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.shop = Website.objects.using(alias).create(name="Shop", allowed_origins=[SHOP_ORIGIN])
        self.blog = Website.objects.using(alias).create(name="Blog", allowed_origins=[SHOP_ORIGIN])
        self.ann = self.agent("ann")
        self.bob = self.agent("bob")
        self.shop.agents.add(self.ann)
        self.blog.agents.add(self.bob)

    def agent(self, username: str, **fields: Any) -> Any:
        user = get_user_model().objects.db_manager(self.alias).create_user(username, **fields)
        permission = Permission.objects.using(self.alias).get(codename="reply_conversation")
        user.user_permissions.add(permission)
        return user

    def chat(self, website: Website, *texts: str, **visitor: Any) -> Conversation:
        """A conversation of ``texts``, the visitor's and an agent's in turn."""
        conversation = Conversation.objects.using(self.alias).create(website=website, **visitor)
        for seq, text in enumerate(texts, start=1):
            Message.objects.using(self.alias).create(
                conversation=conversation,
                seq=seq,
                role="user" if seq % 2 else "agent",
                content=text,
            )
        if texts:
            conversation.last_seq = len(texts)
            conversation.last_message_at = timezone.now()
            conversation.save(using=self.alias)
        return conversation

    def find(self, user: Any, query: str, **options: Any) -> list[dict[str, Any]]:
        return find(user, query, using=self.alias, **options)


def hits(results: list[dict[str, Any]]) -> list[tuple[str, int | None]]:
    return [(r["conversation_id"], r["seq"]) for r in results]


@pytest.mark.parametrize("alias", BOTH)
def test_finds_visitor_and_agent_messages_newest_hit_first_one_per_conversation(alias):
    world = World(alias)
    older = world.chat(world.shop, "Where is my parcel?", "Your parcel left today.", "Thanks")
    newer = world.chat(world.shop, "The PARCEL arrived damaged", "Sorry to hear that")
    world.chat(world.shop, "Nothing to see here")
    results = world.find(world.ann, "parcel")
    # The newest hit of each conversation, newer conversation's hit first.
    assert hits(results) == [(str(newer.id), 1), (str(older.id), 2)]
    first = results[0]
    assert first == {
        "conversation_id": str(newer.id),
        "website_id": str(world.shop.id),
        "seq": 1,
        "snippet": "The PARCEL arrived damaged",
        "visitor_name": "",
        "visitor_email": "",
        "visitor_identifier": "",
        "created_at": Message.objects.using(alias)
        .get(conversation=newer, seq=1)
        .created_at.isoformat(),
        "status": "open",
    }
    # An agent's message is found like the visitor's.
    assert world.find(world.ann, "left today")[0]["seq"] == 2


@pytest.mark.parametrize("alias", BOTH)
def test_every_word_must_occur_phrases_and_exclusions(alias):
    world = World(alias)
    both = world.chat(world.shop, "refund for the blue shoes")
    one = world.chat(world.shop, "blue shirt, no refund please")
    world.chat(world.shop, "red shoes")
    assert {r["conversation_id"] for r in world.find(world.ann, "refund shoes")} == {str(both.id)}
    assert {r["conversation_id"] for r in world.find(world.ann, "blue -shoes")} == {str(one.id)}
    assert {r["conversation_id"] for r in world.find(world.ann, '"blue shoes"')} == {str(both.id)}
    assert world.find(world.ann, "-shoes -blue") == []  # exclusions alone find nothing


@pytest.mark.parametrize("alias", BOTH)
def test_finds_the_visitors_name_email_and_identifier_without_a_seq(alias):
    world = World(alias)
    ada = world.chat(
        world.shop, "hello", visitor_name="Ada Lovelace", visitor_email="ada@example.com"
    )
    grace = world.chat(world.shop, visitor_identifier="user-grace-42")
    said = world.chat(world.shop, "ask Ada about it")
    results = world.find(world.ann, "ada")
    assert hits(results) == [(str(said.id), 1), (str(ada.id), None)]
    assert results[1]["snippet"] == "Ada Lovelace · ada@example.com"
    assert results[1]["visitor_email"] == "ada@example.com"
    assert hits(world.find(world.ann, "example.com")) == [(str(ada.id), None)]
    assert hits(world.find(world.ann, "grace-42")) == [(str(grace.id), None)]


@pytest.mark.parametrize("alias", BOTH)
def test_an_agent_never_finds_another_websites_conversations(alias):
    world = World(alias)
    shop = world.chat(world.shop, "secret order 1234", visitor_name="Secret Sam")
    blog = world.chat(world.blog, "secret order 1234", visitor_name="Secret Sam")
    assert hits(world.find(world.ann, "secret")) == [(str(shop.id), 1)]
    assert hits(world.find(world.bob, "secret")) == [(str(blog.id), 1)]
    assert hits(world.find(world.ann, "sam")) == [(str(shop.id), None)]
    # Another website's id is answered like one that does not exist.
    for website_id in (world.blog.id, uuid.uuid4()):
        with pytest.raises(ChatError) as refused:
            world.find(world.ann, "secret", website_id=website_id)
        assert refused.value.code == errors.NOT_FOUND
    assert hits(world.find(world.ann, "secret", website_id=world.shop.id)) == [(str(shop.id), 1)]
    # A superuser serves every website; one that is not an agent, none.
    boss = get_user_model().objects.db_manager(alias).create_superuser("boss")
    assert {r["website_id"] for r in world.find(boss, "secret")} == {
        str(world.shop.id),
        str(world.blog.id),
    }
    assert hits(world.find(boss, "secret", website_id=world.blog.id)) == [(str(blog.id), 1)]
    nobody = get_user_model().objects.db_manager(alias).create_user("nobody")
    assert world.find(nobody, "secret") == []


@pytest.mark.parametrize("alias", BOTH)
def test_notes_are_not_searched(alias):
    world = World(alias)
    conversation = world.chat(world.shop, "hello")
    Note.objects.using(alias).create(conversation=conversation, text="internal gossip")
    assert world.find(world.ann, "gossip") == []


@pytest.mark.parametrize("alias", BOTH)
def test_at_most_the_limit_newest_first(alias):
    world = World(alias)
    chats = [world.chat(world.shop, f"order number {n}") for n in range(SEARCH_LIMIT + 5)]
    results = world.find(world.ann, "order")
    assert len(results) == SEARCH_LIMIT
    assert hits(results) == [(str(c.id), 1) for c in reversed(chats)][:SEARCH_LIMIT]
    assert hits(world.find(world.ann, "order", limit=2)) == [
        (str(chats[-1].id), 1),
        (str(chats[-2].id), 1),
    ]


@pytest.mark.parametrize("alias", BOTH)
def test_a_snippet_around_a_hit_deep_in_a_long_message(alias):
    world = World(alias)
    text = "lorem ipsum " * 40 + "the tracking code is ZX42 for you " + "dolor sit " * 40
    world.chat(world.shop, text)
    (result,) = world.find(world.ann, "zx42")
    snippet = result["snippet"]
    assert "ZX42" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) <= SNIPPET_LENGTH + 2


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"])
def test_postgres_full_text_search_uses_the_index_of_migration_0009(postgres_alias):
    world = World(postgres_alias)
    chat = world.chat(world.shop, "a parcel", "two parcels")
    # The 'simple' configuration: no stemming, so "parcel" is not "parcels".
    assert hits(world.find(world.ann, "parcel")) == [(str(chat.id), 1)]
    assert hits(world.find(world.ann, "parcels")) == [(str(chat.id), 2)]
    assert hits(world.find(world.ann, "parcel OR parcels")) == [(str(chat.id), 2)]
    messages = Message.objects.using(postgres_alias).filter(
        full_text_match("parcel", postgres_alias)
    )
    with connections[postgres_alias].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = messages.explain()
    assert "livechat_message_search_idx" in plan


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"])
def test_the_index_migration_is_reversible_and_does_nothing_elsewhere(postgres_alias):
    def indexes(alias: str) -> set[str]:
        with connections[alias].cursor() as cursor:
            table = Message._meta.db_table
            return set(connections[alias].introspection.get_constraints(cursor, table))

    assert index_ops.INDEX in indexes(postgres_alias)
    with connections[postgres_alias].schema_editor() as editor:
        index_ops.drop_index(apps, editor)
    assert index_ops.INDEX not in indexes(postgres_alias)
    with connections[postgres_alias].schema_editor() as editor:
        index_ops.create_index(apps, editor)
    assert index_ops.INDEX in indexes(postgres_alias)
    assert index_ops.INDEX not in indexes("default")
    # On SQLite (any other vendor) neither direction runs a statement.
    executed: list[str] = []
    sqlite_editor = SimpleNamespace(connection=connections["default"], execute=executed.append)
    index_ops.create_index(apps, sqlite_editor)
    index_ops.drop_index(apps, sqlite_editor)
    assert executed == []


# ---------------------------------------------------------------- the pipeline's call


@database_sync_to_async
def shop_and_blog() -> tuple[World, Conversation, Conversation]:
    world = World("default")
    return (
        world,
        world.chat(world.shop, "my invoice is wrong"),
        world.chat(world.blog, "invoice for the blog"),
    )


@pytest.mark.django_db(transaction=True)
async def test_search_answers_the_frame_for_the_agent_as_they_are_now():
    world, shop_chat, _ = await shop_and_blog()
    agent = await pipeline.authorize_agent(world.ann)
    frame = await pipeline.search(agent, "  Invoice ")
    assert frame["type"] == "search_results"
    assert frame["query"] == "Invoice"
    assert hits(frame["results"]) == [(str(shop_chat.id), 1)]
    frame = await pipeline.search(agent, "invoice", website_id=str(world.shop.id), limit=1)
    assert len(frame["results"]) == 1
    # Removed from the website: nothing of it found any more, with the same session.
    await database_sync_to_async(world.shop.agents.remove)(world.ann)
    assert (await pipeline.search(agent, "invoice"))["results"] == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"query": "a"}, errors.INVALID_MESSAGE),
        ({"query": "  a  "}, errors.INVALID_MESSAGE),
        ({"query": "x" * (MAX_QUERY_LENGTH + 1)}, errors.INVALID_MESSAGE),
        ({"query": None}, errors.INVALID_MESSAGE),
        ({"query": 42}, errors.INVALID_MESSAGE),
        ({"query": "nul\x00here"}, errors.INVALID_MESSAGE),
        ({"query": "ok", "limit": 0}, errors.INVALID_MESSAGE),
        ({"query": "ok", "limit": SEARCH_LIMIT + 1}, errors.INVALID_MESSAGE),
        ({"query": "ok", "limit": True}, errors.INVALID_MESSAGE),
        ({"query": "ok", "website_id": "nope"}, errors.INVALID_MESSAGE),
        ({"query": "ok", "website_id": str(uuid.uuid4())}, errors.NOT_FOUND),
    ],
)
async def test_refusals(options, code):
    world, _, _ = await shop_and_blog()
    agent = await pipeline.authorize_agent(world.ann)
    query = options.pop("query")
    with pytest.raises(ChatError) as refused:
        await pipeline.search(agent, query, **options)
    assert refused.value.code == code


@pytest.mark.django_db(transaction=True)
async def test_a_query_of_the_longest_length_is_searched():
    world, _, _ = await shop_and_blog()
    agent = await pipeline.authorize_agent(world.ann)
    frame = await pipeline.search(agent, "y" * MAX_QUERY_LENGTH)
    assert frame["results"] == []


# ---------------------------------------------------------------- terms and snippets


def test_terms_of_a_query():
    assert parse_terms('Refund "blue  shoes" -red or, parcel? refund') == Terms(
        include=("Refund", "blue shoes", "parcel"), exclude=("red",)
    )
    assert parse_terms("ada@example.com") == Terms(include=("ada@example.com",), exclude=())
    assert parse_terms('"" -- ...') == Terms(include=(), exclude=())


def test_snippets():
    terms = Terms(include=("zx42",), exclude=())
    assert make_snippet("short\n\ntext  here", terms) == "short text here"
    long = "word " * 100 + "ZX42 " + "more " * 100
    snippet = make_snippet(long, terms)
    assert snippet.startswith("…word") and snippet.endswith("more…")
    assert "ZX42" in snippet and len(snippet) <= SNIPPET_LENGTH + 2
    # A hit near the start: no ellipsis in front; not found: the text's start.
    assert make_snippet("ZX42 " + "tail " * 100, terms).startswith("ZX42 tail")
    missing = make_snippet("begin " + "x" * 500, Terms(include=("nothere",), exclude=()))
    assert missing.startswith("begin") and missing.endswith("…")
