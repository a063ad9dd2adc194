"""The unsubscribe page of the links in every email the chat sends.

``GET`` shows a confirm button (mail scanners follow links: a GET changes nothing);
``POST`` records the opt-out. The POST also takes RFC 8058 one-click requests from mail
clients (``List-Unsubscribe-Post``), which carry no CSRF token: the signed address in the
URL is the authorization, and all a forged request could do is unsubscribe that address.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from django_livechat.assets import asset_url
from django_livechat.notifications import unsubscribe as opt_outs


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm (GET) and record (POST) that the token's address wants no more email."""
    context: dict[str, object] = {
        "livechat_assets": {"css": asset_url("dashboard.css"), "js": asset_url("dashboard.js")}
    }
    address = opt_outs.read_token(token)
    if address is None:
        context["invalid"] = True
        return render(request, "django_livechat/unsubscribe.html", context, status=400)
    context["address"] = address
    if request.method == "POST":
        opt_outs.opt_out(address)
        context["done"] = True
    return render(request, "django_livechat/unsubscribe.html", context)
