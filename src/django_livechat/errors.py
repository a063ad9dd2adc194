"""The error codes every transport reports, as ``error`` ``{message, code}``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

INVALID_JSON = "INVALID_JSON"
INVALID_MESSAGE = "INVALID_MESSAGE"
UNKNOWN_TYPE = "UNKNOWN_TYPE"
NOT_IDENTIFIED = "NOT_IDENTIFIED"
INVALID_WEBSITE = "INVALID_WEBSITE"
FORBIDDEN = "FORBIDDEN"
MESSAGE_TOO_LONG = "MESSAGE_TOO_LONG"
RATE_LIMITED = "RATE_LIMITED"
INTERNAL_ERROR = "INTERNAL_ERROR"
NOT_FOUND = "NOT_FOUND"
UNAVAILABLE = "UNAVAILABLE"
INVALID_PRECHAT = "INVALID_PRECHAT"
ALREADY_RATED = "ALREADY_RATED"
NOT_RESOLVED = "NOT_RESOLVED"
ATTACHMENT_TOO_LARGE = "ATTACHMENT_TOO_LARGE"
ATTACHMENT_TYPE = "ATTACHMENT_TYPE"
ATTACHMENT_REJECTED = "ATTACHMENT_REJECTED"

DEFAULT_MESSAGES = {
    INVALID_JSON: _("The frame is not a JSON object."),
    INVALID_MESSAGE: _("The message is malformed."),
    UNKNOWN_TYPE: _("Unknown message type."),
    NOT_IDENTIFIED: _("Send identify first."),
    INVALID_WEBSITE: _("Unknown or inactive website."),
    FORBIDDEN: _("Not allowed."),
    MESSAGE_TOO_LONG: _("The message is too long."),
    RATE_LIMITED: _("Too many messages; wait a moment."),
    INTERNAL_ERROR: _("Something went wrong on our side."),
    NOT_FOUND: _("Not found."),
    UNAVAILABLE: _("The chat cannot store messages just now; send it again in a moment."),
    INVALID_PRECHAT: _("Some answers of the form are missing or not valid."),
    ALREADY_RATED: _("This conversation has been rated already."),
    NOT_RESOLVED: _("Only a resolved conversation can be rated."),
    ATTACHMENT_TOO_LARGE: _("The file is too large."),
    ATTACHMENT_TYPE: _("This kind of file cannot be sent."),
    ATTACHMENT_REJECTED: _("The file was refused by the virus scan."),
}

#: Seconds a client waits before sending again what the database could not take.
UNAVAILABLE_RETRY_AFTER = 2.0

# HTTP status per code, for the HTTP API.
HTTP_STATUS = {
    INVALID_JSON: 400,
    INVALID_MESSAGE: 400,
    UNKNOWN_TYPE: 400,
    NOT_IDENTIFIED: 401,
    INVALID_WEBSITE: 404,
    FORBIDDEN: 403,
    MESSAGE_TOO_LONG: 413,
    RATE_LIMITED: 429,
    INTERNAL_ERROR: 500,
    NOT_FOUND: 404,
    UNAVAILABLE: 503,
    INVALID_PRECHAT: 400,
    ALREADY_RATED: 409,
    NOT_RESOLVED: 409,
    ATTACHMENT_TOO_LARGE: 413,
    ATTACHMENT_TYPE: 415,
    ATTACHMENT_REJECTED: 422,
}


class ChatError(Exception):
    """A request the pipeline refuses; ``code`` is one of the constants above.

    A transport sets ``client_id`` when the refused request was a message, so the client
    can tell which of its pending messages it is about.
    """

    def __init__(self, code: str, message: str | None = None, *, retry_after: float | None = None):
        self.code = code
        self.message = message or str(DEFAULT_MESSAGES.get(code, code))
        self.retry_after = retry_after
        self.client_id: str | None = None
        #: Per-field messages (``INVALID_PRECHAT``): field name -> what is wrong.
        self.fields: dict[str, str] | None = None
        super().__init__(self.message)

    def about(self, client_id: object) -> ChatError:
        """This error, naming the message ``client_id`` (ignored if it is not text)."""
        if isinstance(client_id, str):
            self.client_id = client_id
        return self

    def as_event(self) -> dict[str, object]:
        event: dict[str, object] = {"type": "error", "code": self.code, "message": self.message}
        if self.retry_after is not None:
            event["retry_after"] = round(self.retry_after, 1)
        if self.client_id is not None:
            event["client_id"] = self.client_id
        if self.fields is not None:
            event["fields"] = self.fields
        return event


def unavailable(message: str) -> ChatError:
    """``UNAVAILABLE``: the database could not be reached or was busy; nothing was done,
    and the same request (the same ``client_id``) may be sent again safely."""
    return ChatError(UNAVAILABLE, message, retry_after=UNAVAILABLE_RETRY_AFTER)
