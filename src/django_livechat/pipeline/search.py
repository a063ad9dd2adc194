"""Search across the conversations an agent may see: message text, the visitor's name,
email address and identifier.

On PostgreSQL the messages are matched by full-text search, ``websearch_to_tsquery`` with
the ``'simple'`` configuration (no stemming, no stop words: chats mix languages) against
the GIN index of migration 0009; elsewhere (SQLite) every word of the query must occur in
the text, ignoring case (``icontains``). The visitor's fields are matched the same way
on every database: each word in one of them. A ``-word`` excludes messages holding it;
``"a phrase"`` is one term.

One result per conversation (its newest hit), newest first, with a plain-text snippet
around the hit; a conversation found by the visitor's fields only has no ``seq``. Scoped
like the inbox: the websites the agent serves now; another website's id is answered like
one that does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from operator import or_
from typing import Any
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, Max, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from django_livechat import errors, permissions
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.models import Conversation, Message, Website
from django_livechat.pipeline import frames
from django_livechat.pipeline.inbox import AgentSession, current_agent
from django_livechat.pipeline.validation import WHITESPACE, clean_uuid, storable

#: Results in one answer, by default and at most.
SEARCH_LIMIT = 50
#: A query's length: at least this many characters once trimmed, at most that many sent.
MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 200
#: A query as a pattern (JSON Schema's and Python's): two characters that are not
#: whitespace at least, no NUL.
QUERY_TEXT = rf"[{WHITESPACE}]*[^\x00{WHITESPACE}][^\x00]*[^\x00{WHITESPACE}][{WHITESPACE}]*"
#: Characters of message text shown around a hit (plus an ellipsis at a cut end).
SNIPPET_LENGTH = 160
#: How far a snippet's ends move to fall between words.
_WORD_SLACK = 20

#: The column migration 0009 indexes (Message.content).
MESSAGE_TEXT_COLUMN = "content"

_TERM = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')
_EDGE_PUNCTUATION = re.compile(r"^[^\w@]+|[^\w@]+$")


@dataclass(frozen=True)
class Terms:
    """A query's terms: those a hit must hold (``include``), those it must not."""

    include: tuple[str, ...]
    exclude: tuple[str, ...]


def parse_terms(query: str) -> Terms:
    """The words and ``"phrases"`` of ``query`` (``-`` in front: excluded), each without
    the punctuation around it; ``or`` is a word of PostgreSQL's syntax, not a term."""
    include: list[str] = []
    exclude: list[str] = []
    for match in _TERM.finditer(query):
        negated = bool(match.group(1) or match.group(3))
        phrase = match.group(2)
        raw = phrase if phrase is not None else match.group(4)
        term = " ".join(_EDGE_PUNCTUATION.sub("", raw).split())
        if not term or (phrase is None and term.lower() == "or"):
            continue
        target = exclude if negated else include
        if term.lower() not in (t.lower() for t in target):
            target.append(term)
    return Terms(tuple(include), tuple(exclude))


def clean_query(value: object) -> str:
    """The query, trimmed: text of :data:`MIN_QUERY_LENGTH` (trimmed) to
    :data:`MAX_QUERY_LENGTH` characters, else ``INVALID_MESSAGE``."""
    if (
        not isinstance(value, str)
        or len(value) > MAX_QUERY_LENGTH
        or len(value.strip()) < MIN_QUERY_LENGTH
    ):
        raise ChatError(
            errors.INVALID_MESSAGE,
            f"query must be {MIN_QUERY_LENGTH} to {MAX_QUERY_LENGTH} characters of text.",
        )
    return storable(value, "query").strip()


def clean_limit(value: object) -> int:
    if value is None:
        return SEARCH_LIMIT
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= SEARCH_LIMIT:
        raise ChatError(errors.INVALID_MESSAGE, f"limit must be 1 to {SEARCH_LIMIT}.")
    return value


async def search(
    agent: AgentSession, query: object, *, website_id: object = None, limit: object = None
) -> dict[str, Any]:
    """The ``search_results`` frame: the conversations of the agent's websites (or of
    ``website_id`` only) that ``query`` finds, newest hit first."""
    text = clean_query(query)
    wid = None if website_id is None else clean_uuid(website_id, "website_id")
    count = clean_limit(limit)
    results = await run_in_db_thread(_search_sync, agent, text, wid, count)
    return frames.search_results(text, results)


def _search_sync(
    agent: AgentSession, query: str, website_id: UUID | None, limit: int
) -> list[dict[str, Any]]:
    user = current_agent(agent)
    return find(user, query, website_id=website_id, limit=limit)


