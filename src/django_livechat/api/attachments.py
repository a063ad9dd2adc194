"""Attachments over HTTP: the visitor's and the agent's uploads, and serving the files.

Uploads are ``multipart/form-data`` with ``client_id``, ``file`` and an optional caption
``message``. The body is read by :class:`LimitedUploadHandler`, the only upload handler
of these views: it refuses a body whose declared length is over
``LIVECHAT["ATTACHMENT_MAX_SIZE"]`` before reading any of it and stops reading a file
the moment it grows past the limit, so a 1 GB upload never lands in memory or on disk.
Everything else (type, scan, storage, the message) is the pipeline's
(:mod:`django_livechat.pipeline.attachments`).

Files are served with headers that keep a hostile upload inert in the host's origin:
only verified raster images (and the thumbnails, which the server drew itself) are
shown inline; everything else is a download, never HTML or SVG (see the docs'
attachments page for each header and why).
"""

from __future__ import annotations

import hashlib
import tempfile
from typing import IO, Any
from urllib.parse import quote

from asgiref.sync import async_to_sync
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import FileResponse, HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_serializer
from rest_framework import serializers as fields
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from django_livechat import errors, pipeline
from django_livechat.api import serializers
from django_livechat.api.agent_views import AgentAPIView
from django_livechat.api.authentication import visitor_session
from django_livechat.api.schema import documented
from django_livechat.api.views import (
    FORBIDDEN,
    NOT_IDENTIFIED,
    LivechatAPIView,
    client_address,
)
from django_livechat.conf import livechat_settings
from django_livechat.errors import ChatError
from django_livechat.pipeline.attachments import FILE, THUMBNAIL, Served, Upload

ERROR = serializers.ErrorSerializer
#: What a multipart body may hold besides the file: the boundaries, the client_id and
#: a caption of up to MAX_MESSAGE_LENGTH characters (4 bytes each at most).
FORM_OVERHEAD = 64 * 1024
#: A file is kept in memory up to this size, then in a temporary file.
SPOOL_IN_MEMORY = 1024 * 1024
FILE_FIELD = "file"


@extend_schema_serializer(component_name="LivechatAttachmentUpload")
class AttachmentUploadSerializer(fields.Serializer):  # type: ignore[type-arg]
    """An upload's form (the pipeline checks the values)."""

    client_id = serializers.ClientIdText(
        help_text=(
            "The sender's idempotency key: the same client_id again returns the stored "
            "message and stores no second file. Send it before the file."
        )
    )
    message = serializers.TextValue(
        required=False, help_text="An optional caption, at most MAX_MESSAGE_LENGTH characters."
    )
    file = fields.FileField(help_text="The file; its type is read from its content.")


@extend_schema_serializer(component_name="LivechatAttachment")
class AttachmentSerializer(fields.Serializer):  # type: ignore[type-arg]
    """A message's file."""

    id = fields.UUIDField()
    name = fields.CharField(help_text="The sender's file name, cleaned.")
    size = fields.IntegerField(help_text="Bytes.")
    content_type = fields.CharField(help_text="Read from the content, not the name.")
    is_image = fields.BooleanField(help_text="A raster image, shown inline.")
    url = fields.CharField(
        help_text="A signed path on the chat server, valid ATTACHMENT_URL_MAX_AGE seconds."
    )
    thumbnail_url = fields.CharField(allow_null=True, help_text="Images only, else null.")


@extend_schema_serializer(component_name="LivechatAttachmentMessage")
class AttachmentMessageSerializer(serializers.MessageSerializer):
    """A stored message with its file."""

    message = fields.CharField(allow_blank=True, help_text="The caption; empty for none.")
    attachment = AttachmentSerializer()


@extend_schema_serializer(component_name="LivechatPostedAttachment")
class PostedAttachmentSerializer(fields.Serializer):  # type: ignore[type-arg]
    """The visitor's stored message with its file, and the automatic reply to it."""

    message = AttachmentMessageSerializer()
    reply = serializers.MessageSerializer(allow_null=True)


@extend_schema_serializer(component_name="LivechatAgentPostedAttachment")
class AgentPostedAttachmentSerializer(fields.Serializer):  # type: ignore[type-arg]
    """The agent's stored message with its file."""

    message = AttachmentMessageSerializer()


