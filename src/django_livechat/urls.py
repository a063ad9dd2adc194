"""HTTP routes; the host mounts them with ``path("livechat/", include("django_livechat.urls"))``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "django_livechat"

urlpatterns: list[URLPattern | URLResolver] = []
