"""``{% livechat_widget %}``: the widget's configuration and script tag."""

from __future__ import annotations

import json
import logging
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory, override_settings
from django.urls import path

from django_livechat.assets import asset_url
from django_livechat.widget_texts import LABELS
from tests.factories import make_website

ROOT = Path(__file__).resolve().parent.parent
WIDGET_CONFIG_SOURCE = ROOT / "js" / "widget" / "config.js"
WEBSITE_ID = "8f0c4a52-9a6e-4d39-a1b4-2f0c5e3d7a10"

urlpatterns: list[Any] = [path("nothing/", lambda request: None)]  # no django_livechat URLs
# The tag reads the website's widget settings.
pytestmark = pytest.mark.django_db


def render(arguments: str = f'"{WEBSITE_ID}"', *, secure: bool = False, **context: Any) -> str:
    context.setdefault("request", RequestFactory().get("/", secure=secure))
    template = Template("{% load django_livechat %}{% livechat_widget " + arguments + " %}")
    return template.render(Context(context))


def config_of(html: str) -> dict[str, Any]:
    match = re.search(
        r'<script id="django-livechat-config" type="application/json"[^>]*>(.*?)</script>', html
    )
    assert match, html
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_renders_the_configuration_and_an_async_script():
    html = render()
    config = config_of(html)
    assert config["websiteId"] == WEBSITE_ID
    script = f'<script src="http://testserver{asset_url("widget.js")}" async '
    assert script + 'data-livechat-config="django-livechat-config"></script>' in html, html


def test_urls_are_absolute_from_the_request_so_the_markup_works_anywhere():
    config = config_of(render())
    assert config["apiUrl"] == "http://testserver/livechat/"
    assert config["wsUrl"] == "ws://testserver/ws/livechat/widget/"


def test_a_secure_request_gets_a_secure_socket():
    config = config_of(render(secure=True))
    assert config["apiUrl"] == "https://testserver/livechat/"
    assert config["wsUrl"] == "wss://testserver/ws/livechat/widget/"


@override_settings(ROOT_URLCONF="tests.api.host_urls")
def test_the_api_url_follows_where_the_host_mounts_the_app():
    assert config_of(render())["apiUrl"] == "http://testserver/support/"


@override_settings(LIVECHAT={"WS_PATH_PREFIX": "sockets/chat/"})
def test_the_socket_url_uses_the_ws_path_prefix():
    config = config_of(render())
    assert config["wsUrl"] == "ws://testserver/sockets/chat/widget/"
    assert config["wsPathPrefix"] == "sockets/chat/"


def test_without_a_request_the_widget_derives_urls_from_the_page():
    html = render(request=None)
    config = config_of(html)
    assert config["apiUrl"] == "/livechat/"
    assert config["wsUrl"] == ""
    assert f'src="{asset_url("widget.js")}"' in html


@override_settings(
    LIVECHAT={
        "RECONNECT_MAX_RETRIES": 3,
        "RECONNECT_BASE_DELAY": 0.25,
        "MAX_MESSAGE_LENGTH": 500,
        "TYPING_TIMEOUT": 4,
        "RESPONDER_TIMEOUT": 30,
    }
)
def test_reconnection_and_limits_come_from_the_settings():
    config = config_of(render())
    assert config["reconnectMaxRetries"] == 3
    assert config["reconnectBaseDelay"] == 0.25
    assert config["maxMessageLength"] == 500
    # Long enough for the slowest responder, plus a margin.
    assert config["typingTimeout"] == 35


def test_look_arguments():
    config = config_of(render(f'"{WEBSITE_ID}" theme="dark" color="#ff5500" position="left"'))
    assert (config["theme"], config["color"], config["position"]) == ("dark", "#ff5500", "left")
    assert config["sound"] is True
    assert config_of(render(f'"{WEBSITE_ID}" sound=False'))["sound"] is False


@pytest.mark.parametrize("arguments", ['theme="green"', 'position="top"'])
def test_bad_look_arguments_are_template_errors(arguments):
    with pytest.raises(TemplateSyntaxError):
        render(f'"{WEBSITE_ID}" {arguments}')


@pytest.mark.django_db
def test_a_website_object_may_be_passed():
    website = make_website()
    assert config_of(render("website", website=website))["websiteId"] == str(website.id)


@override_settings(LIVECHAT={"DEFAULT_WEBSITE_ID": WEBSITE_ID})
def test_without_an_argument_the_default_website_is_used():
    assert config_of(render(""))["websiteId"] == WEBSITE_ID


