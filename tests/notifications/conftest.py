"""Fixtures of the email tests: a shop, its agents, visitors who left an address.

Django's test environment sends mail to the locmem backend (``django.core.mail.outbox``);
the SMTP tests switch to the real backend themselves. The pipeline writes from its own
threads, so these tests use ``django_db(transaction=True)``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from channels.db import database_sync_to_async
from django.core import mail

from django_livechat import pipeline
from django_livechat.models import AgentPreference, Conversation, EmailOutbox
from django_livechat.notifications import sender
from tests.factories import make_user, make_website

VISITOR_EMAIL = "vi@example.org"


@pytest.fixture
def livechat(settings: Any) -> Any:
    """``livechat(EMAIL_FOLLOWUP_DELAY=0)``: LIVECHAT settings for the test."""

    def apply(**overrides: Any) -> None:
        settings.LIVECHAT = {**settings.LIVECHAT, **overrides}

    return apply


@pytest.fixture(autouse=True)
def no_sender_loop(livechat: Any) -> None:
    """Tests send with ``send_now()``; the loop has tests of its own (test_sender.py)."""
    livechat(EMAIL_SENDER_ENABLED=False)


@pytest.fixture
def outbox() -> list[Any]:
    mail.outbox = []
    return mail.outbox


def shop_sync(**fields: Any) -> Any:
    return make_website(name="Shop", **fields)


def agent_sync(website: Any, username: str, preference: str | None = None, **fields: Any) -> Any:
    fields.setdefault("email", f"{username}@shop.example")
    fields.setdefault("first_name", username.title())
    user = make_user(username, **fields)
    website.agents.add(user)
    if preference is not None:
        AgentPreference.objects.create(user=user, email_notifications=preference)
    return user


shop = database_sync_to_async(shop_sync)
agent = database_sync_to_async(agent_sync)


@database_sync_to_async
def leave_address(conversation_id: Any, email: str = VISITOR_EMAIL, **fields: Any) -> None:
    Conversation.objects.filter(pk=conversation_id).update(visitor_email=email, **fields)


async def visitor(website: Any, *, email: str | None = VISITOR_EMAIL, **metadata: Any) -> Any:
    """A visitor's session on ``website``, with ``email`` left (the contact frame's job)."""
    session = await pipeline.open_conversation(
        website_id=website.id, origin=None, metadata=metadata or None
    )
    if email:
        await leave_address(session.conversation_id, email)
    return session


async def reply(user: Any, conversation_id: Any, text: str, client_id: str) -> Any:
    agent_session = await pipeline.authorize_agent(user)
    return await pipeline.post_agent_message(
        agent_session, conversation_id, content=text, client_id=client_id
    )


@database_sync_to_async
def send_now() -> int:
    """One sender pass without digests (they have tests of their own): how many sent."""
    return sender.run_once(digests=False)


@database_sync_to_async
def rows(**filters: Any) -> list[EmailOutbox]:
    return list(EmailOutbox.objects.filter(**filters).order_by("pk"))


# ---------------------------------------------------------------- a real SMTP server


class Inbox:
    """aiosmtpd's handler: keeps what the server accepted."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SMTPServer:
    """An SMTP server on loopback, started and stopped by the test."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings: Any) -> Iterator[SMTPServer]:
    """A running SMTP server on 127.0.0.1 that Django's SMTP backend sends to."""
    server = SMTPServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    server.start()
    try:
        yield server
    finally:
        server.stop()
