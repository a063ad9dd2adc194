"""A visitor's email address (and name), left in the widget so that replies reach them.

The widget asks for it when nobody is present or the website is closed; the socket's
``contact`` frame and ``POST api/contact/`` end here. The address is what the email
follow-up writes to (``Website.email_followup``); the dashboards see it on the
conversation.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _

from django_livechat import errors
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.models import Conversation
from django_livechat.pipeline import events, frames
from django_livechat.pipeline.prechat import MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, clean_text, is_email
from django_livechat.pipeline.sessions import VisitorSession


async def save_contact(
    session: VisitorSession, email: object, name: object = None
) -> dict[str, Any]:
    """Store the visitor's ``email`` (required) and ``name`` (optional; kept when not
    given) on their conversation; the ``contact_saved`` answer. ``INVALID_PRECHAT``
    names what is wrong, as the pre-chat form's errors do."""
    address, problem = clean_text(email, MAX_EMAIL_LENGTH)
    problems: dict[str, str] = {}
    if problem or not is_email(address):
        problems["email"] = problem or _("Enter a valid email address.")
    text, problem = clean_text(name, MAX_NAME_LENGTH)
    if problem:
        problems["name"] = problem
    if problems:
        error = ChatError(errors.INVALID_PRECHAT, _("The email address is not valid."))
        error.fields = problems
        raise error
    conversation = await run_in_db_thread(
        _save_sync, session.conversation_id, address, text or None
    )
    await (
        events.Frames(conversation.id, conversation.website_id)
        .to_dashboards(frames.conversation_frame(frames.conversation_data(conversation)))
        .send()
    )
    return frames.contact_saved(conversation.visitor_email, conversation.visitor_name)


def _save_sync(conversation_id: UUID, email: str, name: str | None) -> Conversation:
    changes: dict[str, Any] = {"visitor_email": email, "updated_at": timezone.now()}
    if name is not None:
        changes["visitor_name"] = name
    rows = Conversation.objects.filter(pk=conversation_id)
    if not rows.update(**changes):
        raise ChatError(errors.FORBIDDEN, "That conversation no longer exists.")
    conversation: Conversation = rows.select_related("website", "assigned_agent").get()
    return conversation
