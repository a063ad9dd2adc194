"""Small builders shared by the tests."""

from __future__ import annotations

from typing import Any

from django_livechat.models import Website

SHOP_ORIGIN = "https://shop.example.com"


def make_website(**fields: Any) -> Website:
    fields.setdefault("name", "Shop")
    fields.setdefault("allowed_origins", [SHOP_ORIGIN])
    return Website.objects.create(**fields)


def make_user(username: str, *, agent: bool = True, **fields: Any) -> Any:
    """A user; with ``agent`` (the default) given the permission to answer chats."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user(username, password="pw", **fields)
    if agent:
        user.user_permissions.add(Permission.objects.get(codename="reply_conversation"))
    return user
