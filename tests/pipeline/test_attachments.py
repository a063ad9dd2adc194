"""Attachments in the pipeline: what a file is, thumbnails, the scan hook, and one message
per upload through the visitor's and the agent's store paths."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.groups import conversation_group, website_group
from django_livechat.models import Attachment, Conversation, Message, attachment_storage
from django_livechat.pipeline import attachments
from django_livechat.pipeline.attachments import Upload, clean_file_name, sniff
from django_livechat.pipeline.background import drain
from django_livechat.store import NewMessage, append_message
from tests.factories import make_user, make_website
from tests.layer import received, subscribe

IN_MEMORY = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture(autouse=True)
def _memory_storage():
    with override_settings(STORAGES=IN_MEMORY):
        # Resolved here, in one thread: two file threads that resolve it at once (Django's
        # storage handler takes no lock) each make an InMemoryStorage of their own, and a
        # file saved in the instance that is not kept is lost. A storage that keeps its
        # files outside the instance (disk, S3) loses nothing that way.
        attachment_storage().exists("livechat")
        yield


def stored_names() -> list[str]:
    storage = attachment_storage()
    names = []
    for folder in ("livechat/attachments", "livechat/thumbnails"):
        if not storage.exists(folder):
            continue
        for month_dir in _walk(storage, folder):
            names.append(month_dir)
    return names


def _walk(storage, folder):
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}")


def image_bytes(fmt: str = "PNG", size=(800, 600), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None).save(out, fmt, **save)
    return out.getvalue()


def upload(data: bytes, name: str = "file.bin") -> Upload:
    return Upload.of(io.BytesIO(data), name)


# ---------------------------------------------------------------- what a file is


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (image_bytes("PNG"), "image/png"),
        (image_bytes("JPEG"), "image/jpeg"),
        (image_bytes("GIF"), "image/gif"),
        (image_bytes("WEBP"), "image/webp"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf"),
        (b"PK\x03\x04\x14\x00\x00\x00", "application/zip"),
        ("Grüße, a plain note\n".encode(), "text/plain"),
        (b"<!DOCTYPE html><html><script>alert(1)</script>", "text/html"),
        (b"  <svg xmlns='http://www.w3.org/2000/svg'><script>x()</script></svg>", "image/svg+xml"),
        (b'<?xml version="1.0"?><svg onload="x()"/>', "image/svg+xml"),
        (b"hello <script>alert(1)</script>", "text/html"),
        (b"text with a \x00 NUL", "application/octet-stream"),
        (b"\xff\xfe not utf-8 \xc3", "application/octet-stream"),
    ],
)
def test_the_type_is_read_from_the_content(data, expected):
    assert sniff(io.BytesIO(data)) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("/abs/path/photo.png", "photo.png"),
        ('ev"il\x00name\n.pdf', "evilname.pdf"),
        ("..", "file"),
        ("", "file"),
        (".htaccess", "htaccess"),
        ("a" * 300 + ".jpeg", "a" * 115 + ".jpeg"),
    ],
)
def test_file_names_lose_their_path_and_are_length_limited(name, expected):
    assert clean_file_name(name) == expected
    assert len(clean_file_name(name)) <= attachments.MAX_NAME_LENGTH


def test_an_html_file_named_png_is_refused():
    with pytest.raises(ChatError) as info:
        attachments.check(upload(b"<html><body><script>alert(1)</script>", "cat.png"))
    assert info.value.code == errors.ATTACHMENT_TYPE


def test_an_svg_with_a_script_is_refused_by_default():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(ChatError) as info:
        attachments.check(upload(svg, "logo.svg"))
    assert info.value.code == errors.ATTACHMENT_TYPE


def test_a_png_header_on_html_is_refused_after_pillow_looks_at_it():
    polyglot = b"\x89PNG\r\n\x1a\n" + b"<html><script>alert(1)</script></html>"
    with pytest.raises(ChatError) as info:
        attachments.check(upload(polyglot, "x.png"))
    assert info.value.code == errors.ATTACHMENT_TYPE


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    # 10000 x 10000 of one colour: a small file, 100 megapixels once decoded.
    bomb = image_bytes("PNG", size=(10_000, 10_000), mode="L")
    assert len(bomb) < 200_000
    started = time.monotonic()
    with pytest.raises(ChatError) as info:
        attachments.check(upload(bomb, "bomb.png"))
    assert info.value.code == errors.ATTACHMENT_TYPE
    assert "pixels" in info.value.message
    assert time.monotonic() - started < 2


def test_a_thumbnail_is_small_reencoded_and_turned_as_its_exif_says():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    out = io.BytesIO()
    Image.new("RGB", (800, 400), "blue").save(out, "JPEG", exif=exif.tobytes())
    checked = attachments.check(upload(out.getvalue(), "photo.jpg"))
    assert checked.is_image and checked.content_type == "image/jpeg"
    assert checked.thumbnail_type == "image/jpeg"
    thumbnail = Image.open(io.BytesIO(checked.thumbnail))
    assert thumbnail.size == (160, 320)  # turned upright, then at most 320 a side
    assert not thumbnail.getexif()  # nothing of the original's metadata survives


def test_a_transparent_image_gets_a_png_thumbnail():
    checked = attachments.check(upload(image_bytes("PNG", mode="RGBA", size=(50, 50)), "a.png"))
    assert checked.thumbnail_type == "image/png"
    assert Image.open(io.BytesIO(checked.thumbnail)).size == (50, 50)


@override_settings(LIVECHAT={**settings.LIVECHAT, "ATTACHMENT_MAX_SIZE": 100})
def test_a_file_over_the_limit_is_too_large():
    with pytest.raises(ChatError) as info:
        attachments.check(upload(b"x" * 101, "big.txt"))
    assert info.value.code == errors.ATTACHMENT_TOO_LARGE


@override_settings(LIVECHAT={**settings.LIVECHAT, "ATTACHMENT_TYPES": ["application/pdf"]})
def test_only_the_configured_types_are_taken():
    with pytest.raises(ChatError) as info:
        attachments.check(upload(b"just text", "notes.txt"))
    assert info.value.code == errors.ATTACHMENT_TYPE
    assert not attachments.check(upload(b"%PDF-1.4\n", "a.pdf")).is_image


# ---------------------------------------------------------------- signed URLs


def test_a_signed_url_grants_its_file_only_until_it_expires(monkeypatch):
    url = attachments.signed_url("8c0e6a52-6f53-4d1e-9a40-0d2b1f3c4e5a", "file")
    path, _, query = url.partition("?sig=")
    assert path == "/livechat/api/attachments/8c0e6a52-6f53-4d1e-9a40-0d2b1f3c4e5a/"
    assert attachments.signature_grants("8c0e6a52-6f53-4d1e-9a40-0d2b1f3c4e5a", "file", query)
    # Not another file, not the thumbnail, not a forged one.
    assert not attachments.signature_grants("9c0e6a52-6f53-4d1e-9a40-0d2b1f3c4e5a", "file", query)
    assert not attachments.signature_grants(
        "8c0e6a52-6f53-4d1e-9a40-0d2b1f3c4e5a", "thumbnail", query
    )
    assert not attachments.signature_grants("8c0e6a52-6f53-4d1e-9a40-0d2b1f3c4e5a", "file", "x")
    later = time.time() + settings.LIVECHAT.get("ATTACHMENT_URL_MAX_AGE", 86400) + 5
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert not attachments.signature_grants("8c0e6a52-6f53-4d1e-9a40-0d2b1f3c4e5a", "file", query)


# ---------------------------------------------------------------- messages


@database_sync_to_async
def shop_with_agent():
    shop = make_website(name="Shop")
    ann = make_user("ann", first_name="Ann")
    shop.agents.add(ann)
    return shop, ann


@pytest.mark.django_db(transaction=True)
async def test_a_visitor_upload_is_one_message_broadcast_with_signed_urls():
    shop, _ = await shop_with_agent()
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)
    to_visitor = await subscribe(conversation_group(session.conversation_id))
    to_dashboards = await subscribe(website_group(shop.id))
    await received(to_dashboards)  # new_conversation
    result = await pipeline.post_visitor_message(
        session,
        content="my receipt",
        client_id="up-1",
        background=False,
        attachment=upload(image_bytes("PNG"), "../receipt.png"),
    )
    assert result.created and result.message["seq"] == 1
    assert result.message["message"] == "my receipt"
    data = result.message["attachment"]
    assert data["name"] == "receipt.png" and data["is_image"]
    assert data["content_type"] == "image/png" and data["size"] > 0
    assert "?sig=" in data["url"] and "/thumbnail/?sig=" in data["thumbnail_url"]
    assert result.reply is not None  # the acknowledgement, as for text
    row = await Attachment.objects.aget(pk=data["id"])
    assert row.status == "clean" and row.message_id is not None and row.role == "user"
    assert str(row.file.name).startswith("livechat/attachments/")
    assert "receipt" not in str(row.file.name)  # random storage names
    for channel in (to_visitor, to_dashboards):
        first = (await received(channel))[0]
        assert first["attachment"]["id"] == data["id"]


@pytest.mark.django_db(transaction=True)
async def test_a_retried_upload_returns_the_same_message_and_stores_one_file():
    shop, _ = await shop_with_agent()
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)
    kwargs = {"content": None, "client_id": "same", "background": False}
    first = await pipeline.post_visitor_message(
        session, attachment=upload(b"hello", "a.txt"), **kwargs
    )
    again = await pipeline.post_visitor_message(
        session, attachment=upload(b"hello", "a.txt"), **kwargs
    )
    assert not again.created
    assert again.message["message_id"] == first.message["message_id"]
    assert again.message["attachment"]["id"] == first.message["attachment"]["id"]
    assert await Attachment.objects.acount() == 1
    assert await Message.objects.filter(role="user").acount() == 1
    assert len(await database_sync_to_async(stored_names)()) == 1


@pytest.mark.django_db(transaction=True)
async def test_two_uploads_racing_with_one_client_id_keep_one_file(monkeypatch):
    shop, _ = await shop_with_agent()
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)

    async def never_stored(*args):
        return False  # both pass the early check, as two requests at once would

    saved: list[tuple[str, str]] = []
    save_files = attachments._save_files

    def recording_save(*args):
        names = save_files(*args)
        saved.append(names)
        return names

    monkeypatch.setattr(attachments, "already_stored", never_stored)
    monkeypatch.setattr(attachments, "_save_files", recording_save)
    results = await asyncio.gather(
        *(
            pipeline.post_visitor_message(
                session,
                content=None,
                client_id="race",
                background=False,
                attachment=upload(b"same text", "a.txt"),
            )
            for _ in range(2)
        )
    )
    assert sorted(r.created for r in results) == [False, True]
    kept = await Attachment.objects.aget()
    # Both saved a file; the one whose message lost deleted its own, the winner's stays.
    assert len(saved) == 2
    storage = attachment_storage()
    exists = await database_sync_to_async(lambda: [storage.exists(n) for n, _ in saved])()
    assert sorted(zip((n == kept.file.name for n, _ in saved), exists, strict=True)) == [
        (False, False),
        (True, True),
    ]


def reject_everything(file, content_type):
    assert file.read(5) == b"EICAR"
    return False


def hang(file, content_type):
    threading.Event().wait(2)
    return True


def explode(file, content_type):
    raise RuntimeError("clamd is down")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "scanner",
    [
        "tests.pipeline.test_attachments.reject_everything",
        "tests.pipeline.test_attachments.explode",
        "tests.pipeline.test_attachments.hang",
    ],
)
async def test_a_file_the_scanner_refuses_makes_no_message(scanner, monkeypatch):
    monkeypatch.setattr(attachments, "SCAN_TIMEOUT", 0.3)
    shop, _ = await shop_with_agent()
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)
    scanning = override_settings(LIVECHAT={**settings.LIVECHAT, "ATTACHMENT_SCANNER": scanner})
    with scanning, pytest.raises(ChatError) as info:
        await pipeline.post_visitor_message(
            session,
            content=None,
            client_id="v",
            background=False,
            attachment=upload(b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE", "eicar.txt"),
        )
    assert info.value.code == errors.ATTACHMENT_REJECTED
    assert not await Message.objects.aexists()
    row = await Attachment.objects.aget()
    assert row.status == "rejected" and row.message_id is None
    assert await database_sync_to_async(stored_names)() == []  # its files are deleted


@pytest.mark.django_db(transaction=True)
async def test_a_refused_type_stores_nothing():
    shop, _ = await shop_with_agent()
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)
    with pytest.raises(ChatError) as info:
        await pipeline.post_visitor_message(
            session,
            content=None,
            client_id="v",
            background=False,
            attachment=upload(b"<html><script>alert(1)</script>", "cat.png"),
        )
    assert info.value.code == errors.ATTACHMENT_TYPE
    assert not await Message.objects.aexists()
    assert not await Attachment.objects.aexists()
    assert await database_sync_to_async(stored_names)() == []


@pytest.mark.django_db(transaction=True)
async def test_an_agent_upload_goes_through_the_agent_path():
    shop, ann = await shop_with_agent()
    agent = await pipeline.authorize_agent(ann)
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)
    to_visitor = await subscribe(conversation_group(session.conversation_id))
    result = await pipeline.post_agent_message(
        agent,
        session.conversation_id,
        content=None,
        client_id="a-1",
        attachment=upload(b"%PDF-1.4\n1 0 obj\n", "invoice.pdf"),
    )
    assert result.created and result.message["sender_name"] == "Ann"
    assert result.message["attachment"]["content_type"] == "application/pdf"
    assert result.message["attachment"]["thumbnail_url"] is None
    frame = (await received(to_visitor))[0]
    assert frame["attachment"]["name"] == "invoice.pdf" and frame["role"] == "agent"
    row = await Attachment.objects.aget()
    assert row.role == "agent" and row.uploaded_by_id == ann.pk
    again = await pipeline.post_agent_message(
        agent,
        session.conversation_id,
        content=None,
        client_id="a-1",
        attachment=upload(b"%PDF-1.4\n1 0 obj\n", "invoice.pdf"),
    )
    assert not again.created and await Attachment.objects.acount() == 1


@pytest.mark.django_db(transaction=True)
async def test_history_mints_fresh_urls(monkeypatch):
    shop, _ = await shop_with_agent()
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)
    posted = await pipeline.post_visitor_message(
        session,
        content=None,
        client_id="v",
        background=False,
        attachment=upload(b"notes", "n.txt"),
    )
    later = time.time() + 3600
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    messages, _ = await pipeline.messages_after(session.conversation_id, 0)
    assert messages[0]["attachment"]["url"] != posted.message["attachment"]["url"]


# ---------------------------------------------------------------- abandoned uploads


def stored_attachment(conversation, *, age: float, status="pending", thumbnail=True, message=None):
    """A row as :func:`attachments.prepare` leaves it, ``age`` seconds old, with its files."""
    storage = attachment_storage()
    row = Attachment.objects.create(
        conversation=conversation,
        role="user",
        file=storage.save("livechat/attachments/2026/11/a.png", ContentFile(b"file")),
        thumbnail=(
            storage.save("livechat/thumbnails/2026/11/a.jpg", ContentFile(b"thumb"))
            if thumbnail
            else ""
        ),
        name="a.png",
        content_type="image/png",
        size=4,
        sha256="0" * 64,
        status=status,
        message=message,
    )
    Attachment.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(seconds=age))
    return row


def files_of(row) -> list[str]:
    return [name for name in (row.file.name, row.thumbnail.name) if name]


@pytest.fixture
def conversation():
    return Conversation.objects.create(website=make_website(name="Shop"))


@pytest.mark.django_db
def test_an_abandoned_upload_and_its_files_go_a_young_or_settled_one_stays(conversation):
    bound = settings.LIVECHAT.get("ATTACHMENT_PENDING_MAX_AGE", 3600)
    old = stored_attachment(conversation, age=bound + 60)
    scanned = stored_attachment(conversation, age=bound + 60, status="clean", thumbnail=False)
    young = stored_attachment(conversation, age=bound - 60)
    message = append_message(NewMessage(conversation.pk, "user", "")).message
    settled = stored_attachment(conversation, age=bound * 5, status="clean", message=message)
    rejected = stored_attachment(conversation, age=bound * 5, status="rejected", thumbnail=False)
    names = stored_names()
    assert all(name in names for row in (old, scanned, young, settled) for name in files_of(row))

    swept = attachments.sweep()

    assert {row.pk for row in swept.deleted} == {old.pk, scanned.pk}
    assert set(Attachment.objects.values_list("pk", flat=True)) == {
        young.pk,
        settled.pk,
        rejected.pk,
    }
    names = stored_names()
    assert not any(name in names for row in (old, scanned) for name in files_of(row))
    assert all(name in names for row in (young, settled) for name in files_of(row))
    assert attachments.sweep().deleted == []  # nothing left to do


@pytest.mark.django_db
def test_an_upload_whose_message_was_stored_is_linked_not_deleted(conversation):
    row = stored_attachment(conversation, age=7200, status="clean")
    summary = {"attachment": {"id": str(row.pk), "name": "a.png"}}
    message = append_message(NewMessage(conversation.pk, "user", "", metadata=summary)).message
    swept = attachments.sweep()
    assert [r.pk for r in swept.linked] == [row.pk] and swept.deleted == []
    assert Attachment.objects.get(pk=row.pk).message_id == message.pk
    assert all(name in stored_names() for name in files_of(row))


@pytest.mark.django_db
def test_the_bound_is_the_setting(conversation):
    row = stored_attachment(conversation, age=600)
    assert attachments.sweep().deleted == []
    with override_settings(LIVECHAT={**settings.LIVECHAT, "ATTACHMENT_PENDING_MAX_AGE": 300}):
        assert [r.pk for r in attachments.sweep().deleted] == [row.pk]


@pytest.mark.django_db
def test_the_command_and_its_dry_run(conversation):
    row = stored_attachment(conversation, age=7200)
    out = io.StringIO()
    call_command("livechat_clean_attachments", "--dry-run", stdout=out)
    assert str(row.pk) in out.getvalue() and row.file.name in out.getvalue()
    assert "Would delete 1 abandoned attachment." in out.getvalue()
    assert Attachment.objects.filter(pk=row.pk).exists()
    assert all(name in stored_names() for name in files_of(row))
    out = io.StringIO()
    call_command("livechat_clean_attachments", stdout=out)
    assert out.getvalue() == "Deleted 1 abandoned attachment.\n"
    assert not Attachment.objects.filter(pk=row.pk).exists()
    assert not any(name in stored_names() for name in files_of(row))


@pytest.mark.django_db(transaction=True)
async def test_a_server_process_sweeps_now_and_then_from_a_visitors_identify(monkeypatch):
    shop, _ = await shop_with_agent()
    conversation = await Conversation.objects.acreate(website=shop)
    row = await database_sync_to_async(stored_attachment)(conversation, age=7200)
    monkeypatch.setattr(attachments, "FIRST_SWEEP_SECONDS", 0.0)
    identify = {"website_id": str(shop.id)}
    await pipeline.identify("visitor-1", None, identify, origin=None)
    await drain()
    assert not await Attachment.objects.filter(pk=row.pk).aexists()
    again = await database_sync_to_async(stored_attachment)(conversation, age=7200)
    await pipeline.identify("visitor-2", None, identify, origin=None)
    await drain()
    # Within SWEEP_SECONDS of the last sweep: not again.
    assert await Attachment.objects.filter(pk=again.pk).aexists()
