"""Attachments: a file checked on its content, scanned, stored, and sent as one message.

An upload becomes an :class:`~django_livechat.models.Attachment` and ONE message through
the visitor's or the agent's own store path
(:func:`~django_livechat.pipeline.visitor.post_visitor_message`,
:func:`~django_livechat.pipeline.agent.post_agent_message` with ``attachment=``), so it
has a ``seq``, is idempotent by ``client_id`` and goes out like any message:

1. :func:`prepare`: the type is read from the content, never the name (magic bytes for
   PNG, JPEG, GIF, WebP, PDF and ZIP; valid UTF-8 without NUL is text, markup in it is
   HTML or SVG); images are opened with Pillow (refused above :data:`MAX_IMAGE_PIXELS`
   before anything is decoded) and get a re-encoded thumbnail; the files go to the
   storage of ``LIVECHAT["ATTACHMENT_STORAGE"]`` under random names; the row waits
   (``pending``) for ``LIVECHAT["ATTACHMENT_SCANNER"]``, which runs in a bounded pool of
   its own with a timeout, and becomes ``clean`` or ``rejected`` (its files deleted).
2. The message is stored with a summary of the attachment in its metadata, which
   :func:`attachment_data` turns into the wire's ``attachment`` with signed, expiring URLs.
3. :func:`settle` links the row to its message; a retry that lost the race for its
   ``client_id`` deletes its own copy, so a conversation never holds two files for one
   ``client_id``.

Only ``clean`` rows linked to a message are ever served (:func:`open_attachment`).

A process that dies between 1. and 3. leaves a row without a message: :func:`sweep`
deletes such rows (and their files) once they are older than
``LIVECHAT["ATTACHMENT_PENDING_MAX_AGE"]``, or links one whose message was stored after
all. Each server process runs it now and then (:func:`sweep_if_due`, from a visitor's
``identify``), and ``manage.py livechat_clean_attachments`` on demand.
"""

from __future__ import annotations

import asyncio
import codecs
import concurrent.futures
import functools
import hashlib
import io
import logging
import re
import struct
import time
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO, Any
from uuid import UUID, uuid4

from django.core import signing
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.signals import setting_changed
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from PIL import Image, ImageOps, UnidentifiedImageError

from django_livechat import errors, permissions
from django_livechat.conf import livechat_settings
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.models import Attachment, Message, attachment_storage
from django_livechat.pipeline.background import loop_local, spawn
from django_livechat.pipeline.validation import clean_text, clean_uuid
from django_livechat.store import StoredMessage

logger = logging.getLogger(__name__)

#: The raster formats shown inline, by the name Pillow gives them.
RASTER_TYPES = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}
#: What a file that is none of the recognised types is.
UNKNOWN_TYPE = "application/octet-stream"
#: Types served as themselves (as downloads); any other is served as UNKNOWN_TYPE, so
#: that an allowed HTML or SVG file never reaches a browser as markup.
DOWNLOAD_TYPES = {"application/pdf", "application/zip", "text/plain"}
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
    "text/plain": ".txt",
}
#: Larger images are refused before they are decoded (a decompression bomb is a small
#: file of a huge image). 24 megapixels: a 6000 x 4000 photo, ~100 MB decoded.
MAX_IMAGE_PIXELS = 24_000_000
#: The longest side of a thumbnail, in pixels.
THUMBNAIL_SIZE = 320
#: Seconds the scanner may take; a scan that takes longer rejects the file.
SCAN_TIMEOUT = 30.0
#: Scans running at once; more wait for a free thread (within their timeout).
SCAN_CONCURRENCY = 2
#: Characters kept of a file's name (its extension kept).
MAX_NAME_LENGTH = 120
#: Seconds between two sweeps of abandoned uploads in one process (at most), and before
#: its first (not at once: processes that start together need not all sweep).
SWEEP_SECONDS = 300.0
FIRST_SWEEP_SECONDS = 60.0
#: Rows a sweep handles at most in one pass (the rest wait for the next one).
SWEEP_BATCH = 500
FILE, THUMBNAIL = "file", "thumbnail"
_SIGNING_SALT = "django_livechat.attachment"
_MARKUP = re.compile(rb"<\s*(?:!doctype\s+html|html|svg|script|body|head|iframe|\?xml)\b")
_UNSAFE_NAME_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f/\\\u2028\u2029\"]")

