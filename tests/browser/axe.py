"""axe-core (through axe-playwright-python) on a page, at the two widths the product promises.

``assert_accessible(page)`` runs axe-core against the page as it is and fails with the
serious and critical violations it reports, one line each (rule, impact, the first nodes).
Moderate and minor ones are returned for a test that wants to hold those too.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}
BLOCKING = frozenset({"serious", "critical"})

_axe = Axe()


def violations(page: Page, context: Any = None) -> list[dict[str, Any]]:
    """Every violation axe-core finds on ``page`` (or inside ``context``, a CSS selector)."""
    results = _axe.run(page, context=context)
    return list(results.response["violations"])


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for violation in found:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return "\n".join(lines)


def assert_accessible(page: Page, context: Any = None) -> list[dict[str, Any]]:
    """Fail on serious or critical violations; return the rest (moderate, minor)."""
    found = violations(page, context)
    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert not blocking, "axe-core found:\n" + describe(blocking)
    return [v for v in found if v["impact"] not in BLOCKING]
