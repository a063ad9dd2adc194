from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from demo.demo_data import AGENT_PASSWORD, AGENT_USERNAME, find_demo_website


def index(request: HttpRequest) -> HttpResponse:
    """The host site's home page: where the widget sits, and where agents go."""
    context = {
        "website": find_demo_website(),
        # Only a development server shows the demo login on its home page.
        "agent_login": (AGENT_USERNAME, AGENT_PASSWORD) if settings.DEBUG else None,
    }
    return render(request, "demo/index.html", context)
