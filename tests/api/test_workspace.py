"""The agent HTTP API of the workspace: notes, canned replies, labels, inbox filters, and
that another website's agent reaches none of them."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.test import APIClient

from django_livechat.groups import conversation_group, website_group
from django_livechat.models import CannedReply, Conversation, Label, Note
from tests.api.conftest import assert_error, bearer, messages_url, open_conversation, post_message
from tests.factories import make_user, make_website
from tests.layer import received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Internal: refund approved by finance"


def url(name: str, **kwargs: Any) -> str:
    return reverse(
        f"django_livechat:api-agent-{name}", kwargs={k: str(v) for k, v in kwargs.items()}
    )


def agent_client(user: Any) -> APIClient:
    client = APIClient()
    client.default_format = "json"  # the API parses JSON only
    client.force_login(user)
    return client


@pytest.fixture
def sites(api) -> dict[str, Any]:
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    ann = make_user("ann", first_name="Ann")
    for codename in ("change_cannedreply", "add_label"):
        ann.user_permissions.add(Permission.objects.get(codename=codename))
    bob, cat = make_user("bob"), make_user("cat")
    shop.agents.add(ann, cat)
    blog.agents.add(bob)
    chat = open_conversation(api, shop)
    assert post_message(api, chat["visitor_token"], "Hello", "v1").status_code == 201
    blog_chat = open_conversation(api, blog)
    return {
        "shop": shop,
        "blog": blog,
        "ann": agent_client(ann),
        "bob": agent_client(bob),
        "cat": agent_client(cat),
        "ann_user": ann,
        "bob_user": bob,
        "cat_user": cat,
        "chat": chat,
        "cid": chat["conversation_id"],
        "blog_cid": blog_chat["conversation_id"],
    }


# ---------------------------------------------------------------- notes


def test_notes_are_added_listed_and_never_shown_to_the_visitor(sites, api):
    cid, ann = sites["cid"], sites["ann"]
    to_dashboards = async_to_sync(subscribe)(website_group(sites["shop"].id))
    to_visitor = async_to_sync(subscribe)(conversation_group(cid))
    response = ann.post(url("notes", conversation_id=cid), {"text": SECRET, "client_id": "n1"})
    assert response.status_code == 201, response.content
    note = response.json()["note"]
    assert (note["text"], note["client_id"], note["author"]["name"]) == (SECRET, "n1", "Ann")
    assert async_to_sync(received)(to_dashboards) == [{"type": "note", "note": note}]
    assert async_to_sync(received)(to_visitor) == []
    again = ann.post(url("notes", conversation_id=cid), {"text": "x", "client_id": "n1"})
    assert (again.status_code, again.json()["note"]) == (200, note)
    listed = sites["cat"].get(url("notes", conversation_id=cid)).json()
    assert listed == {"conversation_id": cid, "notes": [note]}
    assert_error(ann.post(url("notes", conversation_id=cid), {"text": " "}), 400, "INVALID_MESSAGE")
    assert_error(ann.get(url("notes", conversation_id="nope")), 400, "INVALID_MESSAGE")

    # The visitor's API and the inbox never carry it.
    visitor_view = api.get(messages_url(), **bearer(sites["chat"]["visitor_token"]))
    assert visitor_view.status_code == 200 and SECRET not in visitor_view.content.decode()
    inbox = ann.get(url("conversations"))
    assert SECRET not in inbox.content.decode()
    messages = ann.get(url("messages", conversation_id=cid))
    assert SECRET not in messages.content.decode()


def test_another_websites_agent_reaches_no_notes(sites):
    cid, bob = sites["cid"], sites["bob"]
    sites["ann"].post(url("notes", conversation_id=cid), {"text": SECRET, "client_id": "n1"})
    for target in (cid, uuid.uuid4()):
        assert_error(bob.get(url("notes", conversation_id=target)), 404, "NOT_FOUND")
        posted = bob.post(url("notes", conversation_id=target), {"text": "x", "client_id": "b"})
        assert_error(posted, 404, "NOT_FOUND")
    assert Note.objects.count() == 1
    plain = agent_client(make_user("plain", agent=False))
    assert_error(plain.get(url("notes", conversation_id=cid)), 403, "FORBIDDEN")


def test_adding_a_note_needs_the_csrf_token(sites):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(sites["ann_user"])
    refused = client.post(url("notes", conversation_id=sites["cid"]), {"text": "x"}, format="json")
    assert "CSRF" in assert_error(refused, 403, "FORBIDDEN")["message"]
    assert not Note.objects.exists()


# ---------------------------------------------------------------- canned replies


def test_canned_replies_crud_with_the_permission_rule(sites):
    shop, ann, cat = sites["shop"], sites["ann"], sites["cat"]
    CannedReply.objects.create(website=sites["blog"], shortcut="blog", text="Blog's")
    created = cat.post(url("canned"), {"shortcut": "thanks", "text": "Thanks {visitor_name}!"})
    assert created.status_code == 201, created.content
    own = created.json()
    assert own["personal"] is True and own["website_id"] is None
    website_reply = {"shortcut": "hi", "text": "Hi", "website_id": str(shop.id), "personal": False}
    assert_error(cat.post(url("canned"), website_reply), 403, "FORBIDDEN")
    shared = ann.post(url("canned"), website_reply)
    assert shared.status_code == 201 and shared.json()["personal"] is False
    taken = ann.post(url("canned"), website_reply)
    assert "/hi" in assert_error(taken, 400, "INVALID_MESSAGE")["message"]

    assert [r["shortcut"] for r in cat.get(url("canned")).json()] == ["hi", "thanks"]
    assert [r["shortcut"] for r in cat.get(url("canned"), {"website": str(shop.id)}).json()] == [
        "hi",
        "thanks",
    ]
    assert_error(cat.get(url("canned"), {"website": str(sites["blog"].id)}), 404, "NOT_FOUND")
    assert_error(cat.get(url("canned"), {"website": "x"}), 400, "INVALID_MESSAGE")

    one = url("canned-reply", reply_id=own["id"])
    changed = cat.patch(one, {"text": "Thank you!"})
    assert changed.status_code == 200 and changed.json()["text"] == "Thank you!"
    shared_one = url("canned-reply", reply_id=shared.json()["id"])
    assert_error(cat.patch(shared_one, {"text": "no"}), 403, "FORBIDDEN")
    assert_error(cat.delete(shared_one), 403, "FORBIDDEN")
    # Cat's own reply is nobody else's business, and the blog's not the shop's agents'.
    assert_error(ann.patch(one, {"text": "mine now"}), 404, "NOT_FOUND")
    assert_error(sites["bob"].delete(one), 404, "NOT_FOUND")
    blog_one = url("canned-reply", reply_id=CannedReply.objects.get(shortcut="blog").pk)
    assert_error(ann.delete(blog_one), 404, "NOT_FOUND")
    assert_error(ann.patch(url("canned-reply", reply_id="x"), {}), 404, "NOT_FOUND")
    assert cat.delete(one).status_code == 204
    assert ann.delete(shared_one).status_code == 204
    assert list(CannedReply.objects.values_list("shortcut", flat=True)) == ["blog"]


# ---------------------------------------------------------------- labels


def test_labels_listed_created_and_set_on_a_conversation(sites):
    shop, ann, cat, cid = sites["shop"], sites["ann"], sites["cat"], sites["cid"]
    theirs = Label.objects.create(website=sites["blog"], name="Theirs")
    labels = url("labels", website_id=shop.id)
    assert_error(cat.post(labels, {"name": "Billing"}), 403, "FORBIDDEN")
    billing = ann.post(labels, {"name": "Billing", "color": "#00aa00"})
    assert billing.status_code == 201, billing.content
    bug = ann.post(labels, {"name": "Bug"}).json()
    assert_error(ann.post(labels, {"name": "bug"}), 400, "INVALID_MESSAGE")
    assert [x["name"] for x in cat.get(labels).json()] == ["Billing", "Bug"]

    to_dashboards = async_to_sync(subscribe)(website_group(shop.id))
    to_visitor = async_to_sync(subscribe)(conversation_group(cid))
    setting = url("conversation-labels", conversation_id=cid)
    response = cat.put(setting, {"labels": [bug["id"], billing.json()["id"]]})
    assert response.status_code == 200, response.content
    assert [x["name"] for x in response.json()["labels"]] == ["Billing", "Bug"]
    (frame,) = async_to_sync(received)(to_dashboards)
    assert frame["type"] == "conversation"
    assert frame["conversation"]["labels"] == response.json()["labels"]
    assert async_to_sync(received)(to_visitor) == []
    refused = cat.put(setting, {"labels": [theirs.pk]})
    assert str(theirs.pk) in assert_error(refused, 400, "INVALID_MESSAGE")["message"]
    assert_error(cat.put(setting, {}), 400, "INVALID_MESSAGE")

    # The inbox filters, over HTTP.
    def listed(client: APIClient, **query: Any) -> list[str]:
        answer = client.get(url("conversations"), query)
        assert answer.status_code == 200, answer.content
        return [c["conversation_id"] for c in answer.json()["conversations"]]

    assert listed(ann, label=bug["id"]) == [cid]
    assert listed(ann, label=bug["id"], assignee="me") == []
    assert listed(ann, assignee="none", website=str(shop.id)) == [cid]
    assert listed(ann, assignee=sites["cat_user"].pk) == []
    Conversation.objects.filter(pk=cid).update(assigned_agent=sites["cat_user"])
    assert listed(ann, assignee=sites["cat_user"].pk, status="open") == [cid]
    assert listed(sites["bob"], label=bug["id"]) == []
    for name in ("label", "assignee"):
        refused = assert_error(ann.get(f"{url('conversations')}?{name}="), 400, "INVALID_MESSAGE")
        assert name in refused["message"]


def test_another_websites_agent_reaches_no_labels(sites):
    shop, bob, cid = sites["shop"], sites["bob"], sites["cid"]
    mine = Label.objects.create(website=shop, name="Mine")
    Conversation.objects.get(pk=cid).labels.add(mine)
    sites["bob_user"].user_permissions.add(Permission.objects.get(codename="add_label"))
    labels = url("labels", website_id=shop.id)
    assert_error(bob.get(labels), 404, "NOT_FOUND")
    assert_error(bob.post(labels, {"name": "Sneaky"}), 404, "NOT_FOUND")
    assert_error(bob.get(url("labels", website_id=uuid.uuid4())), 404, "NOT_FOUND")
    setting = url("conversation-labels", conversation_id=cid)
    assert_error(bob.put(setting, {"labels": []}), 404, "NOT_FOUND")
    assert list(Conversation.objects.get(pk=cid).labels.all()) == [mine]
    assert not Label.objects.filter(name="Sneaky").exists()
