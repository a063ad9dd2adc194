"""The app's settings: one ``LIVECHAT`` dict in the host's settings.

Every default lives in :data:`DEFAULTS`. Values are read live on each access, so
``override_settings(LIVECHAT={...})`` takes effect at once; :mod:`django_livechat.checks`
validates them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy

DEFAULT_AUTO_RESPONSE_TEXT = (
    "Thank you for your message. A support agent will respond to you shortly."
)
DEFAULT_AUTO_RESPONSE_CLOSED_TEXT = (
    "Thank you for your message. We are closed now; we will answer when we are back."
)
#: In the host's ``LANGUAGE_CODE`` (the responder runs outside any request).
DEFAULT_AUTO_RESPONSE_AWAY_TEXT = gettext_lazy(
    "Thanks for your message! No one is available right now; we will reply as soon as we can."
)

DEFAULTS: dict[str, Any] = {
    # Automatic responder.
    "AUTO_RESPONSE_ENABLED": True,
    "AUTO_RESPONSE_TEXT": DEFAULT_AUTO_RESPONSE_TEXT,
    # What the default responder says outside business hours, and while open with no
    # agent present (None: the usual text).
    "AUTO_RESPONSE_CLOSED_TEXT": DEFAULT_AUTO_RESPONSE_CLOSED_TEXT,
    "AUTO_RESPONSE_AWAY_TEXT": DEFAULT_AUTO_RESPONSE_AWAY_TEXT,
    "RESPONDER": "django_livechat.responders.acknowledge",
    "RESPONDER_TIMEOUT": 10.0,
    "RESPONDER_ERRORS_TO_VISITOR": True,
    "RESPONDER_CONCURRENCY": 8,
    # Bot responders (issue 13): how many messages a responder sees (its context), the
    # phrases by which a visitor asks for a person, and streamed replies.
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
    # Visitor messages.
    "MAX_MESSAGE_LENGTH": 4000,
    "RATE_LIMIT_MESSAGES": 20,
    "RATE_LIMIT_PERIOD": 60,
    # Abuse limits (django_livechat.ratelimit).
    "RATE_LIMIT_ADDRESS_MESSAGES": 60,
    "RATE_LIMIT_ADDRESS_CONVERSATIONS": 20,
    "RATE_LIMIT_CONVERSATIONS_PERIOD": 600,
    "RATE_LIMIT_SOCKET_HISTORY": 30,
    "RATE_LIMIT_SOCKET_TYPING": 60,
    "RATE_LIMIT_CACHE": "default",
    "TRUSTED_PROXIES": 0,
    "TYPING_TIMEOUT": 10.0,
    "VISITOR_TOKEN_MAX_AGE": 30 * 24 * 60 * 60,  # 30 days; None: tokens never expire
    "RESUME_TOKEN_MAX_AGE": 7 * 24 * 60 * 60,  # emailed resume links: 7 days
    # Widget (handed to the browser).
    "RECONNECT_MAX_RETRIES": 8,
    "RECONNECT_BASE_DELAY": 1.0,
    "DEFAULT_WEBSITE_ID": None,
    "HEARTBEAT_INTERVAL": 25.0,
    # The widget's look and texts; a website's own (admin) win, template-tag arguments
    # win over both. None: the built-in (translated) text.
    "WIDGET_COLOR": "#0b6e4f",
    "WIDGET_POSITION": "right",
    "WIDGET_THEME": "light",
    "WIDGET_TITLE": None,
    "WIDGET_GREETING": None,
    "WIDGET_AWAY_TEXT": None,
    # What visitors see as an agent's name: None, or a dotted path to callable(user) -> str.
    "AGENT_DISPLAY_NAME": None,
    # Transport.
    "WS_PATH_PREFIX": "ws/livechat/",
    # Storage.
    "SQLITE_WAL": False,
    # Assets: False serves them from the app's own assets/ route, True from static().
    "ASSETS_FROM_STATIC": False,
    # Attachments (issue 11): the STORAGES alias their files go to.
    "ATTACHMENT_STORAGE": "default",
    "ATTACHMENT_MAX_SIZE": 10 * 1024 * 1024,  # bytes
    "ATTACHMENT_TYPES": [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "application/zip",
    ],
    "ATTACHMENT_SCANNER": None,  # None, or a dotted path to callable(file, content_type) -> bool
    "ATTACHMENT_URL_MAX_AGE": 24 * 60 * 60,  # seconds a signed attachment URL stays valid
    # Seconds after which an upload whose message was never stored (its process died) is
    # deleted with its files (livechat_clean_attachments, and the server now and then).
    "ATTACHMENT_PENDING_MAX_AGE": 60 * 60,
    # Email follow-up (issue 11, django_livechat.notifications).
    "EMAIL_FOLLOWUP_DELAY": 300,  # seconds an agent reply may stay unseen before it is emailed
    "EMAIL_FROM": None,  # None: DEFAULT_FROM_EMAIL
    "EMAIL_SEND_INTERVAL": 10,  # seconds between two looks of the sender at the outbox
    "EMAIL_MAX_ATTEMPTS": 5,
    "EMAIL_SENDER_ENABLED": True,  # False when a worker runs livechat_send_emails instead
    "EMAIL_DIGEST_HOUR": 8,  # agents' daily digests, in TIME_ZONE
    # Scheme and host of this site for the links in emails (unsubscribe, dashboard);
    # None: the website's first allowed origin.
    "EMAIL_BASE_URL": None,
    # Data (issue 12): days a conversation is kept after its last activity, for the
    # websites without their own retention_days (livechat_apply_retention); None: for ever.
    "RETENTION_DAYS": None,
}


class LivechatSettings:
    """Typed, live view of ``settings.LIVECHAT`` merged over :data:`DEFAULTS`."""

    def _get(self, name: str) -> Any:
        user = getattr(settings, "LIVECHAT", None)
        if isinstance(user, dict) and name in user:
            return user[name]
        return DEFAULTS[name]

    @property
    def AUTO_RESPONSE_ENABLED(self) -> bool:
        return bool(self._get("AUTO_RESPONSE_ENABLED"))

    @property
    def AUTO_RESPONSE_TEXT(self) -> str:
        return str(self._get("AUTO_RESPONSE_TEXT"))

    @property
    def AUTO_RESPONSE_CLOSED_TEXT(self) -> str:
        return str(self._get("AUTO_RESPONSE_CLOSED_TEXT"))

    @property
    def AUTO_RESPONSE_AWAY_TEXT(self) -> str | None:
        return self._optional_text("AUTO_RESPONSE_AWAY_TEXT")

    @property
    def RESPONDER(self) -> str:
        return str(self._get("RESPONDER"))

    @property
    def RESPONDER_TIMEOUT(self) -> float:
        return float(self._get("RESPONDER_TIMEOUT"))

    @property
    def RESPONDER_ERRORS_TO_VISITOR(self) -> bool:
        return bool(self._get("RESPONDER_ERRORS_TO_VISITOR"))

    @property
    def RESPONDER_CONCURRENCY(self) -> int:
        return int(self._get("RESPONDER_CONCURRENCY"))

    @property
    def RESPONDER_HISTORY(self) -> int:
        return int(self._get("RESPONDER_HISTORY"))

    @property
    def HANDOFF_PHRASES(self) -> list[str]:
        return [str(phrase) for phrase in self._get("HANDOFF_PHRASES")]

    @property
    def STREAM_DELTA_INTERVAL(self) -> float:
        return float(self._get("STREAM_DELTA_INTERVAL"))

    @property
    def STREAM_STALL_TIMEOUT(self) -> float:
        return float(self._get("STREAM_STALL_TIMEOUT"))

    @property
    def STREAM_CUT_TEXT(self) -> str:
        return str(self._get("STREAM_CUT_TEXT"))

    @property
    def MAX_MESSAGE_LENGTH(self) -> int:
        return int(self._get("MAX_MESSAGE_LENGTH"))

    @property
    def RATE_LIMIT_MESSAGES(self) -> int:
        return int(self._get("RATE_LIMIT_MESSAGES"))

    @property
    def RATE_LIMIT_PERIOD(self) -> float:
        return float(self._get("RATE_LIMIT_PERIOD"))

    @property
    def RATE_LIMIT_ADDRESS_MESSAGES(self) -> int:
        return int(self._get("RATE_LIMIT_ADDRESS_MESSAGES"))

    @property
    def RATE_LIMIT_ADDRESS_CONVERSATIONS(self) -> int:
        return int(self._get("RATE_LIMIT_ADDRESS_CONVERSATIONS"))

    @property
    def RATE_LIMIT_CONVERSATIONS_PERIOD(self) -> float:
        return float(self._get("RATE_LIMIT_CONVERSATIONS_PERIOD"))

    @property
    def RATE_LIMIT_SOCKET_HISTORY(self) -> int:
        return int(self._get("RATE_LIMIT_SOCKET_HISTORY"))

    @property
    def RATE_LIMIT_SOCKET_TYPING(self) -> int:
        return int(self._get("RATE_LIMIT_SOCKET_TYPING"))

    @property
    def RATE_LIMIT_CACHE(self) -> str:
        return str(self._get("RATE_LIMIT_CACHE"))

    @property
    def TRUSTED_PROXIES(self) -> int:
        return int(self._get("TRUSTED_PROXIES"))

    @property
    def TYPING_TIMEOUT(self) -> float:
        return float(self._get("TYPING_TIMEOUT"))

    @property
    def VISITOR_TOKEN_MAX_AGE(self) -> int | None:
        value = self._get("VISITOR_TOKEN_MAX_AGE")
        return None if value is None else int(value)

    @property
    def RESUME_TOKEN_MAX_AGE(self) -> int:
        return int(self._get("RESUME_TOKEN_MAX_AGE"))

    @property
    def RECONNECT_MAX_RETRIES(self) -> int:
        return int(self._get("RECONNECT_MAX_RETRIES"))

    @property
    def RECONNECT_BASE_DELAY(self) -> float:
        return float(self._get("RECONNECT_BASE_DELAY"))

    @property
    def DEFAULT_WEBSITE_ID(self) -> str | None:
        value = self._get("DEFAULT_WEBSITE_ID")
        return None if value is None else str(value)

    @property
    def HEARTBEAT_INTERVAL(self) -> float:
        return float(self._get("HEARTBEAT_INTERVAL"))

    @property
    def WIDGET_COLOR(self) -> str:
        return str(self._get("WIDGET_COLOR"))

    @property
    def WIDGET_POSITION(self) -> str:
        return str(self._get("WIDGET_POSITION"))

    @property
    def WIDGET_THEME(self) -> str:
        return str(self._get("WIDGET_THEME"))

    @property
    def WIDGET_TITLE(self) -> str | None:
        return self._optional_text("WIDGET_TITLE")

    @property
    def WIDGET_GREETING(self) -> str | None:
        return self._optional_text("WIDGET_GREETING")

    @property
    def WIDGET_AWAY_TEXT(self) -> str | None:
        return self._optional_text("WIDGET_AWAY_TEXT")

    @property
    def AGENT_DISPLAY_NAME(self) -> str | None:
        return self._optional_text("AGENT_DISPLAY_NAME")

    def _optional_text(self, name: str) -> str | None:
        value = self._get(name)
        return None if value is None else str(value)

    @property
    def WS_PATH_PREFIX(self) -> str:
        return str(self._get("WS_PATH_PREFIX"))

    @property
    def SQLITE_WAL(self) -> bool:
        return bool(self._get("SQLITE_WAL"))

    @property
    def ASSETS_FROM_STATIC(self) -> bool:
        return bool(self._get("ASSETS_FROM_STATIC"))

    @property
    def ATTACHMENT_STORAGE(self) -> str:
        return str(self._get("ATTACHMENT_STORAGE"))

    @property
    def ATTACHMENT_MAX_SIZE(self) -> int:
        return int(self._get("ATTACHMENT_MAX_SIZE"))

    @property
    def ATTACHMENT_TYPES(self) -> list[str]:
        return [str(value) for value in self._get("ATTACHMENT_TYPES")]

    @property
    def ATTACHMENT_SCANNER(self) -> str | None:
        return self._optional_text("ATTACHMENT_SCANNER")

    @property
    def ATTACHMENT_URL_MAX_AGE(self) -> int:
        return int(self._get("ATTACHMENT_URL_MAX_AGE"))

    @property
    def ATTACHMENT_PENDING_MAX_AGE(self) -> float:
        return float(self._get("ATTACHMENT_PENDING_MAX_AGE"))

    @property
    def EMAIL_FOLLOWUP_DELAY(self) -> float:
        return float(self._get("EMAIL_FOLLOWUP_DELAY"))

    @property
    def EMAIL_FROM(self) -> str | None:
        return self._optional_text("EMAIL_FROM")

    @property
    def EMAIL_SEND_INTERVAL(self) -> float:
        return float(self._get("EMAIL_SEND_INTERVAL"))

    @property
    def EMAIL_MAX_ATTEMPTS(self) -> int:
        return int(self._get("EMAIL_MAX_ATTEMPTS"))

    @property
    def EMAIL_SENDER_ENABLED(self) -> bool:
        return bool(self._get("EMAIL_SENDER_ENABLED"))

    @property
    def EMAIL_DIGEST_HOUR(self) -> int:
        return int(self._get("EMAIL_DIGEST_HOUR"))

    @property
    def EMAIL_BASE_URL(self) -> str | None:
        return self._optional_text("EMAIL_BASE_URL")

    @property
    def RETENTION_DAYS(self) -> int | None:
        value = self._get("RETENTION_DAYS")
        return None if value is None else int(value)


livechat_settings = LivechatSettings()
