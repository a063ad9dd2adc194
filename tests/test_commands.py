from __future__ import annotations

import os
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from django_livechat.models import Website

REPO = Path(__file__).resolve().parent.parent


def create_website(*args):
    stdout, stderr = StringIO(), StringIO()
    call_command("livechat_create_website", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


@pytest.mark.django_db
def test_creates_an_active_website_and_prints_its_id():
    stdout, stderr = create_website(
        "Shop",
        "--origin",
        "https://shop.example.com",
        "--origin",
        "HTTPS://Shop.Example.com:443",
        "--origin",
        "http://localhost:8000/",
    )
    website = Website.objects.get()
    assert website.name == "Shop"
    assert website.is_active
    assert website.allowed_origins == ["https://shop.example.com", "http://localhost:8000"]
    assert website.auto_response_text == ""
    lines = stdout.splitlines()
    assert uuid.UUID(lines[-1]) == website.pk
    assert lines[-1] == str(website.pk)
    assert "https://shop.example.com" in lines[0]
    assert stderr == ""


@pytest.mark.django_db
def test_verbosity_0_prints_only_the_id():
    stdout, _ = create_website("Shop", "--origin", "https://shop.example.com", "--verbosity", "0")
    assert stdout == f"{Website.objects.get().pk}\n"


@pytest.mark.django_db
def test_name_is_stripped_and_auto_response_kept():
    create_website("  Shop  ", "--origin", "https://shop.example.com", "--auto-response", "Hi!")
    website = Website.objects.get()
    assert website.name == "Shop"
    assert website.auto_response_text == "Hi!"


@pytest.mark.django_db
def test_no_origin_warns_but_creates():
    stdout, stderr = create_website("Shop")
    website = Website.objects.get()
    assert website.allowed_origins == []
    assert "no --origin given" in stderr
    assert stdout.splitlines()[-1] == str(website.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "origin", ["https://shop.example.com/path", "shop.example.com", "https://*.example.com"]
)
def test_a_malformed_origin_creates_nothing(origin):
    with pytest.raises(CommandError, match="Bad --origin") as excinfo:
        create_website("Shop", "--origin", "https://ok.example.com", "--origin", origin)
    assert repr(origin) in str(excinfo.value)
    assert not Website.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_name_is_refused(name):
    with pytest.raises(CommandError, match="name must not be empty"):
        create_website(name, "--origin", "https://shop.example.com")
    assert not Website.objects.exists()


@pytest.mark.django_db
def test_a_too_long_name_is_refused():
    with pytest.raises(CommandError, match="too long"):
        create_website("x" * 201)
    create_website("x" * 200)
    assert Website.objects.get().name == "x" * 200


@pytest.mark.django_db
def test_a_missing_name_is_refused():
    with pytest.raises(CommandError, match="required: name"):
        create_website("--origin", "https://shop.example.com")
    assert not Website.objects.exists()


# From a shell, as the docs show it ---------------------------------------------------------


@pytest.fixture
def manage(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]),
        # A database of its own, away from the test run's.
        "LIVECHAT_TEST_TMPDIR": str(tmp_path),
    }
    env.pop("LIVECHAT_TEST_POSTGRES_URL", None)

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "django", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )

    return run


def test_shell_malformed_origin(manage):
    result = manage("livechat_create_website", "Shop", "--origin", "https://shop.example.com/x")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "CommandError: Bad --origin: 'https://shop.example.com/x' is not a valid origin" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_shell_missing_name(manage):
    result = manage("livechat_create_website", "--origin", "https://shop.example.com")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "the following arguments are required: name" in result.stderr
    assert "Traceback" not in result.stderr


def test_shell_success_prints_the_id_last(manage):
    migrate = manage("migrate", "--verbosity", "0")
    assert migrate.returncode == 0, migrate.stderr
    result = manage("livechat_create_website", "Shop", "--origin", "https://shop.example.com")
    assert result.returncode == 0, result.stderr
    website_id = uuid.UUID(result.stdout.splitlines()[-1])
    listing = manage(
        "shell",
        "-c",
        "from django_livechat.models import Website; "
        "print([(str(w.pk), w.name, w.allowed_origins) for w in Website.objects.all()])",
    )
    assert listing.returncode == 0, listing.stderr
    stored = [(str(website_id), "Shop", ["https://shop.example.com"])]
    assert listing.stdout.splitlines()[-1] == str(stored)