def find(
    user: Any,
    query: str,
    *,
    website_id: UUID | None = None,
    limit: int = SEARCH_LIMIT,
    using: str = DEFAULT_DB_ALIAS,
) -> list[dict[str, Any]]:
    """The results of a clean ``query`` for ``user`` in the database ``using``: one per
    conversation, newest first; ``NOT_FOUND`` for a website they do not serve."""
    websites = permissions.served_websites(user).using(using)
    if website_id is not None:
        websites = websites.filter(pk=website_id)
        if not websites.exists():
            raise ChatError(errors.NOT_FOUND, "No such website.")
    terms = parse_terms(query)
    if not terms.include:
        return []  # only exclusions: they would match nearly everything
    found: dict[UUID, tuple[datetime, dict[str, Any]]] = {}
    for message in _message_hits(websites, query, terms, limit, using):
        snippet = make_snippet(message.content, terms)
        found[message.conversation_id] = (
            message.created_at,
            frames.search_result(
                message.conversation, seq=message.seq, snippet=snippet, at=message.created_at
            ),
        )
    for conversation in _visitor_hits(websites, terms, limit, using):
        if conversation.id not in found:
            at: datetime = conversation.last_message_at or conversation.created_at
            snippet = make_snippet(visitor_line(conversation), terms)
            found[conversation.id] = (
                at,
                frames.search_result(conversation, seq=None, snippet=snippet, at=at),
            )
    newest = sorted(found.values(), key=lambda item: item[0], reverse=True)
    return [result for _, result in newest[:limit]]


def _message_hits(
    websites: QuerySet[Website], query: str, terms: Terms, limit: int, using: str
) -> list[Message]:
    """The newest hit of each of the ``limit`` conversations with the newest hits."""
    messages = Message.objects.using(using).filter(conversation__website__in=websites)
    if connections[using].vendor == "postgresql":
        messages = messages.filter(full_text_match(query, using))
    else:
        for term in terms.include:
            messages = messages.filter(content__icontains=term)
        for term in terms.exclude:
            messages = messages.exclude(content__icontains=term)
    # seq grows with created_at within a conversation: the newest hit has the largest seq.
    newest = list(
        messages.order_by()
        .values("conversation_id")
        .annotate(at=Max("created_at"), seq=Max("seq"))
        .order_by("-at", "conversation_id")[:limit]
    )
    if not newest:
        return []
    which = reduce(or_, (Q(conversation_id=n["conversation_id"], seq=n["seq"]) for n in newest))
    return list(
        Message.objects.using(using).filter(which).select_related("conversation").order_by()
    )


def full_text_match(query: str, using: str = DEFAULT_DB_ALIAS) -> RawSQL:
    """PostgreSQL: the message's text matches ``query`` (web search syntax), written as
    migration 0009's index expression so that the index answers it."""
    quote = connections[using].ops.quote_name
    table, column = quote(Message._meta.db_table), quote(MESSAGE_TEXT_COLUMN)
    return RawSQL(
        f"to_tsvector('simple', {table}.{column}) @@ websearch_to_tsquery('simple', %s)",
        (query,),
        output_field=BooleanField(),
    )


def _visitor_hits(
    websites: QuerySet[Website], terms: Terms, limit: int, using: str
) -> list[Conversation]:
    """Conversations whose visitor's name, email address or identifier hold every term."""
    fields = ("visitor_name", "visitor_email", "visitor_identifier")
    every = Q()
    for term in terms.include:
        every &= reduce(or_, (Q(**{f"{field}__icontains": term}) for field in fields))
    return list(
        Conversation.objects.using(using)
        .filter(every, website__in=websites)
        .annotate(at=Coalesce("last_message_at", "created_at"))
        .order_by("-at", "id")[:limit]
    )


def visitor_line(conversation: Conversation) -> str:
    """What a hit on the visitor's fields shows: name, email address, identifier."""
    parts: list[str] = []
    for value in (
        conversation.visitor_name,
        conversation.visitor_email,
        conversation.visitor_identifier,
    ):
        if value and value not in parts:
            parts.append(value)
    return " · ".join(parts)


def make_snippet(text: str, terms: Terms) -> str:
    """Up to :data:`SNIPPET_LENGTH` characters of ``text`` (on one line) around the first
    term found in it, cut between words, with ``…`` where text was left out."""
    flat = " ".join(text.split())
    if len(flat) <= SNIPPET_LENGTH:
        return flat
    pattern = "|".join(re.escape(t) for t in sorted(terms.include, key=len, reverse=True))
    hit = re.search(pattern, flat, re.IGNORECASE) if pattern else None
    position, length = (hit.start(), hit.end() - hit.start()) if hit else (0, 0)
    start = max(0, position - max(0, SNIPPET_LENGTH - length) // 2)
    start = min(start, len(flat) - SNIPPET_LENGTH)
    end = start + SNIPPET_LENGTH
    if start > 0:
        space = flat.find(" ", start, min(position, start + _WORD_SLACK))
        start = space + 1 if space != -1 else start
    if end < len(flat):
        space = flat.rfind(" ", max(position + length, end - _WORD_SLACK), end)
        end = space if space != -1 else end
    return ("…" if start > 0 else "") + flat[start:end].strip() + ("…" if end < len(flat) else "")