@override_settings(LIVECHAT={"DEFAULT_WEBSITE_ID": None})
def test_without_any_website_nothing_is_rendered_and_a_warning_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="django_livechat.templatetags.django_livechat"):
        assert render("").strip() == ""
    assert "no website id" in caplog.text


def test_an_explicit_nonce_goes_on_both_scripts():
    html = render(f'"{WEBSITE_ID}" nonce="n0nce"')
    assert html.count('nonce="n0nce"') == 2


def test_the_nonce_of_django_csp_or_the_csp_context_processor_is_used():
    request = RequestFactory().get("/")
    request.csp_nonce = "from-request"  # type: ignore[attr-defined]
    assert render(request=request).count('nonce="from-request"') == 2
    assert render(csp_nonce="from-context").count('nonce="from-context"') == 2


def test_no_nonce_attribute_without_a_nonce():
    assert "nonce" not in render()


def test_the_json_cannot_close_its_script_element():
    html = render(
        f'"{WEBSITE_ID}" labels=labels', labels={"title": "</script><script>alert(1)</script>&"}
    )
    assert "<script>alert(1)" not in html
    assert "\\u003C/script\\u003E" in html
    assert config_of(html)["labels"]["title"] == "</script><script>alert(1)</script>&"


def test_labels_can_be_overridden_one_by_one():
    labels = config_of(render(f'"{WEBSITE_ID}" labels=labels', labels={"send": "Go"}))["labels"]
    assert labels["send"] == "Go"
    assert labels["openChat"] == "Open chat"


def test_server_labels_are_the_widgets_own_translated_by_django():
    # The widget's defaults (used by non-Django pages) and the tag's must not drift apart.
    source = WIDGET_CONFIG_SOURCE.read_text(encoding="utf-8")
    match = re.search(r"export const DEFAULT_LABELS = (\{.*?\});", source, re.DOTALL)
    assert match, "DEFAULT_LABELS not found in js/widget/config.js"
    widget_labels = json.loads(match.group(1))
    assert {key: str(value) for key, value in LABELS.items()} == widget_labels


def test_labels_go_through_gettext(monkeypatch):
    from django.utils import translation

    def shout(message: str) -> str:
        return message.upper()

    # What an active catalog does: gettext_lazy's strings are looked up at render time.
    monkeypatch.setattr(translation._trans, "gettext", shout)
    labels = config_of(render())["labels"]
    assert labels["openChat"] == "OPEN CHAT"
    assert labels["inputLabel"] == "TYPE YOUR MESSAGE"


@override_settings(ROOT_URLCONF=__name__)
def test_an_unmounted_app_is_a_clear_configuration_error():
    with pytest.raises(ImproperlyConfigured, match=r'include\("django_livechat.urls"\)'):
        render()


def test_the_website_id_is_passed_as_text():
    website_id = uuid.UUID(WEBSITE_ID)
    assert config_of(render("website_id", website_id=website_id))["websiteId"] == WEBSITE_ID


def test_the_website_look_is_used_unless_the_tag_says_otherwise():
    website = make_website(
        widget_color="#ff5500",
        widget_theme="dark",
        widget_position="left",
        widget_title="Shop help",
        widget_away_text="Back at nine.",
    )
    config = config_of(render("website", website=website))
    assert (config["color"], config["theme"], config["position"]) == ("#ff5500", "dark", "left")
    assert config["labels"]["title"] == "Shop help"
    assert config["labels"]["awayText"] == "Back at nine."
    assert config["labels"]["greeting"] == str(LABELS["greeting"])
    assert config["settingsLoaded"] is True
    # By id too; and the tag's arguments win.
    config = config_of(
        render(f'"{website.id}" theme="light" color="navy" labels=labels', labels={"title": "Hi"})
    )
    assert (config["color"], config["theme"], config["position"]) == ("navy", "light", "left")
    assert config["labels"]["title"] == "Hi"


@override_settings(
    LIVECHAT={"WIDGET_COLOR": "teal", "WIDGET_POSITION": "left", "WIDGET_GREETING": "Hey"}
)
def test_livechat_settings_come_before_the_built_ins():
    config = config_of(render())  # a website that is not in the database: the defaults
    assert (config["color"], config["theme"], config["position"]) == ("teal", "light", "left")
    assert config["labels"]["greeting"] == "Hey"
    assert config["labels"]["title"] == str(LABELS["title"])
