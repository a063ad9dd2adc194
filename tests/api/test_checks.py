"""``django_livechat.E018``: django-cors-headers set up for the HTTP API's CORS."""

from __future__ import annotations

from django.conf import settings
from django.test import override_settings

from django_livechat.checks import check_cors_headers

CORS = "corsheaders.middleware.CorsMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"


def ids(messages):
    return [message.id for message in messages]


def without(items, item):
    return [i for i in items if i != item]


def test_the_test_settings_pass():
    assert check_cors_headers() == []


def test_the_middleware_is_missing():
    with override_settings(MIDDLEWARE=without(settings.MIDDLEWARE, CORS)):
        messages = check_cors_headers()
    assert ids(messages) == ["django_livechat.E018"]
    assert "is not in MIDDLEWARE" in messages[0].msg


def test_the_middleware_comes_after_common_middleware():
    middleware = [*without(settings.MIDDLEWARE, CORS), CORS]
    with override_settings(MIDDLEWARE=middleware):
        messages = check_cors_headers()
    assert ids(messages) == ["django_livechat.E018"]
    assert COMMON in messages[0].msg


def test_without_common_middleware_anywhere_is_fine():
    middleware = [*without(settings.MIDDLEWARE, COMMON)]
    with override_settings(MIDDLEWARE=middleware):
        assert check_cors_headers() == []


def test_corsheaders_is_not_installed():
    with override_settings(INSTALLED_APPS=without(settings.INSTALLED_APPS, "corsheaders")):
        messages = check_cors_headers()
    assert ids(messages) == ["django_livechat.E018"]
    assert "INSTALLED_APPS" in messages[0].msg


def test_the_check_is_registered():
    from django.core import checks

    with override_settings(MIDDLEWARE=[]):
        found = [m.id for m in checks.run_checks() if m.id == "django_livechat.E018"]
    assert found == ["django_livechat.E018"]


def test_cors_settings_that_leave_the_api_out():
    with override_settings(CORS_ALLOW_HEADERS=["accept", "content-type"]):
        messages = check_cors_headers()
    assert ids(messages) == ["django_livechat.E018"]
    assert "authorization" in messages[0].msg
    with override_settings(CORS_ALLOW_METHODS=["GET", "OPTIONS"]):
        messages = check_cors_headers()
    assert ids(messages) == ["django_livechat.E018"]
    assert "POST" in messages[0].msg


def test_cors_settings_that_add_to_the_defaults():
    from corsheaders.defaults import default_headers, default_methods

    with override_settings(
        CORS_ALLOW_HEADERS=[*default_headers, "x-extra"],
        CORS_ALLOW_METHODS=[m.lower() for m in default_methods],
    ):
        assert check_cors_headers() == []
