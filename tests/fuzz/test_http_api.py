"""Hostile requests to the HTTP API, the visitor's endpoints and the agents'.

Any body (any JSON value, text that is not JSON, bytes that are not UTF-8, JSON nested past
any decoder, bodies past the upload limit), any query string, any header, any path segment
where a conversation id goes: never a server error, always JSON, every refusal the
socket's error shape with a documented code and that code's 4xx status, and nothing
stored for a refused request.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from django_livechat.models import Conversation, Message
from tests.factories import SHOP_ORIGIN
from tests.fuzz.protocol import (
    BLOG_ORIGIN,
    FOREIGN_ORIGIN,
    World,
    agent_fields,
    conversation_ids,
    seqs,
    visitor_fields,
)
from tests.fuzz.strategies import (
    deeply_nested_frame,
    frames,
    header_text,
    hostile_text,
    json_values,
)
from tests.fuzz.wire import check_http_answer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

API = "/livechat/api/"
CONTENT_TYPES = (
    "application/json",
    "application/json",
    "application/json; charset=utf-16",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
)


def url_text(text: str) -> str:
    """``text`` percent-encoded as UTF-8 (a lone surrogate as the bytes it would be)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def json_body(value: Any) -> bytes:
    return json.dumps(value).encode()


def bodies(fields: dict[str, SearchStrategy[Any]]) -> SearchStrategy[bytes]:
    """Request bodies: the fields (anything in any of them), any JSON value, not JSON at
    all, not UTF-8, nested too deep to decode, past the upload limit."""
    fuzzed = frames({"body": fields}).map(
        lambda frame: {k: v for k, v in frame.items() if k != "type"}
    )
    depths = st.one_of(st.sampled_from([100, 990, 1_100, 5_000, 200_000]), st.integers(1, 3_000))
    too_big = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    return st.one_of(
        fuzzed.map(json_body),
        fuzzed.map(json_body),
        fuzzed.map(json_body),
        json_values().map(json_body),
        hostile_text(40).map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.binary(max_size=40),
        depths.map(lambda depth: deeply_nested_frame("body", "message", depth, "[").encode()),
        st.just(too_big).map(lambda size: b'{"message": "' + b"x" * size + b'"}'),
    )


def query_strings(fields: dict[str, SearchStrategy[Any]]) -> SearchStrategy[str]:
    """Query strings: known parameters with anything in them (empty too, repeated too),
    unknown ones, and more parameters than Django parses."""
    known = st.tuples(st.sampled_from(sorted(fields) or ["x"]), st.one_of(*fields.values()))
    pairs = st.lists(
        st.one_of(known, known, st.tuples(hostile_text(8), hostile_text(16))), max_size=4
    )
    too_many = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1
    return st.one_of(
        pairs.map(
            lambda items: "&".join(f"{url_text(str(k))}={url_text(str(v))}" for k, v in items)
        ),
        st.just(too_many).map(lambda count: "&".join(f"p{i}=1" for i in range(count))),
    )


def path_segments(world: World) -> SearchStrategy[str]:
    """What goes where a conversation id does: ids, and anything else but a slash."""
    return st.one_of(
        conversation_ids(world),
        conversation_ids(world),
        hostile_text(40).filter(lambda text: text and "/" not in text).map(url_text),
    )


def counts() -> tuple[int, int, int]:
    return (
        Conversation.objects.count(),
        Message.objects.filter(role=Message.Role.USER).count(),
        Message.objects.filter(role=Message.Role.AGENT).count(),
    )


def send(client: Client, method: str, path: str, body: bytes, content_type: str) -> Any:
    if method == "get":
        return client.get(path)
    return client.generic(method.upper(), path, body, content_type=content_type)


@given(data=st.data())
def test_hostile_requests_to_the_visitor_api(world: World, data: Any) -> None:
    fields = visitor_fields(world)
    headers = {}
    origin = data.draw(
        st.sampled_from([SHOP_ORIGIN, SHOP_ORIGIN, None, BLOG_ORIGIN, FOREIGN_ORIGIN, "null"])
        | header_text(),
        label="Origin",
    )
    if origin is not None:
        headers["HTTP_ORIGIN"] = origin
    authorization = data.draw(
        st.sampled_from(
            [
                f"Bearer {world.mine.visitor_token}",
                f"Bearer {world.mine.visitor_token}",
                f"Bearer {world.theirs.visitor_token}",
                None,
                "Bearer",
                "Bearer forged",
                "Basic dXNlcjpwYXNz",
            ]
        )
        | header_text().map(lambda text: f"Bearer {text}"),
        label="Authorization",
    )
    if authorization is not None:
        headers["HTTP_AUTHORIZATION"] = authorization
    client = Client(**headers)
    endpoint = data.draw(
        st.sampled_from(["open conversation", "post message", "list messages"]), label="endpoint"
    )
    before = counts()
    if endpoint == "list messages":
        query = data.draw(query_strings({"after_seq": seqs()}), label="query")
        response = client.get(f"{API}messages/?{query}")
    else:
        path, body_fields = (
            (f"{API}conversations/", fields["identify"])
            if endpoint == "open conversation"
            else (f"{API}messages/", fields["chat_message"])
        )
        body = data.draw(bodies(body_fields), label="body")
        content_type = data.draw(st.sampled_from(CONTENT_TYPES), label="Content-Type")
        response = send(client, "post", path, body, content_type)

    check_http_answer(response)
    conversations, user_messages, agent_messages = counts()
    created = response.status_code == 201
    assert agent_messages == before[2]
    if endpoint == "open conversation":
        assert conversations == before[0] + created
        assert user_messages == before[1]
    else:
        assert conversations == before[0]
        assert user_messages == before[1] + (created and endpoint == "post message")


@given(data=st.data())
def test_hostile_requests_to_the_agent_api(world: World, data: Any) -> None:
    fields = agent_fields(world)
    user = data.draw(
        st.sampled_from([world.ann, world.ann, world.ann, world.bob, world.staff, None]),
        label="user",
    )
    client = Client()
    if user is not None:
        client.force_login(user)
    action = data.draw(
        st.sampled_from(
            [
                ("get", "conversations", "conversations"),
                ("get", "", "conversation"),
                ("get", "messages/", "history"),
                ("post", "messages/", "agent_message"),
                ("post", "assign/", "assign"),
                ("post", "resolve/", "resolve"),
                ("post", "reopen/", "reopen"),
                ("post", "read/", "mark_read"),
                ("put", "", "conversation"),
            ]
        ),
        label="action",
    )
    method, tail, kind = action
    if kind == "conversations":
        path = f"{API}agent/conversations/"
    else:
        segment = data.draw(path_segments(world), label="conversation id")
        path = f"{API}agent/conversations/{segment}/{tail}"
    query_fields = {"history": {"after_seq": seqs()}}.get(kind, fields.get(kind, {}))
    query = data.draw(query_strings(query_fields), label="query") if method == "get" else ""
    body_fields = {k: v for k, v in fields.get(kind, {}).items() if k != "conversation_id"}
    body = data.draw(bodies(body_fields), label="body") if method != "get" else b""
    content_type = data.draw(st.sampled_from(CONTENT_TYPES), label="Content-Type")
    before = counts()
    response = send(client, method, f"{path}?{query}" if query else path, body, content_type)

    check_http_answer(response)
    conversations, user_messages, agent_messages = counts()
    assert (conversations, user_messages) == before[:2]
    stored = response.status_code == 201 and kind == "agent_message"
    assert agent_messages == before[2] + stored
