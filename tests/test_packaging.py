"""The wheel ships everything the app needs at run time, and works when installed alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

import django_livechat

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "src" / "django_livechat"
EXAMPLE_DIR = ROOT / "example_project"
# What a build reads from the repository, besides src/.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "setup.cfg", "setup.py")
NOT_SHIPPED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.egg-info", ".DS_Store", "db.sqlite3*", "staticfiles"
)


def shipped_source_files(subdir: str = "") -> set[str]:
    """Files under src/django_livechat[/subdir], as wheel member names."""
    base = PACKAGE_DIR / subdir
    if not base.is_dir():
        return set()
    return {
        path.relative_to(PACKAGE_DIR.parent).as_posix()
        for path in base.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


@pytest.fixture(scope="session")
def wheel_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Build from a copy, so the build's scratch files never land in the working tree.
    source = tmp_path_factory.mktemp("wheel-source")
    for name in BUILD_INPUTS:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=NOT_SHIPPED)
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--disable-pip-version-check",
            "--quiet",
            "--wheel-dir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"pip wheel failed:\n{result.stdout}\n{result.stderr}"
    (wheel,) = out.glob("dj_livechat-*.whl")
    return wheel


@pytest.fixture(scope="session")
def wheel_members(wheel_path: Path) -> set[str]:
    with zipfile.ZipFile(wheel_path) as archive:
        return set(archive.namelist())


def test_widget_is_served_as_a_static_file():
    # Where the package is installed (a wheel under tox, src/ when editable), not the repo.
    installed = Path(django_livechat.__file__).resolve().parent
    found = finders.find("django_livechat/widget.js")
    assert found is not None
    assert Path(str(found)).resolve() == installed / "static" / "django_livechat" / "widget.js"


def test_wheel_contains_migrations_and_py_typed(wheel_members):
    assert "django_livechat/migrations/0001_initial.py" in wheel_members
    assert "django_livechat/py.typed" in wheel_members
    migrations = {
        name
        for name in wheel_members
        if name.startswith("django_livechat/migrations/")
        and name.endswith(".py")
        and not name.endswith("/__init__.py")
    }
    assert migrations, "the wheel ships no migration"


@pytest.mark.parametrize("subdir", ["templates", "static", "migrations", "locale"])
def test_wheel_contains_every_data_file(wheel_members, subdir):
    missing = shipped_source_files(subdir) - wheel_members
    assert not missing, f"not in the wheel: {sorted(missing)}"


def test_wheel_contains_every_module(wheel_members):
    modules = {name for name in shipped_source_files() if name.endswith(".py")}
    assert "django_livechat/models.py" in modules
    missing = modules - wheel_members
    assert not missing, f"modules not in the wheel (a package without __init__.py?): {missing}"


def test_wheel_metadata_names_the_distribution(wheel_path, wheel_members):
    assert wheel_path.name.startswith("dj_livechat-")
    (metadata,) = [name for name in wheel_members if name.endswith(".dist-info/METADATA")]
    with zipfile.ZipFile(wheel_path) as archive:
        text = archive.read(metadata).decode()
    assert "Name: dj-livechat" in text
    assert "Classifier: Typing :: Typed" in text


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would put src/ or a venv in reach."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(extra)
    return env


@pytest.mark.slow
def test_installed_wheel_serves_the_example_project(wheel_path, tmp_path):
    if not (EXAMPLE_DIR / "manage.py").is_file():
        pytest.skip("example_project/manage.py does not exist yet")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = [
        str(python),
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--quiet",
        f"{wheel_path}[redis]",
    ]
    requirements = EXAMPLE_DIR / "requirements.txt"
    if requirements.is_file():
        install += ["-r", str(requirements)]
    result = subprocess.run(install, capture_output=True, text=True, timeout=600, env=clean_env())
    assert result.returncode == 0, f"installing the wheel failed:\n{result.stderr}"

    # A copy far from src/, so nothing but the installed wheel can be imported.
    project = tmp_path / "example_project"
    shutil.copytree(EXAMPLE_DIR, project, ignore=NOT_SHIPPED)
    env = clean_env(DJANGO_SETTINGS_MODULE="example_project.settings")

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(python), "manage.py", *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    check = manage("check")
    assert check.returncode == 0, f"manage.py check failed:\n{check.stdout}\n{check.stderr}"
    where = manage("shell", "-c", "import django_livechat; print(django_livechat.__file__)")
    assert where.returncode == 0, where.stderr
    installed_at = Path(where.stdout.strip().splitlines()[-1]).resolve()
    assert installed_at.is_relative_to(venv.resolve()), installed_at

    # The installed app serves its own widget script: no static files set up.
    served = manage(
        "shell",
        "-c",
        "from django.test import Client; "
        "r = Client(HTTP_HOST='127.0.0.1').get('/livechat/assets/widget.js'); "
        "print(r.status_code, r['Content-Type'], len(r.content), sep='|')",
    )
    assert served.returncode == 0, served.stderr
    status, content_type, size = served.stdout.strip().splitlines()[-1].split("|")
    assert (status, content_type) == ("200", "text/javascript; charset=utf-8")
    assert int(size) == (PACKAGE_DIR / "static" / "django_livechat" / "widget.js").stat().st_size
