"""Canned replies: websites' and personal ones, who may change which, and the scoping."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import Permission

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.models import CannedReply
from tests.factories import make_user, make_website

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def two_shops():
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    ann = make_user("ann")  # may change the websites' replies
    ann.user_permissions.add(Permission.objects.get(codename="change_cannedreply"))
    bob, cat = make_user("bob"), make_user("cat")
    shop.agents.add(ann, cat)
    blog.agents.add(bob)
    return shop, blog, ann, bob, cat


@database_sync_to_async
def reply(**fields):
    return CannedReply.objects.create(**fields)


async def refused(code, call):
    with pytest.raises(ChatError) as error:
        await call
    assert error.value.code == code, error.value.message
    return error.value.message


def shortcuts(replies):
    return [(r["shortcut"], r["personal"]) for r in replies]


async def test_an_agent_sees_their_websites_replies_and_their_own():
    shop, blog, ann, _bob, cat = await two_shops()
    await reply(website=shop, shortcut="hello", text="Hello {visitor_name}!")
    await reply(website=blog, shortcut="blog", text="Blog reply")
    await reply(owner=cat, shortcut="mine", text="Cat's, everywhere")
    await reply(owner=cat, website=shop, shortcut="shop-mine", text="Cat's, on the shop")
    await reply(owner=cat, website=blog, shortcut="gone", text="For a website cat left")
    await reply(owner=ann, shortcut="ann", text="Ann's")
    agent = await pipeline.authorize_agent(cat)
    listed = await pipeline.list_canned(agent)
    assert shortcuts(listed) == [("hello", False), ("mine", True), ("shop-mine", True)]
    hello = listed[0]
    assert hello["text"] == "Hello {visitor_name}!"
    assert hello["website_id"] == str(shop.id)
    assert listed[1]["website_id"] is None
    # ready carries them too.
    ready = await agent.ready_event()
    assert ready["canned"] == listed
    # One website: its replies and the agent's own for it or for all.
    assert shortcuts(await pipeline.list_canned(agent, str(shop.id))) == [
        ("hello", False),
        ("mine", True),
        ("shop-mine", True),
    ]
    # Another website reads like none at all.
    await refused(errors.NOT_FOUND, pipeline.list_canned(agent, str(blog.id)))
    await refused(
        errors.NOT_FOUND, pipeline.list_canned(agent, "00000000-0000-4000-8000-000000000000")
    )


async def test_personal_replies_by_default_website_ones_with_the_permission():
    shop, blog, ann, _bob, cat = await two_shops()
    cat_agent, ann_agent = await pipeline.authorize_agent(cat), await pipeline.authorize_agent(ann)
    own = await pipeline.create_canned(cat_agent, shortcut="/thanks", text=" Thank you! ")
    assert own["shortcut"] == "thanks" and own["text"] == "Thank you!"
    assert own["personal"] is True and own["website_id"] is None
    message = await refused(
        errors.FORBIDDEN,
        pipeline.create_canned(
            cat_agent, shortcut="hi", text="Hi", website_id=str(shop.id), personal=False
        ),
    )
    assert "canned replies" in message
    shared = await pipeline.create_canned(
        ann_agent, shortcut="hi", text="Hi", website_id=str(shop.id), personal=False
    )
    assert shared["personal"] is False and shared["website_id"] == str(shop.id)
    # A website's reply needs its website; one of a website not served reads as missing.
    await refused(
        errors.INVALID_MESSAGE,
        pipeline.create_canned(ann_agent, shortcut="x", text="x", personal=False),
    )
    await refused(
        errors.NOT_FOUND,
        pipeline.create_canned(
            ann_agent, shortcut="x", text="x", website_id=str(blog.id), personal=False
        ),
    )
    await refused(
        errors.NOT_FOUND,
        pipeline.create_canned(cat_agent, shortcut="x", text="x", website_id=str(blog.id)),
    )
    stored = await database_sync_to_async(
        lambda: sorted((r.shortcut, r.owner_id, r.website_id) for r in CannedReply.objects.all())
    )()
    assert stored == [("hi", None, shop.id), ("thanks", cat.pk, None)]


@pytest.mark.parametrize(
    ("shortcut", "text"),
    [
        ("", "x"),
        ("two words", "x"),
        ("/", "x"),
        ("café", "x"),
        ("ok\n", "x"),
        ("a" * 41, "x"),
        (None, "x"),
        ("ok", ""),
        ("ok", "   "),
        ("ok", "x" * 4001),
        ("ok", None),
    ],
)
async def test_shortcut_and_text_are_checked(shortcut, text):
    _shop, _, _, _, cat = await two_shops()
    agent = await pipeline.authorize_agent(cat)
    await refused(
        errors.INVALID_MESSAGE, pipeline.create_canned(agent, shortcut=shortcut, text=text)
    )
    assert await database_sync_to_async(CannedReply.objects.count)() == 0


async def test_a_shortcut_taken_in_the_same_scope_is_refused_naming_it():
    shop, _, ann, _, cat = await two_shops()
    cat_agent, ann_agent = await pipeline.authorize_agent(cat), await pipeline.authorize_agent(ann)
    await pipeline.create_canned(cat_agent, shortcut="bye", text="Bye")
    message = await refused(
        errors.INVALID_MESSAGE, pipeline.create_canned(cat_agent, shortcut="bye", text="Again")
    )
    assert "/bye" in message
    # Other scopes may have it: another agent's, the website's, cat's for one website.
    await pipeline.create_canned(ann_agent, shortcut="bye", text="Ann's")
    await pipeline.create_canned(
        ann_agent, shortcut="bye", text="Shop's", website_id=str(shop.id), personal=False
    )
    await pipeline.create_canned(cat_agent, shortcut="bye", text="Shop", website_id=str(shop.id))
    await refused(
        errors.INVALID_MESSAGE,
        pipeline.create_canned(
            ann_agent, shortcut="bye", text="Twice", website_id=str(shop.id), personal=False
        ),
    )
    # Renaming onto a taken shortcut is refused too.
    other = await pipeline.create_canned(cat_agent, shortcut="other", text="Other")
    await refused(
        errors.INVALID_MESSAGE, pipeline.update_canned(cat_agent, other["id"], shortcut="bye")
    )


async def test_changing_and_deleting_own_replies_and_website_ones_with_the_permission():
    shop, blog, ann, bob, cat = await two_shops()
    cat_agent, ann_agent = await pipeline.authorize_agent(cat), await pipeline.authorize_agent(ann)
    bob_agent = await pipeline.authorize_agent(bob)
    own = await pipeline.create_canned(cat_agent, shortcut="mine", text="Mine")
    shared = await reply(website=shop, shortcut="shop", text="Shop")
    blogs = await reply(website=blog, shortcut="blog", text="Blog")
    annes = await reply(owner=ann, shortcut="ann", text="Ann's")

    changed = await pipeline.update_canned(cat_agent, own["id"], text="Mine, changed")
    assert changed == {**own, "text": "Mine, changed"}
    await refused(errors.FORBIDDEN, pipeline.update_canned(cat_agent, shared.pk, text="No"))
    await refused(errors.FORBIDDEN, pipeline.delete_canned(cat_agent, shared.pk))
    assert (await pipeline.update_canned(ann_agent, str(shared.pk), text="Yes"))["text"] == "Yes"
    # Someone else's personal reply, another website's, and one that does not exist: alike.
    for agent, pk in ((cat_agent, annes.pk), (ann_agent, blogs.pk), (cat_agent, 10**9)):
        await refused(errors.NOT_FOUND, pipeline.update_canned(agent, pk, text="x"))
        await refused(errors.NOT_FOUND, pipeline.delete_canned(agent, pk))
    await refused(errors.NOT_FOUND, pipeline.delete_canned(bob_agent, own["id"]))
    await refused(errors.NOT_FOUND, pipeline.delete_canned(cat_agent, "nope"))

    await pipeline.delete_canned(cat_agent, own["id"])
    await pipeline.delete_canned(ann_agent, shared.pk)
    left = await database_sync_to_async(
        lambda: sorted(CannedReply.objects.values_list("shortcut", flat=True))
    )()
    assert left == ["ann", "blog"]
