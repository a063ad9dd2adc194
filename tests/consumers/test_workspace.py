"""The dashboard socket's workspace frames: notes, canned replies, labels, inbox filters,
and that none of it reaches a visitor or an agent of another website."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import Permission

from django_livechat import pipeline
from django_livechat.models import CannedReply, Conversation, Label, Note, Website
from tests.factories import make_user, make_website
from tests.sockets import Dashboard, Visitor

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Private: the visitor owes us money"


@database_sync_to_async
def setup_sites() -> dict[str, Any]:
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    ann = make_user("ann", first_name="Ann")
    bob = make_user("bob")  # serves the blog only
    cat = make_user("cat")  # a second agent of the shop
    shop.agents.add(ann, cat)
    blog.agents.add(bob)
    labels = {
        "billing": Label.objects.create(website=shop, name="Billing", color="#aa0000"),
        "bug": Label.objects.create(website=shop, name="Bug"),
        "theirs": Label.objects.create(website=blog, name="Theirs"),
    }
    CannedReply.objects.create(website=shop, shortcut="hello", text="Hello {visitor_name}")
    CannedReply.objects.create(website=blog, shortcut="blog", text="Blog's")
    CannedReply.objects.create(owner=ann, shortcut="mine", text="Ann's own")
    ann.user_permissions.add(Permission.objects.get(codename="change_cannedreply"))
    return {"shop": shop, "blog": blog, "ann": ann, "bob": bob, "cat": cat, **labels}


@pytest.fixture
async def sites() -> dict[str, Any]:
    return await setup_sites()


async def start_chat(website: Website, text: str = "Hello") -> tuple[Visitor, str]:
    visitor = await Visitor().__aenter__()
    identified = await visitor.identify(website)
    await visitor.send(type="chat_message", message=text, client_id=f"v-{uuid.uuid4().hex}")
    await visitor.recv_type("chat_message")
    await visitor.recv_type("chat_message")
    await pipeline.drain()
    return visitor, identified["conversation_id"]


async def test_a_note_reaches_the_websites_dashboards_and_never_the_visitor(sites):
    visitor, cid = await start_chat(sites["shop"])
    async with Dashboard(sites["ann"]) as ann, Dashboard(sites["cat"]) as cat:
        async with Dashboard(sites["bob"]) as bob:
            await ann.send(type="note", conversation_id=cid, text=SECRET, client_id="n1")
            frame = await ann.recv_type("note")
            assert frame["note"]["text"] == SECRET
            assert frame["note"]["author"]["name"] == "Ann"
            assert await cat.recv_type("note") == frame
            await bob.nothing()
            # A retry: the stored note, to the sender only.
            await ann.send(type="note", conversation_id=cid, text="again", client_id="n1")
            assert await ann.recv_type("note") == frame
            await cat.nothing()
            await ann.send(type="notes", conversation_id=cid)
            listed = await ann.recv_type("notes")
            assert listed == {"type": "notes", "conversation_id": cid, "notes": [frame["note"]]}

            # Bob (the blog's) cannot read or add to it: like a missing conversation.
            await bob.send(type="notes", conversation_id=cid)
            assert "No such conversation" in (await bob.error("NOT_FOUND"))["message"]
            await bob.send(type="note", conversation_id=cid, text="sneaky", client_id="b1")
            await bob.error("NOT_FOUND")
            await ann.send(type="note", conversation_id=cid, text="  ", client_id="n2")
            await ann.error("INVALID_MESSAGE")
        # The visitor: no frame, and their history has no note.
        await visitor.nothing()
        await visitor.send(type="history", last_seq=0)
        history = await visitor.recv_type("history")
        assert SECRET not in json.dumps(history)
        # Nor does the inbox preview.
        await ann.send(type="conversations")
        inbox = await ann.recv_type("conversations")
        assert SECRET not in json.dumps(inbox)
    await visitor.__aexit__()
    assert await database_sync_to_async(Note.objects.count)() == 1


async def test_ready_and_the_canned_request_carry_the_agents_replies_and_labels(sites):
    async with Dashboard(sites["ann"]) as ann, Dashboard(sites["bob"]) as bob:
        assert [(r["shortcut"], r["personal"]) for r in ann.ready["canned"]] == [
            ("hello", False),
            ("mine", True),
        ]
        (shop,) = ann.ready["websites"]
        assert [label["name"] for label in shop["labels"]] == ["Billing", "Bug"]
        assert [r["shortcut"] for r in bob.ready["canned"]] == ["blog"]
        (blog,) = bob.ready["websites"]
        assert [label["name"] for label in blog["labels"]] == ["Theirs"]

        await ann.send(type="canned")
        assert (await ann.recv_type("canned"))["replies"] == ann.ready["canned"]
        await ann.send(type="canned", website_id=str(sites["shop"].id))
        assert (await ann.recv_type("canned"))["replies"] == ann.ready["canned"]
        await bob.send(type="canned", website_id=str(sites["shop"].id))
        await bob.error("NOT_FOUND")


async def test_labels_set_over_the_socket_reach_the_websites_dashboards(sites):
    visitor, cid = await start_chat(sites["shop"])
    billing, bug, theirs = (sites[k].pk for k in ("billing", "bug", "theirs"))
    async with Dashboard(sites["ann"]) as ann, Dashboard(sites["cat"]) as cat:
        async with Dashboard(sites["bob"]) as bob:
            await ann.send(type="labels", conversation_id=cid, labels=[bug, billing])
            answers = [await ann.recv_type("conversation") for _ in range(2)]
            for answer in answers:
                assert [x["name"] for x in answer["conversation"]["labels"]] == ["Billing", "Bug"]
            seen = (await cat.recv_type("conversation"))["conversation"]
            assert seen["labels"] == answers[0]["conversation"]["labels"]
            await bob.nothing()

            await ann.send(type="labels", conversation_id=cid, labels=[billing, theirs])
            assert str(theirs) in (await ann.error("INVALID_MESSAGE"))["message"]
            await bob.send(type="labels", conversation_id=cid, labels=[])
            await bob.error("NOT_FOUND")
            await cat.nothing()

            # The inbox filters.
            await ann.send(type="conversations", label=bug)
            assert [c["conversation_id"] for c in (await ann.recv())["conversations"]] == [cid]
            await ann.send(type="conversations", label=bug, assignee="me")
            answer = await ann.recv()
            assert answer["conversations"] == []
            # A filtered answer repeats its filters: clients merge it instead of taking it
            # for the whole inbox (even an empty one, or one filtering by nobody).
            assert answer["filters"] == {"label": bug, "assignee": "me"}
            await ann.send(type="conversations", assignee="none", status="open")
            answer = await ann.recv()
            assert [c["conversation_id"] for c in answer["conversations"]] == [cid]
            assert answer["filters"] == {"status": "open", "assignee": "none"}
            await ann.send(type="conversations", assignee="no-such-user")
            assert (await ann.recv())["filters"] == {"assignee": "no-such-user"}
            await ann.send(type="conversations")
            assert "filters" not in await ann.recv()
            # Bob cannot filter into the shop with its label.
            await bob.send(type="conversations", label=bug)
            assert (await bob.recv())["conversations"] == []
            await bob.send(type="conversations", website_id=str(sites["shop"].id), label=bug)
            await bob.error("FORBIDDEN")
            await ann.send(type="conversations", assignee=["x"])
            await ann.error("INVALID_MESSAGE")
        await visitor.nothing()
    await visitor.__aexit__()
    labels = await database_sync_to_async(
        lambda: sorted(Conversation.objects.get(pk=cid).labels.values_list("name", flat=True))
    )()
    assert labels == ["Billing", "Bug"]
