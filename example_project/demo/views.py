from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from demo.demo_data import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    AGENT_PASSWORD,
    AGENT_USERNAME,
    find_demo_website,
    find_help_website,
    find_prechat_website,
)
from demo.help_centre import PAGES, find_page

#: A speech bubble in the demo's green: browsers ask every site for /favicon.ico.
FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<path fill="#0b6e4f" d="M4 4h24a2 2 0 0 1 2 2v15a2 2 0 0 1-2 2H13l-7 6v-6H4a2 2 0 0 1'
    '-2-2V6a2 2 0 0 1 2-2z"/><path fill="#fff" d="M9 11h14v2H9zm0 4h10v2H9z"/></svg>'
)


def index(request: HttpRequest) -> HttpResponse:
    """The host site's home page: where the widget sits, and where agents go."""
    context = {
        "website": find_demo_website(),
        # Only a development server shows the demo logins on its home page.
        "agent_login": (AGENT_USERNAME, AGENT_PASSWORD) if settings.DEBUG else None,
        "admin_login": (ADMIN_USERNAME, ADMIN_PASSWORD) if settings.DEBUG else None,
    }
    return render(request, "demo/index.html", context)


def prechat(request: HttpRequest) -> HttpResponse:
    """A shop page whose chat asks a pre-chat form and keeps business hours."""
    return render(request, "demo/prechat.html", {"website": find_prechat_website()})


def help_index(request: HttpRequest) -> HttpResponse:
    """The help centre: its pages, and a chat that a bot answers from them first."""
    context = {"website": find_help_website(), "pages": PAGES}
    return render(request, "demo/help_index.html", context)


def help_page(request: HttpRequest, slug: str) -> HttpResponse:
    """One help page, the text that the help centre's bot answers with."""
    page = find_page(slug)
    if page is None:
        raise Http404("No such help page")
    return render(request, "demo/help_page.html", {"website": find_help_website(), "page": page})


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> HttpResponse:
    """The site's icon, for every page (the admin's and the dashboard's too)."""
    return HttpResponse(FAVICON_SVG, content_type="image/svg+xml")
