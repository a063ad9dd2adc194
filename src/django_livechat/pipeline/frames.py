"""Wire shapes: every frame a client sees is built here, from stored data.

The sockets send these as they are (through the channel layer, already encoded: see
:mod:`django_livechat.pipeline.events`) and the HTTP API returns the same shapes, so the
protocol page of the docs describes one set of objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from django_livechat.conf import livechat_settings
from django_livechat.models import CannedReply, Conversation, Label, Message, Note
from django_livechat.pipeline.attachments import attachment_data
from django_livechat.pipeline.validation import PREVIEW_LENGTH

USER, AGENT, ASSISTANT = (
    str(r) for r in (Message.Role.USER, Message.Role.AGENT, Message.Role.ASSISTANT)
)


def message_data(message: Message, *, for_agents: bool = False) -> dict[str, Any]:
    """A message as the ``chat_message`` event and the HTTP API show it; an agent's
    ``sender_name`` is the name visitors see, or ``for_agents`` the one agents know."""
    data: dict[str, Any] = {
        "message_id": str(message.id),
        "conversation_id": str(message.conversation_id),
        "seq": message.seq,
        "role": message.role,
        "message": message.content,
        "client_id": message.client_id,
        "timestamp": message.created_at.isoformat(),
        "is_auto": message.is_auto,
        "is_manual": message.is_manual,
    }
    metadata = message.metadata or {}
    sender_name = (for_agents and metadata.get("agent_name")) or metadata.get("sender_name")
    if sender_name:
        data["sender_name"] = sender_name
    if isinstance(metadata.get("attachment"), dict):
        # Stored as a summary when the message was; the URLs are signed afresh each time.
        data["attachment"] = attachment_data(metadata["attachment"])
    return data


def chat_message(data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "chat_message", **data}


def json_pk(pk: Any) -> Any:
    """A user's primary key as JSON: numbers stay numbers, anything else is text."""
    return pk if isinstance(pk, int) else str(pk)


def display_name(user: Any) -> str:
    """What other agents see of an agent: the full name, else the username."""
    full_name = str(user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return full_name or str(user.get_username())


def name_for_visitors(user: Any, website_name: str) -> str:
    """What visitors see of an agent, never their username: ``LIVECHAT["AGENT_DISPLAY_NAME"]``
    (``callable(user) -> str``) when set, else the first name, else the full name, else
    "<website> team"."""
    path = livechat_settings.AGENT_DISPLAY_NAME
    if path:
        chosen = str(import_string(path)(user) or "").strip()
        if chosen:
            return chosen
    for attribute in ("get_short_name", "get_full_name"):
        method = getattr(user, attribute, None)
        name = str(method() or "").strip() if callable(method) else ""
        if name and name != user.get_username():
            return name
    return _("{website} team").format(website=website_name)


def agent_data(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"user_id": json_pk(user.pk), "name": display_name(user)}


def conversation_data(conversation: Conversation) -> dict[str, Any]:
    """A conversation as the dashboards see it (``website`` and ``assigned_agent`` loaded)."""
    return {
        "conversation_id": str(conversation.id),
        "website_id": str(conversation.website_id),
        "website_name": conversation.website.name,
        "visitor_identifier": conversation.visitor_identifier,
        "metadata": conversation.metadata,
        "status": conversation.status,
        "assigned_agent": agent_data(conversation.assigned_agent),
        "last_seq": conversation.last_seq,
        "created_at": conversation.created_at.isoformat(),
        "last_message_at": (
            conversation.last_message_at.isoformat() if conversation.last_message_at else None
        ),
        "visitor_name": conversation.visitor_name,
        "visitor_email": conversation.visitor_email,
        "prechat": conversation.prechat,
        # The questions of the website's form, for the answers' labels.
        "prechat_fields": conversation.website.prechat_fields,
        "rating": conversation.rating,
        "rating_comment": conversation.rating_comment,
        "assigned_at": conversation.assigned_at.isoformat() if conversation.assigned_at else None,
        "handoff_at": conversation.handoff_at.isoformat() if conversation.handoff_at else None,
        "bot_state": bot_state(conversation),
        **_labels_if_loaded(conversation),
    }


def bot_state(conversation: Conversation) -> str:
    """``bot`` (the responder answers), ``waiting`` (handed over, no agent reply yet) or
    ``agent`` (an agent replied)."""
    if conversation.agent_replied_at is not None:
        return "agent"
    return "waiting" if conversation.handoff_at is not None else "bot"


def _labels_if_loaded(conversation: Conversation) -> dict[str, Any]:
    # Only when prefetched: this is called from async code too (visitors' changes), where
    # a query is not allowed. Dashboards merge entries, so a frame without labels keeps
    # the ones they hold.
    cache = getattr(conversation, "_prefetched_objects_cache", {})
    if "labels" not in cache:
        return {}
    return {"labels": [label_data(label) for label in cache["labels"]]}


def label_data(label: Label) -> dict[str, Any]:
    """A website's label as conversation entries, ``ready`` and the labels API show it."""
    return {"id": label.pk, "name": label.name, "color": label.color}


def note_data(note: Note) -> dict[str, Any]:
    """A private note (``author`` loaded): agents only, never on a visitor's path."""
    return {
        "id": str(note.id),
        "conversation_id": str(note.conversation_id),
        "text": note.text,
        "author": agent_data(note.author),
        "created_at": note.created_at.isoformat(),
        "client_id": note.client_id,
    }


def note(data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "note", "note": data}


def notes(conversation_id: UUID, listed: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "notes", "conversation_id": str(conversation_id), "notes": listed}


def canned_data(reply: CannedReply) -> dict[str, Any]:
    """A canned reply: a website's (``personal`` false) or the agent's own."""
    return {
        "id": reply.pk,
        "shortcut": reply.shortcut,
        "text": reply.text,
        "website_id": None if reply.website_id is None else str(reply.website_id),
        "personal": reply.owner_id is not None,
    }


def canned(replies: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "canned", "replies": replies}


def inbox_entry(
    conversation: Conversation, last: Message | None, *, unread: int, last_read_seq: int
) -> dict[str, Any]:
    """A conversation as one agent's inbox lists it: their unread count and a preview."""
    entry = conversation_data(conversation)
    entry["unread"] = unread
    entry["last_read_seq"] = last_read_seq
    entry["last_message"] = None if last is None else message_preview(last)
    return entry


def message_preview(message: Message) -> dict[str, Any]:
    """A message as agents see it, its text cut to :data:`PREVIEW_LENGTH` characters."""
    data = message_data(message, for_agents=True)
    text = data["message"]
    data["message"] = text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 1] + "…"
    return data


