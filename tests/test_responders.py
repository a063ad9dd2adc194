from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from django_livechat.conf import (
    DEFAULT_AUTO_RESPONSE_AWAY_TEXT,
    DEFAULT_AUTO_RESPONSE_CLOSED_TEXT,
    DEFAULT_AUTO_RESPONSE_TEXT,
)
from django_livechat.models import AgentPresence, Conversation, Message, Website
from django_livechat.pipeline import presence
from django_livechat.responders import (
    Handoff,
    accepts_context,
    acknowledge,
    inline,
    is_inline,
    wants_person,
)
from django_livechat.store import NewMessage, append_message
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation():
    website = Website.objects.create(name="Shop")
    return Conversation.objects.create(website=website)


def add_message(conversation, role, content="hello"):
    """Store through the store, which keeps the conversation's fields the responder reads."""
    stored = append_message(NewMessage(conversation.pk, str(role), content))
    conversation.refresh_from_db()
    return stored.message


def test_the_default_responder_is_inline():
    assert is_inline(acknowledge)
    assert not is_inline(lambda conversation, message: None)
    marked = inline(lambda conversation, message: None)
    assert is_inline(marked)


def test_default_text(conversation):
    message = add_message(conversation, Message.Role.USER)
    assert acknowledge(conversation, message) == DEFAULT_AUTO_RESPONSE_TEXT


@override_settings(LIVECHAT={"AUTO_RESPONSE_TEXT": "We'll be right with you."})
def test_text_from_settings(conversation):
    message = add_message(conversation, Message.Role.USER)
    assert acknowledge(conversation, message) == "We'll be right with you."


@override_settings(LIVECHAT={"AUTO_RESPONSE_TEXT": "From settings."})
def test_website_text_wins(conversation):
    conversation.website.auto_response_text = "Thanks for writing to the shop!"
    conversation.website.save()
    message = add_message(conversation, Message.Role.USER)
    assert acknowledge(conversation, message) == "Thanks for writing to the shop!"


@override_settings(LIVECHAT={"AUTO_RESPONSE_ENABLED": False})
def test_disabled(conversation):
    message = add_message(conversation, Message.Role.USER)
    assert acknowledge(conversation, message) is None


@override_settings(LIVECHAT={"AUTO_RESPONSE_AWAY_TEXT": "Nobody here."})
def test_the_usual_text_when_presence_was_never_read(conversation):
    assert presence.last_known_count(conversation.website.pk) is None
    message = add_message(conversation, Message.Role.USER)
    assert acknowledge(conversation, message) == DEFAULT_AUTO_RESPONSE_TEXT


def test_silent_once_an_agent_has_replied(conversation):
    first = add_message(conversation, Message.Role.USER)
    assert acknowledge(conversation, first) == DEFAULT_AUTO_RESPONSE_TEXT
    add_message(conversation, Message.Role.AGENT, "Hi, I'm Sam.")
    second = add_message(conversation, Message.Role.USER)
    assert acknowledge(conversation, second) is None


@pytest.mark.parametrize("role", [Message.Role.ASSISTANT, Message.Role.SYSTEM])
def test_other_replies_do_not_silence_it(conversation, role):
    add_message(conversation, Message.Role.USER)
    add_message(conversation, role, "automatic")
    message = add_message(conversation, Message.Role.USER)
    assert acknowledge(conversation, message) == DEFAULT_AUTO_RESPONSE_TEXT


def test_an_agent_in_another_conversation_does_not_count(conversation):
    other = Conversation.objects.create(website=conversation.website)
    add_message(other, Message.Role.AGENT)
    message = add_message(conversation, Message.Role.USER)
    assert acknowledge(conversation, message) == DEFAULT_AUTO_RESPONSE_TEXT


# ---------------------------------------------------------------- the mode (issue 11)

CLOSED_ALL_WEEK = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def counted(website, agents):
    """``agents`` agents present, as this process last read it (a visitor's identify and
    heartbeat read it; the inline responder only looks at what was read)."""
    for i in range(agents):
        AgentPresence.objects.create(
            channel_name=f"c{i}",
            website=website,
            user=make_user(f"agent{i}"),
            expires_at=timezone.now() + timedelta(minutes=1),
        )
    presence._cache.put(presence.count_sync([website.pk]))
    assert presence.last_known_count(website.pk) == agents


