"""Attachments over HTTP: uploads by visitors and agents, limits read from the stream,
and the headers that keep a served file inert."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import LimitedStream
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from django_livechat.api.attachments import AttachmentsView
from django_livechat.models import Attachment, Message
from tests.api.conftest import assert_error, bearer, open_conversation
from tests.factories import SHOP_ORIGIN, make_user, make_website

pytestmark = pytest.mark.django_db(transaction=True)

IN_MEMORY = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
INERT = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


@pytest.fixture(autouse=True)
def _memory_storage():
    with override_settings(STORAGES=IN_MEMORY):
        yield


def files_stored() -> int:
    storage = storages["default"]

    def count(folder: str) -> int:
        if not storage.exists(folder):
            return 0
        directories, files = storage.listdir(folder)
        return len(files) + sum(count(f"{folder}/{d}") for d in directories)

    return count("livechat")


def png(size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, "PNG")
    return out.getvalue()


def upload_url() -> str:
    return reverse("django_livechat:api-attachments")


def agent_upload_url(conversation_id: Any) -> str:
    return reverse(
        "django_livechat:api-agent-attachments", kwargs={"conversation_id": str(conversation_id)}
    )


def send(api: APIClient, token: str, data: bytes, name: str, client_id: str = "c1", **form):
    body = {"client_id": client_id, "file": SimpleUploadedFile(name, data), **form}
    return api.post(upload_url(), body, format="multipart", **bearer(token))


def fetch(client: APIClient, url: str, **extra):
    response = client.get(url, **extra)
    if response.status_code == 200:
        response.body = b"".join(response.streaming_content)
    return response


@pytest.fixture
def chat(api, website) -> dict[str, Any]:
    return open_conversation(api, website)


# ---------------------------------------------------------------- uploads


def test_a_visitor_sends_an_image_and_gets_it_back_inline(api, chat):
    response = send(api, chat["visitor_token"], png(), "holiday.png", message="Look")
    assert response.status_code == 201, response.content
    message = response.json()["message"]
    assert message["message"] == "Look" and message["seq"] == 1
    assert response.json()["reply"]["is_auto"]  # acknowledged like text
    attachment = message["attachment"]
    assert attachment["is_image"] and attachment["content_type"] == "image/png"
    image = fetch(APIClient(), attachment["url"])
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image["Content-Disposition"].startswith("inline;")
    assert image["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert image["Cache-Control"].startswith("private, max-age=")
    assert {k: image[k] for k in INERT} == INERT
    assert image.body == png()
    thumbnail = fetch(APIClient(), attachment["thumbnail_url"])
    assert thumbnail["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumbnail.body)).size == (320, 240)


def test_a_pdf_is_a_download_with_its_name(api, chat):
    response = send(api, chat["visitor_token"], b"%PDF-1.4\n<html>", "Rechnung März.pdf")
    attachment = response.json()["message"]["attachment"]
    served = fetch(APIClient(), attachment["url"])
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"] == (
        "attachment; filename=\"Rechnung Mrz.pdf\"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf"
    )
    assert served["Cross-Origin-Resource-Policy"] == "same-site"
    assert {k: served[k] for k in INERT} == INERT


def test_an_html_file_named_png_is_refused(api, chat):
    evil = b"<html><body><script>fetch('/steal?'+document.cookie)</script></body></html>"
    response = send(api, chat["visitor_token"], evil, "cute-cat.png")
    assert assert_error(response, 415, "ATTACHMENT_TYPE")["client_id"] == "c1"
    assert not Message.objects.exists() and files_stored() == 0


def test_an_svg_with_a_script_is_refused(api, chat):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>x()</script></svg>'
    assert_error(send(api, chat["visitor_token"], svg, "logo.svg"), 415, "ATTACHMENT_TYPE")


@override_settings(
    LIVECHAT={**settings.LIVECHAT, "ATTACHMENT_TYPES": ["image/svg+xml", "text/html"]}
)
def test_allowed_markup_is_still_only_ever_a_download(api, chat):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = send(api, chat["visitor_token"], svg, "logo.svg")
    assert response.status_code == 201
    attachment = response.json()["message"]["attachment"]
    assert not attachment["is_image"] and attachment["thumbnail_url"] is None
    served = fetch(APIClient(), attachment["url"])
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment;")
    assert {k: served[k] for k in INERT} == INERT


@override_settings(LIVECHAT={**settings.LIVECHAT, "ATTACHMENT_MAX_SIZE": 1000})
def test_an_oversize_upload_is_413_and_stores_nothing(api, chat):
    response = send(api, chat["visitor_token"], b"x" * 5000, "big.txt")
    assert assert_error(response, 413, "ATTACHMENT_TOO_LARGE")["client_id"] == "c1"
    assert not Attachment.objects.exists() and not Message.objects.exists()
    assert files_stored() == 0


class CountingStream(io.RawIOBase):
    """A request body of ``total`` bytes that counts how much was read of it."""

    def __init__(self, head: bytes, total: int) -> None:
        self.head, self.total, self.read_bytes = head, total, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.read_bytes >= self.total:
            return 0
        n = min(len(buffer), self.total - self.read_bytes)
        chunk = (self.head[self.read_bytes :] + b"x" * n)[:n]
        buffer[:n] = chunk
        self.read_bytes += n
        return n


def raw_upload(token: str, declared: int, stream: CountingStream) -> Any:
    """POST a multipart body read from ``stream``, declaring ``declared`` bytes."""
    request = RequestFactory().generic(
        "POST", upload_url(), HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ORIGIN=SHOP_ORIGIN
    )
    request.META["CONTENT_TYPE"] = "multipart/form-data; boundary=BoUnDaRy"
    request.META["CONTENT_LENGTH"] = str(declared)
    request._stream = LimitedStream(stream, declared)
    response = AttachmentsView.as_view()(request)
    response.render()
    response.json = lambda: json.loads(response.content)  # as the test client's have
    return response


HEAD = (
    b'--BoUnDaRy\r\nContent-Disposition: form-data; name="client_id"\r\n\r\nbig\r\n'
    b'--BoUnDaRy\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n"
)
GB = 1024**3


def test_a_1_gb_upload_is_refused_without_reading_it(chat):
    stream = CountingStream(HEAD, GB)
    response = raw_upload(chat["visitor_token"], GB, stream)
    assert_error(response, 413, "ATTACHMENT_TOO_LARGE")
    assert stream.read_bytes == 0  # refused on its Content-Length alone
    assert files_stored() == 0


@override_settings(LIVECHAT={**settings.LIVECHAT, "ATTACHMENT_MAX_SIZE": 16 * 1024})
def test_reading_stops_once_the_file_passes_the_limit(chat):
    # A length the form's overhead allows: the file is cut off as it grows, in the
    # first 64 KiB chunk here, and the rest of the body is never read.
    declared = 90 * 1024
    stream = CountingStream(HEAD, GB)
    response = raw_upload(chat["visitor_token"], declared, stream)
    assert assert_error(response, 413, "ATTACHMENT_TOO_LARGE")["client_id"] == "big"
    assert stream.read_bytes <= 64 * 1024 < declared
    assert not Attachment.objects.exists() and files_stored() == 0


def test_a_retried_upload_returns_the_same_message_and_one_file(api, chat):
    first = send(api, chat["visitor_token"], b"notes", "n.txt", client_id="r")
    again = send(api, chat["visitor_token"], b"notes", "n.txt", client_id="r")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["message"]["message_id"] == first.json()["message"]["message_id"]
    assert Attachment.objects.count() == 1 and files_stored() == 1


def test_uploads_need_a_token_a_client_id_and_a_file(api, chat):
    token = chat["visitor_token"]
    no_token = api.post(upload_url(), {"client_id": "x"}, format="multipart")
    assert_error(no_token, 401, "NOT_IDENTIFIED")
    no_file = api.post(upload_url(), {"client_id": "x"}, format="multipart", **bearer(token))
    assert_error(no_file, 400, "INVALID_MESSAGE")
    body = {"file": SimpleUploadedFile("a.txt", b"hi")}
    no_id = api.post(upload_url(), body, format="multipart", **bearer(token))
    assert_error(no_id, 400, "INVALID_MESSAGE")
    foreign = api.post(
        upload_url(),
        {"client_id": "y", "file": SimpleUploadedFile("a.txt", b"hi")},
        format="multipart",
        **bearer(token, "https://evil.example.net"),
    )
    assert_error(foreign, 403, "FORBIDDEN")


@override_settings(
    LIVECHAT={
        **settings.LIVECHAT,
        "ATTACHMENT_SCANNER": "tests.api.test_attachments.refuse_all",
    }
)
def test_a_file_the_scanner_refuses_is_422_and_no_message(api, chat):
    response = send(api, chat["visitor_token"], b"X5O!P%@AP[4\\PZX54(P^)7CC)7}", "eicar.txt")
    assert assert_error(response, 422, "ATTACHMENT_REJECTED")["client_id"] == "c1"
    assert not Message.objects.exists()
    assert Attachment.objects.get().status == "rejected" and files_stored() == 0


def refuse_all(file, content_type):
    return False


# ---------------------------------------------------------------- serving


def test_a_signature_grants_one_file_until_it_expires(api, chat, monkeypatch):
    one = send(api, chat["visitor_token"], png(), "1.png", client_id="1").json()["message"]
    two = send(api, chat["visitor_token"], b"two", "2.txt", client_id="2").json()["message"]
    url_one, sig_one = one["attachment"]["url"].split("?")
    url_two = two["attachment"]["url"].split("?")[0]
    anonymous = APIClient()
    assert fetch(anonymous, f"{url_one}?{sig_one}").status_code == 200
    assert_error(fetch(anonymous, url_one), 403, "FORBIDDEN")
    assert_error(fetch(anonymous, f"{url_two}?{sig_one}"), 403, "FORBIDDEN")
    assert_error(fetch(anonymous, f"{url_one}?{urlencode({'sig': 'forged'})}"), 403, "FORBIDDEN")
    import time

    later = time.time() + 86400 + 5
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    assert_error(fetch(anonymous, f"{url_one}?{sig_one}"), 403, "FORBIDDEN")


def test_agents_of_the_website_may_fetch_without_a_signature(api, chat, website):
    ann, bob = make_user("ann"), make_user("bob")
    website.agents.add(ann)
    make_website(name="Blog").agents.add(bob)
    sent = send(api, chat["visitor_token"], b"notes", "n.txt").json()["message"]
    plain_url = sent["attachment"]["url"].split("?")[0]
    ann_client, bob_client = APIClient(), APIClient()
    ann_client.force_login(ann)
    bob_client.force_login(bob)
    assert fetch(ann_client, plain_url).body == b"notes"
    assert_error(fetch(bob_client, plain_url), 403, "FORBIDDEN")


def test_pending_and_rejected_files_are_never_served(api, chat, website):
    sent = send(api, chat["visitor_token"], b"notes", "n.txt").json()["message"]
    url = sent["attachment"]["url"]
    for status in ("pending", "rejected"):
        Attachment.objects.update(status=status)
        assert_error(fetch(APIClient(), url), 404, "NOT_FOUND")


def test_a_non_image_has_no_thumbnail(api, chat):
    sent = send(api, chat["visitor_token"], b"notes", "n.txt").json()["message"]
    assert sent["attachment"]["thumbnail_url"] is None
    ann = make_user("ann")
    Attachment.objects.get().conversation.website.agents.add(ann)
    client = APIClient()
    client.force_login(ann)
    thumbnail = reverse(
        "django_livechat:api-attachment-thumbnail",
        kwargs={"attachment_id": sent["attachment"]["id"]},
    )
    assert_error(fetch(client, thumbnail), 404, "NOT_FOUND")


# ---------------------------------------------------------------- agents


def test_an_agent_uploads_with_session_and_csrf(api, chat, website):
    ann = make_user("ann", first_name="Ann")
    website.agents.add(ann)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(ann)
    url = agent_upload_url(chat["conversation_id"])
    body = {"client_id": "a1", "file": SimpleUploadedFile("plan.zip", b"PK\x05\x06" + bytes(18))}
    refused = client.post(url, body, format="multipart")
    assert "CSRF" in assert_error(refused, 403, "FORBIDDEN")["message"]
    client.get(reverse("admin:login"))
    token = client.cookies["csrftoken"].value
    body["file"].seek(0)
    done = client.post(url, body, format="multipart", HTTP_X_CSRFTOKEN=token)
    assert done.status_code == 201, done.content
    message = done.json()["message"]
    assert message["role"] == "agent" and message["attachment"]["content_type"] == "application/zip"
    served = fetch(APIClient(), message["attachment"]["url"])
    assert served["Content-Type"] == "application/zip"
    assert served["Content-Disposition"].startswith("attachment;")


def test_an_agent_cannot_upload_into_another_website(api, chat):
    bob = make_user("bob")
    make_website(name="Blog").agents.add(bob)
    client = APIClient()
    client.force_login(bob)
    body = {"client_id": "b1", "file": SimpleUploadedFile("a.txt", b"hi")}
    response = client.post(agent_upload_url(chat["conversation_id"]), body, format="multipart")
    assert_error(response, 404, "NOT_FOUND")  # as a missing conversation would be
    assert not Attachment.objects.exists() and files_stored() == 0


# ---------------------------------------------------------------- the admin


def test_the_admin_lists_attachments_read_only_and_scoped(api, chat, website):
    send(api, chat["visitor_token"], b"notes", "n.txt")
    attachment = Attachment.objects.get()
    ann, bob = make_user("ann", is_staff=True), make_user("bob", is_staff=True)
    website.agents.add(ann)
    make_website(name="Blog").agents.add(bob)
    for user in (ann, bob):
        user.user_permissions.add(*Permission.objects.filter(codename="view_attachment"))
    changelist = reverse("admin:django_livechat_attachment_changelist")
    change = reverse("admin:django_livechat_attachment_change", args=[attachment.pk])
    client = Client()
    client.force_login(ann)
    assert "n.txt" in client.get(changelist).content.decode()
    page = client.get(change).content.decode()
    # The file is linked through the serving view, never the storage's URL.
    assert reverse("django_livechat:api-attachment", args=[attachment.pk]) in page
    assert str(attachment.file.name) not in page
    assert client.get(reverse("admin:django_livechat_attachment_add")).status_code == 403
    client.force_login(bob)
    assert "n.txt" not in client.get(changelist).content.decode()
    assert client.get(change).status_code == 404


@override_settings(LIVECHAT={**settings.LIVECHAT, "RATE_LIMIT_MESSAGES": 2})
def test_uploads_count_as_messages_and_a_retry_is_never_refused(api, chat):
    token = chat["visitor_token"]
    assert send(api, token, b"one", "1.txt", client_id="1").status_code == 201
    assert send(api, token, b"two", "2.txt", client_id="2").status_code == 201
    refused = send(api, token, b"three", "3.txt", client_id="3")
    assert assert_error(refused, 429, "RATE_LIMITED")["client_id"] == "3"
    assert send(api, token, b"two", "2.txt", client_id="2").status_code == 200
    assert Attachment.objects.count() == 2 and files_stored() == 2
