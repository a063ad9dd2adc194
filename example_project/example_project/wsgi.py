"""WSGI entry point, for ``manage.py runserver`` and WSGI servers.

WSGI serves the pages and the admin only; chat sockets need the ASGI application in
:mod:`example_project.asgi`.
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")

application = get_wsgi_application()
