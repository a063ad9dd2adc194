from __future__ import annotations

from django.test import override_settings

from django_livechat.consumers.base import FRAME_OVERHEAD, header, max_frame_length


def test_header_finds_the_first_match_and_decodes_latin1():
    scope = {
        "headers": [(b"host", b"a"), (b"origin", b"https://caf\xe9.example"), (b"origin", b"x")]
    }
    assert header(scope, b"origin") == "https://café.example"
    assert header(scope, b"cookie") is None
    assert header({}, b"origin") is None


@override_settings(LIVECHAT={"MAX_MESSAGE_LENGTH": 100})
def test_the_frame_limit_follows_the_message_limit():
    assert max_frame_length() == 1200 + FRAME_OVERHEAD
