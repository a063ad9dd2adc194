"""Errors over HTTP: the socket's ``{"type": "error", "code", "message"}`` with a status.

Every API view uses :func:`exception_handler`, so a :class:`~django_livechat.errors.ChatError`
from the pipeline, DRF's own exceptions, Django's refusals of a request (too large, too many
parameters) and failures (a database that does not answer, a bug) all come out in the same
shape, with the HTTP status of :data:`django_livechat.errors.HTTP_STATUS` for the code: a
client of the API never has to read an HTML error page.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.log import log_response
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings

from django_livechat import errors
from django_livechat.errors import ChatError

logger = logging.getLogger(__name__)

# DRF exceptions with an equivalent error code.
DRF_CODES: tuple[tuple[type[exceptions.APIException], str, str | None], ...] = (
    (exceptions.ParseError, errors.INVALID_JSON, "The body is not valid JSON."),
    (
        exceptions.UnsupportedMediaType,
        errors.INVALID_JSON,
        "Send a JSON body with Content-Type: application/json.",
    ),
    (exceptions.ValidationError, errors.INVALID_MESSAGE, None),
    (exceptions.NotAuthenticated, errors.FORBIDDEN, None),
    (exceptions.AuthenticationFailed, errors.FORBIDDEN, None),
    (exceptions.PermissionDenied, errors.FORBIDDEN, None),
    (exceptions.NotFound, errors.NOT_FOUND, None),
)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF exception handler of the API views: every exception becomes an error response."""
    if isinstance(exc, ChatError):
        return error_response(exc)
    if isinstance(exc, Http404):
        return error_response(ChatError(errors.NOT_FOUND))
    if isinstance(exc, PermissionDenied):
        return error_response(ChatError(errors.FORBIDDEN))
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return error_response(
            ChatError(errors.MESSAGE_TOO_LONG, f"The request body is larger than {limit} bytes.")
        )
    if isinstance(exc, SuspiciousOperation):
        return suspicious_request(exc, context.get("request"))
    if isinstance(exc, (OperationalError, InterfaceError)):
        # Outside the pipeline (which says UNAVAILABLE itself): the session of an agent's
        # request is read from the database, for one.
        logger.warning("The database did not answer an API request (%s)", exc)
        return error_response(errors.unavailable("The chat cannot reach its database just now."))
    if not isinstance(exc, exceptions.APIException):
        return server_error(exc, context.get("request"))
    for exc_class, code, message in DRF_CODES:
        if isinstance(exc, exc_class):
            return error_response(ChatError(code, message or _detail_text(exc.detail)))
    # No equivalent code (405 Method Not Allowed, 406 Not Acceptable): keep DRF's status.
    code = errors.INTERNAL_ERROR if exc.status_code >= 500 else errors.INVALID_MESSAGE
    return error_response(ChatError(code, _detail_text(exc.detail)), status=exc.status_code)


def suspicious_request(exc: SuspiciousOperation, request: Any) -> Response:
    """Django refused to read the request (too many parameters, say): ``INVALID_MESSAGE``,
    logged to ``django.security.*`` as Django logs the HTML 400 it would have given."""
    security_logger = logging.getLogger(f"django.security.{type(exc).__name__}")
    request = getattr(request, "_request", request)  # Django's, under DRF's
    extra: dict[str, Any] = {"status_code": 400}
    if not isinstance(exc, TooManyFieldsSent):
        # Django 4.2's AdminEmailHandler reads request.GET for its report, which raises
        # TooManyFieldsSent again from inside the logging call.
        extra["request"] = request
    security_logger.error(str(exc), exc_info=exc, extra=extra)
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        message = f"The request has more than {limit} parameters."
    else:
        message = "The request is malformed."
    return error_response(ChatError(errors.INVALID_MESSAGE, message))


def server_error(exc: Exception, request: Any) -> Response:
    """A bug: ``INTERNAL_ERROR``, logged with its traceback and signalled as Django does
    for an uncaught exception (so error reporting such as Sentry still sees it)."""
    response = error_response(ChatError(errors.INTERNAL_ERROR))
    request = getattr(request, "_request", request)  # Django's, under DRF's
    if request is not None:
        got_request_exception.send(sender=None, request=request)
        log_response(
            "%s: %s",
            "Internal Server Error",
            request.path,
            response=response,
            request=request,
            exception=exc,
        )
    return response


def error_response(error: ChatError, *, status: int | None = None) -> Response:
    """``error`` as a response; a ``RATE_LIMITED`` one tells when to retry."""
    headers = {}
    if error.retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return Response(
        error.as_event(),
        status=status or errors.HTTP_STATUS.get(error.code, 500),
        headers=headers,
    )


def _detail_text(detail: Any, field: str | None = None) -> str:
    # DRF details nest dicts and lists of strings; the first one says enough.
    if isinstance(detail, dict):
        for key, value in detail.items():
            return _detail_text(
                value, None if key == api_settings.NON_FIELD_ERRORS_KEY else str(key)
            )
        return ""
    if isinstance(detail, list):
        return _detail_text(detail[0], field) if detail else ""
    return f"{field}: {detail}" if field else str(detail)