# The pool of our own file work (sniffing, Pillow, storage I/O): never the database
# threads, never the event loop.
_file_executor = concurrent.futures.ThreadPoolExecutor(
    max_workers=4, thread_name_prefix="livechat-files"
)


@dataclass(frozen=True)
class Upload:
    """A received file: a seekable binary file, and what the transport learnt of it."""

    file: IO[bytes]
    #: The name the client gave it (cleaned by :func:`clean_file_name` before use).
    name: str
    size: int
    sha256: str

    @classmethod
    def of(cls, file: IO[bytes], name: str) -> Upload:
        """An upload of ``file`` (read once from the start for its size and hash)."""
        digest = hashlib.sha256()
        size = 0
        file.seek(0)
        while chunk := file.read(64 * 1024):
            digest.update(chunk)
            size += len(chunk)
        file.seek(0)
        return cls(file, name, size, digest.hexdigest())


@dataclass(frozen=True)
class Prepared:
    """A stored, scanned attachment waiting for its message."""

    attachment_id: UUID
    summary: dict[str, Any]
    file_name: str
    thumbnail_name: str = ""

    def metadata(self) -> dict[str, Any]:
        return {"attachment": self.summary}


@dataclass(frozen=True)
class Checked:
    content_type: str
    is_image: bool
    thumbnail: bytes | None = None
    thumbnail_type: str = ""


@dataclass(frozen=True)
class Served:
    """An attachment's file, opened for a response."""

    file: IO[bytes]
    content_type: str
    name: str
    #: Shown in the browser (verified raster images and thumbnails) or downloaded.
    inline: bool
    size: int | None = None


# ---------------------------------------------------------------- input


def clean_caption(content: object) -> str:
    """An attachment's optional text: empty when absent or blank, else a message's rules."""
    if content is None or (isinstance(content, str) and not content.strip()):
        return ""
    return clean_text(content)


def clean_file_name(name: str) -> str:
    """``name`` without path parts, control characters or quotes, at most
    :data:`MAX_NAME_LENGTH` characters (its extension kept); ``"file"`` when nothing is
    left."""
    name = unicodedata.normalize("NFC", str(name))
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME_CHARACTERS.sub("", name).strip().lstrip(".")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        name = name.encode("utf-8", "replace").decode("utf-8")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name or "file"


# ---------------------------------------------------------------- what a file is


def sniff(file: IO[bytes]) -> str:
    """The content type of ``file``, read from its bytes (the name is never consulted)."""
    file.seek(0)
    head = file.read(512)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "application/zip"
    return _sniff_text(file)