def new_conversation(conversation: Conversation) -> dict[str, Any]:
    # A new conversation has no messages: nothing unread, nothing to preview.
    entry = inbox_entry(conversation, None, unread=0, last_read_seq=0)
    entry["labels"] = []
    return {"type": "new_conversation", "conversation": entry}


def conversation_frame(entry: dict[str, Any]) -> dict[str, Any]:
    return {"type": "conversation", "conversation": entry}


def conversations(
    entries: list[dict[str, Any]],
    *,
    has_more: bool,
    cursor: datetime,
    changed_since: str | None = None,
    filters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The inbox (or, with ``changed_since``, what changed in it since that cursor; with
    ``filters``, the conversations that pass them, to merge into what the client holds)."""
    frame: dict[str, Any] = {
        "type": "conversations",
        "conversations": entries,
        "has_more": has_more,
        "cursor": cursor.isoformat(),
    }
    if changed_since is not None:
        frame["changed_since"] = changed_since
    if filters:
        frame["filters"] = filters
    return frame


def history(
    conversation_id: UUID,
    messages: list[dict[str, Any]],
    has_more: bool,
    conversation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    frame: dict[str, Any] = {
        "type": "history",
        "conversation_id": str(conversation_id),
        "messages": messages,
        "has_more": has_more,
    }
    if conversation is not None:
        frame["conversation"] = conversation
    return frame


def identified(
    *,
    conversation_id: UUID,
    website_id: UUID,
    user_identifier: str,
    visitor_token: str,
    conversation_status: str,
    agents_online: int,
    availability: dict[str, Any] | None = None,
    rated: bool = False,
    handoff_at: str | None = None,
) -> dict[str, Any]:
    frame = {
        "type": "identified",
        "conversation_id": str(conversation_id),
        "website_id": str(website_id),
        "user_identifier": user_identifier,
        "visitor_token": visitor_token,
        "status": "success",
        "conversation_status": conversation_status,
        "agents_online": agents_online,
        "rated": rated,
        "handoff_at": handoff_at,
    }
    if availability is not None:
        frame["availability"] = availability
    return frame


def typing(
    conversation_id: UUID, role: str, is_typing: bool, *, agent: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Someone types; dashboards also learn which agent (``agent``, and the same as ``by``
    like other frames that say who acted), visitors never do."""
    frame: dict[str, Any] = {
        "type": "typing",
        "conversation_id": str(conversation_id),
        "role": role,
        "is_typing": is_typing,
    }
    if agent is not None:
        frame["agent"] = agent
        frame["by"] = agent
    return frame


def reply_delta(conversation_id: UUID, message_id: UUID, text: str) -> dict[str, Any]:
    """A streamed automatic reply so far (the whole text: a lost delta is harmless)."""
    return {
        "type": "reply_delta",
        "conversation_id": str(conversation_id),
        "reply_to": str(message_id),
        "client_id": f"auto:{message_id}",
        "text": text,
    }


def handoff(conversation_id: UUID, handoff_at: datetime, by: str) -> dict[str, Any]:
    """The conversation went to a person; ``by``: ``visitor``, ``bot`` or ``agent``."""
    return {
        "type": "handoff",
        "conversation_id": str(conversation_id),
        "handoff_at": handoff_at.isoformat(),
        "by": by,
    }


def status(
    conversation_id: UUID, value: str, *, by: dict[str, Any] | None, for_agents: bool
) -> dict[str, Any]:
    """A status change; dashboards also learn who made it (``by``: null for the visitor)."""
    frame: dict[str, Any] = {
        "type": "status",
        "conversation_id": str(conversation_id),
        "status": value,
    }
    if for_agents:
        frame["by"] = by
    return frame


def assignment(
    conversation_id: str, assigned_agent: dict[str, Any] | None, by: dict[str, Any] | None
) -> dict[str, Any]:
    """A conversation's assignee changed; ``by`` null: automatic assignment."""
    return {
        "type": "assignment",
        "conversation_id": conversation_id,
        "assigned_agent": assigned_agent,
        "by": by,
    }


def assigned_to_you(entry: dict[str, Any], by: dict[str, Any] | None) -> dict[str, Any]:
    """To the assignee's dashboards: someone else (``by``; null: round robin) gave them
    the conversation (``entry``: as their inbox lists it)."""
    return {"type": "assigned_to_you", "conversation": entry, "by": by}


def agents(website_id: UUID | str, online: list[dict[str, Any]]) -> dict[str, Any]:
    """To a website's dashboards: its agents online (``user_id``, ``name``) and the
    conversations each has open (``viewing``)."""
    return {"type": "agents", "website_id": str(website_id), "agents": online}


def read(conversation_id: UUID, last_read_seq: int, unread: int) -> dict[str, Any]:
    return {
        "type": "read",
        "conversation_id": str(conversation_id),
        "last_read_seq": last_read_seq,
        "unread": unread,
    }


def pong(last_seq: int | None = None, agents_online: int | None = None) -> dict[str, Any]:
    """The heartbeat's answer; a visitor's also says its newest seq and who is online."""
    frame: dict[str, Any] = {"type": "pong"}
    if last_seq is not None:
        frame["last_seq"] = last_seq
    if agents_online is not None:
        frame["agents_online"] = agents_online
    return frame


def ready(
    agent: dict[str, Any],
    websites: list[tuple[UUID, str]],
    availability: dict[UUID, dict[str, Any]] | None = None,
    *,
    labels: dict[UUID, list[dict[str, Any]]] | None = None,
    canned: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The dashboard's first frame: the agent, and their websites (each with its
    ``availability`` when given: open now, reply time, next opening; and its ``labels``),
    and the agent's canned replies."""
    listed = []
    for wid, name in websites:
        entry: dict[str, Any] = {"website_id": str(wid), "name": name}
        if availability is not None and wid in availability:
            entry["availability"] = availability[wid]
        if labels is not None:
            entry["labels"] = labels.get(wid, [])
        listed.append(entry)
    frame: dict[str, Any] = {"type": "ready", "agent": agent, "websites": listed}
    if canned is not None:
        frame["canned"] = canned
    return frame


def contact_saved(email: str, name: str) -> dict[str, Any]:
    """The answer to a visitor's ``contact``."""
    frame: dict[str, Any] = {"type": "contact_saved", "email": email}
    if name:
        frame["name"] = name
    return frame


def rated(conversation_id: UUID, rating: int, comment: str) -> dict[str, Any]:
    """The answer to a visitor's ``rate``."""
    return {
        "type": "rated",
        "conversation_id": str(conversation_id),
        "rating": rating,
        "comment": comment,
    }


def ratings(websites: list[dict[str, Any]], agents: list[dict[str, Any]]) -> dict[str, Any]:
    """The dashboard's satisfaction summary: averages per website and per agent."""
    return {"type": "ratings", "websites": websites, "agents": agents}


def previous_conversation(conversation: Conversation, last: Message | None) -> dict[str, Any]:
    """An earlier conversation of the same visitor, as the agent's history lists it."""
    return {
        "conversation_id": str(conversation.id),
        "created_at": conversation.created_at.isoformat(),
        "status": conversation.status,
        "last_message": None if last is None else message_preview(last),
        "rating": conversation.rating,
    }


def search_result(
    conversation: Conversation, *, seq: int | None, snippet: str, at: datetime
) -> dict[str, Any]:
    """A conversation a search found: at the hit message's ``seq`` (null for a hit on the
    visitor's name, email address or identifier), with the plain-text ``snippet``."""
    return {
        "conversation_id": str(conversation.id),
        "website_id": str(conversation.website_id),
        "seq": seq,
        "snippet": snippet,
        "visitor_name": conversation.visitor_name,
        "visitor_email": conversation.visitor_email,
        "visitor_identifier": conversation.visitor_identifier,
        "created_at": at.isoformat(),
        "status": conversation.status,
    }


def search_results(query: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    """The answer to a dashboard's ``search``: the query as searched (trimmed)."""
    return {"type": "search_results", "query": query, "results": results}
