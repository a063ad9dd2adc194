"""Sphinx configuration for the django_livechat documentation."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Read the version from the package source so the docs build needs neither Django nor an
# installed package.
_init = (ROOT / "src" / "django_livechat" / "__init__.py").read_text(encoding="utf-8")
release = re.search(r'^__version__ = "([^"]+)"', _init, re.MULTILINE).group(1)
version = release

project = "django_livechat"
author = "django_livechat developers"
copyright = "django_livechat developers"

extensions = ["myst_parser"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "requirements.txt"]

# CHANGELOG.md is included into changelog.rst; its "##" headings start at level 2.
myst_heading_anchors = 2

html_theme = "furo"
html_title = f"django_livechat {release}"
