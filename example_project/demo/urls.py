"""The demo help centre's pages, included by the project at ``help/``."""

from __future__ import annotations

from django.urls import path

from demo import views

urlpatterns = [
    path("", views.help_index, name="help"),
    path("<slug:slug>/", views.help_page, name="help_page"),
]
