"""HTTP routes; the host mounts them with ``path("livechat/", include("django_livechat.urls"))``.

Names, in the ``django_livechat`` namespace:

* ``dashboard``: ``GET dashboard/``, the agents' live dashboard (login required);
* ``api-conversations``: ``POST api/conversations/``, create or rejoin a conversation;
* ``api-messages``: ``POST api/messages/`` posts a visitor message, ``GET`` lists them;
* ``api-agent-*``: the agents' API under ``api/agent/`` (see
  :mod:`django_livechat.api.agent_views`);
* ``api-schema``: ``GET api/schema/``, the API's OpenAPI 3 schema;
* ``email-unsubscribe``: ``email/unsubscribe/<token>/``, the link in every email.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from django_livechat import assets, email_views, views

app_name = "django_livechat"

urlpatterns: list[URLPattern | URLResolver] = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("assets/<path:name>", assets.serve_asset, name="asset"),
    path("api/", include("django_livechat.api.urls")),
    path(
        "email/unsubscribe/<str:token>/",
        email_views.unsubscribe,
        name="email-unsubscribe",
    ),
]
