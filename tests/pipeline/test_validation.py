"""Input checks: every transport's limits, applied once."""

from __future__ import annotations

import pytest
from django.test import override_settings

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError


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
    assert pipeline.clean_client_id("abc") == "abc"
    made_up = pipeline.clean_client_id(None)
    assert len(made_up) == 32 and made_up != pipeline.clean_client_id(None)
    for bad in ("", "x" * 65, 5, "tab\there"):
        with pytest.raises(ChatError) as info:
            pipeline.clean_client_id(bad)
        assert info.value.code == errors.INVALID_MESSAGE
