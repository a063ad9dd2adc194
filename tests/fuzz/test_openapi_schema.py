"""The HTTP API against its own served OpenAPI schema, with schemathesis.

Every operation is called with what schemathesis makes of the schema (its examples,
boundary cases, and random valid and invalid inputs) as a real client would: the visitor's
endpoints with a valid visitor token from an origin the website allows, the agents' with a
logged-in agent's session cookie and CSRF token. Every default check must pass: no server
error, only documented status codes, answers that match their schema, valid input
accepted, invalid input refused, a missing token refused with 401.

The number of examples follows the fuzz profile (``tests/fuzz/conftest.py``):
``LIVECHAT_FUZZ_EXAMPLES=500`` runs more, with a random seed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, settings

from tests.factories import SHOP_ORIGIN
from tests.fuzz.examples import MORE_EXAMPLES, SCHEMA_EXAMPLES
from tests.fuzz.protocol import World

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCHEMA_PATH = "/livechat/api/schema/?format=json"
AGENT_PATHS = "/livechat/api/agent/"
#: What schemathesis takes for a refusal of invalid input (its default), and 413.
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
#: What schemathesis takes for an acceptance of valid input (its default).
ACCEPTANCES = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "max-examples": MORE_EXAMPLES or SCHEMA_EXAMPLES,
            "deterministic": not MORE_EXAMPLES,
            "database": "none",
            # The API ignores parameters and fields it does not know (as the sockets do),
            # so that clients can send newer ones: sending some is not invalid input.
            "allow-extra-parameters": False,
            # NUL is refused in every text field, metadata included (where OpenAPI 3.0 cannot
            # say so of an object's keys): the docs and field descriptions say it.
            "allow-x00": False,
        },
        "checks": {
            # 413 MESSAGE_TOO_LONG refuses a message over MAX_MESSAGE_LENGTH.
            "negative_data_rejection": {"expected-statuses": [*REFUSALS, "5xx"]},
        },
        "operations": [
            {
                # Any user id is well-formed; one that is not an agent of the website is
                # refused with 400 INVALID_MESSAGE (docs/protocol.rst), which a schema
                # cannot express.
                "include-operation-id": "livechat_agent_assign",
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": [*ACCEPTANCES, "400"]}
                },
            },
            {
                # A shortcut or label name already used in its scope, and a label id of no
                # label of the conversation's website, are 400 INVALID_MESSAGE naming it
                # (docs/protocol.rst), which a schema cannot express.
                "include-operation-id-regex": (
                    "^livechat_agent_(set_labels|create_label|create_canned|change_canned)$"
                ),
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": [*ACCEPTANCES, "400"]}
                },
            },
            {
                # Uploads: the type is read from the content, which a schema cannot say
                # (random bytes are 415 ATTACHMENT_TYPE), and schemathesis sends the binary
                # file as a part without a filename, which is a form field, not a file, to
                # Django (400 INVALID_MESSAGE; browsers always name the file).
                "include-operation-id-regex": "^livechat_(agent_)?post_attachment$",
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": [*ACCEPTANCES, "400", "415"]}
                },
            },
        ],
    }
)
schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, get_wsgi_application(), config=CONFIG)
#: The credentials of the running test (its world): read by :class:`Credentials`.
current: dict[str, Any] = {}


@schema.auth(refresh_interval=None)
class Credentials:
    """The visitor's bearer token and the agent's session cookie, as the schema's security
    schemes name them (so schemathesis can also try each operation without them)."""

    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> dict[str, Any]:
        return current

    def set(
        self, case: schemathesis.Case, data: dict[str, Any], context: schemathesis.AuthContext
    ) -> None:
        if not data:
            return  # collection: no test is running
        if case.path.startswith(AGENT_PATHS):
            case.cookies = {**(case.cookies or {}), "sessionid": data["session"]}
        else:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data['token']}"}


@pytest.fixture
def credentials(world: World) -> Iterator[dict[str, Any]]:
    """What a widget and an agent's browser hold."""
    client = Client()
    client.force_login(world.ann)
    client.get(reverse("admin:login"))  # sets the CSRF cookie, as any page of the host does
    csrf = client.cookies["csrftoken"].value
    current.update(token=world.mine.visitor_token, session=client.cookies["sessionid"].value)
    yield {
        # The CSRF token goes with the session, in a cookie and a header.
        "agent": {"headers": {"X-CSRFToken": csrf}, "cookies": {"csrftoken": csrf}},
        "visitor": {"headers": {"Origin": SHOP_ORIGIN}},
    }
    current.clear()


def aim(case: schemathesis.Case, world: World) -> None:
    """Point some of the generated conversation ids at real conversations: one the agent
    serves and one of another website (random ids only ever find nothing)."""
    try:
        generated = uuid.UUID(str(case.path_parameters.get("conversation_id")))
    except ValueError:
        return
    real = {0: world.mine.conversation_id, 1: world.theirs.conversation_id}
    if generated.int % 3 in real:
        case.path_parameters["conversation_id"] = real[generated.int % 3]


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_the_api_keeps_to_its_schema(
    case: schemathesis.Case, world: World, credentials: dict[str, Any]
) -> None:
    if case.path.startswith(AGENT_PATHS):
        if case.path_parameters:
            aim(case, world)
        case.call_and_validate(**credentials["agent"])
    else:
        case.call_and_validate(**credentials["visitor"])
