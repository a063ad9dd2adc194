from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from django_livechat.models import AgentPresence, Conversation, Message, Website
from tests.factories import make_user, make_website

pytestmark = pytest.mark.django_db


def make_conversation(**kwargs):
    website = Website.objects.create(name="Shop")
    return Conversation.objects.create(website=website, **kwargs)


def test_primary_keys_are_uuids():
    conversation = make_conversation()
    message = Message.objects.create(conversation=conversation, seq=1, role="user", content="hi")
    for obj in (conversation.website, conversation, message):
        assert isinstance(obj.pk, uuid.UUID)
        assert type(obj).objects.get(pk=str(obj.pk)) == obj


def test_seq_is_unique_per_conversation():
    conversation = make_conversation()
    Message.objects.create(conversation=conversation, seq=1, role="user", content="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(conversation=conversation, seq=1, role="agent", content="b")


def test_the_same_seq_in_another_conversation_is_fine():
    first, second = make_conversation(), make_conversation()
    Message.objects.create(conversation=first, seq=1, role="user", content="a")
    Message.objects.create(conversation=second, seq=1, role="user", content="b")
    assert Message.objects.filter(seq=1).count() == 2


def test_client_id_is_unique_per_conversation():
    conversation = make_conversation()
    Message.objects.create(
        conversation=conversation, seq=1, role="user", content="a", client_id="c-1"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            conversation=conversation, seq=2, role="user", content="a", client_id="c-1"
        )


def test_client_id_may_repeat_across_conversations():
    first, second = make_conversation(), make_conversation()
    Message.objects.create(conversation=first, seq=1, role="user", content="a", client_id="c-1")
    Message.objects.create(conversation=second, seq=1, role="user", content="a", client_id="c-1")
    assert Message.objects.filter(client_id="c-1").count() == 2


def test_null_client_ids_do_not_collide():
    conversation = make_conversation()
    Message.objects.create(conversation=conversation, seq=1, role="user", content="a")
    Message.objects.create(conversation=conversation, seq=2, role="user", content="b")
    assert conversation.messages.filter(client_id__isnull=True).count() == 2


def test_full_clean_reports_a_duplicate_client_id():
    conversation = make_conversation()
    Message.objects.create(
        conversation=conversation, seq=1, role="user", content="a", client_id="c-1"
    )
    duplicate = Message(conversation=conversation, seq=2, role="user", content="a", client_id="c-1")
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "livechat_message_unique_role_client_id" in str(excinfo.value)


def test_the_same_client_id_from_another_role_is_another_message():
    """One namespace per sender role: a visitor's key never names an agent's message."""
    conversation = make_conversation()
    for seq, role in enumerate(("user", "agent", "assistant"), start=1):
        Message.objects.create(
            conversation=conversation, seq=seq, role=role, content="a", client_id="c-1"
        )
    assert conversation.messages.filter(client_id="c-1").count() == 3


def test_seq_must_be_positive():
    conversation = make_conversation()
    message = Message(conversation=conversation, seq=0, role="user", content="a")
    with pytest.raises(ValidationError) as excinfo:
        message.full_clean()
    assert "seq" in excinfo.value.message_dict


def test_website_save_normalises_origins():
    website = Website.objects.create(
        name="Shop",
        allowed_origins=["HTTPS://Shop.Example.com:443", "http://localhost:8000/"],
    )
    website.refresh_from_db()
    assert website.allowed_origins == ["https://shop.example.com", "http://localhost:8000"]


def test_website_save_rejects_a_malformed_origin():
    with pytest.raises(ValidationError, match="no path"):
        Website.objects.create(name="Shop", allowed_origins=["https://shop.example.com/path"])
    assert not Website.objects.exists()


@pytest.mark.parametrize(
    "origins",
    [["https://shop.example.com/path"], ["*"], ["ftp://shop.example.com"], "https://a.example"],
)
def test_full_clean_validates_origins(origins):
    website = Website(name="Shop", allowed_origins=origins)
    with pytest.raises(ValidationError) as excinfo:
        website.full_clean()
    assert set(excinfo.value.message_dict) == {"allowed_origins"}


def test_full_clean_accepts_good_origins():
    website = Website(name="Shop", allowed_origins=["https://shop.example.com"])
    website.full_clean()


def test_identity_secret_is_generated_and_distinct():
    first = Website.objects.create(name="One")
    second = Website.objects.create(name="Two")
    assert len(first.identity_secret) >= 40
    assert first.identity_secret != second.identity_secret
    first.refresh_from_db()
    assert first.identity_secret == Website.objects.get(pk=first.pk).identity_secret


def test_website_defaults():
    website = Website.objects.create(name="Shop")
    assert website.is_active is True
    assert website.allowed_origins == []
    assert website.auto_response_text == ""
    assert str(website) == "Shop"


def test_website_agents(django_user_model):
    alice = django_user_model.objects.create_user("alice")
    bob = django_user_model.objects.create_user("bob")
    website = Website.objects.create(name="Shop")
    other = Website.objects.create(name="Blog")
    website.agents.add(alice, bob)
    other.agents.add(alice)
    assert set(website.agents.all()) == {alice, bob}
    assert set(alice.livechat_websites.all()) == {website, other}
    assert list(bob.livechat_websites.all()) == [website]


def test_conversation_defaults():
    conversation = make_conversation()
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN == "open"
    assert conversation.last_seq == 0
    assert conversation.last_message_at is None
    assert conversation.assigned_agent is None
    assert conversation.metadata == {}
    assert conversation.visitor_identifier == ""


def test_conversation_and_message_str():
    conversation = make_conversation(visitor_identifier="visitor@example.com")
    message = Message(conversation=conversation, seq=3, role="user", content="x" * 60)
    assert str(conversation) == f"visitor@example.com @ {conversation.website.name}"
    assert str(message) == "#3 user: " + "x" * 50


def test_reply_permission_exists():
    permission = Permission.objects.get(
        content_type__app_label="django_livechat", codename="reply_conversation"
    )
    assert permission.content_type.model == "conversation"


def test_agent_with_reply_permission(django_user_model):
    agent = django_user_model.objects.create_user("agent")
    assert not agent.has_perm("django_livechat.reply_conversation")
    agent.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="django_livechat", codename="reply_conversation"
        )
    )
    agent = django_user_model.objects.get(pk=agent.pk)  # drop the permission cache
    assert agent.has_perm("django_livechat.reply_conversation")


