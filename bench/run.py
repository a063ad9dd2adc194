"""Run the benchmark: ``.venv/bin/python bench/run.py [--phases ...] [--sockets 50] ...``.

Runs the phases asked for (by default: the pipeline against a bare Channels round trip on
SQLite and on Redis + PostgreSQL, an agent's dashboard, two server processes, a reconnect
storm after a crash, idle sockets), each against its baseline measured in the same run,
with every message accounted for; prints a table per phase and writes
``bench/results/latest.json``. Exits non-zero only on errors or failed loss checks, never
on a missed speed target. ``--help`` lists the options; ``docs/benchmark.rst`` explains
the numbers.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    # Run as a script, the repository root is not on sys.path; the bench package needs it
    # (and tests.services, which starts Redis and PostgreSQL).
    root = Path(__file__).resolve().parent.parent
    sys.path[:0] = [str(root)]
    from bench.cli import main

    sys.exit(main())
