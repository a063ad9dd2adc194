"""``livechat_apply_retention``: quiet conversations go after their website's days."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from django_livechat.data.retention import apply_retention
from django_livechat.models import (
    Attachment,
    Conversation,
    EmailOutbox,
    Message,
    Note,
    ReadMarker,
)
from tests.data.conftest import attach, chat, note, stored
from tests.factories import make_user, make_website

pytestmark = pytest.mark.django_db


def run(*args):
    stdout = io.StringIO()
    call_command("livechat_apply_retention", *args, stdout=stdout)
    return stdout.getvalue()


def days_ago(days):
    return timezone.now() - dt.timedelta(days=days)


@pytest.fixture
def sites():
    shop = make_website(name="Shop", retention_days=30)
    blog = make_website(name="Blog")  # no retention of its own
    sam = make_user("sam")
    old = chat(shop, "Old question", "Old answer", at=days_ago(40), agent=sam, rating=5)
    upload = attach(old, "old.png", thumbnail=True)
    note(old, "old note", author=sam)
    ReadMarker.objects.create(conversation=old, user=sam, last_read_seq=2)
    EmailOutbox.objects.create(
        kind="visitor_reply",
        dedupe_key="old",
        to="ada@example.com",
        subject="Reply",
        body_text="Old answer",
        conversation=old,
        send_after=days_ago(39),
    )
    # Started long ago, but its last message is recent: it stays.
    revived = chat(shop, "First", "Second", at=days_ago(60))
    Conversation.objects.filter(pk=revived.pk).update(last_message_at=days_ago(2))
    # No message at all: counted from its start.
    empty = chat(shop, at=days_ago(31))
    fresh = chat(shop, "New", at=days_ago(1))
    ancient_blog = chat(blog, "Blog post question", at=days_ago(400))
    return {
        "shop": shop,
        "blog": blog,
        "old": old,
        "upload": upload,
        "revived": revived,
        "empty": empty,
        "fresh": fresh,
        "ancient_blog": ancient_blog,
    }


def remaining():
    return set(Conversation.objects.values_list("pk", flat=True))


def test_a_dry_run_says_what_would_go_and_changes_nothing(sites):
    before = remaining()
    out = run("--dry-run")
    assert out.splitlines() == [
        "Shop (keeps 30 days): would delete 2 conversations, 3 messages, 1 private note, "
        "1 attachment, 2 stored files, 1 rating, 1 email in the outbox.",
        "Dry run: nothing was deleted.",
    ]
    assert remaining() == before
    assert stored(sites["upload"].file.name) and stored(sites["upload"].thumbnail.name)


def test_expired_conversations_go_with_everything_of_theirs(
    sites, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        out = run()
    assert out.splitlines() == [
        "Shop (keeps 30 days): deleted 2 conversations, 3 messages, 1 private note, "
        "1 attachment, 2 stored files, 1 rating, 1 email in the outbox.",
    ]
    assert remaining() == {
        sites["revived"].pk,
        sites["fresh"].pk,
        sites["ancient_blog"].pk,
    }
    old = sites["old"]
    for model in (Message, Note, Attachment, ReadMarker, EmailOutbox):
        assert not model.objects.filter(conversation=old).exists()
    # The files went through the storage, the thumbnail too.
    assert not stored(sites["upload"].file.name)
    assert not stored(sites["upload"].thumbnail.name)
    assert run() == "Shop (keeps 30 days): deleted 0 conversations.\n"


@override_settings(LIVECHAT={"RETENTION_DAYS": 365})
def test_the_setting_serves_websites_without_their_own(sites):
    with_setting = {r.website.name: r.removal.conversations for r in apply_retention(dry_run=True)}
    assert with_setting == {"Blog": 1, "Shop": 2}
    out = run("--website", "Blog")
    assert out == "Blog (keeps 365 days): deleted 1 conversation, 1 message.\n"
    assert sites["ancient_blog"].pk not in remaining()
    assert sites["old"].pk in remaining()


def test_no_retention_anywhere_deletes_nothing(sites):
    assert run("--website", "Blog") == (
        "No website limits how long it keeps conversations: nothing to delete.\n"
    )
    with pytest.raises(CommandError, match="No website"):
        run("--website", "Nowhere")


def test_deletes_in_batches(sites, monkeypatch):
    monkeypatch.setattr("django_livechat.data.deletion.BATCH_SIZE", 1)
    batches = []
    results = apply_retention(on_batch=lambda site, removal: batches.append(removal.conversations))
    assert batches == [1, 1]
    assert results[0].removal.conversations == 2
    out = run("--verbosity", "2")
    assert "deleted 0 conversations" in out


def test_zero_days_on_a_website_deletes_nothing(sites):
    sites["shop"].retention_days = 0
    sites["shop"].save()
    assert run("--website", "Shop") == (
        "No website limits how long it keeps conversations: nothing to delete.\n"
    )
    assert sites["fresh"].pk in remaining()
