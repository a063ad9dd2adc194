"""The HTTP fallback: a small DRF API over the same pipeline as the visitor socket.

The host mounts it with the rest of the app's URLs
(``path("livechat/", include("django_livechat.urls"))``), which gives:

* ``POST api/conversations/``: create or rejoin a conversation;
* ``POST api/messages/``: post a visitor message (``Authorization: Bearer <visitor_token>``);
* ``GET api/messages/?after_seq=N``: the conversation's messages after ``N`` (polling);
* ``GET api/schema/``: the OpenAPI 3 schema of these three operations.

The views set their renderer, parser, authentication, permission and throttle classes
themselves, so the host's ``REST_FRAMEWORK`` settings neither need changing nor apply.
"""

from __future__ import annotations
