from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from django_livechat.origins import normalize_origin, origin_allowed, validate_origin_list


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://example.com", "https://example.com"),
        ("HTTPS://Example.COM", "https://example.com"),
        ("https://example.com:443", "https://example.com"),
        ("http://example.com:80", "http://example.com"),
        ("http://example.com:443", "http://example.com:443"),
        ("https://example.com:8443", "https://example.com:8443"),
        ("https://example.com/", "https://example.com"),
        ("  https://example.com  ", "https://example.com"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("http://[::1]:80", "http://[::1]"),
        ("HTTP://[2001:DB8::1]", "http://[2001:db8::1]"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
    ],
)
def test_normalize_origin(value, expected):
    assert normalize_origin(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "non-empty"),
        ("   ", "non-empty"),
        (None, "non-empty"),
        (["https://example.com"], "non-empty"),
        ("example.com", "scheme"),
        ("ftp://example.com", "scheme"),
        ("null", "scheme"),
        ("ws://example.com", "scheme"),
        ("https://", "host"),
        ("https://user@example.com", "credentials"),
        ("https://user:secret@example.com", "credentials"),
        ("https://example.com/path", "path"),
        ("https://example.com/?a=1", "query"),
        ("https://example.com#top", "fragment"),
        ("https://*.example.com", "wildcards"),
        ("https://exa mple.com", "spaces"),
        ("https://example.com:99999", "Port"),
        ("https://example.com:http", "Port"),
    ],
)
def test_normalize_origin_rejects(value, reason):
    with pytest.raises(ValueError, match=reason):
        normalize_origin(value)


def test_validate_origin_list_accepts_valid_origins():
    validate_origin_list([])
    validate_origin_list(["https://example.com", "HTTP://localhost:8000"])


def test_validate_origin_list_rejects_a_bad_item():
    with pytest.raises(ValidationError) as excinfo:
        validate_origin_list(["https://example.com", "https://example.com/path"])
    assert excinfo.value.code == "invalid_origin"
    assert "https://example.com/path" in excinfo.value.messages[0]


@pytest.mark.parametrize("value", ["https://example.com", {"https://example.com": True}, None])
def test_validate_origin_list_rejects_a_non_list(value):
    with pytest.raises(ValidationError) as excinfo:
        validate_origin_list(value)
    assert excinfo.value.code == "invalid"


@pytest.mark.parametrize(
    ("origin", "allowed", "expected"),
    [
        ("https://example.com", ["https://example.com"], True),
        ("https://example.com", ["HTTPS://Example.com:443/"], True),
        ("HTTPS://EXAMPLE.COM:443", ["https://example.com"], True),
        ("https://xn--bcher-kva.example", ["https://bücher.example"], True),
        ("https://example.com", ["not an origin", "https://example.com"], True),
        ("http://example.com", ["https://example.com"], False),
        ("https://example.com:8443", ["https://example.com"], False),
        ("https://sub.example.com", ["https://example.com"], False),
        ("https://example.com.evil.test", ["https://example.com"], False),
        ("https://example.com", [], False),
        ("null", ["https://example.com"], False),
        ("", ["https://example.com"], False),
        (None, ["https://example.com"], False),
        ("https://example.com/path", ["https://example.com"], False),
    ],
)
def test_origin_allowed(origin, allowed, expected):
    assert origin_allowed(origin, allowed) is expected
