"""The app serves its own assets (``<mount>/assets/<name>``), with no static-files set-up."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory, modify_settings, override_settings

import django_livechat
from django_livechat import assets
from django_livechat.checks import check_settings

INSTALLED = Path(django_livechat.__file__).resolve().parent / "static" / "django_livechat"
WIDGET = INSTALLED / "widget.js"


def widget_version() -> str:
    return hashlib.sha256(WIDGET.read_bytes()).hexdigest()[: assets.VERSION_LENGTH]


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def scratch_assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty assets folder in place of the package's, with an empty memory."""
    folder = tmp_path / "assets"
    folder.mkdir()
    monkeypatch.setattr(assets, "ASSETS_DIR", folder.resolve())
    monkeypatch.setattr(assets, "_cache", {})
    return folder


def test_assets_are_read_from_the_installed_package():
    # Not from the repository, nor through staticfiles finders: a wheel install works.
    assert assets.ASSETS_DIR == INSTALLED
    assert WIDGET.is_file()


def test_widget_is_served_as_javascript(client):
    response = client.get("/livechat/assets/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["Content-Length"] == str(WIDGET.stat().st_size)
    digest = hashlib.sha256(WIDGET.read_bytes()).hexdigest()
    assert response["ETag"] == f'"{digest[:32]}"'
    assert response.content == WIDGET.read_bytes()


@modify_settings(INSTALLED_APPS={"remove": "django.contrib.staticfiles"})
@override_settings(STATIC_URL=None, STATIC_ROOT=None)
def test_served_without_any_static_files_set_up(client):
    response = client.get(assets.asset_url("widget.js"))
    assert response.status_code == 200
    assert response.content == WIDGET.read_bytes()


def test_a_versioned_url_is_cached_for_good(client):
    response = client.get(f"/livechat/assets/widget.js?v={widget_version()}")
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_stale_version_is_cached_briefly(client):
    response = client.get("/livechat/assets/widget.js?v=000000000000")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("form", ["{}", "W/{}", '"other", {}', "*"])
def test_if_none_match_gives_304(client, form):
    etag = client.get("/livechat/assets/widget.js")["ETag"]
    response = client.get("/livechat/assets/widget.js", HTTP_IF_NONE_MATCH=form.format(etag))
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "public, max-age=300"


def test_another_etag_gets_the_file(client):
    response = client.get("/livechat/assets/widget.js", HTTP_IF_NONE_MATCH='"stale"')
    assert response.status_code == 200
    assert response.content == WIDGET.read_bytes()


def test_head_has_headers_and_no_body(client):
    response = client.head("/livechat/assets/widget.js")
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Length"] == str(WIDGET.stat().st_size)
    assert response["Content-Type"] == "text/javascript; charset=utf-8"


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_only_get_and_head(client, method):
    response = getattr(client, method)("/livechat/assets/widget.js")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_stylesheet_type_and_no_cross_origin_policy(client):
    response = client.get("/livechat/assets/dashboard.css")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert "Cross-Origin-Resource-Policy" not in response


@pytest.mark.parametrize(
    "path",
    [
        "/livechat/assets/../assets.py",
        "/livechat/assets/..%2Fassets.py",
        "/livechat/assets/%2e%2e/%2e%2e/assets.py",
        "/livechat/assets/shared/../../../conf.py",
        "/livechat/assets//etc/passwd",
        "/livechat/assets/nope.js",
        "/livechat/assets/shared",
        "/livechat/assets/shared/",
    ],
)
def test_nothing_else_is_served(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "",
        "../__init__.py",
        "../templates/django_livechat/widget.html",
        "shared/../../assets.py",
        "/etc/hostname",
        "shared",
        "shared\\backoff.js",
        ".hidden.js",
        "shared/.hidden.js",
        "widget.js\x00.png",
        "notes.txt",
        "page.html",
    ],
)
def test_only_plain_names_of_known_types_are_assets(scratch_assets, name):
    (scratch_assets / "shared").mkdir()
    for file in ("shared/backoff.js", ".hidden.js", "shared/.hidden.js", "notes.txt", "page.html"):
        (scratch_assets / file).write_text("x")
    assert assets.asset_path(name) is None
    assert assets.load_asset(name) is None


def test_a_symlink_out_of_the_folder_is_refused(scratch_assets, tmp_path):
    secret = tmp_path / "secret.js"
    secret.write_text("secret")
    (scratch_assets / "link.js").symlink_to(secret)
    assert assets.asset_path("link.js") is None


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("a.mjs", "text/javascript; charset=utf-8"),
        ("a.js.map", "application/json; charset=utf-8"),
        ("img/logo.png", "image/png"),
        ("img/logo.svg", "image/svg+xml"),
        ("favicon.ico", "image/x-icon"),
        ("fonts/a.woff2", "font/woff2"),
    ],
)
def test_content_types(scratch_assets, client, name, content_type):
    (scratch_assets / name).parent.mkdir(parents=True, exist_ok=True)
    (scratch_assets / name).write_bytes(b"\x00data")
    response = client.get(f"/livechat/assets/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b"\x00data"


def test_files_are_read_once_and_again_when_changed(scratch_assets, monkeypatch):
    file = scratch_assets / "app.js"
    file.write_text("one")
    first = assets.load_asset("app.js")
    assert first is not None and first.body == b"one"

    reads: list[Path] = []
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or read_bytes(self))
    assert assets.load_asset("app.js") is first
    assert reads == []

    file.write_text("two!")
    stat = file.stat()
    os.utime(file, ns=(stat.st_atime_ns, first.mtime_ns + 1_000_000_000))
    second = assets.load_asset("app.js")
    assert second is not None and second.body == b"two!"
    assert second.version != first.version
    assert len(reads) == 1


def test_asset_url_has_the_content_hash():
    assert assets.asset_url("widget.js") == f"/livechat/assets/widget.js?v={widget_version()}"


def test_asset_url_refuses_an_unknown_asset():
    with pytest.raises(ValueError, match=r"no asset 'nope\.js'"):
        assets.asset_url("nope.js")


@override_settings(LIVECHAT={"ASSETS_FROM_STATIC": True}, STATIC_URL="https://cdn.example.com/s/")
def test_assets_from_static_use_django_static():
    assert assets.asset_url("widget.js") == "https://cdn.example.com/s/django_livechat/widget.js"


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_assets_from_static_must_be_a_bool(value):
    with override_settings(LIVECHAT={"ASSETS_FROM_STATIC": value}):
        messages = check_settings()
    assert [message.id for message in messages] == ["django_livechat.E028"]


@pytest.mark.parametrize("value", [True, False])
def test_assets_from_static_accepts_a_bool(value):
    with override_settings(LIVECHAT={"ASSETS_FROM_STATIC": value}):
        assert check_settings() == []


def test_livechat_asset_tag():
    html = Template('{% load django_livechat %}{% livechat_asset "dashboard.css" %}').render(
        Context()
    )
    assert html == assets.asset_url("dashboard.css")
    assert html.startswith("/livechat/assets/dashboard.css?v=")


@pytest.mark.django_db
@override_settings(LIVECHAT={"DEFAULT_WEBSITE_ID": "2f1e6a52-6f53-4d1e-9a40-0d2b1f3c4e5a"})
def test_widget_tag_loads_the_served_script():
    request = RequestFactory().get("/")
    html = Template("{% load django_livechat %}{% livechat_widget %}").render(
        Context({"request": request})
    )
    assert f'src="http://testserver/livechat/assets/widget.js?v={widget_version()}"' in html
    assert "/static/" not in html
