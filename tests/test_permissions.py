"""Who is an agent, and which websites each agent serves."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group, Permission

from django_livechat.permissions import (
    AGENT_PERMISSION,
    is_agent,
    served_website_ids,
    served_websites,
    serves,
)
from tests.factories import make_website

pytestmark = pytest.mark.django_db


def reply_permission() -> Permission:
    return Permission.objects.get(
        content_type__app_label="django_livechat", codename="reply_conversation"
    )


@pytest.fixture
def sites():
    return make_website(name="Shop"), make_website(name="Blog")


def test_the_permission_is_the_apps_reply_permission():
    assert AGENT_PERMISSION == "django_livechat.reply_conversation"
    assert reply_permission().name == "Can reply to live chat conversations"


def test_an_agent_has_the_permission_directly_or_through_a_group(sites):
    users = get_user_model().objects
    direct = users.create_user("direct")
    direct.user_permissions.add(reply_permission())
    member = users.create_user("member")
    group = Group.objects.create(name="Support")
    group.permissions.add(reply_permission())
    member.groups.add(group)
    assert is_agent(users.get(pk=direct.pk))
    assert is_agent(users.get(pk=member.pk))


def test_not_agents(sites):
    users = get_user_model().objects
    staff = users.create_user("staff", is_staff=True)  # staff alone is not enough
    gone = users.create_user("gone", is_active=False)
    gone.user_permissions.add(reply_permission())
    for user in (AnonymousUser(), None, staff, users.get(pk=gone.pk)):
        assert not is_agent(user)
        assert not served_websites(user).exists()
    shop, _ = sites
    shop.agents.add(staff)  # listed on a website, but without the permission
    assert not served_websites(staff).exists()


def test_an_agent_serves_the_websites_that_list_them(sites):
    shop, blog = sites
    agent = get_user_model().objects.create_user("agent")
    agent.user_permissions.add(reply_permission())
    agent = get_user_model().objects.get(pk=agent.pk)
    assert served_website_ids(agent) == frozenset()  # an agent with an empty inbox
    shop.agents.add(agent)
    assert list(served_websites(agent)) == [shop]
    assert served_website_ids(agent) == {shop.id}
    assert serves(agent, shop.id)
    assert not serves(agent, blog.id)


def test_a_superuser_serves_every_website(sites):
    root = get_user_model().objects.create_superuser("root", password="pw")
    assert is_agent(root)
    assert served_website_ids(root) == {site.id for site in sites}
    later = make_website(name="Later")
    assert serves(root, later.id)