def _sniff_text(file: IO[bytes]) -> str:
    """Text is valid UTF-8 without NUL; markup in its first kilobytes makes it HTML or SVG
    (a browser would render it so, whatever its name)."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = b""
    try:
        while chunk := file.read(64 * 1024):
            if b"\x00" in chunk:
                return UNKNOWN_TYPE
            if len(first) < 4096:
                first += chunk[: 4096 - len(first)]
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return UNKNOWN_TYPE
    if not first.strip():
        return "text/plain"
    lowered = first.lower()
    if b"<svg" in lowered:
        return "image/svg+xml"
    if _MARKUP.search(lowered):
        return "text/html"
    return "text/plain"


def check(upload: Upload) -> Checked:
    """What ``upload`` is; ``ATTACHMENT_TOO_LARGE`` or ``ATTACHMENT_TYPE`` if it may not be
    sent. Images are verified with Pillow and get a thumbnail."""
    limit = livechat_settings.ATTACHMENT_MAX_SIZE
    if upload.size > limit:
        raise ChatError(errors.ATTACHMENT_TOO_LARGE, f"Files may be at most {limit} bytes.")
    if upload.size == 0:
        raise ChatError(errors.ATTACHMENT_TYPE, "The file is empty.")
    content_type = sniff(upload.file)
    if content_type not in livechat_settings.ATTACHMENT_TYPES:
        raise ChatError(errors.ATTACHMENT_TYPE, f"Files of type {content_type} cannot be sent.")
    if content_type not in RASTER_TYPES.values():
        return Checked(content_type, is_image=False)
    thumbnail, thumbnail_type = _verified_thumbnail(upload.file, content_type)
    return Checked(content_type, True, thumbnail, thumbnail_type)


def _verified_thumbnail(file: IO[bytes], content_type: str) -> tuple[bytes, str]:
    """The thumbnail of an image that Pillow verified to be ``content_type``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            file.seek(0)
            with Image.open(file) as image:  # reads the header only
                if RASTER_TYPES.get(str(image.format)) != content_type:
                    raise ValueError(f"{image.format} is not {content_type}")
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                image.verify()
            file.seek(0)
            with Image.open(file) as image:
                return _thumbnail(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ChatError(
            errors.ATTACHMENT_TYPE,
            f"Images may have at most {MAX_IMAGE_PIXELS} pixels.",
        ) from None
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        struct.error,
    ):
        raise ChatError(errors.ATTACHMENT_TYPE, "The image cannot be read.") from None


def _thumbnail(image: Image.Image) -> tuple[bytes, str]:
    """At most :data:`THUMBNAIL_SIZE` pixels a side, turned as its EXIF says, re-encoded
    (PNG when it has transparency, else JPEG): nothing of the original file survives."""
    image.draft("RGB", (THUMBNAIL_SIZE * 2, THUMBNAIL_SIZE * 2))  # JPEG: decode smaller
    turned = ImageOps.exif_transpose(image)
    turned.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    transparent = turned.mode in ("RGBA", "LA", "PA") or (
        turned.mode == "P" and "transparency" in turned.info
    )
    out = io.BytesIO()
    if transparent:
        turned.convert("RGBA").save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png"
    turned.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue(), "image/jpeg"


# ---------------------------------------------------------------- the scan hook


@functools.cache
def get_scanner() -> Callable[[IO[bytes], str], Any] | None:
    """``LIVECHAT["ATTACHMENT_SCANNER"]``, imported once (again when the setting changes)."""
    path = livechat_settings.ATTACHMENT_SCANNER
    if not path:
        return None
    scanner: Callable[[IO[bytes], str], Any] = import_string(path)
    return scanner


@functools.cache
def _scan_executor() -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(
        max_workers=SCAN_CONCURRENCY, thread_name_prefix="livechat-scanner"
    )


def _forget(setting: str, **kwargs: Any) -> None:
    if setting == "LIVECHAT":
        get_scanner.cache_clear()


setting_changed.connect(_forget, dispatch_uid="django_livechat.pipeline.attachments")


async def scan(file: IO[bytes], content_type: str) -> bool:
    """Whether the scanner passes ``file`` (True without a scanner). It runs in a pool of
    its own; raising, returning anything but True, or taking longer than
    :data:`SCAN_TIMEOUT` is a rejection."""
    scanner = get_scanner()
    if scanner is None:
        return True
    file.seek(0)
    work = _scan_executor().submit(_call_scanner, scanner, file, content_type)
    try:
        verdict = await asyncio.wait_for(asyncio.wrap_future(work), SCAN_TIMEOUT)
    except TimeoutError:
        logger.warning("The attachment scanner took more than %s seconds", SCAN_TIMEOUT)
        return False
    except Exception:
        logger.exception("The attachment scanner failed; the file is rejected")
        return False
    return verdict is True


def _call_scanner(scanner: Callable[[IO[bytes], str], Any], file: IO[bytes], kind: str) -> Any:
    close_old_connections()
    try:
        return scanner(file, kind)
    finally:
        close_old_connections()


# ---------------------------------------------------------------- storing


