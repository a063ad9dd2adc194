"""What every transport's input must be: the limits, and the checks that apply them.

Every limit on input lives here once; the HTTP serializers and the docs refer to these.
A check that fails raises :class:`~django_livechat.errors.ChatError` with the code the
protocol documents for it.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from django.utils import timezone

from django_livechat import errors
from django_livechat.conf import livechat_settings
from django_livechat.errors import ChatError

MAX_CLIENT_ID_LENGTH = 64
MAX_IDENTIFIER_LENGTH = 255
MAX_METADATA_BYTES = 8192
#: How deep ``metadata`` may nest (objects and lists within each other).
MAX_METADATA_DEPTH = 8
#: Keys of a conversation's metadata that only the server writes.
SERVER_METADATA_KEYS = frozenset({"identity_verified"})
#: Messages in one ``history`` answer; ``has_more`` says when to ask again.
HISTORY_LIMIT = 500
#: Conversations in an inbox answer, by default and at most.
INBOX_LIMIT = 100
MAX_INBOX_LIMIT = 500
#: Characters of the newest message shown in an inbox entry.
PREVIEW_LENGTH = 140

# The text rules as regular expressions in the syntax Python and JSON Schema (ECMA-262)
# share, character classes spelled out (their ``\s`` differ), so that the HTTP API's
# schema states exactly the rules these checks apply.

#: The characters ``str.strip()`` removes (``str.isspace()``).
WHITESPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: Text every database stores: no NUL (PostgreSQL refuses it).
STORABLE_TEXT = r"[^\x00]*"
#: A message: storable, and not only whitespace.
MESSAGE_TEXT = rf"[^\x00]*[^\x00{WHITESPACE}][^\x00]*"
#: A ``client_id``: 1 to 64 characters, none a control character or a line separator, so
#: it stays one line of text wherever it is logged.
CLIENT_ID = rf"[^\x00-\x1f\x7f-\x9f\u2028\u2029]{{1,{MAX_CLIENT_ID_LENGTH}}}"
_CLIENT_ID = re.compile(CLIENT_ID)
#: A form's answer (a name, a pre-chat field): no control character but tab and newline.
FORM_TEXT = r"[^\x00-\x08\x0b-\x1f]*"


def parse_uuid(value: object) -> UUID | None:
    """``value`` as a UUID, or None if it is not one."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None


def clean_uuid(value: object, name: str) -> UUID:
    """``value`` as a UUID, or ``INVALID_MESSAGE`` naming the field."""
    parsed = parse_uuid(value)
    if parsed is None:
        raise ChatError(errors.INVALID_MESSAGE, f"{name} must be a UUID.")
    return parsed


def storable(text: str, name: str) -> str:
    """``text`` if every database can store it: valid Unicode (no lone surrogate, which a
    JSON ``\\ud800`` escape can carry) without NUL (PostgreSQL refuses it in text)."""
    if "\x00" in text:
        raise ChatError(errors.INVALID_MESSAGE, f"{name} contains a NUL character.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ChatError(errors.INVALID_MESSAGE, f"{name} is not valid Unicode text.") from None
    return text


def clean_text(content: object) -> str:
    """The message text, or :class:`ChatError` ``INVALID_MESSAGE``/``MESSAGE_TOO_LONG``."""
    if not isinstance(content, str) or not content.strip():
        raise ChatError(errors.INVALID_MESSAGE, "The message must be non-empty text.")
    storable(content, "The message")
    limit = livechat_settings.MAX_MESSAGE_LENGTH
    if len(content) > limit:
        raise ChatError(errors.MESSAGE_TOO_LONG, f"The message is longer than {limit} characters.")
    return content.strip()


def clean_client_id(client_id: object) -> str:
    """The sender's idempotency key; one is made up when the client sent none."""
    if client_id is None:
        return uuid4().hex
    if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
        raise ChatError(
            errors.INVALID_MESSAGE,
            f"client_id must be 1 to {MAX_CLIENT_ID_LENGTH} characters, without control "
            "characters.",
        )
    return storable(client_id, "client_id")


def clean_identity(user_identifier: object, metadata: object) -> tuple[str, dict[str, Any]]:
    """A visitor's ``user_identifier`` and ``metadata`` as ``identify`` sends them."""
    if user_identifier is None:
        user_identifier = ""
    if not isinstance(user_identifier, str) or len(user_identifier) > MAX_IDENTIFIER_LENGTH:
        raise ChatError(
            errors.INVALID_MESSAGE,
            f"user_identifier must be a string of at most {MAX_IDENTIFIER_LENGTH} characters.",
        )
    storable(user_identifier, "user_identifier")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise ChatError(errors.INVALID_MESSAGE, "metadata must be a JSON object.")
    _check_json(metadata, depth=1)
    if len(json.dumps(metadata)) > MAX_METADATA_BYTES:
        raise ChatError(
            errors.INVALID_MESSAGE, f"metadata is larger than {MAX_METADATA_BYTES} bytes."
        )
    # What the server vouches for (a verified identity) is never taken from the client.
    metadata = {k: v for k, v in metadata.items() if k not in SERVER_METADATA_KEYS}
    return user_identifier.strip(), metadata


def clean_contact(name: object, email: object) -> dict[str, str]:
    """The optional ``name`` and ``email`` a visitor's ``identify`` may carry, as the
    metadata keys they are stored under (only those given)."""
    contact: dict[str, str] = {}
    for key, value in (("name", name), ("email", email)):
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > MAX_IDENTIFIER_LENGTH:
            raise ChatError(
                errors.INVALID_MESSAGE,
                f"{key} must be a string of at most {MAX_IDENTIFIER_LENGTH} characters.",
            )
        if value.strip():
            contact[key] = storable(value.strip(), key)
    return contact


def _check_json(value: object, depth: int) -> None:
    """A JSON value every database stores as sent: bounded depth, storable strings."""
    if depth > MAX_METADATA_DEPTH:
        raise ChatError(
            errors.INVALID_MESSAGE, f"metadata nests deeper than {MAX_METADATA_DEPTH} levels."
        )
    if isinstance(value, str):
        storable(value, "metadata")
    elif isinstance(value, dict):
        for key, item in value.items():
            storable(str(key), "metadata")
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)
    elif not (value is None or isinstance(value, (bool, int, float))):
        raise ChatError(errors.INVALID_MESSAGE, "metadata must be a JSON object.")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ChatError(errors.INVALID_MESSAGE, "metadata holds a number JSON cannot carry.")


#: The largest ``seq`` a database column holds (PostgreSQL's integer): a client's number
#: above it is refused before it reaches a query, where it would overflow.
MAX_SEQ = 2**31 - 1


def clean_seq(value: object, name: str = "last_seq", *, required: bool = False) -> int:
    """A ``seq`` a client holds: an integer from 0 to :data:`MAX_SEQ` (``None`` is 0 unless
    ``required``)."""
    if value is None and not required:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SEQ:
        raise ChatError(errors.INVALID_MESSAGE, f"{name} must be an integer from 0 to {MAX_SEQ}.")
    return value


def clean_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ChatError(errors.INVALID_MESSAGE, f"{name} must be true or false.")
    return value


def clean_cursor(value: object) -> datetime | None:
    """An inbox ``cursor`` a client got back (``changed_since``), or None."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or timezone.is_naive(moment):
        raise ChatError(errors.INVALID_MESSAGE, "changed_since must be a cursor from the server.")
    return moment
