"""The demo's website, agent and admin, created idempotently by ``manage.py demo_setup``."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import transaction

from django_livechat.models import CannedReply, Label, Website
from django_livechat.origins import normalize_origin

WEBSITE_NAME = "Demo site"
#: What the demo site promises while open (it has no hours: always open).
REPLY_TIME = "a few minutes"
#: The second demo website: a pre-chat form and business hours, on the /prechat/ page.
PRECHAT_WEBSITE_NAME = "Demo shop (pre-chat)"
PRECHAT_FIELDS = [
    {
        "name": "topic",
        "label": "Topic",
        "type": "select",
        "required": True,
        "options": ["Orders", "Returns", "Something else"],
    }
]
PRECHAT_CONSENT_TEXT = "I agree that the shop stores my name and email to answer me."
#: Monday to Friday, 08:00 to 20:00 in the project's TIME_ZONE.
PRECHAT_HOURS = {day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
#: The third demo website: the /help/ pages, whose chat a bot answers first (demo.bots).
HELP_WEBSITE_NAME = "Demo help centre (bot)"
HELP_RESPONDER = "demo.bots.help_centre_bot"
AGENT_USERNAME = "agent"
AGENT_PASSWORD = "agent"
# What visitors see as the agent's name (never the username).
AGENT_FIRST_NAME = "Alex"
# The agent's workspace (issue 12): the demo website's labels and canned replies.
DEMO_LABELS = {"billing": "#1f6feb", "bug": "#d1242f", "question": "#1a7f37"}
DEMO_CANNED = {
    "hello": "Hello {visitor_name}! I am {agent_name} from {website_name}. How can I help?",
    "order": "Could you give me your order number, please?",
    "later": "I am looking into it and will come back to you shortly.",
}
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"
# reply_conversation lets the agent answer chats; the view permissions let them browse
# the chat record in the admin.
AGENT_PERMISSIONS = [
    "reply_conversation",
    "view_website",
    "view_conversation",
    "view_message",
]


def demo_origins(port: int) -> list[str]:
    """The origins a browser sends for pages of the demo server on ``port``."""
    return [normalize_origin(f"http://{host}:{port}") for host in ("127.0.0.1", "localhost")]


def find_demo_website() -> Website | None:
    website: Website | None = (
        Website.objects.filter(name=WEBSITE_NAME).order_by("created_at").first()
    )
    return website


@dataclass
class WebsiteSetup:
    website: Website
    created: bool
    added_origins: list[str] = field(default_factory=list)


def find_prechat_website() -> Website | None:
    website: Website | None = (
        Website.objects.filter(name=PRECHAT_WEBSITE_NAME).order_by("created_at").first()
    )
    return website


def find_help_website() -> Website | None:
    website: Website | None = (
        Website.objects.filter(name=HELP_WEBSITE_NAME).order_by("created_at").first()
    )
    return website


def ensure_demo_website(port: int) -> WebsiteSetup:
    """Create the demo website, or make sure the existing one allows ``port``'s origins.

    It promises a reply within "a few minutes" and has no business hours: always open.
    """
    setup = _ensure_website(WEBSITE_NAME, find_demo_website(), port)
    if not setup.website.reply_time:
        setup.website.reply_time = REPLY_TIME
        setup.website.save(update_fields=["reply_time"])
    return setup


def ensure_prechat_website(port: int) -> WebsiteSetup:
    """The second demo website: a pre-chat form (name, email, consent and a topic) and
    business hours (Monday to Friday, 08:00 to 20:00)."""
    setup = _ensure_website(PRECHAT_WEBSITE_NAME, find_prechat_website(), port)
    website = setup.website
    website.prechat_enabled = True
    website.prechat_fields = PRECHAT_FIELDS
    website.prechat_consent_text = PRECHAT_CONSENT_TEXT
    website.business_hours = PRECHAT_HOURS
    website.reply_time = "about an hour"
    website.full_clean()
    website.save()
    return setup


def ensure_help_website(port: int) -> WebsiteSetup:
    """The third demo website: the help centre, whose chat the FAQ bot answers first
    (its ``responder`` field names :func:`demo.bots.help_centre_bot`); the bot is on."""
    setup = _ensure_website(HELP_WEBSITE_NAME, find_help_website(), port)
    website = setup.website
    website.responder = HELP_RESPONDER
    website.bot_enabled = True
    website.reply_time = website.reply_time or REPLY_TIME
    website.full_clean()
    website.save()
    return setup


def _ensure_website(name: str, website: Website | None, port: int) -> WebsiteSetup:
    origins = demo_origins(port)
    if website is None:
        # The app's own command, as a host's operator would create a website.
        out = io.StringIO()
        args = [name]
        for origin in origins:
            args += ["--origin", origin]
        call_command("livechat_create_website", *args, stdout=out)
        website_id = uuid.UUID(out.getvalue().strip().splitlines()[-1])
        return WebsiteSetup(Website.objects.get(pk=website_id), created=True)
    missing = [origin for origin in origins if origin not in website.allowed_origins]
    if missing:
        website.allowed_origins = [*website.allowed_origins, *missing]
        website.save(update_fields=["allowed_origins"])
    return WebsiteSetup(website, created=False, added_origins=missing)


@dataclass
class UserSetup:
    user: Any
    created: bool
    password_reset: bool


def _ensure_user(username: str, password: str) -> UserSetup:
    """The active staff user ``username`` with ``password`` (saved by the caller)."""
    user_model = get_user_model()
    user, created = user_model._default_manager.get_or_create(
        **{user_model.USERNAME_FIELD: username}
    )
    password_reset = not created and not user.check_password(password)
    if created or password_reset:
        user.set_password(password)
    user.is_staff = True
    user.is_active = True
    return UserSetup(user, created=created, password_reset=password_reset)


@transaction.atomic
def ensure_demo_agent(*websites: Website) -> UserSetup:
    """A staff user ``agent``/``agent`` named Alex, who may reply and is one of the
    ``websites``' agents."""
    setup = _ensure_user(AGENT_USERNAME, AGENT_PASSWORD)
    user = setup.user
    user.first_name = AGENT_FIRST_NAME
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="django_livechat", codename__in=AGENT_PERMISSIONS
        )
    )
    for website in websites:
        website.agents.add(user)
    return setup


@transaction.atomic
def ensure_demo_admin() -> UserSetup:
    """A superuser ``admin``/``admin``, to manage websites and agents in the admin."""
    setup = _ensure_user(ADMIN_USERNAME, ADMIN_PASSWORD)
    setup.user.is_superuser = True
    setup.user.save()
    return setup


@transaction.atomic
def ensure_demo_workspace(website: Website) -> tuple[int, int]:
    """The demo website's labels and canned replies (the ones missing): how many of each
    were added. Existing ones are left as the agents changed them."""
    labels = sum(
        Label.objects.get_or_create(website=website, name=name, defaults={"color": color})[1]
        for name, color in DEMO_LABELS.items()
    )
    canned = sum(
        CannedReply.objects.get_or_create(
            website=website, owner=None, shortcut=shortcut, defaults={"text": text}
        )[1]
        for shortcut, text in DEMO_CANNED.items()
    )
    return labels, canned
