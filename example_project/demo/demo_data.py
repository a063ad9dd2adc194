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

from django_livechat.models import Website
from django_livechat.origins import normalize_origin

WEBSITE_NAME = "Demo site"
AGENT_USERNAME = "agent"
AGENT_PASSWORD = "agent"
# What visitors see as the agent's name (never the username).
AGENT_FIRST_NAME = "Alex"
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


def ensure_demo_website(port: int) -> WebsiteSetup:
    """Create the demo website, or make sure the existing one allows ``port``'s origins."""
    origins = demo_origins(port)
    website = find_demo_website()
    if website is None:
        # The app's own command, as a host's operator would create a website.
        out = io.StringIO()
        args = [WEBSITE_NAME]
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
def ensure_demo_agent(website: Website) -> UserSetup:
    """A staff user ``agent``/``agent`` named Alex, who may reply and is one of
    ``website``'s agents."""
    setup = _ensure_user(AGENT_USERNAME, AGENT_PASSWORD)
    user = setup.user
    user.first_name = AGENT_FIRST_NAME
    user.save()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="django_livechat", codename__in=AGENT_PERMISSIONS
        )
    )
    website.agents.add(user)
    return setup


@transaction.atomic
def ensure_demo_admin() -> UserSetup:
    """A superuser ``admin``/``admin``, to manage websites and agents in the admin."""
    setup = _ensure_user(ADMIN_USERNAME, ADMIN_PASSWORD)
    setup.user.is_superuser = True
    setup.user.save()
    return setup