@override_settings(
    LIVECHAT={"AUTO_RESPONSE_TEXT": "Open.", "AUTO_RESPONSE_AWAY_TEXT": "Nobody here."}
)
def test_open_with_an_agent_present_says_the_usual_text(conversation):
    counted(conversation.website, 1)
    message = add_message(conversation, Message.Role.USER)
    assert acknowledge(conversation, message) == "Open."


@override_settings(
    LIVECHAT={"AUTO_RESPONSE_TEXT": "Open.", "AUTO_RESPONSE_AWAY_TEXT": "Nobody here."}
)
def test_open_with_nobody_present_says_the_away_text(conversation):
    counted(conversation.website, 0)
    message = add_message(conversation, Message.Role.USER)
    assert acknowledge(conversation, message) == "Nobody here."


def test_by_default_nobody_present_says_the_default_away_text(conversation):
    counted(conversation.website, 0)
    message = add_message(conversation, Message.Role.USER)
    assert acknowledge(conversation, message) == DEFAULT_AUTO_RESPONSE_AWAY_TEXT
    assert DEFAULT_AUTO_RESPONSE_AWAY_TEXT.startswith("Thanks for your message! No one is")
    presence._cache.put({conversation.website.pk: 1})  # an agent opened a dashboard
    assert acknowledge(conversation, message) == DEFAULT_AUTO_RESPONSE_TEXT


@override_settings(LIVECHAT={"AUTO_RESPONSE_TEXT": "Open.", "AUTO_RESPONSE_AWAY_TEXT": None})
def test_without_an_away_text_nobody_present_says_the_usual_text(conversation):
    counted(conversation.website, 0)
    message = add_message(conversation, Message.Role.USER)
    assert acknowledge(conversation, message) == "Open."


@override_settings(LIVECHAT={"AUTO_RESPONSE_AWAY_TEXT": "Nobody here."})
def test_closed_says_the_closed_text_even_with_agents_present(conversation):
    conversation.website.business_hours = CLOSED_ALL_WEEK
    conversation.website.auto_response_text = "The website's own text."
    conversation.website.save()
    counted(conversation.website, 1)
    message = add_message(conversation, Message.Role.USER)
    assert acknowledge(conversation, message) == DEFAULT_AUTO_RESPONSE_CLOSED_TEXT
    with override_settings(LIVECHAT={"AUTO_RESPONSE_CLOSED_TEXT": "Closed till Monday."}):
        assert acknowledge(conversation, message) == "Closed till Monday."


# ---------------------------------------------------------------- bots (issue 13)


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("Can I talk to a human?", True),
        ("I want A  PERSON", True),
        ("get me an agent", True),
        ("is this a real person", True),
        ("I need to talk to someone", True),
        ("Could I speak to someone?", True),
        ("humane treatment of bikes", False),
        ("what's your return policy", False),
        ("", False),
    ],
)
def test_wants_person(text, wanted):
    assert wants_person(text) is wanted


@override_settings(LIVECHAT={"HANDOFF_PHRASES": ["operator"]})
def test_wants_person_phrases_are_a_setting():
    assert wants_person("OPERATOR please")
    assert not wants_person("a human")


def test_the_default_responder_hands_over_to_a_visitor_asking_for_a_person(conversation):
    message = add_message(conversation, Message.Role.USER, "I want to talk to a human")
    with override_settings(LIVECHAT={"AUTO_RESPONSE_AWAY_TEXT": None}):
        assert acknowledge(conversation, message) == Handoff(DEFAULT_AUTO_RESPONSE_TEXT)


def test_accepts_context():
    def plain(conversation, message):
        return None

    def keyword(conversation, message, *, context):
        return None

    def anything(conversation, message, **kwargs):
        return None

    async def optional(conversation, message, context=None):
        return None

    assert not accepts_context(plain)
    assert accepts_context(keyword) and accepts_context(anything) and accepts_context(optional)
    assert not accepts_context(len)  # no signature to read: called the plain way
