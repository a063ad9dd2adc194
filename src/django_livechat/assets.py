"""Where the app's own scripts and stylesheets are loaded from.

Placeholder seam: issue 10 makes the app serve its own assets so that no static-files
set-up is needed under ASGI. Templates and the template tag call :func:`asset_url` only.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.templatetags.static import static


def asset_url(name: str) -> str:
    """The URL of ``static/django_livechat/<name>`` as the browser should load it."""
    return static(f"django_livechat/{name}")


def serve_asset(request: HttpRequest, name: str) -> HttpResponse:
    """Placeholder (issue 10): the app serves its own assets."""
    raise Http404(name)
