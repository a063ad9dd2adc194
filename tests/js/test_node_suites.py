"""Runs every JavaScript unit test suite inside pytest: the widget's and the shared modules'
(``tests/js/``) and the dashboard's (``tests/js/dashboard/``), all under node's test runner.

Each ``*.test.mjs`` file is one pytest test, so ``./scripts/test`` runs them with the rest.
Without Node.js they skip, except on CI (``CI`` set), where a missing node is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SUITES = sorted(str(path.relative_to(HERE)) for path in HERE.rglob("*.test.mjs"))


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        message = "Node.js (node) is not on PATH: the JavaScript tests cannot run"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


def test_suites_are_found():
    assert {"outbox.test.mjs", "backoff.test.mjs", "messages.test.mjs"} <= set(SUITES)
    assert {"dashboard/build.test.mjs", "dashboard/replies.test.mjs"} <= set(SUITES)


@pytest.mark.parametrize("suite", SUITES)
def test_node_suite(node, suite):
    result = subprocess.run(
        [node, "--test", str(HERE / suite)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"node --test {suite} failed:\n{result.stdout}\n{result.stderr}"
    assert "# fail 0" in result.stdout
