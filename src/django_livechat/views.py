"""The agent dashboard page (``livechat/dashboard/``).

A plain Django template and a dependency-free script that speaks the documented agent
protocol over ``ws/livechat/dashboard/``. Anonymous users are sent to ``LOGIN_URL``;
a logged-in user who is not an agent (see :mod:`django_livechat.permissions`) gets 403.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from django_livechat import permissions
from django_livechat.conf import livechat_settings
from django_livechat.pipeline import display_name


@never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    """The agent's inbox and conversation view."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.is_agent(request.user):
        raise PermissionDenied("Only agents may open the live chat dashboard.")
    config = {
        "socketPath": f"/{livechat_settings.WS_PATH_PREFIX}dashboard/",
        "agentName": display_name(request.user),
        "typingTimeout": livechat_settings.TYPING_TIMEOUT,
        "reconnectBaseDelay": livechat_settings.RECONNECT_BASE_DELAY,
        "heartbeatInterval": livechat_settings.HEARTBEAT_INTERVAL,
    }
    return render(request, "django_livechat/dashboard.html", {"livechat_config": config})


def login(request: HttpRequest) -> HttpResponse:
    """Placeholder (issue 10): the agents' own sign-in page."""
    return redirect_to_login(request.get_full_path())


def logout(request: HttpRequest) -> HttpResponse:
    """Placeholder (issue 10): sign out and back to the sign-in page."""
    raise PermissionDenied("not yet")
