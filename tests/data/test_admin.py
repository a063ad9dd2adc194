"""The admin's data side: exporting selected conversations (streamed), the private
notes inline, and the workspace's models scoped like the rest."""

from __future__ import annotations

import csv
import io
import json

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import Permission
from django.test import AsyncClient, Client
from django.urls import reverse

from django_livechat.models import CannedReply, Conversation, Label
from tests.data.conftest import chat, note
from tests.factories import make_user, make_website

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:django_livechat_conversation_changelist"


def staff(username, *codenames):
    user = make_user(username, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def sites():
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    ann = staff("ann", "view_conversation", "view_label", "view_cannedreply", "add_cannedreply")
    shop.agents.add(ann)
    ours = chat(shop, "Shop question", "Shop answer", visitor_email="ada@example.com")
    other = chat(shop, "Second shop chat")
    theirs = chat(blog, "Blog question")
    note(ours, "private remark")
    return {"shop": shop, "blog": blog, "ann": ann, "ours": ours, "other": other, "theirs": theirs}


def export(client, action, pks):
    return client.post(
        reverse(CHANGELIST), {"action": action, "_selected_action": [str(pk) for pk in pks]}
    )


def test_export_selected_as_csv_streams_only_what_is_in_scope(sites):
    client = Client()
    client.force_login(sites["ann"])
    response = export(client, "export_csv", [sites["ours"].pk, sites["theirs"].pk])
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="conversations-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    # Blog's conversation is out of scope: not exported even when its id is posted.
    assert [r["content"] for r in rows] == ["Shop question", "Shop answer"]
    assert all("private remark" not in value for r in rows for value in r.values())


def test_export_as_json_lines_under_asgi_is_an_async_stream(sites):
    client = AsyncClient()
    client.force_login(sites["ann"])
    url = reverse(CHANGELIST)
    body = {
        "action": "export_jsonl",
        "_selected_action": [str(sites["ours"].pk), str(sites["other"].pk)],
    }

    async def post():  # Django 4.2's AsyncClient.post is not marked async
        return await client.post(url, body)

    response = async_to_sync(post)()
    assert response.status_code == 200 and response.is_async

    async def read():
        return b"".join([part async for part in response.streaming_content])

    lines = async_to_sync(read)().decode().splitlines()
    assert [json.loads(line)["messages"][0]["content"] for line in lines] == [
        "Shop question",
        "Second shop chat",
    ]


def test_the_conversation_page_shows_its_notes_read_only(sites, admin_client):
    page = admin_client.get(
        reverse("admin:django_livechat_conversation_change", args=[sites["ours"].pk])
    )
    assert "private remark" in page.content.decode()
    assert 'name="notes-0-text"' not in page.content.decode()


def test_labels_are_scoped(sites):
    Label.objects.create(website=sites["shop"], name="billing")
    blog_label = Label.objects.create(website=sites["blog"], name="spam")
    client = Client()
    client.force_login(sites["ann"])
    listing = client.get(reverse("admin:django_livechat_label_changelist")).content.decode()
    assert "billing" in listing and "spam" not in listing
    change = reverse("admin:django_livechat_label_change", args=[blog_label.pk])
    assert client.get(change).status_code == 404


def test_canned_replies_show_the_websites_and_ones_own(sites):
    ann, bob = sites["ann"], staff("bob")
    sites["shop"].agents.add(bob)
    CannedReply.objects.create(website=sites["shop"], shortcut="hello", text="Hello!")
    CannedReply.objects.create(website=sites["blog"], shortcut="blog", text="Blog!")
    CannedReply.objects.create(owner=ann, shortcut="mine", text="Ann's")
    theirs = CannedReply.objects.create(owner=bob, shortcut="bobs", text="Bob's")
    client = Client()
    client.force_login(ann)
    listing = client.get(reverse("admin:django_livechat_cannedreply_changelist"))
    shown = {reply.shortcut for reply in listing.context["cl"].result_list}
    assert shown == {"hello", "mine"}
    change = reverse("admin:django_livechat_cannedreply_change", args=[theirs.pk])
    assert client.get(change).status_code == 404
    # The owner offered is oneself; the websites, one's own.
    form = client.get(reverse("admin:django_livechat_cannedreply_add")).context["adminform"].form
    assert list(form.fields["owner"].queryset) == [ann]
    assert list(form.fields["website"].queryset) == [sites["shop"]]
    added = client.post(
        reverse("admin:django_livechat_cannedreply_add"),
        {"owner": ann.pk, "shortcut": "bye", "text": "Bye {visitor_name}"},
    )
    assert added.status_code == 302
    assert CannedReply.objects.get(shortcut="bye").owner == ann
    refused = client.post(
        reverse("admin:django_livechat_cannedreply_add"),
        {"owner": bob.pk, "shortcut": "sneaky", "text": "x"},
    )
    assert refused.status_code == 200 and not CannedReply.objects.filter(shortcut="sneaky")


def erase(client, pks, **extra):
    return client.post(
        reverse(CHANGELIST),
        {"action": "erase_visitors", "_selected_action": [str(pk) for pk in pks], **extra},
    )


def test_erasing_visitors_asks_first_then_erases_within_scope(sites):
    # Ada also wrote to Blog, which Ann does not serve: that stays.
    on_blog = chat(sites["blog"], "Ada on the blog", visitor_email="ADA@example.com")
    ann = sites["ann"]
    ann.user_permissions.add(Permission.objects.get(codename="delete_conversation"))
    client = Client()
    client.force_login(ann)
    asked = erase(client, [sites["ours"].pk, sites["other"].pk])
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "ada@example.com" in page and "Anonymous visitor of" in page
    assert [removal.conversations for _, removal in asked.context["erasures"]] == [1, 1]
    assert Conversation.objects.count() == 4  # nothing yet
    done = erase(client, [sites["ours"].pk, sites["other"].pk], confirmed="yes")
    assert done.status_code == 302
    assert set(Conversation.objects.values_list("pk", flat=True)) == {
        sites["theirs"].pk,
        on_blog.pk,
    }


def test_erasing_needs_the_delete_permission(sites):
    client = Client()
    client.force_login(sites["ann"])
    listing = client.get(reverse(CHANGELIST))
    assert "erase_visitors" not in listing.content.decode()
    erase(client, [sites["ours"].pk], confirmed="yes")
    assert Conversation.objects.filter(pk=sites["ours"].pk).exists()
