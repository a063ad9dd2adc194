"""Reading profiles into short text: cProfile's ``.pstats`` files and py-spy's raw stacks."""

from __future__ import annotations

import io
import pstats
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

# A raw py-spy frame: "function (path/to/file.py:123)"; the line number is optional.
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]*)(?::\d+)?\)$")


def pstats_top(path: Path, limit: int = 25) -> str:
    """The top ``limit`` functions by own time, then by cumulative time."""
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.strip_dirs()
    out.write(f"== {path.name}: by own time (tottime)\n")
    stats.sort_stats("tottime").print_stats(limit)
    out.write(f"== {path.name}: by cumulative time\n")
    stats.sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


def find_py_spy(given: str | None) -> str | None:
    if given:
        return given
    return shutil.which("py-spy")


def start_py_spy(
    executable: str, pid: int, seconds: float, output: Path
) -> subprocess.Popen[bytes]:
    """Sample ``pid`` for ``seconds`` into a raw (collapsed stacks) file, per thread.

    py-spy counts a thread waiting for the GIL as busy, so a thread's share of samples
    overstates its CPU; the per-thread CPU times in the report are the exact measure.
    """
    return subprocess.Popen(
        [
            executable,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(max(1, round(seconds))),
            "--rate",
            "100",
            "--format",
            "raw",
            "--threads",
            "--nolineno",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def py_spy_top(path: Path, limit: int = 25) -> str:
    """Per kind of thread: samples, then the top functions by own and inclusive samples."""
    own: dict[str, Counter[str]] = {}
    inclusive: dict[str, Counter[str]] = {}
    totals: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        _, *frames = stack.split(";")
        names = [_frame_name(frame) for frame in frames]
        thread = _thread_kind(names)
        totals[thread] += count
        if names:
            own.setdefault(thread, Counter())[names[-1]] += count
        for name in set(names):
            inclusive.setdefault(thread, Counter())[name] += count
    out = io.StringIO()
    grand = sum(totals.values()) or 1
    for thread, samples in totals.most_common():
        out.write(f"== thread {thread}: {samples} samples ({100 * samples / grand:.0f}%)\n")
        for title, counter in (("own", own.get(thread)), ("inclusive", inclusive.get(thread))):
            out.write(f"  -- by {title} samples\n")
            for name, n in (counter or Counter()).most_common(limit):
                out.write(f"  {100 * n / samples:5.1f}%  {n:6d}  {name}\n")
    return out.getvalue()


def _thread_kind(names: list[str]) -> str:
    # py-spy names threads by id; what runs on them tells the pipeline's kinds apart.
    if any(name.startswith("_commit (django_livechat/writer.py") for name in names):
        return "writer (group commit)"
    if any(name.startswith("_worker (concurrent/futures/thread.py") for name in names):
        return "read pool and other executors"
    return "event loop"


def _frame_name(frame: str) -> str:
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    return f"{match['func']} ({match['file']})"
