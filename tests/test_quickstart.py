"""A newcomer's first steps: the README's quick start and the demo (``./scripts/demo``).

The README's quick start, followed to the letter, gives a working chat in a new project.

The blocks come from README.md itself (each follows a ``<!-- quickstart: NAME -->``
comment), so editing the README is what this test tests: ``django-admin startproject
mysite`` with this venv's Python, the settings, URLs and ``asgi.py`` as given, the README's
commands, a page with the README's template tag, ``uvicorn`` as the README says to run it,
and the widget in Chromium sending a message and getting the automatic reply.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from django_livechat.widget_texts import LABELS
from tests import services

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXAMPLE = ROOT / "example_project"
DEMO_SCRIPT = ROOT / "scripts" / "demo"
BLOCK = re.compile(r"<!-- quickstart: ([\w-]+) -->\n```[\w+-]*\n(.*?)```", re.DOTALL)
#: What the README's commands and URLs say, replaced by this test's free port.
README_PORT = "8000"
WEBSITE_ID_PLACEHOLDER = '"8f0c…"'
BIN = Path(sys.executable).parent


def readme_blocks() -> dict[str, str]:
    blocks = dict(BLOCK.findall(README.read_text(encoding="utf-8")))
    expected = {"install", "settings", "urls", "asgi", "commands", "template", "serve", "agent"}
    assert expected <= set(blocks), f"README.md lacks quickstart blocks {expected - set(blocks)}"
    return blocks


def commands(block: str) -> list[list[str]]:
    """The ``$ ...`` lines of a console block, split as a shell would."""
    return [shlex.split(line[2:]) for line in block.splitlines() if line.startswith("$ ")]


def auto_response_text(settings_block: str, name: str) -> str:
    match = re.search(rf'"{name}": (".*?"),', settings_block)
    assert match, f"the README's settings set no {name}"
    return str(ast.literal_eval(match.group(1)))


@dataclass
class Project:
    root: Path
    port: int
    env: dict[str, str]

    def run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        """One of the README's commands, with this venv's ``python`` and the test's port."""
        program, *args = argv
        if program == "python":
            program = sys.executable
        args = [arg.replace(README_PORT, str(self.port)) for arg in args]
        return subprocess.run(
            [program, *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """``startproject mysite`` wired by the README's settings, urls and asgi blocks."""
    blocks = readme_blocks()
    root = tmp_path / "mysite"
    root.mkdir()
    # Nothing from the test run (tests.settings, src/ on the path) may leak into the project.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "PYTHONPATH", "PYTHONHOME"}
    }
    made = subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(root)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    package = root / "mysite"
    with (package / "settings.py").open("a", encoding="utf-8") as settings:
        settings.write("\n# From the README:\n" + blocks["settings"])
        # The test's own page, not part of the quick start.
        settings.write('\nTEMPLATES[0]["DIRS"] = [BASE_DIR / "templates"]\n')
    with (package / "urls.py").open("a", encoding="utf-8") as urls:
        urls.write("\n# From the README:\n" + blocks["urls"])
        urls.write(
            "\nfrom django.views.generic import TemplateView\n\n"
            'urlpatterns += [path("", TemplateView.as_view(template_name="page.html"))]\n'
        )
    (package / "asgi.py").write_text(blocks["asgi"], encoding="utf-8")
    return Project(root, services.free_port(), env)


@pytest.fixture
def website_id(project: Project) -> str:
    """The README's commands (migrate, livechat_create_website, check) run in order."""
    website = ""
    for argv in commands(readme_blocks()["commands"]):
        result = project.run(argv)
        assert result.returncode == 0, f"{shlex.join(argv)} failed:\n{result.stderr}"
        if "livechat_create_website" in argv:
            website = result.stdout.strip().splitlines()[-1]
        if argv[-1] == "check":
            # No warning either: the README's settings are the recommended ones.
            assert "System check identified no issues" in result.stdout, result.stdout
    assert re.fullmatch(r"[0-9a-f-]{36}", website), website
    return website


@pytest.fixture
def server(project: Project, website_id: str) -> Iterator[str]:
    """The project under the README's ASGI server command; yields its base URL."""
    blocks = readme_blocks()
    template = blocks["template"]
    assert WEBSITE_ID_PLACEHOLDER in template
    page = template.replace(WEBSITE_ID_PLACEHOLDER, f'"{website_id}"')
    (project.root / "templates").mkdir()
    (project.root / "templates" / "page.html").write_text(
        f"<!doctype html>\n<html lang='en'><head><title>My site</title></head>\n"
        f"<body><h1>My site</h1>\n{page}</body></html>\n",
        encoding="utf-8",
    )
    (serve,) = commands(blocks["serve"])
    assert serve[0] == "uvicorn"
    argv = [
        str(BIN / "uvicorn"),
        *serve[1:],
        *("--host", "127.0.0.1", "--port", str(project.port)),
        *("--ws", "websockets-sansio", "--lifespan", "off"),
    ]
    log = (project.root / "uvicorn.log").open("w")
    process = subprocess.Popen(
        argv, cwd=project.root, env=project.env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{project.port}/"
    try:
        wait_until_serving(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


def wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "uvicorn exited early"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"nothing answered at {url} within 30 s")


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], b""


def test_readme_install_is_from_source_until_released():
    install = readme_blocks()["install"]
    assert any(argv[:3] == ["pip", "install", "-e"] for argv in commands(install))


def make_agent(project: Project, website_id: str) -> tuple[str, str]:
    """The README's createsuperuser (without its prompts), then the admin's agents step."""
    username, password = "alex", "quick-start-password-1"
    (argv,) = commands(readme_blocks()["agent"])
    env = {**project.env, "DJANGO_SUPERUSER_PASSWORD": password}
    extra = ["--noinput", "--username", username, "--email", "alex@example.com"]
    made = Project(project.root, project.port, env).run(argv + extra)
    assert made.returncode == 0, made.stderr
    # What adding the user to the website's agents in the admin does.
    added = project.run(
        [
            "python",
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth.models import User; "
            "from django_livechat.models import Website; "
            f"Website.objects.get(pk='{website_id}').agents.add(User.objects.get(username='{username}'))",
        ]
    )
    assert added.returncode == 0, added.stderr
    return username, password


def test_widget_works_in_a_project_made_from_the_readme(project, website_id, server, chromium_path):
    from playwright.sync_api import expect, sync_playwright

    # The app serves its script itself: no WhiteNoise, no collectstatic, no STATIC set-up.
    status, content_type, body = fetch(f"{server}livechat/assets/widget.js")
    assert (status, content_type) == (200, "text/javascript; charset=utf-8")
    assert b"LiveChat" in body
    assert fetch(f"{server}static/django_livechat/widget.js")[0] == 404

    # No agent is online yet: the visitor gets the away text the README sets.
    reply = auto_response_text(readme_blocks()["settings"], "AUTO_RESPONSE_AWAY_TEXT")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, args=services.CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(server)
            page.get_by_role("button", name=str(LABELS["openChat"])).click()
            page.get_by_role("textbox", name=str(LABELS["inputLabel"])).fill("Hello there")
            page.get_by_role("button", name=str(LABELS["send"]), exact=True).click()
            log = page.get_by_role("log")
            expect(log).to_contain_text("Hello there")
            expect(log).to_contain_text(reply, timeout=15_000)
            assert errors == []

            # The agent signs in at the dashboard's URL and sees the visitor's message.
            username, password = make_agent(project, website_id)
            dashboard = browser.new_page()
            dashboard.goto(f"{server}livechat/dashboard/")
            dashboard.get_by_label("Username").fill(username)
            dashboard.get_by_label("Password").fill(password)
            dashboard.get_by_label("Password").press("Enter")
            dashboard.wait_for_url(f"{server}livechat/dashboard/")
            inbox = dashboard.get_by_role("navigation")
            expect(inbox).to_contain_text(reply)
            inbox.get_by_role("button", name=re.compile("Visitor")).click()
            expect(dashboard.get_by_role("main")).to_contain_text("Hello there")
        finally:
            browser.close()


# ---- The demo: ./scripts/demo and the example project it serves.


def test_demo_stops_before_its_banner_when_the_port_is_busy():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [str(DEMO_SCRIPT)],
            env={**os.environ, "PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"port {port} is in use: PORT={port + 1} ./scripts/demo" in result.stderr
    assert "django_livechat demo" not in result.stdout + result.stderr
    assert "Installing" not in result.stderr  # it stopped before touching the venv


@pytest.fixture
def demo(tmp_path: Path) -> Project:
    """A copy of the example project, set up as scripts/demo does (its own SQLite file)."""
    root = tmp_path / "example_project"
    shutil.copytree(
        EXAMPLE, root, ignore=shutil.ignore_patterns("db.sqlite3*", "staticfiles", "__pycache__")
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "PYTHONPATH", "REDIS_URL", "DATABASE_URL"}
    }
    project = Project(root, services.free_port(), env)
    migrated = project.run(["python", "manage.py", "migrate", "--noinput", "--verbosity", "0"])
    assert migrated.returncode == 0, migrated.stderr
    return project


def demo_setup(demo: Project) -> str:
    result = demo.run(["python", "manage.py", "demo_setup", "--port", str(demo.port)])
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_demo_setup_makes_an_agent_named_alex_and_a_superuser_idempotently(demo):
    first = demo_setup(demo)
    assert "Demo agent: username 'agent', password 'agent' [created]" in first
    assert "Demo admin: username 'admin', password 'admin' [created]" in first
    assert "labels and canned replies (type / in the dashboard's reply box): 3 and 3" in first
    second = demo_setup(demo)
    assert "labels and canned replies (type / in the dashboard's reply box): 0 and 0" in second
    assert "Demo agent: username 'agent', password 'agent' [reused]" in second
    assert "Demo admin: username 'admin', password 'admin' [reused]" in second
    shown = demo.run(
        [
            "python",
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth import authenticate as a; "
            "agent, admin = a(username='agent', password='agent'), "
            "a(username='admin', password='admin'); "
            "print(agent.first_name, agent.is_superuser, admin.is_superuser, admin.is_staff, "
            "agent.livechat_websites.count(), admin.livechat_websites.count())",
        ]
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[-1].split() == ["Alex", "False", "True", "True", "3", "0"]


def test_demo_serves_icon_admin_and_widget_without_warnings(demo):
    demo_setup(demo)
    argv = [
        str(BIN / "uvicorn"),
        *("--app-dir", str(demo.root), "--host", "127.0.0.1", "--port", str(demo.port)),
        *("--lifespan", "off", "--ws", "websockets-sansio", "example_project.asgi:application"),
    ]
    log_path = demo.root / "uvicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(argv, env=demo.env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{demo.port}/"
        try:
            wait_until_serving(url, process)
            status, _, home = fetch(url)
            assert status == 200
            assert b'rel="icon" href="/favicon.ico"' in home
            assert fetch(f"{url}favicon.ico")[:2] == (200, "image/svg+xml")
            assert fetch(f"{url}admin/login/")[0] == 200
            assert fetch(f"{url}static/admin/css/base.css")[:2] == (200, "text/css")
            widget = fetch(f"{url}livechat/assets/widget.js")
            assert widget[:2] == (200, "text/javascript; charset=utf-8")
        finally:
            process.terminate()
            process.wait(timeout=15)
    text = log_path.read_text()
    assert "StreamingHttpResponse" not in text, text
    assert "Warning" not in text, text
    assert " 404 " not in text, text
