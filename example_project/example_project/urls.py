"""URLs of the example host project: its own page, the admin and django_livechat."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from demo import views

urlpatterns = [
    path("", views.index, name="index"),
    path("prechat/", views.prechat, name="prechat"),
    path("help/", include("demo.urls")),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("livechat/", include("django_livechat.urls")),
]
