"""A conversation's transcript: text and JSON, in the website's time zone, notes on
request only, attachments by name."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import override_settings

from django_livechat.data.transcript import as_json, as_text, conversation_record
from django_livechat.models import Label
from tests.data.conftest import attach, chat, note
from tests.factories import make_user, make_website

pytestmark = pytest.mark.django_db

NOON_UTC = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.timezone.utc)


def record_of(conversation, *, notes=False):
    conversation.refresh_from_db()
    return conversation_record(
        conversation,
        conversation.messages.order_by("seq"),
        conversation.notes.all() if notes else None,
    )


@pytest.fixture
def conversation():
    website = make_website(time_zone="Europe/Berlin")
    sam = make_user("sam", first_name="Sam", last_name="Reed")
    found = chat(
        website,
        "Where is my parcel?",
        "It left today.\nTracking: 42",
        at=NOON_UTC,
        agent=sam,
        visitor_name="Ada",
        visitor_email="ada@example.com",
        visitor_identifier="ada-1",
        assigned_agent=sam,
        status="resolved",
        rating=4,
        rating_comment="Quick",
    )
    found.labels.add(Label.objects.create(website=website, name="shipping"))
    attach(found, "receipt.pdf")
    note(found, "Refund if it is late.", author=sam)
    return found


def test_the_json_record_holds_the_conversation_and_its_messages(conversation):
    record = record_of(conversation)
    assert record["conversation_id"] == str(conversation.pk)
    assert record["website"] == "Shop" and record["time_zone"] == "Europe/Berlin"
    assert (record["visitor_name"], record["visitor_email"], record["visitor_identifier"]) == (
        "Ada",
        "ada@example.com",
        "ada-1",
    )
    assert record["assigned_agent"] == "Sam Reed" and record["labels"] == ["shipping"]
    assert (record["rating"], record["rating_comment"]) == (4, "Quick")
    # Noon UTC is 14:00 in Berlin in July.
    assert record["created_at"] == "2026-07-01T14:00:00+02:00"
    first, reply, upload = record["messages"]
    assert first == {
        "seq": 1,
        "role": "user",
        "sender": "Ada",
        "content": "Where is my parcel?",
        "created_at": "2026-07-01T14:00:00+02:00",
        "attachment": None,
    }
    assert reply["sender"] == "Sam Reed" and reply["created_at"] == "2026-07-01T14:01:00+02:00"
    assert upload["attachment"] == {"name": "receipt.pdf", "content_type": "text/plain", "size": 5}
    assert "notes" not in record
    json.loads(as_json(record))


def test_notes_only_when_asked(conversation):
    assert "Refund" not in as_text(record_of(conversation))
    assert "Refund" not in as_json(record_of(conversation))
    record = record_of(conversation, notes=True)
    assert record["notes"][0]["author"] == "Sam Reed"
    assert record["notes"][0]["text"] == "Refund if it is late."
    assert "Refund if it is late." in as_text(record)


def test_the_text_is_for_reading(conversation):
    text = as_text(record_of(conversation))
    assert f"Conversation {conversation.pk}" in text
    assert "Visitor: Ada <ada@example.com> (identifier ada-1)" in text
    assert "Started: 2026-07-01 14:00:00" in text
    assert "Status: Resolved" in text and "Rating: 4/5 Quick" in text
    assert "Labels: shipping" in text and "Time zone: Europe/Berlin" in text
    assert "[2026-07-01 14:00:00] Ada: Where is my parcel?" in text
    # A message's second line is indented under it.
    assert "[2026-07-01 14:01:00] Sam Reed: It left today.\n    Tracking: 42" in text
    assert "Ada: [Attachment: receipt.pdf]" in text


@override_settings(TIME_ZONE="America/New_York")
def test_a_website_without_a_time_zone_uses_time_zone():
    conversation = chat(make_website(), "Hi", at=NOON_UTC)
    record = record_of(conversation)
    assert record["time_zone"] == "America/New_York"
    assert record["messages"][0]["created_at"] == "2026-07-01T08:00:00-04:00"
    assert record["messages"][0]["sender"] == "Visitor"
