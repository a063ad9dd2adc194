"""Watches the changes that end (or widen) someone's access, and tells the open sockets.

A dashboard socket authorized its agent when it opened; a visitor socket its conversation.
These receivers notice, in whatever process the change is made (the admin, a shell, a
script), when that may no longer hold, and announce it through the channel layer to the
sockets concerned in every process, after the change is committed:

* an agent added to or removed from a website (either side of the relation);
* a user saved (deactivated, say), deleted, or given or taken permissions or groups,
  and a group's permissions changed (for its members);
* a user logging out (their dashboards on that session close);
* a website saved (switched off, say): its visitors' sockets;
* a user deleted while their dashboard is open: the visitors of the websites they were
  online for hear the new ``agents_online`` (their presence rows went with them).

Each socket then asks the pipeline again (:mod:`django_livechat.pipeline.access`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model, user_logged_out
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from django_livechat.models import AgentPresence, Website

logger = logging.getLogger(__name__)

UID = "django_livechat.grants"


def _announce(make: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run the announcement once the change is committed, from sync or async code."""

    async def announce() -> None:
        await make()

    def send() -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        try:
            if loop is None:
                async_to_sync(announce)()
            else:  # a change made by async code on the event loop itself
                task = loop.create_task(announce())
                task.add_done_callback(_log_failure)
        except Exception as exc:
            # The sockets' heartbeats re-check within HEARTBEAT_INTERVAL anyway.
            logger.warning("Announcing an access change failed (%s)", exc)

    transaction.on_commit(send)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("Announcing an access change failed (%s)", task.exception())


def announce_agents(user_ids: Iterable[Any], session_key: str | None = None) -> None:
    from django_livechat.pipeline import announce_to_agents

    ids = [pk for pk in user_ids if pk is not None]
    if ids:
        _announce(lambda: announce_to_agents(ids, session_key=session_key))


def announce_visitors(website_id: Any) -> None:
    from django_livechat.pipeline import announce_to_visitors

    _announce(lambda: announce_to_visitors(website_id))


# ---------------------------------------------------------------- receivers


def website_agents_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """``Website.agents`` changed, from a website (forward) or from a user (reverse)."""
    if action == "pre_clear":
        # Who is cleared is only known before; remember it for post_clear.
        if reverse:
            instance._livechat_cleared = [instance.pk]
        else:
            instance._livechat_cleared = list(instance.agents.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_clear":
        announce_agents(getattr(instance, "_livechat_cleared", []))
    elif reverse:
        announce_agents([instance.pk])
    else:
        announce_agents(pk_set or [])


def user_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # every login saves this; it changes nobody's access
    announce_agents([instance.pk])


def user_deleting(sender: Any, instance: Any, **kwargs: Any) -> None:
    # The user's presence rows go with them (a cascade): remember whose visitors to tell.
    instance._livechat_present_on = list(
        AgentPresence.objects.filter(user=instance).values_list("website_id", flat=True)
    )


def user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    announce_agents([instance.pk])
    websites = set(getattr(instance, "_livechat_present_on", ()))
    if websites:
        from django_livechat.pipeline.presence import tell_dashboards, tell_visitors

        async def tell_both() -> None:
            await tell_visitors(websites)
            await tell_dashboards(websites)  # the agents' list of who is online

        _announce(tell_both)


def user_rights_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """A user's permissions or groups changed (from either side of the relation)."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        announce_agents([instance.pk])
    elif isinstance(instance, Group):
        announce_agents(instance.user_set.values_list("pk", flat=True))
    else:  # a permission's users changed
        announce_agents(pk_set or [])


def group_permissions_changed(
    sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any
) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse and isinstance(instance, Group):
        announce_agents(instance.user_set.values_list("pk", flat=True))


def group_deleted(sender: Any, instance: Group, **kwargs: Any) -> None:
    announce_agents(instance.user_set.values_list("pk", flat=True))


def logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if user is not None:
        announce_agents([user.pk], session_key=key)


def website_saved(sender: Any, instance: Website, created: bool, **kwargs: Any) -> None:
    if not created:
        announce_visitors(instance.pk)


def connect_receivers() -> None:
    """Called from ``AppConfig.ready()``."""
    user_model = get_user_model()
    m2m_changed.connect(website_agents_changed, sender=Website.agents.through, dispatch_uid=UID)
    post_save.connect(user_saved, sender=user_model, dispatch_uid=UID)
    pre_delete.connect(user_deleting, sender=user_model, dispatch_uid=UID)
    post_delete.connect(user_deleted, sender=user_model, dispatch_uid=UID)
    for relation in ("user_permissions", "groups"):
        through = getattr(user_model, relation, None)
        if through is not None:
            m2m_changed.connect(user_rights_changed, sender=through.through, dispatch_uid=UID)
    m2m_changed.connect(
        group_permissions_changed, sender=Group.permissions.through, dispatch_uid=UID
    )
    pre_delete.connect(group_deleted, sender=Group, dispatch_uid=UID)
    user_logged_out.connect(logged_out, dispatch_uid=UID)
    post_save.connect(website_saved, sender=Website, dispatch_uid=UID)