class AnyAccept(BaseContentNegotiation):
    """A file is sent whatever the client accepts (an ``<img>`` asks for ``image/*``);
    errors are JSON."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Request, renderers: Any, format_suffix: str | None = None
    ) -> Any:
        return renderers[0], renderers[0].media_type


class LimitedUploadHandler(FileUploadHandler):
    """Receives the one ``file`` field of an upload, hashing it as it comes, and stops at
    ``LIVECHAT["ATTACHMENT_MAX_SIZE"]`` (``too_large``) without reading further."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = livechat_settings.ATTACHMENT_MAX_SIZE
        self.too_large = False
        self.upload: Upload | None = None
        self.spool: IO[bytes] | None = None
        self.received = 0
        self.digest = hashlib.sha256()

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> tuple[QueryDict, MultiValueDict[str, Any]] | None:
        max_body = self.limit + FORM_OVERHEAD + livechat_settings.MAX_MESSAGE_LENGTH * 4
        if content_length > max_body:
            # Refused before a byte is read: nothing is parsed, the view answers 413.
            self.too_large = True
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        if field_name != FILE_FIELD or self.spool is not None:
            raise SkipFile()  # other file fields, and a second file, are not read
        super().new_file(field_name, file_name, *args, **kwargs)
        # Closed by close() when the response is done (or by the parser on a refusal).
        self.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        assert self.spool is not None
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            self.spool.close()
            raise StopUpload(connection_reset=True)  # read no more of the body
        self.digest.update(raw_data)
        self.spool.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> Any:
        if self.spool is None or self.too_large:
            return None
        self.spool.seek(0)
        digest = self.digest.hexdigest()
        self.upload = Upload(self.spool, self.file_name or "", self.received, digest)
        return None  # the view takes it from here; request.FILES stays empty

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()


class UploadView(LivechatAPIView):
    """Reads the upload through :class:`LimitedUploadHandler` (set before anything, the
    CSRF check included, reads the body)."""

    parser_classes = [MultiPartParser]
    handler: LimitedUploadHandler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.handler = LimitedUploadHandler(request._request)
        request._request.upload_handlers = [self.handler]
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        handler = getattr(self, "handler", None)
        if handler is not None:
            handler.close()
        return super().finalize_response(request, response, *args, **kwargs)

    def received(self, request: Request) -> tuple[Upload, dict[str, Any]]:
        """The file and the form's other fields; ``ATTACHMENT_TOO_LARGE`` or
        ``INVALID_MESSAGE`` (no file)."""
        form = request.data if isinstance(request.data, dict) else {}
        if self.handler.too_large:
            limit = livechat_settings.ATTACHMENT_MAX_SIZE
            raise ChatError(errors.ATTACHMENT_TOO_LARGE, f"Files may be at most {limit} bytes.")
        if self.handler.upload is None:
            raise ChatError(errors.INVALID_MESSAGE, "Send the file in the 'file' field.")
        if not form.get("client_id"):
            raise ChatError(errors.INVALID_MESSAGE, "An upload needs its client_id.")
        return self.handler.upload, {k: form.get(k) for k in ("client_id", "message")}


UPLOAD_ERRORS = {
    413: OpenApiResponse(
        ERROR,
        description=(
            "ATTACHMENT_TOO_LARGE: over LIVECHAT['ATTACHMENT_MAX_SIZE']; or MESSAGE_TOO_LONG "
            "(the caption). Send client_id before file so that the error names it."
        ),
    ),
    415: OpenApiResponse(
        ERROR,
        description="ATTACHMENT_TYPE: the content is not of an allowed type (or is unreadable).",
    ),
    422: OpenApiResponse(ERROR, description="ATTACHMENT_REJECTED: the virus scan refused it."),
}
UPLOAD_DESCRIPTION = (
    "multipart/form-data with client_id, file and an optional caption (message). The type "
    "is read from the content, not the name; images get a thumbnail. Stores ONE message "
    "whose attachment holds signed URLs of the file (201); the same client_id again "
    "returns the stored message and stores no second file (200)."
)


