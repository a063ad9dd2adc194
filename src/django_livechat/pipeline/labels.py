"""Labels: a website's names for its conversations (``billing``, ``bug``...).

Agents list a website's labels and set a conversation's (the set is replaced); creating a
label needs the ``django_livechat.add_label`` permission. Everything is scoped to the
websites the agent serves: another website's label or conversation is answered exactly
like a missing one. A conversation's new labels reach its website's dashboards as a
``conversation`` frame.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from django_livechat import errors, permissions
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.models import Conversation, Label
from django_livechat.pipeline import events, frames
from django_livechat.pipeline.inbox import (
    AgentSession,
    clean_label_id,
    current_agent,
    inbox_entry_of,
    visible_conversation,
)
from django_livechat.pipeline.validation import clean_uuid, storable

#: Who may create a website's labels (superusers may too).
ADD_LABEL_PERMISSION = "django_livechat.add_label"
#: ``Label.name``'s length.
MAX_NAME_LENGTH = 40
#: Labels one conversation may carry.
MAX_LABELS = 50
#: A label's colour, as the API's schema states it.
COLOR_PATTERN = r"(#[0-9a-fA-F]{6})?"
COLOR = re.compile(COLOR_PATTERN)


def served_website(user: Any, website_id: object) -> UUID:
    """The id of a website ``user`` serves; ``NOT_FOUND`` for any other (or none)."""
    wid = clean_uuid(website_id, "website_id")
    if not permissions.serves(user, wid):
        raise ChatError(errors.NOT_FOUND, "No such website.")
    return wid


# ---------------------------------------------------------------- reading


async def list_labels(agent: AgentSession, website_id: object) -> list[dict[str, Any]]:
    """A website's labels, by name."""
    return await run_in_db_thread(_list_sync, agent, website_id)


def _list_sync(agent: AgentSession, website_id: object) -> list[dict[str, Any]]:
    wid = served_website(current_agent(agent), website_id)
    return [frames.label_data(label) for label in Label.objects.filter(website_id=wid)]


async def labels_by_website(agent: AgentSession) -> dict[UUID, list[dict[str, Any]]]:
    """The labels of every website the agent's session serves (``ready``), in one query."""
    return await run_in_db_thread(_by_website_sync, agent)


def _by_website_sync(agent: AgentSession) -> dict[UUID, list[dict[str, Any]]]:
    found: dict[UUID, list[dict[str, Any]]] = {wid: [] for wid in agent.website_ids}
    for label in Label.objects.filter(website_id__in=agent.website_ids):
        found[label.website_id].append(frames.label_data(label))
    return found


# ---------------------------------------------------------------- creating


def clean_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ChatError(errors.INVALID_MESSAGE, "name must be non-empty text.")
    if len(value) > MAX_NAME_LENGTH:
        raise ChatError(
            errors.INVALID_MESSAGE, f"name must be at most {MAX_NAME_LENGTH} characters."
        )
    return storable(value.strip(), "name")


def clean_color(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not COLOR.fullmatch(value):
        raise ChatError(errors.INVALID_MESSAGE, "color must be a colour such as #1f6feb.")
    return value.lower()


async def create_label(
    agent: AgentSession, website_id: object, *, name: object, color: object = None
) -> dict[str, Any]:
    """A new label of the website; ``FORBIDDEN`` without the permission to add labels,
    ``INVALID_MESSAGE`` naming a name the website already has."""
    return await run_in_db_thread(
        _create_sync, agent, website_id, clean_name(name), clean_color(color)
    )


def _create_sync(agent: AgentSession, website_id: object, name: str, color: str) -> dict[str, Any]:
    user = current_agent(agent)
    wid = served_website(user, website_id)
    if not user.has_perm(ADD_LABEL_PERMISSION):
        raise ChatError(errors.FORBIDDEN, "You may not create labels.")
    taken = ChatError(errors.INVALID_MESSAGE, f"The website already has a label {name!r}.")
    if Label.objects.filter(website_id=wid, name__iexact=name).exists():
        raise taken
    try:
        with transaction.atomic():
            label = Label.objects.create(website_id=wid, name=name, color=color)
    except IntegrityError:  # created by someone else in between
        raise taken from None
    return frames.label_data(label)


# ---------------------------------------------------------------- a conversation's labels


def clean_label_ids(value: object) -> list[int]:
    if not isinstance(value, list):
        raise ChatError(errors.INVALID_MESSAGE, "labels must be a list of label ids.")
    if len(value) > MAX_LABELS:
        raise ChatError(errors.INVALID_MESSAGE, f"A conversation has at most {MAX_LABELS} labels.")
    return list(dict.fromkeys(clean_label_id(item, "labels", text=False) for item in value))


async def set_labels(
    agent: AgentSession, conversation_id: object, label_ids: object
) -> dict[str, Any]:
    """Replace the conversation's labels (all of its website); the dashboards get the
    conversation. Returns the conversation as this agent's inbox lists it."""
    wanted = clean_label_ids(label_ids)
    entry, shared, changed = await run_in_db_thread(_set_sync, agent, conversation_id, wanted)
    if changed:
        out = events.Frames(entry["conversation_id"], entry["website_id"])
        await out.to_dashboards(frames.conversation_frame(shared)).send()
    return entry


def _set_sync(
    agent: AgentSession, conversation_id: object, wanted: list[int]
) -> tuple[dict[str, Any], dict[str, Any], bool]:
    user = current_agent(agent)
    conversation = visible_conversation(user, conversation_id)
    labels = {
        label.pk: label
        for label in Label.objects.filter(pk__in=wanted, website_id=conversation.website_id)
    }
    for pk in wanted:
        if pk not in labels:
            # Another website's label reads like one that does not exist.
            raise ChatError(
                errors.INVALID_MESSAGE, f"Label {pk} is not a label of this conversation's website."
            )
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        before = set(locked.labels.values_list("pk", flat=True))
        changed = before != set(wanted)
        if changed:
            locked.labels.set(list(labels.values()))
            Conversation.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    entry = inbox_entry_of(user, conversation.pk)
    # What every dashboard may merge: no one agent's unread count or read marker.
    shared = {k: v for k, v in entry.items() if k not in ("unread", "last_read_seq")}
    return entry, shared, changed
