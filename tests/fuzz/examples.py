"""How many examples the fuzz tests try (see tests/fuzz/conftest.py for how to ask more)."""

from __future__ import annotations

import os

EXAMPLES_ENV = "LIVECHAT_FUZZ_EXAMPLES"
#: Examples per test in the normal run, and per operation for schemathesis: the whole of
#: tests/fuzz/ in about a minute and a half on a 2-core machine.
CI_EXAMPLES = 200
SCHEMA_EXAMPLES = 40
#: Examples asked for by hand (0: the normal run).
MORE_EXAMPLES = int(os.environ.get(EXAMPLES_ENV) or 0)
