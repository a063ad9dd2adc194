"""ASGI entry point: ``uvicorn example_project.asgi:application`` or ``daphne ...``.

HTTP goes to Django, with /static/ (the admin's files) served from the apps' static
folders by Django's ASGI static-files handler, so the project runs the same under any
ASGI server with no collectstatic; django_livechat serves its own scripts itself.
WebSockets go to django_livechat's routes.
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
# Set Django up before importing anything that touches models (the consumers do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from django_livechat.routing import websocket_urlpatterns  # noqa: E402

# No AllowedHostsOriginValidator around the sockets: the widget is embedded on other
# sites, whose origins are not this project's ALLOWED_HOSTS. django_livechat checks each
# socket's Origin against the allowed origins of the website it talks to.
application = ProtocolTypeRouter(
    {
        # Streams files asynchronously (WhiteNoise's sync iterators make Django warn under
        # ASGI). Development and demos only: production serves STATIC_ROOT from elsewhere.
        "http": ASGIStaticFilesHandler(django_asgi_app),
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)
