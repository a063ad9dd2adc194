"""What the emails say: subjects and bodies from templates, their links and headers.

Templates (override them in your project's templates directory):
``django_livechat/email/<kind>_subject.txt``, ``<kind>.txt`` and ``<kind>.html`` for the
kinds ``visitor_reply``, ``agent_new_conversation`` and ``agent_digest``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from django_livechat.conf import livechat_settings
from django_livechat.models import Conversation, Message, Website
from django_livechat.notifications import unsubscribe
from django_livechat.notifications.outbox import Composed
from django_livechat.origins import normalize_origin
from django_livechat.pipeline.resume import make_resume_token

#: The query parameter the widget exchanges for its conversation.
RESUME_PARAMETER = "livechat_resume"


def from_email() -> str:
    return livechat_settings.EMAIL_FROM or str(settings.DEFAULT_FROM_EMAIL)


def site_url(website: Website | None) -> str:
    """Scheme and host of this site: ``EMAIL_BASE_URL``, else the website's first origin."""
    base = livechat_settings.EMAIL_BASE_URL
    if not base and website is not None and website.allowed_origins:
        base = website.allowed_origins[0]
    return (base or "").rstrip("/")


def unsubscribe_url(address: str, website: Website | None) -> str:
    path = reverse("django_livechat:email-unsubscribe", args=[unsubscribe.make_token(address)])
    return site_url(website) + path


def dashboard_url(website: Website | None) -> str:
    return site_url(website) + reverse("django_livechat:dashboard")


def headers(address: str, website: Website | None) -> dict[str, str]:
    """List-Unsubscribe (with RFC 8058 one-click) for mail clients' own button."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(address, website)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def conversation_page(conversation: Conversation) -> str:
    """Where the conversation started (``metadata["page"]``) if that page is on one of the
    website's origins, else the website's first origin: never a page someone else chose."""
    origins = conversation.website.allowed_origins
    page = (conversation.metadata or {}).get("page")
    if isinstance(page, str):
        try:
            parts = urlsplit(page)
            origin = normalize_origin(f"{parts.scheme}://{parts.netloc}")
        except ValueError:
            origin = ""
        if origin and origin in origins:
            return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
    return (origins[0] + "/") if origins else site_url(conversation.website) + "/"


def resume_url(conversation: Conversation) -> str:
    """The conversation's page with ``?livechat_resume=<token>``: the widget opens it."""
    parts = urlsplit(conversation_page(conversation))
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != RESUME_PARAMETER]
    query.append((RESUME_PARAMETER, make_resume_token(conversation)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def render(kind: str, context: dict[str, Any]) -> Composed:
    base = f"django_livechat/email/{kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    return Composed(
        subject=subject,
        text=render_to_string(f"{base}.txt", context),
        html=render_to_string(f"{base}.html", context),
    )


def visitor_reply(conversation: Conversation, replies: Sequence[Message]) -> Composed:
    """The agents' replies a visitor has not seen, with the link back to the chat."""
    website = conversation.website
    names = list(dict.fromkeys(_sender_name(m) for m in replies))
    return render(
        "visitor_reply",
        {
            "website": website,
            "conversation": conversation,
            "visitor_name": conversation.visitor_name,
            "replies": [{"sender": _sender_name(m), "text": m.content} for m in replies],
            "senders": names,
            "resume_url": resume_url(conversation),
            "unsubscribe_url": unsubscribe_url(conversation.visitor_email, website),
        },
    )


def agent_new_conversation(
    conversation: Conversation, first_message: Message | None, address: str
) -> Composed:
    """A new conversation on a website where no agent was present."""
    website = conversation.website
    return render(
        "agent_new_conversation",
        {
            "website": website,
            "conversation": conversation,
            "visitor": _visitor_label(conversation),
            "first_message": first_message.content if first_message else "",
            "dashboard_url": dashboard_url(website),
            "unsubscribe_url": unsubscribe_url(address, website),
        },
    )


def agent_digest(
    conversations: Sequence[tuple[Conversation, Message | None]],
    address: str,
    website: Website | None,
) -> Composed:
    """The day's new conversations no agent has answered yet."""
    return render(
        "agent_digest",
        {
            "count": len(conversations),
            "conversations": [
                {
                    "website": c.website.name,
                    "visitor": _visitor_label(c),
                    "created_at": c.created_at,
                    "first_message": m.content if m else "",
                }
                for c, m in conversations
            ],
            "dashboard_url": dashboard_url(website),
            "unsubscribe_url": unsubscribe_url(address, website),
        },
    )


def _sender_name(message: Message) -> str:
    return str((message.metadata or {}).get("sender_name") or "")


def _visitor_label(conversation: Conversation) -> str:
    return (
        conversation.visitor_name
        or conversation.visitor_email
        or conversation.visitor_identifier
        or str((conversation.metadata or {}).get("name") or "")
    )
