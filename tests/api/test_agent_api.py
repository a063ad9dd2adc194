"""The agent HTTP API: session and CSRF, every action, its broadcasts, and the scoping."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.test import APIClient

from django_livechat.conf import DEFAULT_AUTO_RESPONSE_AWAY_TEXT
from django_livechat.groups import agent_group, conversation_group, website_group
from django_livechat.models import Conversation, Message, ReadMarker
from tests.api.conftest import assert_error, open_conversation, post_message
from tests.factories import make_website
from tests.layer import received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


def make_user(username: str, *, agent: bool = True, **fields: Any) -> Any:
    user = get_user_model().objects.create_user(username, password="pw", **fields)
    if agent:
        user.user_permissions.add(Permission.objects.get(codename="reply_conversation"))
    return user


def url(name: str, conversation_id: Any = None) -> str:
    kwargs = {} if conversation_id is None else {"conversation_id": str(conversation_id)}
    return reverse(f"django_livechat:api-agent-{name}", kwargs=kwargs)


@pytest.fixture
def sites(api) -> dict[str, Any]:
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    ann = make_user("ann", first_name="Ann", last_name="Agent")
    bob = make_user("bob")
    cat = make_user("cat")
    shop.agents.add(ann, cat)
    blog.agents.add(bob)
    shop_chat = open_conversation(api, shop, user_identifier="ada@example.com")
    assert post_message(api, shop_chat["visitor_token"], "Where is my parcel?", "v1").status_code
    blog_chat = open_conversation(api, blog)
    assert post_message(api, blog_chat["visitor_token"], "Blog question", "b1").status_code
    return {
        "shop": shop,
        "blog": blog,
        "ann": ann,
        "bob": bob,
        "cat": cat,
        "shop_chat": shop_chat,
        "shop_id": shop_chat["conversation_id"],
        "blog_chat": blog_chat,
        "blog_id": blog_chat["conversation_id"],
    }


def agent_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def ann(sites) -> APIClient:
    return agent_client(sites["ann"])


def every_endpoint(conversation_id: Any) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("get", url("conversations"), {}),
        ("get", url("conversation", conversation_id), {}),
        ("get", url("messages", conversation_id), {}),
        ("post", url("messages", conversation_id), {"message": "hi", "client_id": "x"}),
        ("post", url("assign", conversation_id), {}),
        ("post", url("resolve", conversation_id), {}),
        ("post", url("reopen", conversation_id), {}),
        ("post", url("read", conversation_id), {"seq": 1}),
    ]


def call(client: APIClient, method: str, path: str, body: dict[str, Any]) -> Any:
    if method == "get":
        return client.get(path)
    return client.post(path, body, format="json")


# ---------------------------------------------------------------- who may call


def test_nobody_logged_in_and_non_agents_are_refused(sites, api):
    plain = agent_client(make_user("plain", agent=False, is_staff=True))
    for client in (api, plain):
        for method, path, body in every_endpoint(sites["shop_id"]):
            assert_error(call(client, method, path, body), 403, "FORBIDDEN")
    assert not Message.objects.filter(role="agent").exists()


def test_unsafe_methods_need_the_csrf_token(sites):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(sites["ann"])
    assert client.get(url("conversations")).status_code == 200
    refused = client.post(url("resolve", sites["shop_id"]), format="json")
    assert "CSRF" in assert_error(refused, 403, "FORBIDDEN")["message"]
    assert Conversation.objects.get(pk=sites["shop_id"]).status == "open"
    # The token the host's pages carry (cookie + header) makes it pass.
    client.get(reverse("admin:login"))
    token = client.cookies["csrftoken"].value
    done = client.post(url("resolve", sites["shop_id"]), format="json", HTTP_X_CSRFTOKEN=token)
    assert done.status_code == 200
    assert done.json()["status"] == "resolved"


# ---------------------------------------------------------------- reading


def test_list_conversations(sites, ann, api):
    later = open_conversation(api, sites["shop"])
    resolved = open_conversation(api, sites["shop"])
    post_message(api, resolved["visitor_token"], "Newest of all", "r1")
    Conversation.objects.filter(pk=resolved["conversation_id"]).update(status="resolved")

    response = ann.get(url("conversations"))
    assert response.status_code == 200
    data = response.json()
    assert data["has_more"] is False
    ids = [c["conversation_id"] for c in data["conversations"]]
    # Open first by last activity (no message yet: last), resolved after; no blog.
    assert ids == [sites["shop_id"], later["conversation_id"], resolved["conversation_id"]]
    first = data["conversations"][0]
    assert first["unread"] == 1
    assert first["last_read_seq"] == 0
    assert first["visitor_identifier"] == "ada@example.com"
    assert first["website_name"] == "Shop"
    assert first["metadata"] == {"identity_verified": False}
    assert first["last_message"]["message"] == DEFAULT_AUTO_RESPONSE_AWAY_TEXT
    assert first["assigned_agent"] is None

    def listed(**query: Any) -> list[str]:
        response = ann.get(url("conversations"), query)
        assert response.status_code == 200, response.content
        return [c["conversation_id"] for c in response.json()["conversations"]]

    assert listed(status="resolved") == [resolved["conversation_id"]]
    assert listed(website_id=str(sites["shop"].id), limit=1) == [sites["shop_id"]]
    assert ann.get(url("conversations"), {"limit": 1}).json()["has_more"] is True
    assert_error(ann.get(url("conversations"), {"status": "gone"}), 400, "INVALID_MESSAGE")
    assert_error(ann.get(url("conversations"), {"limit": 0}), 400, "INVALID_MESSAGE")
    assert_error(ann.get(url("conversations"), {"website_id": "x"}), 400, "INVALID_MESSAGE")
    # An empty filter is refused, not taken for no filter.
    assert_error(ann.get(url("conversations"), {"limit": "1.0"}), 400, "INVALID_MESSAGE")
    for name in ("website_id", "status", "limit", "changed_since"):
        refused = assert_error(ann.get(f"{url('conversations')}?{name}="), 400, "INVALID_MESSAGE")
        assert name in refused["message"]
    assert_error(
        ann.get(url("conversations"), {"website_id": str(sites["blog"].id)}), 403, "FORBIDDEN"
    )


def test_one_conversation_and_its_messages(sites, ann):
    entry = ann.get(url("conversation", sites["shop_id"])).json()
    assert entry["conversation_id"] == sites["shop_id"]
    assert entry["last_seq"] == 2
    messages = ann.get(url("messages", sites["shop_id"]), {"after_seq": 1}).json()
    assert messages["conversation_id"] == sites["shop_id"]
    assert [(m["seq"], m["role"]) for m in messages["messages"]] == [(2, "assistant")]
    assert messages["has_more"] is False
    everything = ann.get(url("messages", sites["shop_id"])).json()["messages"]
    assert [m["message"] for m in everything] == [
        "Where is my parcel?",
        DEFAULT_AUTO_RESPONSE_AWAY_TEXT,
    ]
    assert_error(
        ann.get(url("messages", sites["shop_id"]), {"after_seq": -1}), 400, "INVALID_MESSAGE"
    )
    assert_error(ann.get(url("conversation", uuid.uuid4())), 404, "NOT_FOUND")
    assert_error(ann.get(url("conversation", "not-a-uuid")), 400, "INVALID_MESSAGE")


# ---------------------------------------------------------------- acting


def test_post_an_agent_message(sites, ann, api):
    cid = sites["shop_id"]
    to_visitor = async_to_sync(subscribe)(conversation_group(cid))
    to_dashboards = async_to_sync(subscribe)(website_group(sites["shop"].id))

    response = ann.post(
        url("messages", cid), {"message": "On its way!", "client_id": "a-1"}, format="json"
    )
    assert response.status_code == 201
    message = response.json()["message"]
    assert (message["seq"], message["role"], message["message"]) == (3, "agent", "On its way!")
    assert message["is_manual"] is True and message["is_auto"] is False
    assert message["sender_name"] == "Ann Agent"  # agents see the full name
    stored = Message.objects.get(pk=message["message_id"])
    assert stored.sender == sites["ann"]
    # Visitors see the first name (never the username).
    for channel, name in ((to_visitor, "Ann"), (to_dashboards, "Ann Agent")):
        frames = async_to_sync(received)(channel)
        assert [f for f in frames if f["type"] == "chat_message"] == [
            {"type": "chat_message", **message, "sender_name": name}
        ]

    # The same client_id: the stored message, nothing new sent.
    again = ann.post(
        url("messages", cid), {"message": "On its way!", "client_id": "a-1"}, format="json"
    )
    assert again.status_code == 200
    assert again.json()["message"] == message
    assert async_to_sync(received)(to_visitor) == []
    assert Message.objects.filter(conversation_id=cid, role="agent").count() == 1

    # The visitor's next message gets no acknowledgement now that an agent replied.
    reply = post_message(api, sites["shop_chat"]["visitor_token"], "Thanks", "v2")
    assert reply.status_code == 201 and reply.json()["reply"] is None

    for body, status, code in (
        ({"client_id": "a-2"}, 400, "INVALID_MESSAGE"),
        ({"message": "   "}, 400, "INVALID_MESSAGE"),
        ({"message": "x" * 5000}, 413, "MESSAGE_TOO_LONG"),
    ):
        assert_error(ann.post(url("messages", cid), body, format="json"), status, code)
    assert_error(
        ann.post(url("messages", cid), "[]", content_type="application/json"), 400, "INVALID_JSON"
    )


def test_assign_resolve_reopen_and_mark_read(sites, ann):
    cid = sites["shop_id"]
    ann_data = {"user_id": sites["ann"].pk, "name": "Ann Agent"}
    to_visitor = async_to_sync(subscribe)(conversation_group(cid))
    to_dashboards = async_to_sync(subscribe)(website_group(sites["shop"].id))
    to_ann = async_to_sync(subscribe)(agent_group(sites["ann"].pk))

    assigned = ann.post(url("assign", cid), {}, format="json")
    assert assigned.status_code == 200
    assert assigned.json()["assigned_agent"] == ann_data
    to_cat = ann.post(url("assign", cid), {"agent_id": sites["cat"].pk}, format="json").json()
    assert to_cat["assigned_agent"] == {"user_id": sites["cat"].pk, "name": "cat"}
    assert_error(
        ann.post(url("assign", cid), {"agent_id": sites["bob"].pk}, format="json"),
        400,
        "INVALID_MESSAGE",
    )
    assert (
        ann.post(url("assign", cid), {"agent_id": None}, format="json").json()["assigned_agent"]
        is None
    )
    assignments = [
        e["assigned_agent"] and e["assigned_agent"]["name"]
        for e in async_to_sync(received)(to_dashboards)
        if e["type"] == "assignment"
    ]
    assert assignments == ["Ann Agent", "cat", None]

    assert ann.post(url("resolve", cid)).json()["status"] == "resolved"
    assert ann.post(url("reopen", cid)).json()["status"] == "open"
    statuses = [e for e in async_to_sync(received)(to_visitor) if e["type"] == "status"]
    assert statuses == [
        {"type": "status", "conversation_id": cid, "status": "resolved"},
        {"type": "status", "conversation_id": cid, "status": "open"},
    ]
    to_dashboard_statuses = [
        (e["status"], e["by"])
        for e in async_to_sync(received)(to_dashboards)
        if e["type"] == "status"
    ]
    assert to_dashboard_statuses == [("resolved", ann_data), ("open", ann_data)]

    read = ann.post(url("read", cid), {"seq": 1}, format="json")
    assert read.status_code == 200
    assert read.json() == {"conversation_id": cid, "last_read_seq": 1, "unread": 0}
    assert async_to_sync(received)(to_ann) == [{"type": "read", **read.json()}]
    assert ReadMarker.objects.get(user=sites["ann"]).last_read_seq == 1
    assert ann.get(url("conversation", cid)).json()["unread"] == 0
    for body in ({}, {"seq": "2"}, {"seq": -1}):
        assert_error(ann.post(url("read", cid), body, format="json"), 400, "INVALID_MESSAGE")


# ---------------------------------------------------------------- scoping


def test_an_agent_of_one_website_can_neither_see_nor_act_on_another(sites, ann):
    bid = sites["blog_id"]
    listed = [c["conversation_id"] for c in ann.get(url("conversations")).json()["conversations"]]
    assert listed == [sites["shop_id"]]
    to_visitor = async_to_sync(subscribe)(conversation_group(bid))
    to_dashboards = async_to_sync(subscribe)(website_group(sites["blog"].id))
    for method, path, body in every_endpoint(bid)[1:]:
        # Answered exactly like a missing conversation: nothing tells that it exists.
        assert_error(call(ann, method, path, body), 404, "NOT_FOUND")
    assert async_to_sync(received)(to_visitor) == []
    assert async_to_sync(received)(to_dashboards) == []
    conversation = Conversation.objects.get(pk=bid)
    assert (conversation.status, conversation.assigned_agent_id) == ("open", None)
    assert not Message.objects.filter(conversation_id=bid, role="agent").exists()
    assert not ReadMarker.objects.exists()
    # Bob, the blog's agent, may.
    bob = agent_client(sites["bob"])
    assert bob.post(url("resolve", bid)).status_code == 200
    assert [
        c["conversation_id"] for c in bob.get(url("conversations")).json()["conversations"]
    ] == [bid]


def test_a_superuser_sees_everything_and_staff_serving_none_nothing(sites, admin_user):
    root = agent_client(admin_user)
    listed = {c["conversation_id"] for c in root.get(url("conversations")).json()["conversations"]}
    assert listed == {sites["shop_id"], sites["blog_id"]}
    idle = agent_client(make_user("idle", is_staff=True))
    inbox = idle.get(url("conversations")).json()
    assert (inbox["conversations"], inbox["has_more"]) == ([], False)
    assert_error(idle.post(url("resolve", sites["shop_id"])), 404, "NOT_FOUND")


# ---------------------------------------------------------------- schema


def test_the_schema_describes_the_agent_api(api, capsys):
    from tests.api.test_schema import fetch_schema

    schema = fetch_schema(api, capsys)
    assert schema["components"]["securitySchemes"]["cookieAuth"]["in"] == "cookie"
    agent_paths = {p: item for p, item in schema["paths"].items() if "/agent/" in p}
    assert len(agent_paths) == 17
    for item in agent_paths.values():
        for operation in item.values():
            assert operation["security"] == [{"cookieAuth": []}]
            assert "403" in operation["responses"]
    post = schema["paths"]["/livechat/api/agent/conversations/{conversation_id}/messages/"]["post"]
    assert set(post["responses"]) == {"200", "201", "400", "403", "404", "413"}
    components = schema["components"]["schemas"]
    assert {"unread", "last_message", "assigned_agent", "metadata"} <= set(
        components["LivechatConversation"]["properties"]
    )
