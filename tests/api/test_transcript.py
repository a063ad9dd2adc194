"""``GET api/agent/conversations/<id>/transcript/``: the agent's download."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from django_livechat.models import Conversation, Message, Note
from tests.api.conftest import assert_error
from tests.factories import make_user, make_website

pytestmark = pytest.mark.django_db(transaction=True)


def transcript_url(conversation_id, **query):
    url = reverse(
        "django_livechat:api-agent-transcript", kwargs={"conversation_id": conversation_id}
    )
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def logged_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def shop():
    website = make_website(name="Shop")
    ann = make_user("ann", first_name="Ann")
    website.agents.add(ann)
    conversation = Conversation.objects.create(website=website, visitor_name="Ada", last_seq=1)
    Message.objects.create(conversation=conversation, seq=1, role="user", content="Hello there")
    Note.objects.create(conversation=conversation, author=ann, text="VIP customer")
    return {"website": website, "ann": ann, "conversation": conversation}


def test_an_agent_downloads_the_text(shop):
    response = logged_in(shop["ann"]).get(transcript_url(shop["conversation"].pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="conversation-{shop["conversation"].pk}.txt"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    text = response.content.decode()
    assert "Ada: Hello there" in text
    assert "VIP customer" not in text
    asked = logged_in(shop["ann"]).get(transcript_url(shop["conversation"].pk, format="txt"))
    assert asked.content == response.content


def test_json_and_notes_on_request(shop):
    ann = logged_in(shop["ann"])
    plain = ann.get(transcript_url(shop["conversation"].pk, format="json"))
    assert plain["Content-Type"] == "application/json; charset=utf-8"
    assert plain["Content-Disposition"].endswith('.json"')
    record = json.loads(plain.content)
    assert record["messages"][0]["content"] == "Hello there"
    assert "notes" not in record and b"VIP" not in plain.content
    with_notes = json.loads(
        ann.get(transcript_url(shop["conversation"].pk, format="json", notes=1)).content
    )
    assert with_notes["notes"] == [
        {
            "author": "Ann",
            "text": "VIP customer",
            "created_at": with_notes["notes"][0]["created_at"],
        }
    ]
    text = ann.get(transcript_url(shop["conversation"].pk, notes=1)).content.decode()
    assert "Private notes (agents only)" in text and "Ann: VIP customer" in text


def test_bad_parameters_are_invalid_message(shop):
    ann = logged_in(shop["ann"])
    assert_error(
        ann.get(transcript_url(shop["conversation"].pk, format="pdf")), 400, "INVALID_MESSAGE"
    )
    assert_error(
        ann.get(transcript_url(shop["conversation"].pk, notes="yes")), 400, "INVALID_MESSAGE"
    )
    assert_error(ann.get(transcript_url("not-a-uuid")), 400, "INVALID_MESSAGE")


def test_another_websites_conversation_is_answered_as_a_missing_one(shop):
    bob = make_user("bob")
    make_website(name="Blog").agents.add(bob)
    client = logged_in(bob)
    foreign = client.get(transcript_url(shop["conversation"].pk, notes=1))
    missing = client.get(transcript_url(uuid.uuid4(), notes=1))
    assert assert_error(foreign, 404, "NOT_FOUND") == assert_error(missing, 404, "NOT_FOUND")
    assert b"Hello" not in foreign.content and b"VIP" not in foreign.content


def test_only_agents_download(shop):
    assert_error(APIClient().get(transcript_url(shop["conversation"].pk)), 403, "FORBIDDEN")
    visitor_user = make_user("eve", agent=False)
    assert_error(
        logged_in(visitor_user).get(transcript_url(shop["conversation"].pk)), 403, "FORBIDDEN"
    )
