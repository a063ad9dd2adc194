"""Small builders shared by the tests."""

from __future__ import annotations

from typing import Any

from django_livechat.models import Website

SHOP_ORIGIN = "https://shop.example.com"


def make_website(**fields: Any) -> Website:
    fields.setdefault("name", "Shop")
    fields.setdefault("allowed_origins", [SHOP_ORIGIN])
    return Website.objects.create(**fields)
