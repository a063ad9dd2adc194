"""The server under test: one uvicorn process on 127.0.0.1, and readings of it from /proc."""

from __future__ import annotations

import json
import os
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
    """A running ``uvicorn bench.asgi:application``; use as a context manager."""

    env: dict[str, str]
    log_path: Path
    ws: str = "websockets-sansio"
    loop: str = "auto"
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
            "--lifespan",
            "on",
            "--log-level",
            "warning",
            "--no-access-log",
        ]

    def start(self, timeout: float = 30.0) -> None:
        self.port = free_port()
        with self.log_path.open("wb") as log:
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

    def thread_cpu_seconds(self) -> dict[int, float]:
        """User + system CPU time of each of the server's threads, by native thread id."""
        times: dict[int, float] = {}
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            try:
                times[int(task.name)] = _cpu_from_stat(task / "stat")
            except (OSError, ValueError):
                continue  # the thread ended meanwhile
        return times

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


def _cpu_from_stat(path: Path) -> float:
    fields = path.read_text().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
