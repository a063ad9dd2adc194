from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import Client, RequestFactory
from django.urls import reverse

from demo.demo_data import AGENT_PERMISSIONS
from django_livechat.models import Conversation, Message, Note, Website
from tests.factories import make_user

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
    assert {"name", "is_active", "allowed_origins", "agents"} <= set(form.fields)
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
    inline, notes = response.context["inline_admin_formsets"]
    assert inline.formset.model is Message
    assert notes.formset.model is Note
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


WRAP_STYLE = "overflow-wrap: anywhere"


def test_a_long_unbroken_message_wraps_on_every_page(admin_client, chat):
    unbroken = "https://example.com/" + "a" * 500
    long = Message.objects.create(
        conversation=chat["resolved"], seq=1, role=Message.Role.USER, content=unbroken
    )
    for url in (change_url(long), change_url(chat["resolved"])):
        content = admin_client.get(url).content.decode()
        assert unbroken in content
        before = content[: content.index(unbroken)]
        assert WRAP_STYLE in before[before.rindex("<div") :], url
    listed = admin_client.get(changelist_url(Message)).content.decode()
    assert WRAP_STYLE in listed


def test_the_lists_show_website_names_not_ids(admin_client, chat):
    for model in (Conversation, Message):
        content = admin_client.get(changelist_url(model)).content.decode()
        assert ">Shop<" in content or "@ Shop" in content
        assert str(chat["shop"].pk) not in content.replace(f"={chat['shop'].pk}", "")
    message_list = admin_client.get(changelist_url(Message)).content.decode()
    assert "ada@example.com @ Shop" in message_list
    assert '<td class="field-website">Shop</td>' in message_list


def test_a_websites_widget_appearance_is_edited_and_validated(admin_client, chat):
    url = change_url(chat["shop"])
    page = admin_client.get(url).content.decode()
    assert "Widget appearance" in page
    data = {
        "name": "Shop",
        "is_active": "on",
        "allowed_origins": '["https://shop.example.com"]',
        "auto_response_text": "",
        "widget_color": "url(javascript:alert(1))",
        "widget_theme": "dark",
        "widget_position": "left",
        "widget_title": "t" * 81,
        "widget_greeting": "Hello!",
        "widget_away_text": "",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"widget_color", "widget_title"}
    response = admin_client.post(url, {**data, "widget_color": "#0a0", "widget_title": "Help"})
    assert response.status_code == 302
    chat["shop"].refresh_from_db()
    assert (chat["shop"].widget_color, chat["shop"].widget_title) == ("#0a0", "Help")
    assert (chat["shop"].widget_theme, chat["shop"].widget_position) == ("dark", "left")


# Business hours, pre-chat form, email; the visitor's answers and rating (issue 11)


def website_form_data(**overrides):
    return {
        "name": "Shop",
        "is_active": "on",
        "allowed_origins": '["https://shop.example.com"]',
        "widget_color": "",
        "widget_theme": "",
        "widget_position": "",
        **overrides,
    }


def test_a_websites_hours_and_form_are_edited_and_validated(admin_client, chat):
    url = change_url(chat["shop"])
    page = admin_client.get(url).content.decode()
    for section in ("Business hours", "Pre-chat form", "Email"):
        assert f">{section}<" in page
    bad = website_form_data(
        time_zone="Mars/Olympus",
        business_hours='{"mon": [["17:00", "09:00"]]}',
        closed_dates='["2026-13-01"]',
        prechat_fields='[{"name": "email", "label": "E", "type": "text"}]',
    )
    response = admin_client.post(url, bad)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"time_zone", "business_hours", "closed_dates", "prechat_fields"}
    assert "Mars/Olympus is not a time zone name" in errors["time_zone"][0]
    assert "must each open before they close" in errors["business_hours"][0]
    good = website_form_data(
        time_zone="Europe/Berlin",
        business_hours='{"mon": [["09:00", "17:00"]]}',
        closed_dates='["2026-12-25"]',
        reply_time="a few minutes",
        prechat_enabled="on",
        prechat_consent_text="I agree.",
        prechat_fields='[{"name": "topic", "label": "Topic", "type": "text"}]',
        notify_agents="on",
    )
    assert admin_client.post(url, good).status_code == 302
    shop = Website.objects.get(pk=chat["shop"].pk)
    assert shop.business_hours == {"mon": [["09:00", "17:00"]]}
    assert shop.closed_dates == ["2026-12-25"]
    assert shop.prechat_enabled and shop.prechat_fields[0]["name"] == "topic"
    assert (shop.email_followup, shop.notify_agents) == (False, True)
    # Blank JSON is the empty schedule (always open), not an error or a null.
    blank = website_form_data(business_hours="", closed_dates="", prechat_fields="")
    assert admin_client.post(url, blank).status_code == 302
    shop.refresh_from_db()
    assert (shop.business_hours, shop.closed_dates, shop.prechat_fields) == ({}, [], [])


