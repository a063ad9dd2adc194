"""Run the benchmark: ``.venv/bin/python bench/run.py [--sockets 50] [--seconds 10]``.

Starts one uvicorn process on 127.0.0.1, measures a bare Channels round trip (baseline) and
the visitor message pipeline against it, checks the stored conversations, prints a table
and writes ``bench/results/latest.json``. Exits non-zero only on errors, never on a missed
target. ``--help`` lists the options; ``docs/benchmark.rst`` explains the numbers.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    # Run as a script, the repository root is not on sys.path; the bench package needs it,
    # and the load generator uses this checkout's src/ like the server does.
    root = Path(__file__).resolve().parent.parent
    sys.path[:0] = [str(root / "src"), str(root)]
    from bench.cli import main

    sys.exit(main())
