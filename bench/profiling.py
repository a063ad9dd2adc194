"""cProfile inside the benchmark server (``--profile``; env ``LIVECHAT_BENCH_PROFILE``).

cProfile sees one thread only, and the pipeline spends its time in three kinds: the event
loop, the read pool and the writer thread (:mod:`django_livechat.dbthreads`). So the event
loop gets a profiler between :func:`start` and :func:`stop` (the pipeline phase), and every
thread started after :func:`install` gets one of its own from its first call. :func:`stop`
writes one ``.pstats`` file per kind of thread. Deterministic profiling slows Python code
down (calls more than C code), so read the output for *where* time goes, not for speed.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

_loop_profile: cProfile.Profile | None = None
_thread_profiles: dict[str, cProfile.Profile] = {}
_lock = threading.Lock()


def install() -> None:
    """Profile every thread started from now on (the pipeline's pools start lazily)."""
    threading.setprofile(_start_in_thread)


def _start_in_thread(frame: FrameType, event: str, arg: Any) -> None:
    # Called once, at the new thread's first profiling event: hand over to cProfile.
    sys.setprofile(None)
    profile = cProfile.Profile()
    with _lock:
        _thread_profiles[threading.current_thread().name] = profile
    profile.enable()


def start() -> None:
    """Profile the calling thread (the event loop) until :func:`stop`."""
    global _loop_profile
    _loop_profile = cProfile.Profile()
    _loop_profile.enable()


def stop(directory: Path) -> dict[str, str]:
    """Write ``<directory>/profile-<kind>.pstats`` files; return them by kind."""
    global _loop_profile
    written: dict[str, str] = {}
    if _loop_profile is not None:
        _loop_profile.disable()
        written["loop"] = _dump(directory / "profile-loop.pstats", [_loop_profile])
        _loop_profile = None
    with _lock:
        by_kind: dict[str, list[cProfile.Profile]] = {}
        for name, profile in _thread_profiles.items():
            by_kind.setdefault(name.rsplit("_", 1)[0], []).append(profile)
    for kind, profiles in sorted(by_kind.items()):
        # These threads are idle now (the load has stopped); snapshotting another thread's
        # profiler is safe then.
        for profile in profiles:
            profile.create_stats()
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in kind)
        written[kind] = _dump(directory / f"profile-{safe}.pstats", profiles)
    return written


def _dump(path: Path, profiles: list[cProfile.Profile]) -> str:
    stats = pstats.Stats(profiles[0])
    for profile in profiles[1:]:
        stats.add(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    stats.dump_stats(path)
    return str(path)