def _constraints(model):
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, model._meta.db_table)


def test_message_seq_is_indexed_by_its_unique_constraint():
    constraints = _constraints(Message)
    unique_seq = constraints["livechat_message_unique_seq"]
    assert unique_seq["unique"]
    assert unique_seq["columns"] == ["conversation_id", "seq"]


def test_conversation_inbox_index():
    index = _constraints(Conversation)["livechat_conv_inbox_idx"]
    assert index["index"]
    assert not index["unique"]
    assert index["columns"] == ["website_id", "status", "last_message_at"]
    assert index["orders"] == ["ASC", "ASC", "DESC"]


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"])
def test_constraints_on_postgresql():
    website = Website.objects.using("postgres").create(name="Shop")
    conversation = Conversation.objects.using("postgres").create(website=website)
    messages = Message.objects.using("postgres")
    messages.create(conversation=conversation, seq=1, role="user", content="a", client_id="c-1")
    messages.create(conversation=conversation, seq=2, role="user", content="b")
    messages.create(conversation=conversation, seq=3, role="user", content="c")
    for duplicate in ({"seq": 1}, {"seq": 4, "client_id": "c-1"}):
        with pytest.raises(IntegrityError), transaction.atomic(using="postgres"):
            messages.create(conversation=conversation, role="user", content="x", **duplicate)
    assert messages.count() == 3

    with connections["postgres"].cursor() as cursor:
        introspection = connections["postgres"].introspection
        message_constraints = introspection.get_constraints(cursor, Message._meta.db_table)
        inbox = introspection.get_constraints(cursor, Conversation._meta.db_table)[
            "livechat_conv_inbox_idx"
        ]
    assert message_constraints["livechat_message_unique_seq"]["columns"] == [
        "conversation_id",
        "seq",
    ]
    assert inbox["columns"] == ["website_id", "status", "last_message_at"]
    assert inbox["orders"] == ["ASC", "ASC", "DESC"]


@pytest.mark.django_db
def test_website_save_stores_each_origin_once():
    website = Website.objects.create(
        name="Shop",
        allowed_origins=["https://shop.example.com", "HTTPS://Shop.Example.com:443"],
    )
    website.refresh_from_db()
    assert website.allowed_origins == ["https://shop.example.com"]


@pytest.mark.django_db
def test_conversations_without_messages_sort_last():
    website = Website.objects.create(name="Shop")
    empty = Conversation.objects.create(website=website)
    older = Conversation.objects.create(
        website=website, last_message_at=timezone.now() - timezone.timedelta(hours=1)
    )
    newer = Conversation.objects.create(website=website, last_message_at=timezone.now())
    assert list(Conversation.objects.all()) == [newer, older, empty]


@pytest.mark.django_db
def test_has_an_agent_replied_uses_the_role_index():
    website = Website.objects.create(name="Shop")
    conversation = Conversation.objects.create(website=website)
    # What acknowledge's .exists() runs: no ordering, one row.
    query = conversation.messages.filter(role=Message.Role.AGENT).order_by().values("pk")[:1]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "livechat_message_role_idx" in plan


@pytest.mark.django_db
def test_message_ordering_does_not_join_conversations():
    sql = str(Message.objects.all().query)
    assert "django_livechat_conversation" not in sql
    assert sql.endswith(
        'ORDER BY "django_livechat_message"."conversation_id" ASC, '
        '"django_livechat_message"."seq" ASC'
    )


@pytest.mark.parametrize("color", ["#0b6e4f", "#abc", "rgb(11, 110, 79)", "rgba(0,0,0,.5)", "Teal"])
def test_widget_colours_that_css_knows_are_valid(color):
    Website(name="Shop", widget_color=color).full_clean()


@pytest.mark.parametrize("color", ["#12345", "blurple", "red;}", "expression(alert(1))", "rgb("])
def test_other_widget_colours_are_refused(color):
    with pytest.raises(ValidationError) as refused:
        Website(name="Shop", widget_color=color).full_clean()
    assert set(refused.value.message_dict) == {"widget_color"}


def test_an_agent_presence_row_goes_with_its_user_and_website():
    website, user = make_website(), make_user("ann")
    AgentPresence.objects.create(
        channel_name="c", website=website, user=user, expires_at=timezone.now()
    )
    user.delete()
    assert not AgentPresence.objects.exists()
