"""The fuzzers' target: a world of websites, agents and conversations, and every client
frame (or HTTP body) of both protocols field by field, with values aimed at that world."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from django.test import Client
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from django_livechat.conf import livechat_settings
from django_livechat.models import Website
from tests.factories import SHOP_ORIGIN, make_user, make_website
from tests.fuzz.strategies import hostile_text, json_values, nested, repeated

BLOG_ORIGIN = "https://blog.example.org"
FOREIGN_ORIGIN = "https://evil.example.net"
IDENTIFIER = "ann@example.com"


@dataclass(frozen=True)
class Chat:
    """A visitor's conversation and the token for it."""

    conversation_id: str
    visitor_token: str


@dataclass(frozen=True)
class World:
    """The shop (agents ann and cat) with a conversation, the blog (agent bob) with one,
    a switched-off website, and a staff user who is no agent."""

    shop: Website
    blog: Website
    inactive: Website
    ann: Any
    cat: Any
    bob: Any
    staff: Any
    mine: Chat
    theirs: Chat


def open_chat(website: Website, origin: str, **body: Any) -> Chat:
    """A conversation opened as a widget opens it, over HTTP."""
    response = Client().post(
        "/livechat/api/conversations/",
        {"website_id": str(website.id), **body},
        content_type="application/json",
        HTTP_ORIGIN=origin,
    )
    assert response.status_code == 201, response.content
    data = response.json()
    return Chat(data["conversation_id"], data["visitor_token"])


def make_world() -> World:
    shop = make_website(name="Shop")
    blog = make_website(name="Blog", allowed_origins=[BLOG_ORIGIN])
    inactive = make_website(name="Off", is_active=False)
    ann, cat, bob = make_user("ann", first_name="Ann"), make_user("cat"), make_user("bob")
    staff = make_user("staff", agent=False, is_staff=True)
    shop.agents.add(ann, cat)
    blog.agents.add(bob)
    mine = open_chat(shop, SHOP_ORIGIN, user_identifier=IDENTIFIER)
    theirs = open_chat(blog, BLOG_ORIGIN)
    return World(shop, blog, inactive, ann, cat, bob, staff, mine, theirs)


Fields = dict[str, dict[str, SearchStrategy[Any]]]


def seqs() -> SearchStrategy[int]:
    return st.one_of(st.integers(min_value=-2, max_value=20), st.integers())


def message_texts() -> SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["Do you ship to Norway?", "  padded  "]),
        repeated("x", livechat_settings.MAX_MESSAGE_LENGTH),
        hostile_text(60),
    )


def client_ids() -> SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["c-1", "c-2", "", "auto:1", " "]),
        repeated("x", 64, 65),
        hostile_text(70),
    )


def visitor_fields(world: World) -> Fields:
    """Every client frame of the visitor protocol (the HTTP bodies are the same)."""
    shop = world.shop
    good_hash = hmac.new(shop.identity_secret.encode(), IDENTIFIER.encode(), hashlib.sha256)
    return {
        "identify": {
            "website_id": st.sampled_from(
                [
                    str(shop.id),
                    str(shop.id).upper(),
                    shop.id.hex,
                    str(world.blog.id),
                    str(world.inactive.id),
                    str(uuid.UUID(int=0)),
                ]
            ),
            "user_identifier": st.one_of(
                st.sampled_from([IDENTIFIER, " "]), repeated("x", 255, 256), hostile_text()
            ),
            "identifier_hash": st.one_of(
                st.sampled_from([good_hash.hexdigest(), "é" * 64]), hostile_text()
            ),
            "metadata": st.one_of(
                st.dictionaries(hostile_text(8), json_values(), max_size=4),
                st.sampled_from(
                    [
                        {"page": "/pricing", "identity_verified": True},
                        nested(7, kind="object"),
                        nested(9, kind="object"),
                    ]
                ),
                repeated("x", 9000).map(lambda big: {"big": big}),
            ),
            "conversation_id": st.sampled_from(
                [world.mine.conversation_id, world.theirs.conversation_id, str(uuid.UUID(int=1))]
            ),
            "visitor_token": st.sampled_from(
                [
                    world.mine.visitor_token,
                    world.theirs.visitor_token,
                    world.mine.visitor_token[:-3],
                    "forged",
                ]
            ),
            "last_seq": seqs(),
        },
        "chat_message": {"message": message_texts(), "client_id": client_ids()},
        "typing": {"is_typing": st.booleans()},
        "history": {"last_seq": seqs(), "reason": st.sampled_from(["gap", "other"])},
        "ping": {"last_seq": seqs()},
        # Bots (issue 13): the visitor asks for a person.
        "handoff": {},
    }


def conversation_ids(world: World) -> SearchStrategy[str]:
    """Conversations the agent (ann) serves, does not serve, and that do not exist."""
    return st.sampled_from(
        [
            world.mine.conversation_id,
            world.mine.conversation_id,
            world.theirs.conversation_id,
            str(uuid.UUID(int=2)),
        ]
    )


def agent_fields(world: World) -> Fields:
    """Every client frame of the agent protocol (the HTTP bodies are the same)."""
    about = {"conversation_id": conversation_ids(world)}
    now = datetime.now(timezone.utc)
    return {
        "conversations": {
            "website_id": st.sampled_from(
                [str(world.shop.id), str(world.blog.id), str(uuid.UUID(int=3)), ""]
            ),
            "status": st.sampled_from(["open", "resolved", "", "closed"]),
            "limit": st.integers(min_value=-1, max_value=502),
            "changed_since": st.sampled_from(
                [now.isoformat(), now.replace(tzinfo=None).isoformat(), "", "9999-99-99"]
            ),
        },
        "conversation": about,
        "history": {**about, "last_seq": seqs(), "reason": st.sampled_from(["gap", "other"])},
        "agent_message": {**about, "message": message_texts(), "client_id": client_ids()},
        "typing": {**about, "is_typing": st.booleans()},
        "assign": {
            **about,
            "agent_id": st.sampled_from(
                [world.ann.pk, world.cat.pk, str(world.cat.pk), world.bob.pk, 10**9, None]
            ),
        },
        "resolve": about,
        "reopen": about,
        "mark_read": {**about, "seq": seqs()},
        "ping": {},
        # The agent's workspace (issue 12).
        "note": {**about, "text": message_texts(), "client_id": client_ids()},
        "notes": about,
        "labels": {
            **about,
            "labels": st.lists(
                st.integers(min_value=-1, max_value=10**9) | st.text(max_size=4), max_size=4
            ),
        },
        "canned": {},
        "search": {
            "query": st.text(max_size=210),
            "website_id": st.sampled_from([str(world.shop.id), str(world.blog.id), "", None]),
            "limit": st.integers(min_value=-1, max_value=60),
        },
        "viewing": {"conversation_id": conversation_ids(world) | st.none()},
    }
