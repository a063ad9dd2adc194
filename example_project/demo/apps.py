from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The example project's own app: its home page, FAQ responder and demo data."""

    name = "demo"
    verbose_name = "django_livechat demo"
    default_auto_field = "django.db.models.BigAutoField"
