"""``livechat_erase_visitor``: everything about one visitor goes, their opt-out stays."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_livechat.data.erasure import Visitor, erase_visitor
from django_livechat.models import (
    Attachment,
    Conversation,
    EmailOptOut,
    EmailOutbox,
    Message,
    Note,
)
from tests.data.conftest import attach, chat, note, stored
from tests.factories import make_user, make_website

pytestmark = pytest.mark.django_db


def run(*args):
    stdout = io.StringIO()
    call_command("livechat_erase_visitor", *args, stdout=stdout)
    return stdout.getvalue()


def outbox(to, conversation=None, key=None):
    return EmailOutbox.objects.create(
        kind="visitor_reply",
        dedupe_key=key or f"{to}-{conversation and conversation.pk}",
        to=to,
        subject="Reply",
        body_text="...",
        conversation=conversation,
        send_after=timezone.now(),
    )


@pytest.fixture
def ada():
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    sam = make_user("sam")
    on_shop = chat(shop, "I am Ada", "Hi Ada", agent=sam, visitor_email="Ada@Example.com", rating=2)
    upload = attach(on_shop, "passport.png", thumbnail=True)
    note(on_shop, "Ada is upset", author=sam)
    on_blog = chat(blog, "Ada again", visitor_email="ada@example.com", visitor_identifier="u-7")
    by_identifier = chat(shop, "Logged in Ada", visitor_identifier="u-7")
    someone_else = chat(shop, "I am Bob", visitor_email="bob@example.com")
    sent = outbox("ada@example.com", on_shop)
    sent.sent_at = timezone.now()
    sent.save()
    # An email to her address about no conversation of hers (an older address change).
    loose = outbox("ADA@example.com", someone_else, key="loose")
    EmailOptOut.objects.create(address="ada@example.com")
    return {
        "shop": shop,
        "blog": blog,
        "on_shop": on_shop,
        "on_blog": on_blog,
        "by_identifier": by_identifier,
        "someone_else": someone_else,
        "upload": upload,
        "loose": loose,
    }


def test_a_dry_run_lists_what_would_go_and_changes_nothing(ada):
    before = (Conversation.objects.count(), Message.objects.count(), EmailOutbox.objects.count())
    out = run("--email", "ADA@example.com", "--dry-run")
    lines = out.splitlines()
    assert lines[0].startswith(f"  conversation {ada['on_shop'].pk} on Shop, ")
    assert lines[1].startswith(f"  conversation {ada['on_blog'].pk} on Blog, ")
    assert lines[2:] == [
        "Would erase for 'ADA@example.com': 2 conversations, 4 messages, 1 private note, "
        "1 attachment, 2 stored files, 1 rating, 2 emails in the outbox.",
        "Kept: the email opt-out of ada@example.com.",
        "Dry run: nothing was changed.",
    ]
    after = (Conversation.objects.count(), Message.objects.count(), EmailOutbox.objects.count())
    assert after == before
    assert stored(ada["upload"].file.name)


def test_erasing_by_email_takes_everything_of_theirs(ada, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        out = run("--email", "ada@EXAMPLE.com")
    assert "Erased for 'ada@EXAMPLE.com': 2 conversations, 4 messages" in out
    assert set(Conversation.objects.values_list("pk", flat=True)) == {
        ada["by_identifier"].pk,
        ada["someone_else"].pk,
    }
    assert not Note.objects.exists()
    assert not Attachment.objects.exists()
    assert not stored(ada["upload"].file.name) and not stored(ada["upload"].thumbnail.name)
    assert not EmailOutbox.objects.filter(to__iexact="ada@example.com").exists()
    # Her wish not to be written to stays.
    assert EmailOptOut.objects.filter(address="ada@example.com").exists()
    assert Message.objects.filter(conversation=ada["someone_else"]).exists()


def test_erasing_by_identifier_on_one_website(ada):
    out = run("--identifier", "u-7", "--website", "Blog")
    assert "Erased for identifier 'u-7' on Blog: 1 conversation, 1 message." in out
    assert not Conversation.objects.filter(pk=ada["on_blog"].pk).exists()
    assert Conversation.objects.filter(pk=ada["by_identifier"].pk).exists()
    assert "Kept" not in out
    out = run("--identifier", "u-7")
    assert "1 conversation" in out
    assert not Conversation.objects.filter(pk=ada["by_identifier"].pk).exists()


def test_one_website_keeps_the_others_emails(ada):
    erasure = erase_visitor(Visitor(email="ada@example.com", website=ada["shop"]))
    assert erasure.removal.conversations == 1
    # The loose email belongs to a Shop conversation: erased with her Shop data.
    assert erasure.removal.emails == 2
    assert Conversation.objects.filter(pk=ada["on_blog"].pk).exists()


def test_the_visitor_must_be_named_once():
    with pytest.raises(CommandError):
        run()
    with pytest.raises(CommandError):
        run("--identifier", "a", "--email", "b@example.com")
    with pytest.raises(CommandError, match="one of the two"):
        run("--identifier", "  ")
    with pytest.raises(ValueError, match="one of the two"):
        Visitor()
