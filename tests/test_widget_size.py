"""The widget stays light: the core under 15 KB gzipped, the extras it loads when needed
under 12 KB."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

import django_livechat

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "src" / "django_livechat" / "static" / "django_livechat"
WIDGET = STATIC / "widget.js"
EXTRAS = STATIC / "widget-extras.js"
BUDGET = 15 * 1024
EXTRAS_BUDGET = 12 * 1024


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def test_widget_is_under_15_kb_gzipped():
    size = gzipped(WIDGET)
    assert size < BUDGET, f"widget.js is {size} bytes gzipped, over the {BUDGET}-byte budget"


def test_extras_are_under_12_kb_gzipped():
    size = gzipped(EXTRAS)
    assert size < EXTRAS_BUDGET, (
        f"widget-extras.js is {size} bytes gzipped, over the {EXTRAS_BUDGET}-byte budget"
    )


@pytest.mark.parametrize("name", ["widget.js", "widget-extras.js"])
def test_widget_is_served_as_a_static_file(name):
    # The installed package's copy (a wheel under tox, the checkout when editable) is the
    # file staticfiles finds, byte for byte the committed bundle.
    found = finders.find(f"django_livechat/{name}")
    assert found is not None
    installed = Path(django_livechat.__file__).parent / "static" / "django_livechat" / name
    assert Path(str(found)).resolve() == installed.resolve()
    assert installed.read_bytes() == (STATIC / name).read_bytes()


@pytest.mark.parametrize("path", [WIDGET, EXTRAS], ids=["widget.js", "widget-extras.js"])
def test_widget_has_no_runtime_dependency(path):
    # Classic scripts, no module syntax; the core loads only its own extras (a script element).
    source = path.read_text(encoding="utf-8")
    assert "import(" not in source
    assert "importScripts" not in source
    assert "\nimport " not in source
    assert "\nexport " not in source
