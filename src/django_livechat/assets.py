"""The app's own scripts and stylesheets, served by the app itself.

The widget must load on a freshly started project under any ASGI server, where nobody has
set up static files yet. So ``<mount>/assets/<name>`` serves the files of the package's
``static/django_livechat/`` folder straight from where the package is installed (no
staticfiles finders, no ``collectstatic``, no WhiteNoise), and templates and the template
tag get their URLs from :func:`asset_url` only. Hosts that publish static files to a CDN set
``LIVECHAT["ASSETS_FROM_STATIC"] = True`` and get Django's ``static()`` URLs instead.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    HttpResponseNotModified,
)
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import parse_etags

from django_livechat.conf import livechat_settings

#: Where the assets are: the package's own folder, wherever the package is installed.
ASSETS_DIR = Path(__file__).resolve().parent / "static" / "django_livechat"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
#: Embedded on other sites: a page with Cross-Origin-Embedder-Policy may still load it.
CROSS_ORIGIN_ASSETS = frozenset({"widget.js", "widget-extras.js"})
#: Unversioned URLs are rechecked soon, so a deploy reaches browsers within minutes.
SHORT_CACHE = "public, max-age=300"
#: A ``?v=`` URL names one content for ever.
LONG_CACHE = "public, max-age=31536000, immutable"
VERSION_LENGTH = 12


@dataclass(frozen=True)
class Asset:
    """One file's content, read once, and what identifies it."""

    body: bytes
    digest: str  # sha256, hex
    mtime_ns: int
    size: int

    @property
    def version(self) -> str:
        """The short content hash that ``asset_url`` puts in ``?v=``."""
        return self.digest[:VERSION_LENGTH]

    @property
    def etag(self) -> str:
        return f'"{self.digest[:32]}"'


_cache: dict[str, Asset] = {}
_cache_lock = threading.Lock()


def asset_path(name: str) -> Path | None:
    """The file ``name`` stands for under :data:`ASSETS_DIR`, or None if it is not an asset.

    Only plain relative paths of known file types qualify: no ``..``, no hidden files, no
    directories, nothing that resolves (through a symlink) outside the folder.
    """
    name = str.__str__(name)  # a plain str: pathlib cannot intern a template literal (SafeString)
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return None
    parts = PurePosixPath(name).parts
    if any(part in {".", ".."} or part.startswith(".") for part in parts):
        return None
    if PurePosixPath(name).suffix.lower() not in CONTENT_TYPES:
        return None
    path = ASSETS_DIR.joinpath(*parts).resolve()
    if not path.is_relative_to(ASSETS_DIR) or not path.is_file():
        return None
    return path


def load_asset(name: str) -> Asset | None:
    """The asset ``name`` from memory, read again only when its file has changed."""
    path = asset_path(name)
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    cached = _cache.get(name)
    if cached is not None and (cached.mtime_ns, cached.size) == (stat.st_mtime_ns, stat.st_size):
        return cached
    try:
        body = path.read_bytes()
    except OSError:
        return None
    asset = Asset(body, hashlib.sha256(body).hexdigest(), stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        _cache[name] = asset
    return asset


def asset_url(name: str) -> str:
    """The URL the browser should load ``static/django_livechat/<name>`` from.

    By default the app's own ``assets/<name>`` route with ``?v=<content hash>``, so that a
    new release is never hidden by a cached old file; with
    ``LIVECHAT["ASSETS_FROM_STATIC"]``, Django's ``static()`` (for example a CDN).
    Raises ``ValueError`` for a name that is not one of the app's assets.
    """
    if livechat_settings.ASSETS_FROM_STATIC:
        return static(f"django_livechat/{name}")
    asset = load_asset(name)
    if asset is None:
        raise ValueError(f"django_livechat has no asset {name!r}")
    return f"{reverse('django_livechat:asset', args=[name])}?v={asset.version}"


def serve_asset(request: HttpRequest, name: str) -> HttpResponseBase:
    """``GET``/``HEAD`` ``assets/<name>``: one of the app's files, cacheable."""
    if request.method not in {"GET", "HEAD"}:
        return HttpResponseNotAllowed(["GET", "HEAD"])
    asset = load_asset(name)
    if asset is None:
        raise Http404("No such asset.")
    headers = {
        "ETag": asset.etag,
        "Cache-Control": LONG_CACHE if request.GET.get("v") == asset.version else SHORT_CACHE,
        "X-Content-Type-Options": "nosniff",
    }
    if name in CROSS_ORIGIN_ASSETS:
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    if _not_modified(request, asset):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        body = b"" if request.method == "HEAD" else asset.body
        response = HttpResponse(
            body, content_type=CONTENT_TYPES[PurePosixPath(name).suffix.lower()]
        )
        headers["Content-Length"] = str(asset.size)
    for header, value in headers.items():
        response.headers[header] = value
    return response


def _not_modified(request: HttpRequest, asset: Asset) -> bool:
    """True if ``If-None-Match`` names this content (weak comparison, as RFC 9110 says)."""
    etags = parse_etags(request.headers.get("If-None-Match", ""))
    return "*" in etags or asset.etag in {etag.removeprefix("W/") for etag in etags}
