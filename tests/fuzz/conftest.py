"""Property-based tests of hostile input: Hypothesis profiles and the fuzz tests' limits.

The normal run (CI included) uses the ``livechat`` profile: a bounded number of examples
(:mod:`tests.fuzz.examples`), derandomized, so that a run takes about a minute and a half
and every run tries the same inputs. To search harder by hand::

    LIVECHAT_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest -p no:cacheprovider tests/fuzz

which loads ``livechat-more``: that many examples per test, a fresh random seed each run
(printed with any failure, with ``@reproduce_failure`` to replay it). Add
``--hypothesis-seed=N`` to repeat a run, or ``-k visitor`` and so on to aim it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from hypothesis import HealthCheck, Phase, settings

from tests.fuzz.examples import CI_EXAMPLES, MORE_EXAMPLES
from tests.fuzz.protocol import World, make_world

settings.register_profile(
    "livechat",
    max_examples=CI_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    # Explaining a failure replays it hundreds of times: a minute for a socket test.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    # The examples share the test's fixtures (a database, sockets' event loop) on purpose,
    # and some inputs are large by design.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
settings.register_profile(
    "livechat-more",
    parent=settings.get_profile("livechat"),
    max_examples=MORE_EXAMPLES or CI_EXAMPLES,
    derandomize=False,
)
settings.load_profile("livechat-more" if MORE_EXAMPLES else "livechat")

#: Limits high enough that the abuse limits do not hide the input checks behind
#: RATE_LIMITED (they have tests of their own).
GENEROUS_LIMITS = {
    "RATE_LIMIT_MESSAGES": 1_000_000,
    "RATE_LIMIT_ADDRESS_MESSAGES": 1_000_000,
    "RATE_LIMIT_ADDRESS_CONVERSATIONS": 1_000_000,
    "RATE_LIMIT_SOCKET_HISTORY": 1_000_000,
    "RATE_LIMIT_SOCKET_TYPING": 1_000_000,
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A failure is shrunk to its smallest example, which takes a while; a run with more
    # examples takes as long as it takes.
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.timeout(0 if MORE_EXAMPLES else 600))


@pytest.fixture(autouse=True)
def _generous_limits() -> Iterator[None]:
    with override_settings(LIVECHAT={**django_settings.LIVECHAT, **GENEROUS_LIMITS}):
        yield


@pytest.fixture
def world(transactional_db: None) -> World:
    return make_world()
