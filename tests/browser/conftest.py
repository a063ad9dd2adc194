"""A real example project for the browser tests, and pages of other origins that embed it.

* ``live_server`` (package): a :class:`tests.live_server.LiveServer`, ``uvicorn`` serving
  ``example_project`` on a free 127.0.0.1 port, with its own SQLite file and a Redis channel
  layer (so that the test process can broadcast as the agents' side does); it can be
  stopped and started again on the same port and database.
* ``embed_sites`` (package): two tiny HTTP servers on other ports serving pages that embed
  the widget with the snippet from the docs; the first is an allowed origin of the demo
  website, the second is not.
* ``browser`` (package) and ``context`` / ``page``: Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.live_server import WEBSITE_NAME, LiveServer
from tests.services import CHROMIUM_ARGS


@pytest.fixture(autouse=True)
def _live_server_helper() -> None:
    """Replaces pytest-django's hook for its own ``live_server`` fixture, which this package's
    ``live_server`` (uvicorn in a subprocess) shadows: that hook would set up the test
    database in this process, where Playwright's event loop is running."""


@pytest.fixture(scope="package")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, chromium_path: str
) -> Iterator[LiveServer]:
    # A Redis database of its own, away from the other tests' flushes.
    server = LiveServer(tmp_path_factory.mktemp("live"), redis_url.rsplit("/", 1)[0] + "/7")
    server.manage("migrate", "--verbosity", "0")
    server.manage("demo_setup", "--port", str(server.port))
    site = server.call("website", WEBSITE_NAME)
    server.website_id, server.identity_secret = site["id"], site["secret"]
    try:
        server.start()
        yield server
    finally:
        server.stop()


class EmbedSite:
    """A page server on its own port: another origin than the chat server's."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, dict[str, str]]] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body, headers = site.pages.get(self.path.split("?")[0], (None, {}))
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def page(self, path: str, html: str, headers: dict[str, str] | None = None) -> str:
        self.pages[path] = (html, headers or {})
        return self.origin + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="package")
def embed_sites(live_server: LiveServer) -> Iterator[tuple[EmbedSite, EmbedSite]]:
    allowed, foreign = EmbedSite(), EmbedSite()
    live_server.call("allow_origin", WEBSITE_NAME, allowed.origin)
    try:
        yield allowed, foreign
    finally:
        allowed.close()
        foreign.close()


@pytest.fixture(scope="package")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 760})
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture
def page(context: Any) -> Any:
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


@pytest.fixture
def bot(live_server: LiveServer) -> Iterator[LiveServer]:
    """The demo website answers with ``tests.browser.bots.streaming`` (its own
    ``responder``) for one test; the server process reads the change within
    ``WEBSITE_BOTS_TTL``."""
    from django_livechat.pipeline.replies import WEBSITE_BOTS_TTL
    from tests.browser.bots import PATH

    live_server.call("use_responder", WEBSITE_NAME, PATH, module="tests.browser.bots")
    time.sleep(WEBSITE_BOTS_TTL + 0.2)
    try:
        yield live_server
    finally:
        live_server.call("use_responder", WEBSITE_NAME, "", module="tests.browser.bots")
        time.sleep(WEBSITE_BOTS_TTL + 0.2)
