"""What-if switches for the benchmark servers (``--experiment NAME``; never on by default).

Each one replaces a piece of the shipped code inside the server processes only, to measure
what a proposed change to ``src/`` would buy before anyone makes it. A run with any of them
is labelled an experiment in its output; its numbers are not the app's. (The batched store,
skipping Channels' per-event connection clean-up, replies without typing frames and the
responder without its queries began here and are now shipped, so their switches are gone.)

* ``short-switch-interval``: ``sys.setswitchinterval(0.0005)`` (Python's default is 5 ms):
  a thread returning from the database or a socket waits less for the GIL. Not a code
  change; it tests whether the threads spend their time queueing for the GIL.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

NAMES = ("short-switch-interval",)


def apply(names: Sequence[str]) -> None:
    unknown = set(names) - set(NAMES)
    if unknown:
        raise ValueError(f"unknown experiments: {sorted(unknown)}")
    if "short-switch-interval" in names:
        sys.setswitchinterval(0.0005)
