from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation
from django.utils.functional import Promise

from django_livechat.conf import (
    DEFAULT_AUTO_RESPONSE_AWAY_TEXT,
    DEFAULT_AUTO_RESPONSE_CLOSED_TEXT,
    DEFAULT_AUTO_RESPONSE_TEXT,
    DEFAULTS,
    livechat_settings,
)

EXPECTED_DEFAULTS = {
    "AUTO_RESPONSE_ENABLED": True,
    "AUTO_RESPONSE_TEXT": DEFAULT_AUTO_RESPONSE_TEXT,
    "AUTO_RESPONSE_CLOSED_TEXT": DEFAULT_AUTO_RESPONSE_CLOSED_TEXT,
    "AUTO_RESPONSE_AWAY_TEXT": DEFAULT_AUTO_RESPONSE_AWAY_TEXT,
    "RESPONDER": "django_livechat.responders.acknowledge",
    "RESPONDER_TIMEOUT": 10.0,
    "RESPONDER_ERRORS_TO_VISITOR": True,
    "RESPONDER_CONCURRENCY": 8,
    "RESPONDER_HISTORY": 20,
    "HANDOFF_PHRASES": [
        "human",
        "a person",
        "an agent",
        "real person",
        "talk to someone",
        "speak to someone",
    ],
    "STREAM_DELTA_INTERVAL": 0.05,
    "STREAM_STALL_TIMEOUT": 10.0,
    "STREAM_CUT_TEXT": "— The automatic reply was cut short; a person will follow up.",
    "MAX_MESSAGE_LENGTH": 4000,
    "RATE_LIMIT_MESSAGES": 20,
    "RATE_LIMIT_PERIOD": 60.0,
    "RATE_LIMIT_ADDRESS_MESSAGES": 60,
    "RATE_LIMIT_ADDRESS_CONVERSATIONS": 20,
    "RATE_LIMIT_CONVERSATIONS_PERIOD": 600.0,
    "RATE_LIMIT_SOCKET_HISTORY": 30,
    "RATE_LIMIT_SOCKET_TYPING": 60,
    "RATE_LIMIT_CACHE": "default",
    "TRUSTED_PROXIES": 0,
    "TYPING_TIMEOUT": 10.0,
    "VISITOR_TOKEN_MAX_AGE": 30 * 24 * 60 * 60,
    "RESUME_TOKEN_MAX_AGE": 7 * 24 * 60 * 60,
    "RECONNECT_MAX_RETRIES": 8,
    "RECONNECT_BASE_DELAY": 1.0,
    "DEFAULT_WEBSITE_ID": None,
    "HEARTBEAT_INTERVAL": 25.0,
    "WIDGET_COLOR": "#0b6e4f",
    "WIDGET_POSITION": "right",
    "WIDGET_THEME": "light",
    "WIDGET_TITLE": None,
    "WIDGET_GREETING": None,
    "WIDGET_AWAY_TEXT": None,
    "AGENT_DISPLAY_NAME": None,
    "WS_PATH_PREFIX": "ws/livechat/",
    "SQLITE_WAL": False,
    "ASSETS_FROM_STATIC": False,
    "ATTACHMENT_STORAGE": "default",
    "ATTACHMENT_MAX_SIZE": 10 * 1024 * 1024,
    "ATTACHMENT_TYPES": [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "application/zip",
    ],
    "ATTACHMENT_SCANNER": None,
    "ATTACHMENT_URL_MAX_AGE": 86400,
    "ATTACHMENT_PENDING_MAX_AGE": 3600.0,
    "EMAIL_FOLLOWUP_DELAY": 300.0,
    "EMAIL_FROM": None,
    "EMAIL_SEND_INTERVAL": 10.0,
    "EMAIL_MAX_ATTEMPTS": 5,
    "EMAIL_SENDER_ENABLED": True,
    "EMAIL_DIGEST_HOUR": 8,
    "EMAIL_BASE_URL": None,
    "RETENTION_DAYS": None,
}


