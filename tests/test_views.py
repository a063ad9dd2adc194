"""The dashboard page: who gets it, who is sent to log in, and what it carries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders
from django.test import override_settings
from django.urls import reverse

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


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(dashboard_url())
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/livechat/dashboard/"


@override_settings(LOGIN_URL="admin:login")
def test_the_hosts_login_url_is_used(client):
    response = client.get(dashboard_url())
    assert response["Location"] == "/admin/login/?next=/livechat/dashboard/"


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
    assert '<script type="module" src="/static/django_livechat/dashboard.js">' in html
    assert 'href="/static/django_livechat/dashboard.css"' in html
    # The parts the script fills, with their accessible names.
    for fragment in (
        'id="lc-list"',
        'role="log"',
        '<label for="lc-input">Reply to the visitor</label>',
        'id="lc-assign">Assign to me',
        'id="lc-resolve">Resolve',
        'id="lc-reopen" hidden>Reopen',
        'id="lc-connection" role="status"',
    ):
        assert fragment in html


def test_a_superuser_is_an_agent(client, admin_user):
    client.force_login(admin_user)
    assert client.get(dashboard_url()).status_code == 200


@override_settings(LIVECHAT={"WS_PATH_PREFIX": "chat/sockets/", "SQLITE_WAL": True})
def test_the_socket_path_follows_the_prefix(client):
    client.force_login(make_agent())
    assert b'"socketPath": "/chat/sockets/dashboard/"' in client.get(dashboard_url()).content


def test_the_scripts_are_static_files_importing_only_each_other():
    entry = finders.find("django_livechat/dashboard.js")
    assert entry and finders.find("django_livechat/dashboard.css")
    shipped = STATIC / "django_livechat"
    modules = [
        Path(entry),
        *sorted((shipped / "dashboard").glob("*.js")),
        *sorted((shipped / "shared").glob("*.js")),  # shared with the widget's bundle
    ]
    assert {m.name for m in modules} >= {
        "dashboard.js",
        "socket.js",
        "inbox.js",
        "view.js",
        "notify.js",
    }
    for module in modules:
        source = module.read_text(encoding="utf-8")
        for target in re.findall(r'^import .* from "(.*)";$', source, re.MULTILINE):
            assert target.startswith(("./", "../shared/")), (module.name, target)
            resolved = (module.parent / target).resolve()
            assert resolved.is_file() and shipped in resolved.parents, (module.name, target)
        # Text only: nothing from a visitor or agent may be parsed as HTML.
        assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML\(", source)
