"""``{% load django_livechat %}`` and ``{% livechat_widget %}``: the chat widget on a page.

The tag renders the widget's configuration as a JSON ``<script>`` and the ``async``
script tag of the app's ``widget.js`` (served by the app: ``<mount>/assets/widget.js``);
see the widget page of the docs. ``{% livechat_asset "name" %}`` gives the URL of any of
the app's assets.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django import template
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

from django_livechat.assets import asset_url
from django_livechat.conf import livechat_settings
from django_livechat.models import Website
from django_livechat.pipeline.look import site_owner_config, website_look_sync, widget_look

logger = logging.getLogger(__name__)
register = template.Library()

CONFIG_ELEMENT_ID = "django-livechat-config"
THEMES = ("light", "dark", "auto")
POSITIONS = ("left", "right")
API_SUFFIX = "api/conversations/"
# What json_script escapes, so that the JSON cannot end its <script> element.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def livechat_widget(
    context: template.Context,
    website_id: Any = None,
    *,
    theme: str | None = None,
    color: str | None = None,
    position: str | None = None,
    nonce: str | None = None,
    sound: bool = True,
    labels: dict[str, str] | None = None,
) -> SafeString:
    """The chat widget: its configuration and its script, for the end of ``<body>``.

    ``website_id`` is a website's UUID (or the :class:`~django_livechat.models.Website`),
    by default ``LIVECHAT["DEFAULT_WEBSITE_ID"]``; without one the tag renders nothing.
    ``theme`` is ``"light"``, ``"dark"`` or ``"auto"`` (the visitor's preference),
    ``color`` the brand colour (any CSS colour), ``position`` ``"right"`` or ``"left"``,
    ``sound`` whether new replies chime, ``labels`` overrides of the widget's texts. What
    the arguments leave out comes from the website's widget settings (the admin), then
    ``LIVECHAT["WIDGET_*"]``, then the built-in texts. The
    CSP ``nonce`` defaults to the ``csp_nonce`` context variable or ``request.csp_nonce``.
    URLs are absolute when the context has the ``request`` (the ``request`` context
    processor), so the markup also works when copied into another site's page.
    """
    website = website_id or livechat_settings.DEFAULT_WEBSITE_ID
    if not website:
        logger.warning("livechat_widget: no website id given or configured; no chat shown")
        return mark_safe("")
    if theme is not None and theme not in THEMES:
        raise template.TemplateSyntaxError(f"livechat_widget: theme must be one of {THEMES}")
    if position is not None and position not in POSITIONS:
        raise template.TemplateSyntaxError(f"livechat_widget: position must be one of {POSITIONS}")
    request: HttpRequest | None = context.get("request")
    api_url, ws_url = chat_urls(request)
    site = website if isinstance(website, Website) else website_look_sync(website)
    look = widget_look(site, theme=theme, color=color, position=position, labels=labels)
    config = {
        "websiteId": str(getattr(website, "pk", website)),
        "apiUrl": api_url,
        "wsUrl": ws_url,
        "wsPathPrefix": livechat_settings.WS_PATH_PREFIX,
        "theme": look["theme"],
        "color": look["color"],
        "position": look["position"],
        "sound": bool(sound),
        "reconnectMaxRetries": livechat_settings.RECONNECT_MAX_RETRIES,
        "reconnectBaseDelay": livechat_settings.RECONNECT_BASE_DELAY,
        "maxMessageLength": livechat_settings.MAX_MESSAGE_LENGTH,
        "heartbeatInterval": livechat_settings.HEARTBEAT_INTERVAL,
        # The responder's typing lasts until its reply; the widget's own timeout is a
        # safety net for a "typing: false" lost on the way.
        "typingTimeout": max(livechat_settings.TYPING_TIMEOUT, livechat_settings.RESPONDER_TIMEOUT)
        + 5,
        "labels": look["labels"],
        # Business hours (as the page is rendered; identified brings them up to date) and
        # the pre-chat form.
        **site_owner_config(site),
        # Everything the widget-settings endpoint would say is here already.
        "settingsLoaded": True,
    }
    script_url = asset_url("widget.js")
    if request is not None:
        script_url = request.build_absolute_uri(script_url)
    return render_to_string(
        "django_livechat/widget.html",
        {
            "config_json": config_json(config),
            "element_id": CONFIG_ELEMENT_ID,
            "script_url": script_url,
            "nonce": csp_nonce(context, request, nonce),
        },
    )


@register.simple_tag
def livechat_asset(name: str) -> str:
    """The URL of one of the app's assets, for example ``{% livechat_asset "dashboard.css" %}``.

    See :func:`django_livechat.assets.asset_url`: the app's own ``assets/`` route with a
    content hash, or ``static()`` with ``LIVECHAT["ASSETS_FROM_STATIC"]``.
    """
    return asset_url(name)


def chat_urls(request: HttpRequest | None) -> tuple[str, str]:
    """Where the app's URLs are mounted, and the visitor socket's URL.

    Without a request both are left for the widget to derive from the page: the mount as
    a path, the socket as "" (the page's host with ``WS_PATH_PREFIX``).
    """
    try:
        conversations = reverse("django_livechat:api-conversations")
    except NoReverseMatch:
        raise ImproperlyConfigured(
            "{% livechat_widget %} needs django_livechat's URLs: add "
            'path("livechat/", include("django_livechat.urls")) to your URLconf.'
        ) from None
    mount = conversations.removesuffix(API_SUFFIX)
    if request is None:
        return mount, ""
    scheme = "wss" if request.is_secure() else "ws"
    socket = f"{scheme}://{request.get_host()}/{livechat_settings.WS_PATH_PREFIX}widget/"
    return request.build_absolute_uri(mount), socket


def config_json(config: dict[str, Any]) -> SafeString:
    """``config`` as JSON that is safe inside a ``<script>`` element (as json_script does)."""
    text = json.dumps(config, cls=DjangoJSONEncoder).translate(JSON_SCRIPT_ESCAPES)
    return mark_safe(text)  # escaped above, as django.utils.html.json_script does


def csp_nonce(
    context: template.Context, request: HttpRequest | None, nonce: str | None
) -> str | None:
    """The explicit nonce, else Django's ``csp_nonce`` context variable or django-csp's."""
    if nonce:
        return str(nonce)
    for candidate in (context.get("csp_nonce"), getattr(request, "csp_nonce", None)):
        if candidate:
            return str(candidate)
    return None
