"""The dashboard page: who gets it, who is sent to log in, and what it carries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders
from django.test import Client, override_settings
from django.urls import include, path, reverse
from django.utils import translation

from django_livechat import views
from django_livechat.assets import asset_url

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).resolve().parent.parent / "src" / "django_livechat" / "static"


def dashboard_url() -> str:
    return reverse("django_livechat:dashboard")


def make_agent(username: str = "ann", **fields):
    user = get_user_model().objects.create_user(username, password="pw", **fields)
    user.user_permissions.add(Permission.objects.get(codename="reply_conversation"))
    return user


def test_the_url():
    assert dashboard_url() == "/livechat/dashboard/"


def test_anonymous_users_are_sent_to_the_apps_own_sign_in_page_without_a_login_url(client):
    # tests/settings.py sets no LOGIN_URL: Django's default /accounts/login/ is a 404 here.
    response = client.get(dashboard_url())
    assert response.status_code == 302
    assert response["Location"] == "/livechat/login/?next=/livechat/dashboard/"
    assert client.get(response["Location"]).status_code == 200


@override_settings(LOGIN_URL="admin:login")
def test_the_hosts_login_url_is_used(client):
    response = client.get(dashboard_url())
    assert response["Location"] == "/admin/login/?next=/livechat/dashboard/"


@override_settings(LOGIN_URL="https://sso.example/login")
def test_a_login_url_on_another_host_is_used_as_it_is(client):
    response = client.get(dashboard_url())
    assert response["Location"].startswith("https://sso.example/login?next=")


@pytest.mark.parametrize("login_url", ["/accounts/login/", "/nowhere/", "missing:login"])
def test_a_login_url_that_leads_nowhere_is_not_used(client, login_url):
    with override_settings(LOGIN_URL=login_url):
        response = client.get(dashboard_url())
    assert response["Location"] == "/livechat/login/?next=/livechat/dashboard/"


# ---------------------------------------------------------------------- sign in, sign out


def sign_in_url() -> str:
    return reverse("django_livechat:login")


def test_the_sign_in_page_is_the_apps_own(client):
    response = client.get(sign_in_url() + "?next=/livechat/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Sign in to live chat</title>" in html
    assert "<h1>Sign in to live chat</h1>" in html
    assert "Django administration" not in html
    assert "<main" in html and 'name="csrfmiddlewaretoken"' in html
    assert 'name="next" value="/livechat/dashboard/"' in html
    assert f'href="{asset_url("dashboard.css")}"' in html


def test_signing_in_leads_to_the_dashboard(client):
    make_agent()
    response = client.post(sign_in_url(), {"username": "ann", "password": "pw"})
    assert response.status_code == 302
    assert response["Location"] == dashboard_url()
    assert client.get(dashboard_url()).status_code == 200


def test_signing_in_honours_a_safe_next_only(client):
    make_agent()
    response = client.post(sign_in_url(), {"username": "ann", "password": "pw", "next": "/admin/"})
    assert response["Location"] == "/admin/"
    response = client.post(
        sign_in_url(), {"username": "ann", "password": "pw", "next": "https://evil.example/"}
    )
    assert response["Location"] == dashboard_url()


def test_a_wrong_password_shows_the_form_again(client):
    make_agent()
    response = client.post(sign_in_url(), {"username": "ann", "password": "nope"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signing_out_is_a_post_and_leads_to_the_sign_in_page(client):
    client.force_login(make_agent())
    assert client.get(reverse("django_livechat:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("django_livechat:logout"))
    assert response.status_code == 302
    assert response["Location"] == sign_in_url()
    assert "_auth_user_id" not in client.session
    assert client.get(dashboard_url()).status_code == 302


def test_signing_out_needs_the_csrf_token(client):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_agent())
    assert strict.post(reverse("django_livechat:logout")).status_code == 403
    assert "_auth_user_id" in strict.session


def test_the_header_has_the_agents_name_and_a_sign_out_form(client):
    client.force_login(make_agent(first_name="Ann", last_name="Agent"))
    html = client.get(dashboard_url()).content.decode()
    assert '<span class="lc-me" id="lc-me">Ann Agent</span>' in html
    form = re.search(
        r'<form class="lc-logout" method="post" action="([^"]+)">(.*?)</form>', html, re.S
    )
    assert form and form.group(1) == reverse("django_livechat:logout")
    assert 'name="csrfmiddlewaretoken"' in form.group(2)
    assert ">Sign out</button>" in form.group(2)
    assert 'class="lc-admin"' not in html, "not staff: no admin link"


def test_staff_agents_get_a_link_to_the_admin(client):
    client.force_login(make_agent(is_staff=True))
    html = client.get(dashboard_url()).content.decode()
    assert '<a class="lc-admin" href="/admin/">Admin</a>' in html


@override_settings(ROOT_URLCONF="tests.test_views")
def test_no_admin_link_when_the_admin_has_no_urls(client):
    client.force_login(make_agent(is_staff=True))
    response = client.get("/chat/dashboard/")
    assert response.status_code == 200
    assert "lc-admin" not in response.content.decode()


# The host of the test above: the app without the admin's URLs.
urlpatterns = [path("chat/", include("django_livechat.urls"))]


def test_a_user_who_is_not_an_agent_gets_403(client):
    client.force_login(get_user_model().objects.create_user("staff", is_staff=True))
    assert client.get(dashboard_url()).status_code == 403


def test_an_agent_gets_the_dashboard(client):
    client.force_login(make_agent(first_name="Ann", last_name="Agent"))
    response = client.get(dashboard_url())
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    html = response.content.decode()
    config = json.loads(
        re.search(
            r'<script id="livechat-dashboard-config" type="application/json">(.*?)</script>', html
        ).group(1)
    )
    assert config["socketPath"] == "/ws/livechat/dashboard/"
    assert config["agentName"] == "Ann Agent"
    assert config["typingTimeout"] == 10.0
    assert config["strings"]["unreadCount"] == "{count} unread"
    assert f'<script defer src="{asset_url("dashboard.js")}">' in html
    assert f'href="{asset_url("dashboard.css")}"' in html
    assert "<main" in html
    # The parts the script fills, with their accessible names.
    for fragment in (
        'id="lc-list"',
        'role="log"',
        'tabindex="0"',
        'id="lc-messages"',
        'id="lc-back"',
        '<label for="lc-input">Reply to the visitor</label>',
        'id="lc-assign">Assign to me',
        'id="lc-resolve">Resolve',
        'id="lc-reopen" hidden>Reopen',
        'id="lc-connection" role="status"',
    ):
        assert fragment in html


def dashboard_config(html: str) -> dict:
    found = re.search(
        r'<script id="livechat-dashboard-config" type="application/json">(.*?)</script>', html
    )
    assert found is not None
    return json.loads(found.group(1))


def test_the_page_has_the_site_owner_features_parts(client):
    """Issue 11: the API root the script builds the attachments and preferences URLs on,
    the ratings dialog, the email preference, the attach button, the earlier conversations
    and the read-only note, each with its accessible name."""
    client.force_login(make_agent())
    html = client.get(dashboard_url()).content.decode()
    config = dashboard_config(html)
    assert config["apiRoot"] == "/livechat/api/"
    assert reverse("django_livechat:api-agent-conversations") == (
        config["apiRoot"] + "agent/conversations/"
    )
    for fragment in (
        'id="lc-ratings-open" aria-haspopup="dialog">Ratings',
        '<dialog class="lc-ratings" id="lc-ratings" aria-labelledby="lc-ratings-title">',
        "<span>Email me about new conversations</span>",
        '<option value="immediate">At once</option>',
        '<option value="daily">Daily digest</option>',
        'id="lc-attach" aria-label="Attach files"',
        'id="lc-file" multiple hidden',
        '<h4 id="lc-previous-title">Earlier conversations</h4>',
        'id="lc-readonly-back">Back to the current conversation',
        'id="lc-hours" aria-label="Business hours of your websites" hidden',
        # The CSRF token the script's uploads and preference changes send.
        'name="csrfmiddlewaretoken"',
    ):
        assert fragment in html


@override_settings(ROOT_URLCONF="tests.test_views")
def test_the_api_root_follows_where_the_host_mounts_the_app(client):
    client.force_login(make_agent())
    config = dashboard_config(client.get("/chat/dashboard/").content.decode())
    assert config["apiRoot"] == "/chat/api/"


def test_a_superuser_is_an_agent(client, admin_user):
    client.force_login(admin_user)
    assert client.get(dashboard_url()).status_code == 200


@override_settings(LIVECHAT={"WS_PATH_PREFIX": "chat/sockets/", "SQLITE_WAL": True})
def test_the_socket_path_follows_the_prefix(client):
    client.force_login(make_agent())
    assert b'"socketPath": "/chat/sockets/dashboard/"' in client.get(dashboard_url()).content


def test_the_script_is_one_bundle_and_the_modules_are_not_shipped():
    entry = finders.find("django_livechat/dashboard.js")
    assert entry and finders.find("django_livechat/dashboard.css")
    source = Path(entry).read_text(encoding="utf-8")
    assert source.startswith("/*! django_livechat agent dashboard. Built by js/dashboard/build.mjs")
    assert not re.search(r"^\s*(import|export)\s", source, re.MULTILINE)
    assert not (STATIC / "django_livechat" / "dashboard").exists()
    # Text only: nothing from a visitor or agent may be parsed as HTML.
    assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML\(", source)


# ---------------------------------------------------------------------- i18n

JS = Path(__file__).resolve().parent.parent / "js" / "dashboard"
TEMPLATES = STATIC.parent / "templates" / "django_livechat"


def keys_the_script_uses() -> set[str]:
    """Every key of the page's ``strings`` the dashboard's sources ask ``t()`` for."""
    keys: set[str] = set()
    for module in JS.glob("*.js"):
        source = module.read_text(encoding="utf-8")
        keys.update(re.findall(r'\bt\("(\w+)"', source))
        keys.update(re.findall(r'this\.t\("(\w+)"', source))
        for pair in re.findall(r'\bt\([^()]*?\?\s*"(\w+)"\s*:\s*"(\w+)"', source):
            keys.update(pair)
        for table in re.findall(r"const (?:STATES|\w+_KEYS) = \{(.*?)\};", source, re.S):
            keys.update(re.findall(r':\s*"(\w+)"', table))
    return keys


def test_every_string_the_script_shows_comes_from_the_server():
    used = keys_the_script_uses()
    strings = views.dashboard_strings()
    assert {"unreadCount", "retry", "notSent", "typingOne", "stateOnline"} <= used
    assert used - set(strings) == set(), "asked for but not in dashboard_strings()"
    assert set(strings) - used == set(), "in dashboard_strings() but never shown"


def test_the_strings_go_through_gettext(monkeypatch):
    monkeypatch.setattr(views, "gettext", lambda text: f"<<{text}>>")
    strings = views.dashboard_strings()
    assert all(value.startswith("<<") and value.endswith(">>") for value in strings.values())
    assert strings["unreadCount"] == "<<{count} unread>>"


def test_the_page_says_its_language(client):
    client.force_login(make_agent())
    with translation.override("de"):
        html = client.get(dashboard_url()).content.decode()
    assert '<html lang="de">' in html


@pytest.mark.parametrize("name", ["dashboard.html", "login.html", "base.html"])
def test_the_templates_have_no_text_outside_translate(name):
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    # Strip template tags and variables, then markup; what is left would be shown as is.
    source = re.sub(r"\{% block body_class %\}.*?\{% endblock %\}", " ", source)  # a class
    text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
    visible = re.sub(r"<[^>]*>", " ", text)
    assert re.findall(r"[A-Za-z]{2,}", visible) == []
    for attribute in re.findall(r'(?:aria-label|placeholder|title|alt)="([^"]*)"', source):
        assert attribute.startswith("{%") or attribute.startswith("{{"), attribute