def test_a_websites_round_robin_and_retention_are_edited_and_validated(admin_client, chat):
    url = change_url(chat["shop"])
    page = admin_client.get(url).content.decode()
    assert ">Assignment and retention<" in page
    response = admin_client.post(url, website_form_data(retention_days="0"))
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"retention_days"}
    good = website_form_data(auto_assign="on", retention_days="90")
    assert admin_client.post(url, good).status_code == 302
    shop = Website.objects.get(pk=chat["shop"].pk)
    assert (shop.auto_assign, shop.retention_days) == (True, 90)


def test_a_conversation_shows_the_visitors_contact_answers_and_rating(admin_client, chat):
    conversation = chat["resolved"]
    conversation.visitor_name = "Bob Builder"
    conversation.visitor_email = "bob@builder.example"
    conversation.prechat = {"topic": "Scaffolding"}
    conversation.rating = 4
    conversation.rating_comment = "Solid answers."
    conversation.save()
    page = admin_client.get(change_url(conversation)).content.decode()
    for text in ("Bob Builder", "bob@builder.example", "Scaffolding", "Solid answers."):
        assert text in page
    assert changelist(admin_client, Conversation, {"q": "builder.example"}) == [conversation]


# The identity secret: shown once when made, never again -------------------------


def history_url(obj):
    return reverse(f"admin:django_livechat_{obj._meta.model_name}_history", args=[obj.pk])


def delete_url(obj):
    return reverse(f"admin:django_livechat_{obj._meta.model_name}_delete", args=[obj.pk])


def changelist_url(model):
    return reverse(f"admin:django_livechat_{model._meta.model_name}_changelist")


def test_no_admin_page_shows_a_websites_identity_secret(admin_client, chat):
    secret = chat["shop"].identity_secret
    for url in (
        changelist_url(Website),
        change_url(chat["shop"]),
        history_url(chat["shop"]),
        changelist_url(Conversation),
        change_url(chat["open"]),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200
        assert secret not in response.content.decode(), url
    response = admin_client.get(change_url(chat["shop"]))
    assert "identity_secret" not in response.context["adminform"].form.fields
    assert "shown once" in response.content.decode()


def test_a_posted_identity_secret_is_ignored(admin_client, chat):
    secret = chat["shop"].identity_secret
    data = {
        "name": "Shop",
        "is_active": "on",
        "allowed_origins": '["https://shop.example.com"]',
        "auto_response_text": "",
        "identity_secret": "chosen-by-the-poster",
    }
    assert admin_client.post(change_url(chat["shop"]), data).status_code == 302
    chat["shop"].refresh_from_db()
    assert chat["shop"].identity_secret == secret


def test_adding_a_website_shows_its_secret_once(admin_client):
    data = {"name": "Docs", "is_active": "on", "allowed_origins": "[]", "auto_response_text": ""}
    response = admin_client.post(add_url(Website), data, follow=True)
    assert response.status_code == 200
    website = Website.objects.get(name="Docs")
    assert website.identity_secret in response.content.decode()
    assert "not shown again" in response.content.decode()
    for url in (changelist_url(Website), change_url(website)):
        assert website.identity_secret not in admin_client.get(url).content.decode()


def regenerate(client, *websites):
    return client.post(
        changelist_url(Website),
        {
            "action": "regenerate_identity_secret",
            "_selected_action": [str(website.pk) for website in websites],
        },
        follow=True,
    )


def test_the_regenerate_action_replaces_the_secret_and_shows_it_once(admin_client, chat):
    old, blog_secret = chat["shop"].identity_secret, chat["blog"].identity_secret
    response = regenerate(admin_client, chat["shop"])
    assert response.status_code == 200
    chat["shop"].refresh_from_db()
    chat["blog"].refresh_from_db()
    assert chat["shop"].identity_secret != old
    assert chat["blog"].identity_secret == blog_secret
    assert chat["shop"].identity_secret in response.content.decode()
    assert old not in response.content.decode()
    again = admin_client.get(changelist_url(Website))
    assert chat["shop"].identity_secret not in again.content.decode()
    (entry,) = LogEntry.objects.filter(object_id=str(chat["shop"].pk))
    assert entry.get_change_message() == "Regenerated the identity secret."


@pytest.mark.parametrize(
    ("model", "lookup"),
    [
        (Website, "identity_secret__startswith"),
        (Website, "identity_secret"),
        (Website, "identity_secret__regex"),
        (Conversation, "website__identity_secret__startswith"),
        (Message, "conversation__website__identity_secret__startswith"),
    ],
)
def test_the_secret_cannot_be_probed_with_list_lookups(admin_client, chat, model, lookup):
    # One character at a time, a filter that matches or not would read the secret.
    response = admin_client.get(changelist_url(model), {lookup: chat["shop"].identity_secret[:1]})
    assert response.status_code == 400


# Scoping: an agent sees and changes only the websites they serve ----------------


def staff_agent(username, *websites, permissions=(), agent=True):
    """A staff user with the demo agent's permissions (and ``permissions``)."""
    user = make_user(username, agent=agent, is_staff=True)
    codenames = [*AGENT_PERMISSIONS, *permissions]
    if not agent:
        codenames.remove("reply_conversation")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="django_livechat", codename__in=codenames
        )
    )
    for website in websites:
        website.agents.add(user)
    client = Client()
    client.force_login(user)
    return user, client


