"""``GET/PUT api/agent/preferences/``: the agent's choice of email."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from django_livechat.models import AgentPreference
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/livechat/api/agent/preferences/"


def test_the_url_is_named():
    assert reverse("django_livechat:api-agent-preferences") == URL


def agent_client(**kwargs):
    client = APIClient(**kwargs)
    user = make_user("ann")
    client.force_login(user)
    return client, user


def test_an_agent_reads_and_changes_their_choice():
    client, user = agent_client()
    assert client.get(URL).json() == {"email_notifications": "immediate"}
    response = client.put(URL, {"email_notifications": "daily"}, format="json")
    assert response.status_code == 200 and response.json() == {"email_notifications": "daily"}
    assert AgentPreference.objects.get(user=user).email_notifications == "daily"
    assert client.get(URL).json() == {"email_notifications": "daily"}


@pytest.mark.parametrize("value", ["weekly", "", None, 1])
def test_an_unknown_choice_is_refused(value):
    client, _ = agent_client()
    response = client.put(URL, {"email_notifications": value}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_MESSAGE"
    assert not AgentPreference.objects.exists()


def test_not_for_visitors_or_other_users():
    assert APIClient().get(URL).status_code == 403
    client = APIClient()
    client.force_login(make_user("eve", agent=False))
    assert client.get(URL).status_code == 403


def test_a_change_needs_the_csrf_token():
    client, _ = agent_client(enforce_csrf_checks=True)
    response = client.put(URL, {"email_notifications": "off"}, format="json")
    assert response.status_code == 403
    assert not AgentPreference.objects.exists()
