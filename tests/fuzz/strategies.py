"""Hypothesis strategies for hostile input, shared by the fuzz tests.

Any JSON value where a field is expected, text nobody expects (lone surrogates, NUL,
astral characters, bidirectional marks, separators), frames of every type with anything in
any field, JSON nested past every limit, and frames around the size limits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

#: Characters that have broken chat servers: NUL and other controls, lone surrogates
#: (which JSON's \\u escapes can carry), astral characters (two UTF-16 units), direction
#: marks and overrides, zero-width and separator characters, a BOM, noncharacters.
HOSTILE_CHARACTERS = (
    "\x00",
    "\x01",
    "\x1f",
    "\x7f",
    "\x85",
    "\ud800",
    "\udbff",
    "\udfff",
    "\U0001f600",
    "\U0001f1f3\U0001f1f4",
    "\U0010ffff",
    "\u200b",
    "\u200e",
    "\u200f",
    "\u202e",
    "\u2066",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\uffff",
    "\xa0",
    "\u3000",
    "é",
    "ß",
    "\u0301",
    " ",
    "\t",
    "\n",
    "\r",
    '"',
    "\\",
    "'",
    "<",
    "%",
    "a",
    "0",
)

#: Every code point, surrogates included.
ANY_CHARACTER = st.characters(exclude_categories=())


def hostile_text(max_size: int = 24) -> SearchStrategy[str]:
    """Short text, often made of :data:`HOSTILE_CHARACTERS`."""
    return st.one_of(
        st.lists(st.sampled_from(HOSTILE_CHARACTERS), max_size=max_size).map("".join),
        st.text(ANY_CHARACTER, max_size=max_size),
        st.text(max_size=max_size),
    )


def header_text(max_size: int = 40) -> SearchStrategy[str]:
    """What an HTTP header value can hold (Latin-1)."""
    return st.text(st.characters(max_codepoint=255, exclude_categories=()), max_size=max_size)


SCALARS: SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN and the infinities too: json.dumps writes them, json.loads reads them
    hostile_text(),
)


def json_values(max_leaves: int = 10) -> SearchStrategy[Any]:
    """Any JSON value (as Python's json module reads and writes it)."""
    return st.recursive(
        SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(hostile_text(8), inner, max_size=4),
        ),
        max_leaves=max_leaves,
    )


def nested(depth: int, leaf: Any = 1, *, kind: str = "list") -> Any:
    """``leaf`` inside ``depth`` lists or objects."""
    value = leaf
    for _ in range(depth):
        value = [value] if kind == "list" else {"d": value}
    return value


def deep_values() -> SearchStrategy[Any]:
    """JSON nested a little past the limits (json.dumps itself recurses)."""
    return st.builds(
        nested,
        st.integers(min_value=5, max_value=200),
        st.one_of(st.just(1), hostile_text(4)),
        kind=st.sampled_from(["list", "object"]),
    )


def repeated(text: str, *counts: int) -> SearchStrategy[str]:
    """``text`` repeated one of ``counts`` times (long values, without a long repr)."""
    return st.sampled_from(counts).map(lambda count: text * count)


