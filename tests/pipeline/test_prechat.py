"""The pre-chat form: its config, the checks of the answers, storing them at identify."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.models import Conversation, Website
from django_livechat.pipeline.prechat import clean_prechat, prechat_config
from tests.factories import SHOP_ORIGIN, make_website

TOPIC = {
    "name": "topic",
    "label": "Topic",
    "type": "select",
    "required": True,
    "options": ["Orders", "Returns"],
}
ORDER = {"name": "order", "label": "Order number", "type": "text", "required": False}
NEWSLETTER = {"name": "news", "label": "Newsletter", "type": "checkbox", "required": False}


def form_site(**fields):
    fields.setdefault("prechat_enabled", True)
    fields.setdefault("prechat_fields", [TOPIC, ORDER, NEWSLETTER])
    fields.setdefault("prechat_consent_text", "I agree to the privacy policy.")
    return Website(name="Shop", **fields)


def problems(website, value):
    with pytest.raises(ChatError) as info:
        clean_prechat(website, value)
    assert info.value.code == errors.INVALID_PRECHAT
    event = info.value.as_event()
    assert event["fields"] == info.value.fields
    return info.value.fields


def test_config_only_when_enabled():
    assert prechat_config(Website(name="Shop", prechat_fields=[TOPIC])) is None
    assert prechat_config(form_site()) == {
        "fields": [TOPIC, ORDER, NEWSLETTER],
        "consent_text": "I agree to the privacy policy.",
        "email_required": True,
    }
    assert prechat_config(form_site(prechat_consent_text=""))["consent_text"] is None


def test_good_answers_are_cleaned():
    answers = clean_prechat(
        form_site(),
        {
            "name": "  Ada ",
            "email": "ada@example.com",
            "consent": True,
            "fields": {"topic": "Returns", "order": " 42 ", "news": False, "other": "dropped"},
        },
    )
    assert answers.name == "Ada"
    assert answers.email == "ada@example.com"
    assert set(answers.prechat) == {"topic", "order", "consent_at"}
    assert answers.prechat["topic"] == "Returns" and answers.prechat["order"] == "42"


def test_every_problem_is_named_per_field():
    found = problems(
        form_site(),
        {"name": "x" * 201, "email": "not-an-address", "fields": {"topic": "Cats", "news": "yes"}},
    )
    assert set(found) == {"name", "email", "consent", "topic", "news"}
    assert all(isinstance(text, str) and text for text in found.values())


def test_required_answers():
    found = problems(form_site(), {"consent": True, "fields": {}})
    assert set(found) == {"email", "topic"}
    required_box = form_site(prechat_fields=[{**NEWSLETTER, "required": True}])
    assert set(problems(required_box, {"email": "a@b.example", "consent": True})) == {"news"}


def test_no_consent_box_no_consent_needed():
    answers = clean_prechat(
        form_site(prechat_consent_text=""),
        {"email": "a@b.example", "fields": {"topic": "Orders"}},
    )
    assert "consent_at" not in answers.prechat


def test_lengths_and_control_characters():
    long = {**ORDER, "type": "textarea"}
    site = form_site(prechat_fields=[long], prechat_consent_text="")
    ok = clean_prechat(site, {"email": "a@b.example", "fields": {"order": "line\nline"}})
    assert ok.prechat["order"] == "line\nline"
    assert set(problems(site, {"email": "a@b.example", "fields": {"order": "x" * 2001}})) == {
        "order"
    }
    assert set(problems(site, {"email": "a@b.example", "fields": {"order": "a\x00b"}})) == {"order"}
    assert set(problems(site, {"email": "a@b.example", "name": "\ud800"})) == {"name"}


def test_a_website_without_a_form_keeps_name_and_email_only():
    answers = clean_prechat(
        Website(name="Shop", prechat_fields=[TOPIC]),
        {"name": "Ada", "fields": {"topic": "Orders"}},
    )
    assert (answers.name, answers.email, answers.prechat) == ("Ada", "", {})


def test_malformed_is_invalid_message():
    for value in (["a"], "x", {"fields": ["a"]}):
        with pytest.raises(ChatError) as info:
            clean_prechat(form_site(), value)
        assert info.value.code == errors.INVALID_MESSAGE


@pytest.mark.parametrize(
    "fields",
    [
        "not a list",
        [TOPIC] * 2,  # the same name twice
        [{**ORDER, "name": f"q{i}"} for i in range(6)],
        [{**ORDER, "name": "email"}],
        [{**ORDER, "name": "Order Number"}],
        [{**ORDER, "type": "radio"}],
        [{**ORDER, "label": ""}],
        [{**TOPIC, "options": []}],
        [{**ORDER, "required": "yes"}],
        [{**ORDER, "colour": "red"}],
    ],
)
def test_admin_validation_of_the_fields(fields):
    with pytest.raises(ValidationError) as info:
        form_site(prechat_fields=fields).clean()
    assert list(info.value.message_dict) == ["prechat_fields"]


def test_admin_accepts_a_good_form():
    form_site().clean()


# ---------------------------------------------------------------- stored at identify


@pytest.mark.django_db(transaction=True)
async def test_stored_on_the_new_conversation():
    website = await database_sync_to_async(make_website)(
        prechat_enabled=True, prechat_fields=[TOPIC], prechat_consent_text="OK?"
    )
    session = await pipeline.open_conversation(
        website_id=website.id,
        origin=SHOP_ORIGIN,
        prechat={
            "name": "Ada",
            "email": "ada@example.com",
            "consent": True,
            "fields": {"topic": "Orders"},
        },
    )
    conversation = await Conversation.objects.aget(pk=session.conversation_id)
    assert conversation.visitor_name == "Ada"
    assert conversation.visitor_email == "ada@example.com"
    assert conversation.prechat["topic"] == "Orders"
    assert conversation.prechat["consent_at"]


@pytest.mark.django_db(transaction=True)
async def test_refused_answers_create_nothing():
    website = await database_sync_to_async(make_website)(prechat_enabled=True)
    with pytest.raises(ChatError) as info:
        await pipeline.open_conversation(
            website_id=website.id, origin=SHOP_ORIGIN, prechat={"email": "nope"}
        )
    assert info.value.fields == {"email": "Enter a valid email address."}
    assert await Conversation.objects.acount() == 0


@pytest.mark.django_db(transaction=True)
async def test_not_required_from_identified_or_silent_visitors():
    website = await database_sync_to_async(make_website)(prechat_enabled=True)
    identified = await pipeline.open_conversation(
        website_id=website.id,
        origin=SHOP_ORIGIN,
        user_identifier="user-1",
        name="Ada Lovelace",
        email="ada@example.com",
    )
    conversation = await Conversation.objects.aget(pk=identified.conversation_id)
    # setUser's name and email are the visitor's contact.
    assert conversation.visitor_name == "Ada Lovelace"
    assert conversation.visitor_email == "ada@example.com"
    assert conversation.prechat == {}
    anonymous = await pipeline.open_conversation(website_id=website.id, origin=SHOP_ORIGIN)
    assert anonymous.created


@pytest.mark.django_db(transaction=True)
async def test_signing_in_after_chatting_fills_in_name_and_email():
    website = await database_sync_to_async(make_website)()
    anonymous = await pipeline.open_conversation(website_id=website.id, origin=SHOP_ORIGIN)
    signed_in = await pipeline.open_conversation(
        website_id=website.id,
        origin=SHOP_ORIGIN,
        visitor_token=anonymous.visitor_token,
        user_identifier="user-1",
        name="Ada",
        email="ada@example.com",
    )
    assert signed_in.conversation_id == anonymous.conversation_id
    conversation = await Conversation.objects.aget(pk=anonymous.conversation_id)
    assert (conversation.visitor_name, conversation.visitor_email) == ("Ada", "ada@example.com")
