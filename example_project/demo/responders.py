"""A keyword FAQ responder, plugged in with ``LIVECHAT["RESPONDER"] = "demo.responders.faq"``.

It shows the responder hook doing real work: a host project answers common questions
itself, and hands everything else to django_livechat's default responder.
"""

from __future__ import annotations

import re

from django_livechat.models import Conversation, Message
from django_livechat.responders import acknowledge, inline

# Topics in priority order: the first whose keyword appears answers, so the specific ones
# ("how much is shipping?") come before the general ones ("how much?").
FAQ: dict[tuple[str, ...], str] = {
    (
        "refund",
        "money back",
        "return",
        "returned",
        "cancel",
        "cancelled",
        "canceled",
        "cancellation",
    ): (
        "You can return any order within 30 days for a full refund. Refunds reach your "
        "account within 5 business days of the return arriving."
    ),
    ("shipping", "ship", "shipped", "delivery", "deliver", "delivered", "tracking", "parcel"): (
        "Orders ship within 1 business day. Standard delivery takes 3 to 5 business days "
        "and is free over 50 EUR; you get a tracking link by email."
    ),
    ("price", "pricing", "cost", "how much", "plan", "subscription", "fee"): (
        "Plans start at 9 EUR a month (Starter) and 29 EUR a month (Team), billed monthly, "
        "with a 14-day free trial. Full details are on our pricing page."
    ),
    ("opening hours", "hours", "open", "opening", "closed", "weekend"): (
        "We are open Monday to Friday, 9:00 to 18:00 (CET). Messages sent outside those "
        "hours are answered the next business day."
    ),
    ("contact", "email", "e-mail", "phone", "call", "address", "human", "person"): (
        "You can reach us at support@example.com or +1 555 0100 during opening hours, or "
        "stay here: an agent will pick up this conversation."
    ),
}

_PATTERNS = [
    # Whole words or phrases, case-insensitive, with an optional plural "s".
    (re.compile(r"\b(?:" + "|".join(re.escape(k) for k in keywords) + r")s?\b", re.I), answer)
    for keywords, answer in FAQ.items()
]


@inline
def faq(conversation: Conversation, message: Message) -> str | None:
    """Answer a visitor's message from :data:`FAQ`, else as the default responder would.

    An inline responder: it reads only the message and the conversation it is handed (no
    query, no I/O), so django_livechat runs it inside the transaction that stores the
    visitor's message and delivers the reply with it. Once an agent has answered in the
    conversation it stays quiet and leaves the talking to them.
    """
    if conversation.agent_replied_at is not None:
        return None
    answer = match_faq(message.content)
    if answer is not None:
        return answer
    return acknowledge(conversation, message)


def match_faq(text: str) -> str | None:
    """The answer of the first FAQ topic with a keyword in ``text``, or None."""
    for pattern, answer in _PATTERNS:
        if pattern.search(text):
            return answer
    return None