class Missing:
    """A field left out of the frame."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()


def hostile_values() -> SearchStrategy[Any]:
    """What a hostile client puts where a field goes: any JSON value, hostile text, JSON
    nested deep, or nothing at all."""
    return st.one_of(hostile_text(), hostile_text(), json_values(), deep_values(), st.just(MISSING))


def field_values(plausible: SearchStrategy[Any]) -> SearchStrategy[Any]:
    """A field of a fuzzed frame: something plausible (so that the frame gets past the
    other fields' checks) or anything hostile."""
    return st.one_of(plausible, plausible, hostile_values())


@st.composite
def one_bad_field(
    draw: st.DrawFn, kind: str, fields: Mapping[str, SearchStrategy[Any]]
) -> dict[str, Any]:
    """A frame of ``kind`` with plausible values (most fields present) but for one field,
    which holds anything: the input that gets past every other check to the one under
    test, where a frame with several bad fields is refused by the first."""
    frame: dict[str, Any] = {"type": kind}
    for name, values in fields.items():
        if draw(st.integers(min_value=0, max_value=4)):
            frame[name] = draw(values)
    if fields:
        frame[draw(st.sampled_from(sorted(fields)))] = draw(hostile_values())
    return frame


def frames(
    fields_by_type: Mapping[str, Mapping[str, SearchStrategy[Any]]],
) -> SearchStrategy[dict[str, Any]]:
    """JSON objects of every frame type in ``fields_by_type`` (``{type: {field:
    plausible values}}``): with one hostile field among plausible ones, with anything in
    any field, with unknown fields beside them; and objects whose ``type`` is missing,
    unknown or not text."""
    one_bad = [one_bad_field(kind, fields) for kind, fields in fields_by_type.items()]
    anything = [
        st.fixed_dictionaries(
            {"type": st.just(kind)},
            optional={name: field_values(values) for name, values in fields.items()},
        )
        for kind, fields in fields_by_type.items()
    ]
    odd_type = st.fixed_dictionaries({}, optional={"type": json_values()})
    extra = st.dictionaries(hostile_text(8), json_values(4), max_size=2)
    return st.builds(
        _frame,
        st.one_of(st.one_of(one_bad), st.one_of(one_bad), st.one_of(anything), odd_type),
        st.one_of(st.just({}), st.just({}), extra),
    )


def _frame(fields: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    frame = {k: v for k, v in extra.items() if k not in fields}
    frame.update({k: v for k, v in fields.items() if v is not MISSING})
    return frame


# ---------------------------------------------------------------- the text on the wire


def encoded(frame: Any, *, ascii_only: bool = True) -> str:
    """``frame`` as a client writes it; with ``ascii_only`` every non-ASCII character is a
    \\u escape (a lone surrogate can only travel that way in valid UTF-8)."""
    return json.dumps(frame, ensure_ascii=ascii_only)


def deeply_nested_frame(kind: str, field: str, depth: int, opener: str) -> str:
    """A frame of ``kind`` whose ``field`` holds ``depth`` nested arrays or objects:
    written by hand, past where any JSON encoder (or decoder) recurses."""
    value = "[" * depth + "]" * depth if opener == "[" else '{"d":' * depth + "1" + "}" * depth
    return f'{{"type": {json.dumps(kind)}, {json.dumps(field)}: {value}}}'


def wire_frames(
    fields_by_type: Mapping[str, Mapping[str, SearchStrategy[Any]]],
    *,
    text_field: tuple[str, str],
    frame_limit: int,
    message_limit: int,
) -> SearchStrategy[str | bytes]:
    """What a hostile client sends: fuzzed frames (escaped or not), any JSON value that
    is not an object, text that is not JSON, binary frames, JSON nested deep enough to
    break a recursive decoder, and frames around the message and frame size limits.

    ``text_field`` is the frame type and field that carries a message's text.
    """
    kind, field = text_field
    fuzzed = st.builds(
        lambda frame, ascii_only: encoded(frame, ascii_only=ascii_only),
        frames(fields_by_type),
        st.booleans(),
    )
    deep = st.builds(
        deeply_nested_frame,
        st.sampled_from(sorted(fields_by_type)),
        st.sampled_from(sorted({f for fs in fields_by_type.values() for f in fs} | {"x"})),
        st.one_of(
            # Around Python's recursion limit (1,000), past it, and past the frame limit.
            st.sampled_from([100, 990, 1_100, 5_000, 30_000, frame_limit // 2 + 1]),
            st.integers(min_value=1, max_value=3000),
        ),
        st.sampled_from("[{"),
    )
    sizes = st.sampled_from(
        [
            message_limit,
            message_limit + 1,
            (frame_limit - 100) // 12,  # escaped emoji just under the frame limit
            frame_limit,  # over it once quoted
        ]
    )
    big = st.builds(
        lambda size, char, ascii_only: encoded(
            {"type": kind, field: char * size, "client_id": "big"}, ascii_only=ascii_only
        ),
        sizes,
        st.sampled_from(["x", "\U0001f600", " ", "\ud800"]),
        st.booleans(),
    )
    return st.one_of(
        fuzzed,
        fuzzed,
        fuzzed,
        fuzzed,
        json_values().map(encoded),  # mostly not an object
        hostile_text(40),  # mostly not JSON
        st.binary(max_size=40),
        deep,
        big,
    )


def parsed(raw: str | bytes) -> Any:
    """The frame a server reads from ``raw``, or None if it is not a JSON text."""
    if isinstance(raw, bytes):
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None