async def prepare(
    upload: Upload, *, conversation_id: UUID, role: str, uploaded_by: Any = None
) -> Prepared:
    """Check, store and scan ``upload`` for a message of ``conversation_id`` by ``role``.

    ``ATTACHMENT_TOO_LARGE``, ``ATTACHMENT_TYPE`` (nothing stored) or
    ``ATTACHMENT_REJECTED`` (the row kept as ``rejected``, its files deleted).
    """
    loop = asyncio.get_running_loop()
    checked = await loop.run_in_executor(_file_executor, check, upload)
    attachment_id = uuid4()
    file_name, thumbnail_name = await loop.run_in_executor(
        _file_executor, _save_files, upload, checked, attachment_id
    )
    name = clean_file_name(upload.name)
    row = Attachment(
        id=attachment_id,
        conversation_id=conversation_id,
        role=role,
        uploaded_by_id=uploaded_by,
        file=file_name,
        thumbnail=thumbnail_name,
        name=name,
        content_type=checked.content_type,
        size=upload.size,
        sha256=upload.sha256,
        status=str(Attachment.Status.PENDING),
    )
    try:
        await run_in_db_thread(row.save, force_insert=True)
    except BaseException:
        await _delete_files(file_name, thumbnail_name)
        raise
    prepared = Prepared(
        attachment_id,
        {
            "id": str(attachment_id),
            "name": name,
            "size": upload.size,
            "content_type": checked.content_type,
            "is_image": checked.is_image,
            "has_thumbnail": bool(thumbnail_name),
        },
        file_name,
        thumbnail_name,
    )
    if not await scan(upload.file, checked.content_type):
        await run_in_db_thread(_set_status, attachment_id, str(Attachment.Status.REJECTED))
        await _delete_files(file_name, thumbnail_name)
        logger.warning(
            "The scanner rejected attachment %s (sha256 %s) of conversation %s",
            attachment_id,
            upload.sha256,
            conversation_id,
        )
        raise ChatError(errors.ATTACHMENT_REJECTED)
    await run_in_db_thread(_set_status, attachment_id, str(Attachment.Status.CLEAN))
    return prepared


def _save_files(upload: Upload, checked: Checked, attachment_id: UUID) -> tuple[str, str]:
    """The file and its thumbnail in the attachment storage, under random names (the
    client's name is only ever data); their storage names."""
    storage = attachment_storage()
    month = timezone.now().strftime("%Y/%m")
    extension = EXTENSIONS.get(checked.content_type, ".bin")
    upload.file.seek(0)
    file_name = storage.save(
        f"livechat/attachments/{month}/{attachment_id.hex}{extension}", File(upload.file)
    )
    if checked.thumbnail is None:
        return file_name, ""
    suffix = ".png" if checked.thumbnail_type == "image/png" else ".jpg"
    try:
        thumbnail_name = storage.save(
            f"livechat/thumbnails/{month}/{attachment_id.hex}{suffix}",
            ContentFile(checked.thumbnail),
        )
    except BaseException:
        storage.delete(file_name)
        raise
    return file_name, thumbnail_name


def _set_status(attachment_id: UUID, status: str) -> None:
    Attachment.objects.filter(pk=attachment_id).update(status=status)


async def _delete_files(*names: str) -> None:
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(_file_executor, _delete_files_sync, names)


def _delete_files_sync(names: tuple[str, ...]) -> None:
    storage = attachment_storage()
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Deleting the attachment file %s failed", name)


async def already_stored(conversation_id: UUID, role: str, client_id: str) -> bool:
    """Whether the conversation holds a message of ``role`` with ``client_id``: a retried
    upload, which stores no second file."""
    return await run_in_db_thread(_already_stored_sync, conversation_id, role, client_id)


def _already_stored_sync(conversation_id: UUID, role: str, client_id: str) -> bool:
    rows = Message.objects.filter(conversation_id=conversation_id, role=role, client_id=client_id)
    stored: bool = rows.exists()
    return stored


