"""Runs the dashboard's JavaScript unit tests (``node --test tests/dashboard_js/``) in pytest.

Without Node.js they skip, except on CI (``CI`` set), where a missing node is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUITES = sorted((ROOT / "tests" / "dashboard_js").glob("*.test.mjs"))


def test_suites_are_found():
    assert [suite.name for suite in SUITES] == [
        "inbox.test.mjs",
        "replies.test.mjs",
        "socket.test.mjs",
        "sync.test.mjs",
    ]


@pytest.mark.parametrize("suite", SUITES, ids=lambda path: path.name)
def test_node_suite(suite: Path):
    node = shutil.which("node")
    if node is None:
        message = "Node.js (node) is not on PATH: the dashboard's JavaScript tests cannot run"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    result = subprocess.run(
        [node, "--test", str(suite)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, (
        f"node --test {suite.name} failed:\n{result.stdout}\n{result.stderr}"
    )
    assert "# fail 0" in result.stdout
