"""Fixtures and helpers of the HTTP API tests.

The pipeline stores messages from its writer thread (its own database connection), so
tests that post use ``django_db(transaction=True)``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from django_livechat.api.cors import website_origins
from django_livechat.models import Website
from tests.factories import SHOP_ORIGIN, make_website

FOREIGN_ORIGIN = "https://evil.example.net"


def conversations_url() -> str:
    return reverse("django_livechat:api-conversations")


def messages_url() -> str:
    return reverse("django_livechat:api-messages")


def bearer(token: str, origin: str | None = SHOP_ORIGIN) -> dict[str, str]:
    """Request headers (as test-client ``extra``) of a visitor's browser."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if origin:
        headers["HTTP_ORIGIN"] = origin
    return headers


def open_conversation(api: APIClient, website: Website, **body: Any) -> dict[str, Any]:
    response = api.post(
        conversations_url(),
        {"website_id": str(website.id), **body},
        format="json",
        HTTP_ORIGIN=SHOP_ORIGIN,
    )
    assert response.status_code in (200, 201), response.content
    data: dict[str, Any] = response.json()
    return data


def post_message(
    api: APIClient,
    token: str,
    message: Any,
    client_id: Any = None,
    *,
    origin: str | None = SHOP_ORIGIN,
) -> Any:
    body = {"message": message}
    if client_id is not None:
        body["client_id"] = client_id
    return api.post(messages_url(), body, format="json", **bearer(token, origin))


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """``response`` is the socket's error shape with ``code``, sent with ``status``."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    data: dict[str, Any] = response.json()
    assert data["type"] == "error"
    assert data["code"] == code
    assert isinstance(data["message"], str) and data["message"]
    return data


@pytest.fixture(autouse=True)
def _fresh_origins():
    website_origins.clear()
    yield
    website_origins.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def website(transactional_db: None) -> Website:
    return make_website()
