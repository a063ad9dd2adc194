"""Storing through the group-commit writer, with failures turned into protocol errors."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError

from django_livechat import errors
from django_livechat.errors import ChatError
from django_livechat.store import ConversationNotFound, NewMessage, StoredMessage, WebsiteInactive
from django_livechat.writer import store

logger = logging.getLogger(__name__)


async def store_message(item: NewMessage) -> StoredMessage:
    """Store ``item``; :class:`ChatError` if it was not stored.

    ``UNAVAILABLE`` (with ``retry_after``) when the database cannot be reached or is
    busy: nothing was stored and the same ``client_id`` may be sent again safely.
    """
    try:
        return await store(item)
    except ConversationNotFound:
        raise ChatError(errors.FORBIDDEN, "That conversation no longer exists.") from None
    except WebsiteInactive:
        raise ChatError(errors.INVALID_WEBSITE, "This website's chat is switched off.") from None
    except (OperationalError, InterfaceError) as exc:
        logger.warning(
            "The database did not take a message of conversation %s (%s)",
            item.conversation_id,
            exc,
        )
        raise errors.unavailable(
            "The message could not be stored just now; it is safe to send it again."
        ) from exc
    except Exception as exc:
        logger.exception("Storing a message of conversation %s failed", item.conversation_id)
        raise ChatError(errors.INTERNAL_ERROR, "The message could not be stored.") from exc
