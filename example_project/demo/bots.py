"""The help centre's bot: answers from the demo's FAQ pages and streams its answer.

The third demo website ("Demo help centre (bot)", the ``/help/`` pages) names it in its
``responder`` field: ``demo.bots.help_centre_bot``. It needs no network and no model: it
ranks the pages of :mod:`demo.help_centre` against the visitor's words with BM25
(``rank-bm25``) and streams the best page's answer, a few words at a time, with a link to
the page. It hands over to a person when the visitor asks for one, and when it has not
found an answer twice in a row.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from demo.help_centre import PAGES, HelpPage, search
from django_livechat.models import Conversation, Message
from django_livechat.responders import Handoff, ResponderContext, wants_person

#: Words per streamed chunk, and the pause between chunks: a person-like pace that shows
#: the answer growing in the widget.
WORDS_PER_CHUNK = 3
CHUNK_DELAY = 0.04

NOT_FOUND_TEXT = (
    "I could not find that in our help centre. Could you say it in other words? Our pages "
    "cover: {topics}. Or type \u201ctalk to a person\u201d."
)
HANDOFF_ONLINE = "I am passing you to a person from our team: they will answer here shortly."
HANDOFF_OFFLINE = (
    "I am passing you to a person from our team. Nobody is online right now: they will "
    "answer here during opening hours (Monday to Friday, 9:00 to 18:00 CET)."
)
GAVE_UP = "I still cannot find an answer, sorry. "


async def help_centre_bot(
    conversation: Conversation, message: Message, *, context: ResponderContext
) -> AsyncIterator[str] | Handoff | str | None:
    """Answer ``message`` from the help centre's pages.

    * "a person" (:func:`~django_livechat.responders.wants_person`): hand over;
    * a page matches (this message's words, else together with the visitor's message
      before, so a follow-up such as "and for express?" still finds its page): stream the
      page's answer and its link;
    * no page twice in a row: hand over; once: say so and list the topics.

    Everything it reads comes with ``context``: no query, no I/O.
    """
    if wants_person(message.content):
        return handoff(context)
    hit = best_page(message.content, context)
    if hit is not None:
        return stream(answer_text(hit, context))
    if missed_before(context):
        return Handoff(text=GAVE_UP + handoff_text(context))
    return NOT_FOUND_TEXT.format(topics=", ".join(page.title.lower() for page in PAGES))


def best_page(text: str, context: ResponderContext) -> HelpPage | None:
    hits = search(text)
    if not hits:
        earlier = [item.text for item in context.history[:-1] if item.role == "user"]
        if earlier:
            hits = search(f"{earlier[-1]} {text}")
    return hits[0].page if hits else None


def missed_before(context: ResponderContext) -> bool:
    """Whether the bot's last word in the history was "I could not find that"."""
    said = [item.text for item in context.history if item.role == "assistant"]
    return bool(said) and said[-1].startswith(NOT_FOUND_TEXT[:30])


def answer_text(page: HelpPage, context: ResponderContext) -> str:
    greeting = ""
    first_reply = not any(item.role == "assistant" for item in context.history)
    if first_reply and context.visitor.name:
        greeting = f"Hello {context.visitor.name}! "
    return f"{greeting}{page.answer}\n\nMore on \u201c{page.title}\u201d: {page.path}"


def handoff(context: ResponderContext) -> Handoff:
    return Handoff(text=handoff_text(context))


def handoff_text(context: ResponderContext) -> str:
    return HANDOFF_ONLINE if context.agents_online else HANDOFF_OFFLINE


async def stream(text: str) -> AsyncIterator[str]:
    """``text`` in chunks of :data:`WORDS_PER_CHUNK` words (with the spaces and line
    breaks after them), paced by :data:`CHUNK_DELAY`."""
    words = re.findall(r"\S+\s*", text)
    for start in range(0, len(words), WORDS_PER_CHUNK):
        if start:
            await asyncio.sleep(CHUNK_DELAY)
        yield "".join(words[start : start + WORDS_PER_CHUNK])
