"""Input checks: every transport's limits, applied once."""

from __future__ import annotations

import re
import sys

import pytest
from django.test import override_settings

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.pipeline import validation


def test_clean_text():
    assert pipeline.clean_text("  hi  ") == "hi"
    for bad in ("", "   ", None, 3, ["x"], "a\x00b"):
        with pytest.raises(ChatError) as info:
            pipeline.clean_text(bad)
        assert info.value.code == errors.INVALID_MESSAGE
    with override_settings(LIVECHAT={"MAX_MESSAGE_LENGTH": 3}):
        assert pipeline.clean_text("abc") == "abc"
        with pytest.raises(ChatError) as info:
            pipeline.clean_text("abcd")
        assert info.value.code == errors.MESSAGE_TOO_LONG


def test_clean_client_id():
    for good in ("abc", "x" * 64, "c 1", "café-7", "\U0001f600", "\u200b\u202e"):
        assert pipeline.clean_client_id(good) == good
    made_up = pipeline.clean_client_id(None)
    assert len(made_up) == 32 and made_up != pipeline.clean_client_id(None)
    for bad in ("", "x" * 65, 5, "tab\there", "nul\x00", "\x85", "line\u2028", "\ud800"):
        with pytest.raises(ChatError) as info:
            pipeline.clean_client_id(bad)
        assert info.value.code == errors.INVALID_MESSAGE


def test_whitespace_is_what_strip_removes():
    """The pattern the API's schema states for a message's text (validation.MESSAGE_TEXT)
    spells whitespace out; it must be exactly str.isspace()."""
    whitespace = re.compile(f"[{validation.WHITESPACE}]")
    for code_point in range(sys.maxunicode + 1):
        character = chr(code_point)
        assert bool(whitespace.fullmatch(character)) == character.isspace(), hex(code_point)


@pytest.mark.parametrize(
    "text",
    ["hi", "  hi  ", "", " ", "\t\n\x1c\x85\u3000", "\ufeff", "a\x00", "\x00", "x" * 5000],
)
def test_the_schema_patterns_agree_with_the_checks(text):
    def accepted(check, value):
        try:
            check(value)
        except ChatError:
            return False
        return True

    # Length is a separate schema keyword (maxLength), so the pattern ignores it.
    with override_settings(LIVECHAT={"MAX_MESSAGE_LENGTH": 10_000}):
        assert accepted(pipeline.clean_text, text) == bool(
            re.fullmatch(validation.MESSAGE_TEXT, text)
        )
    assert accepted(pipeline.clean_client_id, text) == bool(
        re.fullmatch(validation.CLIENT_ID, text)
    )
    assert ("\x00" not in text) == bool(re.fullmatch(validation.STORABLE_TEXT, text))
