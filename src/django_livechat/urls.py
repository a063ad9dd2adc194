"""HTTP routes; the host mounts them with ``path("livechat/", include("django_livechat.urls"))``.

Names, in the ``django_livechat`` namespace:

* ``api-conversations``: ``POST api/conversations/``, create or rejoin a conversation;
* ``api-messages``: ``POST api/messages/`` posts a visitor message, ``GET`` lists them;
* ``api-schema``: ``GET api/schema/``, the API's OpenAPI 3 schema.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

app_name = "django_livechat"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/", include("django_livechat.api.urls")),
]