async def settle(prepared: Prepared | None, stored: StoredMessage) -> None:
    """Link the attachment to its new message; a message stored before (the same
    ``client_id``, sent twice at once) keeps its own attachment and this one is deleted."""
    if prepared is None:
        return
    if stored.created:
        await run_in_db_thread(_link, prepared.attachment_id, stored.message.id)
    else:
        await discard(prepared)


def _link(attachment_id: UUID, message_id: UUID) -> None:
    Attachment.objects.filter(pk=attachment_id).update(message_id=message_id)


async def discard(prepared: Prepared | None) -> None:
    """Delete an attachment whose message was not stored: its row and its files."""
    if prepared is None:
        return
    await run_in_db_thread(_delete_row, prepared.attachment_id)
    await _delete_files(prepared.file_name, prepared.thumbnail_name)


def _delete_row(attachment_id: UUID) -> None:
    Attachment.objects.filter(pk=attachment_id).delete()


# ---------------------------------------------------------------- abandoned uploads


@dataclass
class Swept:
    """What a :func:`sweep` did (or, as a dry run, would do)."""

    #: The rows deleted, with their files (storage names).
    deleted: list[Attachment] = field(default_factory=list)
    #: The rows whose message was stored after all: linked to it, kept.
    linked: list[Attachment] = field(default_factory=list)


def abandoned(max_age: float | None = None) -> Any:
    """Rows without a message older than ``max_age`` seconds (default:
    ``LIVECHAT["ATTACHMENT_PENDING_MAX_AGE"]``), still ``pending`` or scanned ``clean``
    (a ``rejected`` row has no files left and stays, as the record of the rejection)."""
    if max_age is None:
        max_age = livechat_settings.ATTACHMENT_PENDING_MAX_AGE
    return Attachment.objects.filter(
        message__isnull=True,
        status__in=[Attachment.Status.PENDING, Attachment.Status.CLEAN],
        created_at__lt=timezone.now() - timedelta(seconds=max_age),
    ).order_by("created_at")


def sweep(
    max_age: float | None = None, *, dry_run: bool = False, limit: int | None = SWEEP_BATCH
) -> Swept:
    """Delete the :func:`abandoned` uploads and their files (through the storage API), at
    most ``limit`` of them (None: all); one whose message exists after all (the process
    died between storing the message and linking it) is linked instead. Sync: the
    management command calls it, and :func:`sweep_if_due` in a thread of its own."""
    swept = Swept()
    rows = abandoned(max_age)
    for row in rows.iterator() if limit is None else rows[:limit]:
        message_id = (
            Message.objects.filter(
                conversation_id=row.conversation_id, metadata__attachment__id=str(row.pk)
            )
            .values_list("pk", flat=True)
            .first()
        )
        if message_id is not None:
            if not dry_run:
                _link(row.pk, message_id)
            swept.linked.append(row)
            continue
        if not dry_run:
            # Files first: deleting a name that is gone already is harmless, so a sweep
            # that dies halfway leaves the row for the next one, never a file without it.
            _delete_files_sync((row.file.name or "", row.thumbnail.name or ""))
            Attachment.objects.filter(pk=row.pk, message__isnull=True).delete()
        swept.deleted.append(row)
    if swept.deleted and not dry_run:
        logger.info("Deleted %d abandoned attachment upload(s)", len(swept.deleted))
    return swept


def sweep_if_due() -> None:
    """Start a :func:`sweep` in the background when this process has not run one for
    :data:`SWEEP_SECONDS` (the pipeline calls this on use; it never waits for it)."""
    sweeper = loop_local(
        "attachment-sweep", lambda: {"next": time.monotonic() + FIRST_SWEEP_SECONDS}
    )
    now = time.monotonic()
    if now < sweeper["next"]:
        return
    sweeper["next"] = now + SWEEP_SECONDS
    spawn(_sweep_in_thread(), name="livechat-attachment-sweep")


async def _sweep_in_thread() -> None:
    try:
        await asyncio.get_running_loop().run_in_executor(_file_executor, _sweep_pass)
    except Exception as exc:
        logger.warning("Deleting abandoned attachment uploads failed (%s)", exc)