@pytest.fixture
def agent(chat):
    """The demo's kind of agent, serving the shop (not the blog)."""
    return staff_agent("ann", chat["shop"])


@pytest.fixture
def docs_site(chat):
    return Website.objects.create(name="Docs", allowed_origins=["https://docs.example.com"])


def test_an_agent_lists_only_their_websites_rows(agent, chat):
    _, client = agent
    user_message, agent_message = chat["messages"]
    assert changelist(client, Website) == [chat["shop"]]
    assert changelist(client, Conversation) == [chat["open"]]
    assert set(changelist(client, Message)) == {user_message, agent_message}
    blog_message = Message.objects.create(
        conversation=chat["resolved"], seq=1, role=Message.Role.USER, content="Blog question"
    )
    assert blog_message not in changelist(client, Message)
    assert changelist(client, Conversation, {"q": "bob@"}) == []
    assert changelist(client, Message, {"q": "Blog question"}) == []
    assert changelist(client, Website, {"q": "blog"}) == []


def website_filter_choices(client, model):
    response = client.get(changelist_url(model))
    assert response.status_code == 200
    for spec in response.context["cl"].filter_specs:
        if spec.field_path.endswith("website"):
            return [name for _, name in spec.lookup_choices]
    return None


def test_the_website_filters_offer_only_the_websites_in_scope(agent, chat, docs_site, admin_client):
    user, client = agent
    assert website_filter_choices(client, Conversation) is None  # one website: no filter
    docs_site.agents.add(user)
    assert website_filter_choices(client, Conversation) == ["Docs", "Shop"]
    assert website_filter_choices(client, Message) == ["Docs", "Shop"]
    assert website_filter_choices(admin_client, Conversation) == ["Blog", "Docs", "Shop"]
    assert website_filter_choices(admin_client, Message) == ["Blog", "Docs", "Shop"]
    # Naming another website in the query shows nothing of it.
    blog = {"website__id__exact": str(chat["blog"].pk)}
    assert chat["resolved"] not in changelist(client, Conversation, blog)


def test_other_websites_objects_are_not_found(agent, chat):
    _, client = agent
    blog_message = Message.objects.create(
        conversation=chat["resolved"], seq=1, role=Message.Role.USER, content="Blog question"
    )
    for obj in (chat["blog"], chat["resolved"], blog_message):
        for url in (change_url(obj), history_url(obj), delete_url(obj)):
            assert client.get(url).status_code == 404, url
    for obj in (chat["shop"], chat["open"], chat["messages"][0]):
        assert client.get(change_url(obj)).status_code == 200


def test_a_missing_object_is_a_404_for_superusers_too(admin_client, chat):
    shop_id = chat["shop"].pk
    chat["shop"].delete()
    url = reverse("admin:django_livechat_website_change", args=[shop_id])
    assert admin_client.get(url).status_code == 404


def test_a_staff_user_who_is_not_an_agent_sees_no_chat_data(chat):
    _, client = staff_agent("viewer", chat["shop"], agent=False)
    assert changelist(client, Website) == []
    assert changelist(client, Conversation) == []
    assert changelist(client, Message) == []
    assert client.get(change_url(chat["shop"])).status_code == 404


