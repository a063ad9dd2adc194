"""The servers under test: uvicorn processes on 127.0.0.1, and readings of them from /proc.

Every process here was started by the benchmark and is stopped (SIGTERM, then SIGKILL) or
killed (the storm's crash) by its own PID, never by name.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = 1024


class ServerError(RuntimeError):
    """The server did not start, or died."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running ``uvicorn bench.asgi:application``; use as a context manager.

    ``start()`` picks a free port the first time and keeps it on a restart, so that
    clients reconnect to the same address after :meth:`kill`.
    """

    env: dict[str, str]
    log_path: Path
    ws: str = "websockets-sansio"
    loop: str = "auto"
    backlog: int = 2048
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--ws",
            self.ws,
            "--loop",
            self.loop,
            "--backlog",
            str(self.backlog),
            "--lifespan",
            "on",
            "--log-level",
            "warning",
            "--no-access-log",
        ]

    def start(self, timeout: float = 30.0) -> None:
        if not self.port:
            self.port = free_port()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"uvicorn exited with {self.process.returncode}\n{self.log()}")
            try:
                health = self.request("GET", "/bench/health", timeout=1.0)
            except OSError:
                time.sleep(0.1)
                continue
            if health.get("pid") != self.pid:
                raise ServerError(f"port {self.port} is answered by another process")
            return
        raise ServerError(f"uvicorn did not answer within {timeout:.0f} s\n{self.log()}")

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (uvicorn shuts down gracefully), SIGKILL if it has not exited in time."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def kill(self) -> None:
        """SIGKILL, as a crash: no shutdown, the clients see their connections drop."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.kill()
        process.wait(10)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def request(self, method: str, path: str, *, timeout: float = 30.0) -> dict[str, Any]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            method=method,
            data=b"" if method == "POST" else None,
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    # ------------------------------------------------------------ /proc readings

    def memory_kib(self) -> dict[str, int]:
        """VmHWM (peak RSS since start or the last reset) and VmRSS, in KiB."""
        values: dict[str, int] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                values[key] = int(rest.split()[0])
        return values

    def reset_peak_rss(self) -> bool:
        """Set VmHWM back to the current RSS (Linux: ``echo 5 > /proc/PID/clear_refs``)."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def thread_cpu_seconds(self) -> dict[str, float]:
        """User + system CPU time of each of the server's threads, keyed ``"pid:tid"``."""
        times: dict[str, float] = {}
        try:
            tasks = list(Path(f"/proc/{self.pid}/task").iterdir())
        except OSError:
            return times  # the process is gone
        for task in tasks:
            try:
                times[f"{self.pid}:{task.name}"] = _cpu_from_stat(task / "stat")
            except (OSError, ValueError):
                continue  # the thread ended meanwhile
        return times

    def thread_names(self) -> dict[str, str]:
        """Thread names keyed like :meth:`thread_cpu_seconds` (asked of the server)."""
        names = self.request("GET", "/bench/threads")
        return {f"{self.pid}:{tid}": name for tid, name in names.items()}

    def require_open_files(self, needed: int) -> None:
        """:class:`ServerError` unless the running server may open ``needed`` files."""
        limit = self.open_files_limit()
        if limit is not None and limit < needed:
            raise ServerError(f"the server's open-files limit is {limit}, below {needed}")

    def open_files_limit(self) -> int | None:
        """The server's soft limit on open files, from ``/proc/PID/limits``."""
        for line in Path(f"/proc/{self.pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                value = line.split()[3]
                return None if value == "unlimited" else int(value)
        return None

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process, all threads."""
        return _cpu_from_stat(Path(f"/proc/{self.pid}/stat"))


def machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine, all cores (to see other processes' share)."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("cpu "):
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, line.split()[1:9])
            return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS
    return 0.0


def tree_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes and their children (Redis, PostgreSQL
    and its backends); a child that has exited is not counted."""
    wanted = set(pids)
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[1] is field 4, the parent's pid.
        if int(entry.name) in wanted or int(fields[1]) in wanted:
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def _cpu_from_stat(path: Path) -> float:
    fields = path.read_text().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_of(servers: list[Server]) -> dict[str, float]:
    """CPU seconds of every thread of every server (see :meth:`Server.thread_cpu_seconds`)."""
    times: dict[str, float] = {}
    for server in servers:
        if server.alive():
            times.update(server.thread_cpu_seconds())
    return times


# Beside its sockets, each process needs files for its database, logs, Redis, Python.
OPEN_FILES_MARGIN = 1024


def raise_open_files() -> tuple[int, int]:
    """Raise this process's soft limit on open files to the hard limit (at most 2**20), so
    that everything the run starts (servers, Redis, PostgreSQL) inherits room for
    thousands of sockets; returns (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2**20 if hard == resource.RLIM_INFINITY else min(hard, 2**20)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    return soft, hard


def ensure_open_files(needed: int) -> int:
    """Raise this process's soft limit on open files to ``needed`` (the servers started
    afterwards inherit it); :class:`ServerError` if the hard limit is lower."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return soft
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise ServerError(
            f"the open-files limit is {soft} (hard {hard}), and this phase needs {needed} "
            f"in the load generator and in the server: raise it (ulimit -n {needed}, as "
            "root or through /etc/security/limits.conf) or use fewer sockets"
        )
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return needed
