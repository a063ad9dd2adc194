from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivechatConfig(AppConfig):
    name = "django_livechat"
    verbose_name = _("Live chat")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from django_livechat import (
            checks,  # noqa: F401  (registers the system checks)
            grants,
        )
        from django_livechat.api.cors import connect_receivers
        from django_livechat.sqlite import configure_sqlite_connection

        connection_created.connect(
            configure_sqlite_connection, dispatch_uid="django_livechat.sqlite"
        )
        # CORS on the HTTP API for the origins that active websites list.
        connect_receivers()
        # Open sockets hear when an agent's or a website's access changes.
        grants.connect_receivers()
