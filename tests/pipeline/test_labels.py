"""Labels: a website's, set on its conversations, in the entries and the inbox filters."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.groups import conversation_group, website_group
from django_livechat.models import Conversation, Label
from tests.factories import make_user, make_website
from tests.layer import received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def two_shops():
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    ann = make_user("ann", first_name="Ann")  # may create labels
    ann.user_permissions.add(Permission.objects.get(codename="add_label"))
    bob, cat = make_user("bob"), make_user("cat")
    shop.agents.add(ann, cat)
    blog.agents.add(bob)
    return shop, blog, ann, bob, cat


@database_sync_to_async
def label(website, name, color=""):
    return Label.objects.create(website=website, name=name, color=color)


async def chat(website, text="hello"):
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    await pipeline.post_visitor_message(session, content=text, client_id="c", background=False)
    return session


async def refused(code, call):
    with pytest.raises(ChatError) as error:
        await call
    assert error.value.code == code, error.value.message
    return error.value.message


def ids(inbox):
    return {entry["conversation_id"] for entry in inbox.entries}


async def test_labels_are_listed_created_with_the_permission_and_in_ready():
    shop, blog, ann, _bob, cat = await two_shops()
    await label(shop, "Billing", "#AA0000")
    await label(blog, "Blog only")
    ann_agent, cat_agent = await pipeline.authorize_agent(ann), await pipeline.authorize_agent(cat)
    created = await pipeline.create_label(ann_agent, str(shop.id), name=" Bug ", color="#1F6FEB")
    assert created["name"] == "Bug" and created["color"] == "#1f6feb"
    listed = await pipeline.list_labels(cat_agent, str(shop.id))
    assert [(x["name"], x["color"]) for x in listed] == [("Billing", "#AA0000"), ("Bug", "#1f6feb")]
    ready = await cat_agent.ready_event()
    (website,) = ready["websites"]
    assert website["labels"] == listed

    await refused(errors.FORBIDDEN, pipeline.create_label(cat_agent, str(shop.id), name="Mine"))
    assert "already" in await refused(
        errors.INVALID_MESSAGE, pipeline.create_label(ann_agent, str(shop.id), name="bug")
    )
    wrong = [("", None), ("x" * 41, None), (" " + "x" * 40, None), (5, None), ("ok", "red")]
    wrong += [("ok", "#12345"), ("ok", 5), ("a\x00", None)]
    for name, color in wrong:
        await refused(
            errors.INVALID_MESSAGE,
            pipeline.create_label(ann_agent, str(shop.id), name=name, color=color),
        )
    # Another website's labels: like a website that does not exist.
    await refused(errors.NOT_FOUND, pipeline.list_labels(ann_agent, str(blog.id)))
    await refused(errors.NOT_FOUND, pipeline.create_label(ann_agent, str(blog.id), name="Sneaky"))
    assert not await database_sync_to_async(Label.objects.filter(name="Sneaky").exists)()


async def test_setting_labels_replaces_them_and_tells_the_dashboards():
    shop, _blog, ann, _, _ = await two_shops()
    billing, bug = await label(shop, "Billing"), await label(shop, "Bug")
    session = await chat(shop)
    agent = await pipeline.authorize_agent(ann)
    dashboards = await subscribe(website_group(shop.id))
    visitors = await subscribe(conversation_group(session.conversation_id))

    entry = await pipeline.set_labels(agent, session.conversation_id, [bug.pk, billing.pk, bug.pk])
    assert [x["name"] for x in entry["labels"]] == ["Billing", "Bug"]
    assert entry["unread"] == 1  # the caller's own entry
    (frame,) = await received(dashboards)
    assert frame["type"] == "conversation"
    assert frame["conversation"]["labels"] == entry["labels"]
    assert "unread" not in frame["conversation"]  # no one agent's count for all
    assert await received(visitors) == []

    entry = await pipeline.set_labels(agent, session.conversation_id, [bug.pk])
    assert [x["name"] for x in entry["labels"]] == ["Bug"]
    assert len(await received(dashboards)) == 1
    await pipeline.set_labels(agent, session.conversation_id, [bug.pk])  # no change: no frame
    assert await received(dashboards) == []
    assert (await pipeline.set_labels(agent, session.conversation_id, []))["labels"] == []


async def test_a_label_of_another_website_is_refused_naming_it():
    shop, blog, ann, bob, _ = await two_shops()
    ours, theirs = await label(shop, "Ours"), await label(blog, "Theirs")
    session, blog_chat = await chat(shop), await chat(blog)
    agent = await pipeline.authorize_agent(ann)
    for wrong in (theirs.pk, 10**9):
        message = await refused(
            errors.INVALID_MESSAGE,
            pipeline.set_labels(agent, session.conversation_id, [ours.pk, wrong]),
        )
        assert str(wrong) in message
    for bad in ("1", [True], ["x"], [str(ours.pk)], [0], None, list(range(1, 52))):
        await refused(
            errors.INVALID_MESSAGE, pipeline.set_labels(agent, session.conversation_id, bad)
        )
    # Another website's conversation: like a missing one.
    await refused(errors.NOT_FOUND, pipeline.set_labels(agent, blog_chat.conversation_id, []))
    bob_agent = await pipeline.authorize_agent(bob)
    await refused(errors.NOT_FOUND, pipeline.set_labels(bob_agent, session.conversation_id, []))
    count = database_sync_to_async(lambda: Conversation.labels.through.objects.count())
    assert await count() == 0


async def test_the_inbox_filters_by_label_assignee_status_and_website_together():
    shop, blog, ann, bob, cat = await two_shops()
    billing, bug = await label(shop, "Billing"), await label(shop, "Bug")
    theirs = await label(blog, "Theirs")
    a, b, c = await chat(shop), await chat(shop), await chat(shop)
    blog_chat = await chat(blog)
    ann_agent, cat_agent = await pipeline.authorize_agent(ann), await pipeline.authorize_agent(cat)
    await pipeline.set_labels(ann_agent, a.conversation_id, [billing.pk])
    await pipeline.set_labels(ann_agent, b.conversation_id, [billing.pk, bug.pk])
    await pipeline.assign_conversation(ann_agent, a.conversation_id)
    await pipeline.assign_conversation(cat_agent, b.conversation_id)
    await pipeline.resolve_conversation(ann_agent, b.conversation_id)
    A, B, C = (str(s.conversation_id) for s in (a, b, c))

    async def listed(**filters):
        return ids(await pipeline.list_conversations(ann_agent, **filters))

    assert await listed(label=billing.pk) == {A, B}
    assert await listed(label=str(bug.pk)) == {B}
    assert await listed(assignee="me") == {A}
    assert await listed(assignee="none") == {C}
    assert await listed(assignee=cat.pk) == {B}
    assert await listed(assignee=str(cat.pk)) == {B}
    assert await listed(label=billing.pk, assignee="me") == {A}
    assert await listed(label=billing.pk, status="open") == {A}
    assert await listed(label=billing.pk, status="resolved", website_id=str(shop.id)) == {B}
    # Another website's label (or agent) filters into nothing, exactly like a missing one.
    await pipeline.set_labels(
        await pipeline.authorize_agent(bob), blog_chat.conversation_id, [theirs.pk]
    )
    assert await listed(label=theirs.pk) == set() == await listed(label=10**9)
    assert await listed(assignee=bob.pk) == set()
    # An assignee that is no one's id lists nothing; a label id must be one.
    assert await listed(assignee="someone") == set()
    wrongs = [{"label": "x"}, {"label": 0}, {"label": True}, {"label": 2**63}, {"assignee": ""}]
    wrongs += [{"assignee": True}, {"assignee": ["me"]}]
    for wrong in wrongs:
        await refused(errors.INVALID_MESSAGE, pipeline.list_conversations(ann_agent, **wrong))


async def test_entries_carry_labels_and_assigned_at_without_a_query_each():
    shop, _, ann, _, _ = await two_shops()
    billing = await label(shop, "Billing", "#00aa00")
    sessions = [await chat(shop) for _ in range(5)]
    agent = await pipeline.authorize_agent(ann)
    for session in sessions:
        await pipeline.set_labels(agent, session.conversation_id, [billing.pk])
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    await database_sync_to_async(
        Conversation.objects.filter(pk=sessions[0].conversation_id).update
    )(assigned_at=moment)

    def list_counting():
        from django_livechat.pipeline import inbox

        with CaptureQueriesContext(connection) as queries:
            entries = inbox._list_sync(agent, None, None, 100, None).entries
        return entries, len(queries)

    few, few_queries = await database_sync_to_async(list_counting)()
    await chat(shop)
    more, more_queries = await database_sync_to_async(list_counting)()
    assert len(more) == len(few) + 1
    assert more_queries == few_queries  # labels prefetched, not read per entry
    labelled = [e for e in more if e["labels"]]
    assert len(labelled) == 5
    assert labelled[0]["labels"] == [{"id": billing.pk, "name": "Billing", "color": "#00aa00"}]
    by_id = {e["conversation_id"]: e for e in more}
    assert by_id[str(sessions[0].conversation_id)]["assigned_at"] == moment.isoformat()
    assert by_id[str(sessions[1].conversation_id)]["assigned_at"] is None