def _sweep_pass() -> None:
    close_old_connections()
    try:
        sweep()
    finally:
        close_old_connections()


# ---------------------------------------------------------------- on the wire


def attachment_data(summary: dict[str, Any]) -> dict[str, Any]:
    """A message's ``attachment`` on the wire, with freshly signed URLs."""
    attachment_id = str(summary["id"])
    return {
        "id": attachment_id,
        "name": summary.get("name", ""),
        "size": summary.get("size", 0),
        "content_type": summary.get("content_type", UNKNOWN_TYPE),
        "is_image": bool(summary.get("is_image")),
        "url": signed_url(attachment_id, FILE),
        "thumbnail_url": (
            signed_url(attachment_id, THUMBNAIL) if summary.get("has_thumbnail") else None
        ),
    }


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SIGNING_SALT)


def signed_url(attachment_id: str, variant: str) -> str:
    """The path of an attachment's file (or thumbnail) with a signature that grants it to
    whoever holds the URL for ``ATTACHMENT_URL_MAX_AGE`` seconds."""
    value = f"{attachment_id}.{variant}"
    signature = _signer().sign(value)[len(value) + 1 :]
    name = "api-attachment" if variant == FILE else "api-attachment-thumbnail"
    path = reverse(f"django_livechat:{name}", kwargs={"attachment_id": attachment_id})
    return f"{path}?sig={signature}"


def signature_grants(attachment_id: str, variant: str, signature: object) -> bool:
    """Whether ``signature`` (a URL's ``sig``) grants this file and is not expired."""
    if not isinstance(signature, str) or not signature:
        return False
    try:
        _signer().unsign(
            f"{attachment_id}.{variant}:{signature}",
            max_age=livechat_settings.ATTACHMENT_URL_MAX_AGE,
        )
    except signing.BadSignature:  # SignatureExpired included
        return False
    return True


# ---------------------------------------------------------------- serving


async def open_attachment(
    attachment_id: object, variant: str, *, signature: object, user: Any = None
) -> Served:
    """An attachment's file (or thumbnail) for a response, granted by a signed URL or to
    an agent of its website; ``FORBIDDEN`` or ``NOT_FOUND`` otherwise. Only clean files
    of stored messages are ever served."""
    aid = clean_uuid(attachment_id, "attachment_id")
    signed = signature_grants(str(aid), variant, signature)
    is_agent = bool(user is not None and getattr(user, "is_authenticated", False))
    if not signed and not is_agent:
        raise ChatError(errors.FORBIDDEN, "This link is not valid or has expired.")
    return await run_in_db_thread(_open_sync, aid, variant, None if signed else user)


def _open_sync(attachment_id: UUID, variant: str, agent: Any) -> Served:
    row: Attachment | None = (
        Attachment.objects.select_related("conversation")
        .filter(pk=attachment_id, status=Attachment.Status.CLEAN, message__isnull=False)
        .first()
    )
    if agent is not None and (
        row is None
        or not permissions.is_agent(agent)
        or not permissions.serves(agent, row.conversation.website_id)
    ):
        # An agent learns nothing of attachments outside their websites.
        raise ChatError(errors.FORBIDDEN, "This link is not valid or has expired.")
    if row is None:
        raise ChatError(errors.NOT_FOUND, "No such attachment.")
    storage = attachment_storage()
    if variant == THUMBNAIL:
        if not row.thumbnail.name:
            raise ChatError(errors.NOT_FOUND, "This attachment has no thumbnail.")
        kind = "image/png" if row.thumbnail.name.endswith(".png") else "image/jpeg"
        return Served(storage.open(row.thumbnail.name, "rb"), kind, row.name, inline=True)
    inline = row.content_type in RASTER_TYPES.values()
    served_type = row.content_type if inline or row.content_type in DOWNLOAD_TYPES else UNKNOWN_TYPE
    if served_type == "text/plain":
        served_type = "text/plain; charset=utf-8"
    return Served(
        storage.open(str(row.file.name), "rb"), served_type, row.name, inline=inline, size=row.size
    )