class AttachmentsView(UploadView):
    """A visitor's upload into the conversation of the bearer token."""

    @documented(
        operation_id="livechat_post_attachment",
        summary="Send a file (visitor)",
        description=UPLOAD_DESCRIPTION,
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: OpenApiResponse(PostedAttachmentSerializer, "Stored."),
            200: OpenApiResponse(PostedAttachmentSerializer, "Stored before (same client_id)."),
            400: OpenApiResponse(ERROR, description="INVALID_MESSAGE: no file, bad client_id."),
            401: NOT_IDENTIFIED,
            403: FORBIDDEN,
            **UPLOAD_ERRORS,
            429: OpenApiResponse(
                ERROR, description="RATE_LIMITED; the Retry-After header says when to retry."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        session = visitor_session(request)
        upload, form = self.received(request)
        result = async_to_sync(pipeline.post_visitor_message)(
            session,
            content=form["message"],
            client_id=form["client_id"],
            background=False,
            address=client_address(request),
            attachment=upload,
        )
        return Response(
            {"message": result.message, "reply": result.reply},
            status=201 if result.created else 200,
        )


class AgentAttachmentsView(UploadView, AgentAPIView):
    """An agent's upload into a conversation of a website they serve."""

    @documented(
        operation_id="livechat_agent_post_attachment",
        summary="Send a file (agent)",
        description=UPLOAD_DESCRIPTION,
        parameters=[
            OpenApiParameter(
                "conversation_id",
                OpenApiTypes.UUID,
                OpenApiParameter.PATH,
                description="The conversation.",
            )
        ],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: OpenApiResponse(AgentPostedAttachmentSerializer, "Stored."),
            200: OpenApiResponse(
                AgentPostedAttachmentSerializer, "Stored before (same client_id)."
            ),
            400: OpenApiResponse(ERROR, description="INVALID_MESSAGE: no file, bad client_id."),
            403: OpenApiResponse(
                ERROR,
                description=(
                    "FORBIDDEN: not logged in, not an agent, a missing CSRF token, or a "
                    "conversation of a website the agent does not serve."
                ),
            ),
            404: OpenApiResponse(ERROR, description="NOT_FOUND: no such conversation."),
            **UPLOAD_ERRORS,
        },
    )
    def post(self, request: Request, conversation_id: str) -> Response:
        upload, form = self.received(request)
        result = async_to_sync(pipeline.post_agent_message)(
            self.agent,
            conversation_id,
            content=form["message"],
            client_id=form["client_id"],
            attachment=upload,
        )
        return Response({"message": result.message}, status=201 if result.created else 200)


#: The path and query parameters of both serving views (the file and its thumbnail).
FILE_PARAMETERS = [
    OpenApiParameter(
        "attachment_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The attachment."
    ),
    OpenApiParameter(
        "sig",
        OpenApiTypes.STR,
        OpenApiParameter.QUERY,
        required=False,
        description="The signature of the URL.",
    ),
]


class AttachmentFileView(LivechatAPIView):
    """``GET``: an attachment's file, for a signed URL's holder or an agent of its website."""

    authentication_classes = [SessionAuthentication]
    content_negotiation_class = AnyAccept  # type: ignore[assignment]
    variant = FILE

    @documented(
        operation_id="livechat_get_attachment",
        summary="Download an attachment",
        description=(
            "The URL comes from a message's attachment (url, thumbnail_url): signed, valid "
            "for LIVECHAT['ATTACHMENT_URL_MAX_AGE'] seconds; agents of the website may also "
            "use it unsigned with their session. Raster images and thumbnails are served "
            "inline, everything else as a download; never HTML or SVG."
        ),
        parameters=FILE_PARAMETERS,
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file (its own content type)."
            ),
            400: OpenApiResponse(ERROR, description="INVALID_MESSAGE: not an attachment id."),
            403: OpenApiResponse(
                ERROR, description="FORBIDDEN: no valid signature and not an agent of it."
            ),
            404: OpenApiResponse(ERROR, description="NOT_FOUND: no such (clean) attachment."),
        },
    )
    def get(self, request: Request, attachment_id: str) -> FileResponse:
        served = async_to_sync(pipeline.open_attachment)(
            attachment_id,
            self.variant,
            signature=request.query_params.get("sig"),
            user=request.user,
        )
        return file_response(served)


class AttachmentThumbnailView(AttachmentFileView):
    variant = THUMBNAIL

    @documented(
        operation_id="livechat_get_attachment_thumbnail",
        summary="An image attachment's thumbnail",
        description="At most 320 pixels a side, PNG or JPEG; granted as the file is.",
        parameters=FILE_PARAMETERS,
        responses={
            (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The thumbnail."),
            400: OpenApiResponse(ERROR, description="INVALID_MESSAGE: not an attachment id."),
            403: OpenApiResponse(
                ERROR, description="FORBIDDEN: no valid signature and not an agent of it."
            ),
            404: OpenApiResponse(ERROR, description="NOT_FOUND: no such thumbnail."),
        },
    )
    def get(self, request: Request, attachment_id: str) -> FileResponse:
        return super().get(request, attachment_id)


def file_response(served: Served) -> FileResponse:
    """The file with the headers that make it inert whatever it holds."""
    response = FileResponse(served.file, content_type=served.content_type)
    if served.size is not None:
        response["Content-Length"] = str(served.size)
    disposition = "inline" if served.inline else "attachment"
    ascii_name = served.name.encode("ascii", "ignore").decode().replace('"', "") or "file"
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(served.name)}"
    )
    # Never guess a type from the content (an image that is also HTML stays an image).
    response["X-Content-Type-Options"] = "nosniff"
    # Opened as a page anyway, it runs nothing, loads nothing and has an opaque origin.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Images are shown by the widget on the websites' own origins: they may be embedded
    # cross-origin (an inert image); every other file only from this site.
    response["Cross-Origin-Resource-Policy"] = "cross-origin" if served.inline else "same-site"
    response["Cache-Control"] = f"private, max-age={livechat_settings.ATTACHMENT_URL_MAX_AGE}"
    response["Referrer-Policy"] = "no-referrer"
    return response
