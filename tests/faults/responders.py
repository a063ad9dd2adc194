"""A responder for the server processes of the fault tests (``LIVECHAT["RESPONDER"]``).

The demo's FAQ responder answers within a millisecond, so a crash almost never falls
between a message and its reply. A real responder (a search, a language model) takes a
while: this one thinks for :data:`THINKING` seconds first, which opens that window wide
enough for ``kill -9`` to land in it every time.
"""

from __future__ import annotations

import time

from demo.responders import faq
from django_livechat.models import Conversation, Message

THINKING = 0.05


def thinking_faq(conversation: Conversation, message: Message) -> str | None:
    """The demo's FAQ answer, after :data:`THINKING` seconds (a sync responder: a thread)."""
    time.sleep(THINKING)
    return faq(conversation, message)