def test_an_agent_changes_only_their_websites_and_not_who_serves_them(chat, admin_user):
    user, client = staff_agent("ann", chat["shop"], permissions=["change_website"])
    response = client.get(change_url(chat["shop"]))
    form = response.context["adminform"].form
    assert "name" in form.fields
    assert "agents" not in form.fields  # read-only: who serves a website is for superusers
    data = {
        "name": "Shop (renamed)",
        "is_active": "on",
        "allowed_origins": '["https://shop.example.com"]',
        "auto_response_text": "",
        "agents": [str(user.pk)],
    }
    assert client.post(change_url(chat["shop"]), data).status_code == 302
    chat["shop"].refresh_from_db()
    assert chat["shop"].name == "Shop (renamed)"
    assert set(chat["shop"].agents.all()) == {admin_user, user}
    assert client.post(change_url(chat["blog"]), {**data, "name": "Mine"}).status_code == 404
    chat["blog"].refresh_from_db()
    assert chat["blog"].name == "Blog"


def test_an_agent_regenerates_only_their_websites_secrets(chat):
    _, client = staff_agent("ann", chat["shop"], permissions=["change_website"])
    shop_secret, blog_secret = chat["shop"].identity_secret, chat["blog"].identity_secret
    response = regenerate(client, chat["blog"])
    assert blog_secret not in response.content.decode()
    chat["blog"].refresh_from_db()
    assert chat["blog"].identity_secret == blog_secret
    response = regenerate(client, chat["shop"])
    chat["shop"].refresh_from_db()
    assert chat["shop"].identity_secret != shop_secret
    assert chat["shop"].identity_secret in response.content.decode()


def test_a_view_only_agent_cannot_regenerate_a_secret(agent, chat):
    _, client = agent
    secret = chat["shop"].identity_secret
    regenerate(client, chat["shop"])
    chat["shop"].refresh_from_db()
    assert chat["shop"].identity_secret == secret


def test_a_website_an_agent_adds_is_theirs(chat):
    user, client = staff_agent("ann", permissions=["add_website", "change_website"])
    assert client.get(add_url(Website)).status_code == 200
    data = {"name": "Docs", "is_active": "on", "allowed_origins": "[]", "auto_response_text": ""}
    response = client.post(add_url(Website), data, follow=True)
    website = Website.objects.get(name="Docs")
    assert list(website.agents.all()) == [user]
    assert website.identity_secret in response.content.decode()
    assert changelist(client, Website) == [website]


def test_relation_choices_are_scoped(agent, chat, admin_user):
    user, _ = agent
    request = RequestFactory().get("/")
    conversation_admin = admin.site._registry[Conversation]
    message_admin = admin.site._registry[Message]
    website_field = Conversation._meta.get_field("website")
    conversation_field = Message._meta.get_field("conversation")
    request.user = user
    assert list(conversation_admin.formfield_for_foreignkey(website_field, request).queryset) == [
        chat["shop"]
    ]
    assert list(message_admin.formfield_for_foreignkey(conversation_field, request).queryset) == [
        chat["open"]
    ]
    request.user = admin_user
    assert set(conversation_admin.formfield_for_foreignkey(website_field, request).queryset) == {
        chat["shop"],
        chat["blog"],
    }


# Bots (issue 13)


def test_a_websites_bot_is_switched_and_its_responder_validated(admin_client, chat):
    url = change_url(chat["shop"])
    assert ">Bot<" in admin_client.get(url).content.decode()
    bad = website_form_data(bot_enabled="on", responder="no.such.module.answer")
    response = admin_client.post(url, bad)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"responder"} and "cannot be imported" in errors["responder"][0]
    not_callable = website_form_data(bot_enabled="on", responder="django_livechat.conf.DEFAULTS")
    assert (
        "not callable"
        in admin_client.post(url, not_callable).context["adminform"].form.errors["responder"][0]
    )
    good = website_form_data(responder="django_livechat.responders.acknowledge")
    assert admin_client.post(url, good).status_code == 302  # bot_enabled unticked
    shop = Website.objects.get(pk=chat["shop"].pk)
    assert shop.responder == "django_livechat.responders.acknowledge"
    assert shop.bot_enabled is False


def test_only_superusers_name_a_websites_responder(chat):
    _, client = staff_agent("ann", chat["shop"], permissions=["change_website"])
    form = client.get(change_url(chat["shop"])).context["adminform"].form
    assert "bot_enabled" in form.fields
    assert "responder" not in form.fields  # it names code the server runs
