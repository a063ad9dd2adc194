"""What-if switches for the benchmark server (``--experiment NAME``; never on by default).

Each one replaces a piece of the shipped code inside the server process only, to measure
what a proposed change to ``src/`` would buy before anyone makes it. A run with any of them
is labelled an experiment in its output; its numbers are not the app's. (The batched store
and skipping Channels' per-event connection clean-up began here and are now shipped.)

* ``no-typing``: the responder's typing on/off broadcasts (four of the pipeline's eight
  ``group_send`` calls, two of its four frames) are not sent.
* ``no-responder-db``: the responder step answers without its two queries (loading the
  conversation with its website; "has an agent replied?"): an upper bound for caching them.
* ``short-switch-interval``: ``sys.setswitchinterval(0.0005)`` (Python's default is 5 ms):
  a thread returning from SQLite or a socket waits less for the GIL. Not a code change;
  it tests whether the threads spend their time queueing for the GIL.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

NAMES = (
    "no-typing",
    "no-responder-db",
    "short-switch-interval",
)


def apply(names: Sequence[str]) -> None:
    unknown = set(names) - set(NAMES)
    if unknown:
        raise ValueError(f"unknown experiments: {sorted(unknown)}")
    if "no-typing" in names:
        _no_typing()
    if "no-responder-db" in names:
        _no_responder_db()
    if "short-switch-interval" in names:
        sys.setswitchinterval(0.0005)


def _no_typing() -> None:
    from django_livechat import pipeline

    async def broadcast_typing(*args: Any, **kwargs: Any) -> None:
        return None

    pipeline.broadcast_typing = broadcast_typing  # type: ignore[assignment]


def _no_responder_db() -> None:
    from django_livechat import pipeline
    from django_livechat.conf import livechat_settings

    async def run_responder(message: Any) -> str | None:
        return livechat_settings.AUTO_RESPONSE_TEXT

    pipeline._run_responder = run_responder  # type: ignore[assignment]
