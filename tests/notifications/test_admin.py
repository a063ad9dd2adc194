"""The email tables in the admin: superusers only; unsent emails can be tried again."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from django_livechat.models import AgentPreference, EmailOptOut, EmailOutbox
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PAGES = ["emailoutbox", "emailoptout", "agentpreference"]


def outbox_row(**fields):
    defaults = {
        "kind": "visitor_reply",
        "dedupe_key": "k1",
        "to": "vi@example.org",
        "subject": "New reply from Shop",
        "body_text": "Hello",
        "send_after": timezone.now(),
        "attempts": 5,
        "last_error": "SMTPRecipientsRefused: no such user",
    }
    return EmailOutbox.objects.create(**{**defaults, **fields})


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", PAGES)
def test_superusers_see_the_email_tables(model):
    admin = get_user_model().objects.create_superuser("root", "root@shop.example", "pw")
    outbox_row()
    EmailOptOut.objects.create(address="vi@example.org")
    AgentPreference.objects.create(user=admin, email_notifications="daily")
    response = client_for(admin).get(reverse(f"admin:django_livechat_{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", PAGES)
def test_other_staff_do_not(model):
    staff = make_user("ann", is_staff=True)
    response = client_for(staff).get(reverse(f"admin:django_livechat_{model}_changelist"))
    assert response.status_code == 403


def test_a_failed_email_shows_its_error_and_can_be_tried_again():
    admin = get_user_model().objects.create_superuser("root", "root@shop.example", "pw")
    failed = outbox_row()
    sent = outbox_row(dedupe_key="k2", sent_at=timezone.now(), attempts=1, last_error="")
    client = client_for(admin)
    page = client.get(reverse("admin:django_livechat_emailoutbox_changelist"))
    assert "no such user" in page.content.decode()
    answer = client.post(
        reverse("admin:django_livechat_emailoutbox_changelist"),
        {"action": "send_again", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )
    assert "1 email will be sent again." in answer.content.decode()
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert failed.attempts == 0 and failed.send_after <= timezone.now()
    assert sent.attempts == 1  # a sent one is left alone
