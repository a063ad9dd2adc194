"""The widget stays light: one static file, under 15 KB gzipped."""

from __future__ import annotations

import gzip
from pathlib import Path

from django.contrib.staticfiles import finders

import django_livechat

ROOT = Path(__file__).resolve().parent.parent
WIDGET = ROOT / "src" / "django_livechat" / "static" / "django_livechat" / "widget.js"
BUDGET = 15 * 1024


def test_widget_is_under_15_kb_gzipped():
    size = len(gzip.compress(WIDGET.read_bytes(), compresslevel=9))
    assert size < BUDGET, f"widget.js is {size} bytes gzipped, over the {BUDGET}-byte budget"


def test_widget_is_served_as_a_static_file():
    # The installed package's copy (a wheel under tox, the checkout when editable) is the
    # file staticfiles finds, byte for byte the committed bundle.
    found = finders.find("django_livechat/widget.js")
    assert found is not None
    installed = Path(django_livechat.__file__).parent / "static" / "django_livechat" / "widget.js"
    assert Path(str(found)).resolve() == installed.resolve()
    assert installed.read_bytes() == WIDGET.read_bytes()


def test_widget_has_no_runtime_dependency():
    # One self-contained classic script: no module syntax, no other file loaded.
    source = WIDGET.read_text(encoding="utf-8")
    assert "import(" not in source
    assert "importScripts" not in source
    assert "\nimport " not in source
    assert "\nexport " not in source