def test_defaults_are_documented_here():
    # A new setting must be added to this test (and to the docs' settings page).
    assert DEFAULTS == EXPECTED_DEFAULTS


@override_settings(LIVECHAT={})
@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED_DEFAULTS.items()))
def test_default(name, expected):
    value = getattr(livechat_settings, name)
    assert value == expected
    # A translated default is read as text in the active language.
    assert type(value) is (str if isinstance(expected, Promise) else type(expected))


def test_visitor_tokens_expire_after_30_days_unless_set_to_none():
    assert livechat_settings.VISITOR_TOKEN_MAX_AGE == 2_592_000
    with override_settings(LIVECHAT={"VISITOR_TOKEN_MAX_AGE": None}):
        assert livechat_settings.VISITOR_TOKEN_MAX_AGE is None


def test_default_text():
    assert DEFAULT_AUTO_RESPONSE_TEXT == (
        "Thank you for your message. A support agent will respond to you shortly."
    )


def test_the_default_away_text_is_translated():
    english = (
        "Thanks for your message! No one is available right now; we will reply as soon as we can."
    )
    assert english == livechat_settings.AUTO_RESPONSE_AWAY_TEXT
    with translation.override("de"):
        assert livechat_settings.AUTO_RESPONSE_AWAY_TEXT not in ("", english)
    with override_settings(LIVECHAT={"AUTO_RESPONSE_AWAY_TEXT": None}):
        assert livechat_settings.AUTO_RESPONSE_AWAY_TEXT is None


def test_no_livechat_setting_at_all_gives_the_defaults():
    with override_settings():
        del settings.LIVECHAT
        assert not hasattr(settings, "LIVECHAT")
        assert livechat_settings.SQLITE_WAL is False
        assert livechat_settings.MAX_MESSAGE_LENGTH == 4000
        assert livechat_settings.WS_PATH_PREFIX == "ws/livechat/"


def test_a_non_dict_livechat_setting_gives_the_defaults():
    # checks.E001 reports it; reading settings must not crash meanwhile.
    with override_settings(LIVECHAT=["SQLITE_WAL"]):
        assert livechat_settings.SQLITE_WAL is False
        assert livechat_settings.RATE_LIMIT_MESSAGES == 20


def test_the_test_settings_are_read():
    assert settings.LIVECHAT == {"SQLITE_WAL": True}
    assert livechat_settings.SQLITE_WAL is True


def test_override_takes_effect_live_and_keeps_other_defaults():
    assert livechat_settings.MAX_MESSAGE_LENGTH == 4000
    with override_settings(LIVECHAT={"MAX_MESSAGE_LENGTH": 10, "AUTO_RESPONSE_ENABLED": False}):
        assert livechat_settings.MAX_MESSAGE_LENGTH == 10
        assert livechat_settings.AUTO_RESPONSE_ENABLED is False
        assert livechat_settings.AUTO_RESPONSE_TEXT == DEFAULT_AUTO_RESPONSE_TEXT
        assert livechat_settings.RATE_LIMIT_MESSAGES == 20
        assert livechat_settings.SQLITE_WAL is False
    assert livechat_settings.MAX_MESSAGE_LENGTH == 4000
    assert livechat_settings.AUTO_RESPONSE_ENABLED is True


