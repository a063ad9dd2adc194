"""The settings page documents every setting and every system check id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from django_livechat import checks
from django_livechat.conf import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_PAGE = ROOT / "docs" / "settings.rst"
CHECKS_SOURCE = ROOT / "src" / "django_livechat" / "checks.py"
CHECK_ID = re.compile(r"django_livechat\.[EW]\d{3}")


def check_ids_in_source() -> set[str]:
    literal = set(CHECK_ID.findall(CHECKS_SOURCE.read_text(encoding="utf-8")))
    # VALUE_RULES ids are formatted into f"django_livechat.{check_id}".
    from_rules = {f"django_livechat.{check_id}" for check_id, _, _ in checks.VALUE_RULES.values()}
    return literal | from_rules


@pytest.fixture(scope="module")
def settings_page() -> str:
    return SETTINGS_PAGE.read_text(encoding="utf-8")


def test_source_has_the_expected_check_ids():
    ids = check_ids_in_source()
    # A guard against the regex or VALUE_RULES silently matching nothing.
    assert {"django_livechat.E001", "django_livechat.E017", "django_livechat.W004"} <= ids


@pytest.mark.parametrize("check_id", sorted(check_ids_in_source()))
def test_every_check_id_is_documented(settings_page, check_id):
    assert f"``{check_id}``" in settings_page


def test_no_documented_check_id_is_stale(settings_page):
    documented = set(re.findall(r"``(django_livechat\.[EW]\d{3})``", settings_page))
    assert documented - check_ids_in_source() == set()


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_every_setting_is_documented(settings_page, name):
    assert f"* - ``{name}``" in settings_page


def test_no_documented_setting_is_stale(settings_page):
    documented = set(re.findall(r"^   \* - ``([A-Z_]+)``$", settings_page, re.MULTILINE))
    assert documented - set(DEFAULTS) == set()
