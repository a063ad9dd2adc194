"""The example project as a real server process, for the browser tests and the fault tests.

:class:`LiveServer` runs ``example_project`` under ``uvicorn`` in a subprocess on a fixed
127.0.0.1 port, with its own database (a SQLite file in its work directory, or
``database_url``, for example a :class:`tests.services.PostgresServer`) and a Redis channel
layer. It can be stopped (``stop()``: SIGTERM, a graceful shutdown) or killed
(``kill()``: SIGKILL, a crash) and started again on the same port and database.
``extra_env`` reaches the project's settings, for example ``LIVECHAT_SETTINGS_JSON`` (see
``example_project/example_project/settings.py``) to shorten ``RESPONDER_TIMEOUT``.

Also here: what the browser tests need to embed the server's widget in pages of their own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests import services

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "example_project"
WEBSITE_NAME = "Demo site"  # what demo_setup creates
AGENT_LOGIN = ("agent", "agent")  # demo_setup's agent: username, password
# Quick reconnection, so that a restart or a blocked socket shows within seconds.
FAST_RECONNECT = {"reconnectBaseDelay": 0.2, "pollInterval": 0.5}


#: The tests' visitors all come from 127.0.0.1: the limits per client address, which would
#: hold them to one visitor's share, are off (the per-conversation ones stay).
ONE_MACHINE = {"RATE_LIMIT_ADDRESS_MESSAGES": 0, "RATE_LIMIT_ADDRESS_CONVERSATIONS": 0}


@dataclass
class LiveServer:
    """The example project under uvicorn; ``stop()``/``kill()`` and ``start()`` keep port
    and data."""

    workdir: Path
    redis_url: str
    #: Empty: a SQLite file in ``workdir``.
    database_url: str = ""
    #: Added to the server's environment (and to ``manage()``'s).
    extra_env: dict[str, str] = field(default_factory=dict)
    #: ``LIVECHAT`` settings merged over the example project's (LIVECHAT_SETTINGS_JSON),
    #: over :data:`ONE_MACHINE`.
    livechat: dict[str, Any] = field(default_factory=dict)
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

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
        env.update(
            DJANGO_SETTINGS_MODULE="example_project.settings",
            DATABASE_URL=self.database_url or f"sqlite:///{self.workdir / 'db.sqlite3'}",
            REDIS_URL=self.redis_url,
            PYTHONPATH=os.pathsep.join(
                [str(ROOT), str(EXAMPLE), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        )
        env["LIVECHAT_SETTINGS_JSON"] = json.dumps({**ONE_MACHINE, **self.livechat})
        env.update(self.extra_env)
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

    def call(self, function: str, *args: Any, module: str = "tests.browser.server_side") -> Any:
        """``<module>.<function>(*args)`` run in the project (``manage.py shell``): its result."""
        code = (
            f"import json, importlib; server_side = importlib.import_module({module!r}); "
            f"print(json.dumps(server_side.{function}(*json.loads({json.dumps(args)!r}))))"
        )
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])

    def start(self, timeout: float = 60.0) -> None:
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
        self.wait_until_up(timeout)

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

    def agents_online(self) -> int:
        """The demo website's ``agents_online``, as its widget-settings endpoint says."""
        request = urllib.request.Request(
            f"{self.url}livechat/api/websites/{self.website_id}/widget/",
            headers={"Origin": self.origin},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(json.load(response)["agents_online"])

    def wait_until_no_agent_online(self, timeout: float = 90.0) -> None:
        """Wait for earlier tests' dashboards to be gone: a socket closed cleanly leaves at
        once, one of a killed server only when its presence expires (about a minute)."""
        deadline = time.monotonic() + timeout
        while (online := self.agents_online()) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert online == 0, f"{online} agent(s) still online after {timeout}s"

    def stop(self) -> None:
        if self.process is not None:
            services.stop_process(self.process)  # by PID: terminate, then kill if it hangs
            self.process = None

    def kill(self) -> None:
        """SIGKILL by PID, as a crash: no shutdown, open sockets reset, tasks lost."""
        if self.process is not None:
            if self.process.poll() is None:
                os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def log_tail(self, chars: int = 4000) -> str:
        path = self.workdir / "server.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""


def embed_snippet(server: LiveServer, nonce: str = "", **config: Any) -> str:
    """The docs' copy-paste snippet for a page that is not served by Django."""
    settings = {"apiUrl": f"{server.url}livechat/", "websiteId": server.website_id, **config}
    attribute = f' nonce="{nonce}"' if nonce else ""
    return (
        f"<script{attribute}>window.ChatBotConfig = {json.dumps(settings)};</script>\n"
        f'<script async src="{server.url}livechat/assets/widget.js"{attribute}></script>'
    )


#: Set to 1 to rewrite the README's screenshots in docs/images/ (otherwise the browser
#: tests take them into tests/.artifacts/, so a test run leaves tracked files alone).
UPDATE_SCREENSHOTS_ENV = "LIVECHAT_UPDATE_SCREENSHOTS"


def screenshot_path(name: str) -> Path:
    """Where a browser test saves the screenshot ``name`` (see :data:`UPDATE_SCREENSHOTS_ENV`)."""
    if os.environ.get(UPDATE_SCREENSHOTS_ENV) == "1":
        folder = ROOT / "docs" / "images"
    else:
        folder = ROOT / "tests" / ".artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