# name, value in LIVECHAT, value read back (different from the default)
OVERRIDES = [
    ("AUTO_RESPONSE_ENABLED", False, False),
    ("AUTO_RESPONSE_TEXT", "Hello!", "Hello!"),
    ("AUTO_RESPONSE_CLOSED_TEXT", "Closed.", "Closed."),
    ("AUTO_RESPONSE_AWAY_TEXT", "Away.", "Away."),
    ("RESPONDER", "myproject.bots.answer", "myproject.bots.answer"),
    ("RESPONDER_TIMEOUT", 3, 3.0),
    ("RESPONDER_ERRORS_TO_VISITOR", False, False),
    ("RESPONDER_CONCURRENCY", 2, 2),
    ("RESPONDER_HISTORY", 5, 5),
    ("HANDOFF_PHRASES", ("operator",), ["operator"]),
    ("STREAM_DELTA_INTERVAL", 1, 1.0),
    ("STREAM_STALL_TIMEOUT", 3, 3.0),
    ("STREAM_CUT_TEXT", "Cut.", "Cut."),
    ("MAX_MESSAGE_LENGTH", 500, 500),
    ("RATE_LIMIT_MESSAGES", 0, 0),
    ("RATE_LIMIT_PERIOD", 1.5, 1.5),
    ("RATE_LIMIT_ADDRESS_MESSAGES", 0, 0),
    ("RATE_LIMIT_ADDRESS_CONVERSATIONS", 5, 5),
    ("RATE_LIMIT_CONVERSATIONS_PERIOD", 3600, 3600.0),
    ("RATE_LIMIT_SOCKET_HISTORY", 0, 0),
    ("RATE_LIMIT_SOCKET_TYPING", 10, 10),
    ("RATE_LIMIT_CACHE", "limits", "limits"),
    ("TRUSTED_PROXIES", 1, 1),
    ("TYPING_TIMEOUT", 2, 2.0),
    ("VISITOR_TOKEN_MAX_AGE", 3600, 3600),
    ("RESUME_TOKEN_MAX_AGE", 3600, 3600),
    ("RECONNECT_MAX_RETRIES", 0, 0),
    ("RECONNECT_BASE_DELAY", 0.25, 0.25),
    (
        "DEFAULT_WEBSITE_ID",
        uuid.UUID("2f1e6a52-6f53-4d1e-9a40-0d2b1f3c4e5a"),
        "2f1e6a52-6f53-4d1e-9a40-0d2b1f3c4e5a",
    ),
    ("HEARTBEAT_INTERVAL", 10, 10.0),
    ("WIDGET_COLOR", "rebeccapurple", "rebeccapurple"),
    ("WIDGET_POSITION", "left", "left"),
    ("WIDGET_THEME", "auto", "auto"),
    ("WIDGET_TITLE", "Talk to Shop", "Talk to Shop"),
    ("WIDGET_GREETING", "Hello there", "Hello there"),
    ("WIDGET_AWAY_TEXT", "We are out", "We are out"),
    ("AGENT_DISPLAY_NAME", "myproject.agents.name", "myproject.agents.name"),
    ("WS_PATH_PREFIX", "chat/ws/", "chat/ws/"),
    ("SQLITE_WAL", True, True),
    ("ASSETS_FROM_STATIC", True, True),
    ("ATTACHMENT_STORAGE", "attachments", "attachments"),
    ("ATTACHMENT_MAX_SIZE", 1024, 1024),
    ("ATTACHMENT_TYPES", ("image/png",), ["image/png"]),
    ("ATTACHMENT_SCANNER", "myproject.scan.clamd", "myproject.scan.clamd"),
    ("ATTACHMENT_URL_MAX_AGE", 60, 60),
    ("ATTACHMENT_PENDING_MAX_AGE", 120, 120.0),
    ("EMAIL_FOLLOWUP_DELAY", 0, 0.0),
    ("EMAIL_FROM", "Shop <help@shop.example>", "Shop <help@shop.example>"),
    ("EMAIL_SEND_INTERVAL", 1, 1.0),
    ("EMAIL_MAX_ATTEMPTS", 2, 2),
    ("EMAIL_SENDER_ENABLED", False, False),
    ("EMAIL_DIGEST_HOUR", 17, 17),
    ("EMAIL_BASE_URL", "https://chat.example.com", "https://chat.example.com"),
    ("RETENTION_DAYS", 365, 365),
]


def test_every_setting_has_an_override_case():
    assert [name for name, _, _ in OVERRIDES] == list(DEFAULTS)


@pytest.mark.parametrize(("name", "value", "expected"), OVERRIDES)
def test_override(name, value, expected):
    assert expected != DEFAULTS[name]
    with override_settings(LIVECHAT={name: value}):
        result = getattr(livechat_settings, name)
    assert result == expected
    assert type(result) is type(expected)
