from __future__ import annotations

import pytest
from django.urls import reverse

from django_livechat.models import Conversation, Message, Website

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(admin_user):
    shop = Website.objects.create(name="Shop", allowed_origins=["https://shop.example.com"])
    blog = Website.objects.create(name="Blog", allowed_origins=["https://blog.example.com"])
    shop.agents.add(admin_user)
    open_conversation = Conversation.objects.create(
        website=shop, visitor_identifier="ada@example.com", last_seq=2
    )
    resolved = Conversation.objects.create(
        website=blog, visitor_identifier="bob@example.com", status=Conversation.Status.RESOLVED
    )
    messages = [
        Message.objects.create(
            conversation=open_conversation,
            seq=1,
            role=Message.Role.USER,
            content="Where is my parcel?",
            client_id="outbox-zq1",  # not hex: searches also match conversation ids
        ),
        Message.objects.create(
            conversation=open_conversation,
            seq=2,
            role=Message.Role.AGENT,
            content="Your parcel left the warehouse today.",
            sender=admin_user,
        ),
    ]
    return {
        "shop": shop,
        "blog": blog,
        "open": open_conversation,
        "resolved": resolved,
        "messages": messages,
    }


def changelist(admin_client, model, query=None):
    url = reverse(f"admin:django_livechat_{model._meta.model_name}_changelist")
    response = admin_client.get(url, query or {})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def change_url(obj):
    return reverse(f"admin:django_livechat_{obj._meta.model_name}_change", args=[obj.pk])


def add_url(model):
    return reverse(f"admin:django_livechat_{model._meta.model_name}_add")


# Website: fully editable ---------------------------------------------------


def test_website_changelist(admin_client, chat):
    assert changelist(admin_client, Website) == [chat["blog"], chat["shop"]]
    assert changelist(admin_client, Website, {"q": "shop"}) == [chat["shop"]]
    assert changelist(admin_client, Website, {"q": "blog.example.com"}) == [chat["blog"]]
    assert changelist(admin_client, Website, {"is_active__exact": "1"}) == [
        chat["blog"],
        chat["shop"],
    ]
    assert changelist(admin_client, Website, {"is_active__exact": "0"}) == []


def test_website_change_page_is_editable(admin_client, chat):
    response = admin_client.get(change_url(chat["shop"]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {"name", "is_active", "allowed_origins", "agents", "identity_secret"} <= set(form.fields)
    assert b'name="_save"' in response.content


def test_website_add_page(admin_client):
    assert admin_client.get(add_url(Website)).status_code == 200


def test_website_admin_form_normalises_and_validates_origins(admin_client, chat):
    url = change_url(chat["shop"])
    data = {
        "name": "Shop",
        "is_active": "on",
        "allowed_origins": '["https://example.com/path"]',
        "auto_response_text": "",
        "identity_secret": chat["shop"].identity_secret,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "allowed_origins" in response.context["adminform"].form.errors

    data["allowed_origins"] = '["HTTPS://Shop.Example.com:443"]'
    response = admin_client.post(url, data)
    assert response.status_code == 302
    chat["shop"].refresh_from_db()
    assert chat["shop"].allowed_origins == ["https://shop.example.com"]


# Conversation: read-only ---------------------------------------------------


def test_conversation_changelist(admin_client, chat):
    assert set(changelist(admin_client, Conversation)) == {chat["open"], chat["resolved"]}
    assert changelist(admin_client, Conversation, {"status__exact": "open"}) == [chat["open"]]
    assert changelist(admin_client, Conversation, {"status__exact": "resolved"}) == [
        chat["resolved"]
    ]
    assert changelist(admin_client, Conversation, {"website__id__exact": str(chat["blog"].pk)}) == [
        chat["resolved"]
    ]
    assert changelist(admin_client, Conversation, {"q": "ada@"}) == [chat["open"]]
    assert changelist(admin_client, Conversation, {"q": str(chat["open"].pk)}) == [chat["open"]]
    assert changelist(admin_client, Conversation, {"q": "Blog"}) == [chat["resolved"]]


def test_conversation_search_by_message_content_lists_each_once(admin_client, chat):
    # Both messages of the open conversation contain "parcel".
    assert changelist(admin_client, Conversation, {"q": "parcel"}) == [chat["open"]]
    assert (
        changelist(admin_client, Conversation, {"q": "parcel", "status__exact": "resolved"}) == []
    )


def test_conversation_change_page_is_read_only_with_messages_inline(admin_client, chat):
    response = admin_client.get(change_url(chat["open"]))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert response.context["adminform"].form.fields == {}  # every field read-only
    assert b'name="_save"' not in response.content
    content = response.content.decode()
    assert "Where is my parcel?" in content
    assert "Your parcel left the warehouse today." in content
    (inline,) = response.context["inline_admin_formsets"]
    assert inline.formset.model is Message
    assert [form.instance for form in inline.formset.forms] == chat["messages"]
    assert not inline.has_add_permission


def test_conversation_cannot_be_added_or_changed(admin_client, chat):
    assert admin_client.get(add_url(Conversation)).status_code == 403
    response = admin_client.post(
        change_url(chat["open"]), {"status": "resolved", "visitor_identifier": "x"}
    )
    assert response.status_code == 403
    chat["open"].refresh_from_db()
    assert chat["open"].status == Conversation.Status.OPEN
    assert chat["open"].visitor_identifier == "ada@example.com"


# Message: read-only ----------------------------------------------------------


def test_message_changelist(admin_client, chat):
    user_message, agent_message = chat["messages"]
    assert set(changelist(admin_client, Message)) == {user_message, agent_message}
    assert changelist(admin_client, Message, {"role__exact": "agent"}) == [agent_message]
    assert changelist(admin_client, Message, {"q": "warehouse"}) == [agent_message]
    assert changelist(admin_client, Message, {"q": "outbox-zq1"}) == [user_message]
    assert changelist(admin_client, Message, {"q": "ada@example"}) == [
        user_message,
        agent_message,
    ]
    assert (
        changelist(
            admin_client, Message, {"conversation__website__id__exact": str(chat["blog"].pk)}
        )
        == []
    )


def test_message_change_page_is_read_only(admin_client, chat):
    message = chat["messages"][0]
    response = admin_client.get(change_url(message))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert response.context["adminform"].form.fields == {}
    assert b'name="_save"' not in response.content
    assert "Where is my parcel?" in response.content.decode()


def test_message_cannot_be_added_or_changed(admin_client, chat):
    message = chat["messages"][0]
    assert admin_client.get(add_url(Message)).status_code == 403
    response = admin_client.post(change_url(message), {"content": "edited"})
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.content == "Where is my parcel?"


def test_long_content_is_shortened_in_the_message_list(admin_client, chat):
    long = Message.objects.create(
        conversation=chat["resolved"], seq=1, role=Message.Role.USER, content="x" * 100
    )
    response = admin_client.get(reverse("admin:django_livechat_message_changelist"))
    content = response.content.decode()
    assert "x" * 79 + "…" in content
    assert "x" * 80 not in content
    assert long in response.context["cl"].result_list
