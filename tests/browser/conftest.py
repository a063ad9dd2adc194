"""A real example project for the browser tests, and pages of other origins that embed it.

* ``live_server`` (package): ``uvicorn`` serving ``example_project`` on a free 127.0.0.1
  port, with its own SQLite file and a Redis channel layer (so that the test process can
  broadcast as the agents' side does); it can be stopped and started again on the same
  port and database.
* ``embed_sites`` (package): two tiny HTTP servers on other ports serving pages that embed
  the widget with the snippet from the docs; the first is an allowed origin of the demo
  website, the second is not.
* ``browser`` (package) and ``context`` / ``page``: Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests import services

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "example_project"
WEBSITE_NAME = "Demo site"  # what demo_setup creates
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Quick reconnection, so that a restart or a blocked socket shows within seconds.
FAST_RECONNECT = {"reconnectBaseDelay": 0.2, "pollInterval": 0.5}


@dataclass
class LiveServer:
    """The example project under uvicorn; ``stop()`` and ``start()`` keep port and data."""

    workdir: Path
    redis_url: str
    port: int = field(default_factory=services.free_port)
    process: subprocess.Popen[bytes] | None = None
    website_id: str = ""
    identity_secret: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
        env.update(
            DJANGO_SETTINGS_MODULE="example_project.settings",
            DATABASE_URL=f"sqlite:///{self.workdir / 'db.sqlite3'}",
            REDIS_URL=self.redis_url,
            PYTHONPATH=os.pathsep.join([str(ROOT), str(EXAMPLE)]),
        )
        return env

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, str(EXAMPLE / "manage.py"), *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"manage.py {args[0]} failed:\n{result.stderr}"
        return result.stdout

    def call(self, function: str, *args: Any) -> Any:
        """``tests.browser.server_side.<function>(*args)`` in the project, its result."""
        code = (
            "import json; from tests.browser import server_side; "
            f"print(json.dumps(server_side.{function}(*json.loads({json.dumps(args)!r}))))"
        )
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])

    def start(self) -> None:
        log = (self.workdir / "server.log").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(EXAMPLE),
                "example_project.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--ws",
                "websockets-sansio",
                "--timeout-graceful-shutdown",
                "3",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.wait_until_up()

    def wait_until_up(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise services.ServiceStartError(f"uvicorn exited:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise services.ServiceStartError(
            f"uvicorn did not answer in {timeout}s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.process is not None:
            services.stop_process(self.process)  # by PID: terminate, then kill if it hangs
            self.process = None

    def log_tail(self) -> str:
        path = self.workdir / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


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


def embed_snippet(server: LiveServer, nonce: str = "", **config: Any) -> str:
    """The docs' copy-paste snippet for a page that is not served by Django."""
    settings = {"apiUrl": f"{server.url}livechat/", "websiteId": server.website_id, **config}
    attribute = f' nonce="{nonce}"' if nonce else ""
    return (
        f"<script{attribute}>window.ChatBotConfig = {json.dumps(settings)};</script>\n"
        f'<script async src="{server.url}static/django_livechat/widget.js"{attribute}></script>'
    )


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
