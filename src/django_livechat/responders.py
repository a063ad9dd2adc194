"""Automatic responders: ``LIVECHAT["RESPONDER"]`` points at one of these, or at yours.

A responder is a callable, sync or async, called as ``responder(conversation, message)``
after a visitor's message is stored. ``conversation`` is the
:class:`~django_livechat.models.Conversation` (its ``website`` loaded) and ``message`` the
visitor's :class:`~django_livechat.models.Message`. It returns the reply text, or ``None``
for no reply. A sync responder runs in a worker thread, so it may use the ORM; an async one
must use the async ORM. It must not raise for ordinary input: an exception or a run longer
than ``LIVECHAT["RESPONDER_TIMEOUT"]`` is logged and reported to the visitor as
``INTERNAL_ERROR`` (see ``RESPONDER_ERRORS_TO_VISITOR``); the visitor's message stays stored.
"""

from __future__ import annotations

from django_livechat.conf import livechat_settings
from django_livechat.models import Conversation, Message


def acknowledge(conversation: Conversation, message: Message) -> str | None:
    """The default: acknowledge each visitor message until an agent has replied.

    The text is the website's ``auto_response_text`` if set, else
    ``LIVECHAT["AUTO_RESPONSE_TEXT"]``. Nothing is sent when
    ``LIVECHAT["AUTO_RESPONSE_ENABLED"]`` is False.
    """
    if not livechat_settings.AUTO_RESPONSE_ENABLED:
        return None
    if conversation.messages.filter(role=Message.Role.AGENT).exists():
        return None
    return conversation.website.auto_response_text or livechat_settings.AUTO_RESPONSE_TEXT
