from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.test import AsyncClient, override_settings

from django_livechat import errors
from django_livechat.api import cors
from django_livechat.api.cors import website_origins
from django_livechat.models import Website
from tests.api.conftest import (
    FOREIGN_ORIGIN,
    assert_error,
    conversations_url,
    messages_url,
    open_conversation,
    post_message,
)
from tests.factories import SHOP_ORIGIN, make_website

pytestmark = pytest.mark.django_db(transaction=True)

ACAO = "Access-Control-Allow-Origin"


def preflight(api, path, origin, method="POST"):
    return api.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
    )


def listed(header_value):
    return {item.strip().lower() for item in header_value.split(",")}


@pytest.mark.parametrize("path", [conversations_url, messages_url])
def test_a_preflight_from_an_allowed_origin(api, website, path):
    response = preflight(api, path(), SHOP_ORIGIN)
    assert response.status_code == 200
    assert response[ACAO] == SHOP_ORIGIN
    assert {"authorization", "content-type"} <= listed(response["Access-Control-Allow-Headers"])
    assert {"get", "post"} <= listed(response["Access-Control-Allow-Methods"])
    assert "Access-Control-Allow-Credentials" not in response  # no cookies involved


@pytest.mark.parametrize("path", [conversations_url, messages_url])
def test_a_preflight_from_a_foreign_origin(api, website, path):
    response = preflight(api, path(), FOREIGN_ORIGIN)
    assert ACAO not in response
    assert "Access-Control-Allow-Headers" not in response


def test_an_inactive_websites_origin_gets_no_cors(api, transactional_db):
    make_website(is_active=False)
    assert ACAO not in preflight(api, messages_url(), SHOP_ORIGIN)


def test_requests_from_an_allowed_origin_carry_the_header(api, website):
    response = api.post(
        conversations_url(), {"website_id": str(website.id)}, format="json", HTTP_ORIGIN=SHOP_ORIGIN
    )
    assert response.status_code == 201
    assert response[ACAO] == SHOP_ORIGIN
    assert "origin" in listed(response["Vary"])
    token = response.json()["visitor_token"]
    posted = post_message(api, token, "hi", "c-1")
    assert posted.status_code == 201
    assert posted[ACAO] == SHOP_ORIGIN
    # Errors too, so that the widget can read them.
    refused = post_message(api, token, "", "c-2")
    assert refused.status_code == 400
    assert refused[ACAO] == SHOP_ORIGIN


def test_requests_from_a_foreign_origin_are_refused_without_the_header(api, website):
    token = open_conversation(api, website)["visitor_token"]
    response = post_message(api, token, "hi", "c-1", origin=FOREIGN_ORIGIN)
    assert_error(response, 403, errors.FORBIDDEN)
    assert ACAO not in response


def test_an_origin_is_allowed_per_website_but_checked_per_conversation(api, website):
    # CORS opens the API to every active website's origins; the pipeline then keeps each
    # origin to its own website's conversations.
    other_origin = "https://other.example.org"
    make_website(name="Other", allowed_origins=[other_origin])
    token = open_conversation(api, website)["visitor_token"]
    response = post_message(api, token, "hi", "c-1", origin=other_origin)
    assert response[ACAO] == other_origin
    assert_error(response, 403, errors.FORBIDDEN)


def test_origins_are_compared_canonically(api, transactional_db):
    make_website(allowed_origins=["https://shop.example.com:443"])
    response = preflight(api, messages_url(), SHOP_ORIGIN)
    assert response[ACAO] == SHOP_ORIGIN


def test_only_the_api_paths_get_cors(api, website):
    for path in ("/livechat/api/schema/", "/admin/login/"):
        assert ACAO not in preflight(api, path, SHOP_ORIGIN, method="GET")


def test_the_hosts_own_cors_settings_still_apply_elsewhere(api, website):
    app_origin = "https://app.example.com"
    with override_settings(CORS_ALLOWED_ORIGINS=[app_origin], CORS_URLS_REGEX=r"^/admin/.*$"):
        assert preflight(api, "/admin/login/", app_origin, method="GET")[ACAO] == app_origin
        assert ACAO not in preflight(api, "/admin/login/", SHOP_ORIGIN, method="GET")
        # A narrower CORS_URLS_REGEX does not switch the chat API off.
        assert preflight(api, messages_url(), SHOP_ORIGIN)[ACAO] == SHOP_ORIGIN
        assert ACAO not in preflight(api, messages_url(), FOREIGN_ORIGIN)


def test_a_saved_website_takes_effect_at_once(api, website):
    new_origin = "https://new.example.com"
    assert ACAO not in preflight(api, messages_url(), new_origin)
    website.allowed_origins = [SHOP_ORIGIN, new_origin]
    website.save()
    assert preflight(api, messages_url(), new_origin)[ACAO] == new_origin
    website.delete()
    assert ACAO not in preflight(api, messages_url(), SHOP_ORIGIN)


def test_changes_from_other_processes_show_within_the_cache_time(api, website, monkeypatch):
    assert preflight(api, messages_url(), SHOP_ORIGIN)[ACAO] == SHOP_ORIGIN
    # .update() sends no signal, like a change made by another process.
    Website.objects.filter(pk=website.pk).update(is_active=False)
    assert preflight(api, messages_url(), SHOP_ORIGIN)[ACAO] == SHOP_ORIGIN  # cached
    monkeypatch.setattr(cors.time, "monotonic", lambda: 1e12)  # far past CACHE_SECONDS
    assert ACAO not in preflight(api, messages_url(), SHOP_ORIGIN)


async def test_cors_over_asgi():
    # django-cors-headers asks on the event loop there, where the ORM may not run.
    await database_sync_to_async(make_website)()
    website_origins.clear()
    client = AsyncClient()
    headers = {
        "Origin": SHOP_ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    response = await client.options(messages_url(), headers=headers)
    assert response.status_code == 200
    assert response[ACAO] == SHOP_ORIGIN
    assert "authorization" in listed(response["Access-Control-Allow-Headers"])
    response = await client.options(messages_url(), headers={**headers, "Origin": FOREIGN_ORIGIN})
    assert ACAO not in response


async def test_the_origins_are_never_read_on_the_event_loop(monkeypatch):
    await database_sync_to_async(make_website)()
    website_origins.clear()
    on_the_loop = []
    query = cors._query_origins

    def watched():
        try:
            asyncio.get_running_loop()
            on_the_loop.append(True)
        except RuntimeError:
            on_the_loop.append(False)
        return query()

    monkeypatch.setattr(cors, "_query_origins", watched)
    headers = {"Origin": SHOP_ORIGIN, "Access-Control-Request-Method": "POST"}
    response = await AsyncClient().options(messages_url(), headers=headers)
    assert response[ACAO] == SHOP_ORIGIN
    assert on_the_loop == [False]  # loaded once, in request_started's worker thread


async def test_on_the_event_loop_a_cold_cache_says_no_rather_than_wait(rf, monkeypatch, caplog):
    website_origins.clear()
    monkeypatch.setattr(cors, "_query_origins", lambda: pytest.fail("queried on the loop"))
    request = rf.options(messages_url(), headers={"Origin": SHOP_ORIGIN})
    assert cors.cors_allowed(None, request) is False
    assert "were not loaded before this request" in caplog.text
