"""The unsubscribe page: GET confirms, POST records the opt-out, a bad token is a 400."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from django_livechat.models import EmailOptOut
from django_livechat.notifications.unsubscribe import make_token, read_token

pytestmark = pytest.mark.django_db


def url(token: str) -> str:
    return reverse("django_livechat:email-unsubscribe", args=[token])


def test_get_asks_and_changes_nothing():
    response = Client().get(url(make_token("Vi@Example.org")))
    assert response.status_code == 200
    page = response.content.decode()
    assert "vi@example.org" in page and '<form method="post">' in page
    assert not EmailOptOut.objects.exists()
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_post_records_the_opt_out_once():
    client = Client(enforce_csrf_checks=True)
    token = make_token("vi@example.org")
    page = client.get(url(token))
    csrf = page.cookies["csrftoken"].value
    response = client.post(url(token), {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 200
    assert "gets no more email" in response.content.decode()
    client.post(url(token), {"csrfmiddlewaretoken": csrf})
    assert list(EmailOptOut.objects.values_list("address", flat=True)) == ["vi@example.org"]


def test_a_mail_clients_one_click_post_needs_no_csrf_token():
    # RFC 8058: the client POSTs "List-Unsubscribe=One-Click" to the header's URL.
    response = Client(enforce_csrf_checks=True).post(
        url(make_token("vi@example.org")), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert EmailOptOut.objects.filter(address="vi@example.org").exists()


@pytest.mark.parametrize("token", ["nonsense", "InZpQGV4YW1wbGUub3JnIg:1xXrh8:forged", "a" * 2000])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_token_is_a_400_page(token, method):
    response = getattr(Client(), method)(url(token))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not EmailOptOut.objects.exists()


def test_a_token_of_another_salt_is_refused():
    from django.core import signing

    assert read_token(signing.dumps("vi@example.org")) is None
    assert read_token(make_token("vi@example.org")) == "vi@example.org"


def test_other_methods_are_not_allowed():
    assert Client().put(url(make_token("vi@example.org"))).status_code == 405
