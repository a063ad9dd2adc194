"""The benchmark server: the visitor socket, the baseline echo socket and a control API.

Run by ``bench/run.py`` as ``uvicorn bench.asgi:application`` with
``DJANGO_SETTINGS_MODULE=bench.settings``. WebSocket routes:

* ``ws/livechat/widget/``, ``ws/livechat/dashboard/``: the app's own
  ``websocket_urlpatterns`` (the real pipeline);
* ``ws/bench/echo/``: :class:`bench.consumers.EchoConsumer` (the baseline);
* ``ws/bench/echo/watched/`` and ``ws/bench/watch/``: the dashboard's baseline, an echo
  socket whose frames one watcher socket also receives.

All sit behind ``AuthMiddlewareStack``, as in a host project (the agent's dashboard is
authenticated by its session cookie), so they differ only in what the consumer does.
HTTP serves the benchmark's control endpoints on ``/bench/`` (health, counters, profiler),
answered on the event loop without Django's request machinery.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from bench import experiments, faults, instrument, profiling  # noqa: E402
from bench.consumers import EchoConsumer, WatchConsumer, WatchedEchoConsumer  # noqa: E402
from django_livechat.routing import websocket_urlpatterns  # noqa: E402

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

PROFILE_DIR = os.environ.get("LIVECHAT_BENCH_PROFILE", "")
INSTRUMENT = os.environ.get("LIVECHAT_BENCH_INSTRUMENT", "") == "1"
EXPERIMENTS = [n for n in os.environ.get("LIVECHAT_BENCH_EXPERIMENTS", "").split(",") if n]
DROP_EVENTS = float(os.environ.get("LIVECHAT_BENCH_DROP_EVENTS") or 0)

experiments.apply(EXPERIMENTS)
if DROP_EVENTS:
    faults.install(DROP_EVENTS)
if INSTRUMENT:
    instrument.install()
if PROFILE_DIR:
    profiling.install()

websockets = ProtocolTypeRouter(
    {
        "websocket": AuthMiddlewareStack(
            URLRouter(
                [
                    re_path(r"^ws/bench/echo/$", EchoConsumer.as_asgi()),
                    re_path(r"^ws/bench/echo/watched/$", WatchedEchoConsumer.as_asgi()),
                    re_path(r"^ws/bench/watch/$", WatchConsumer.as_asgi()),
                    *websocket_urlpatterns,
                ]
            )
        )
    }
)


async def application(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "websocket":
        await websockets(scope, receive, send)
    elif scope["type"] == "http":
        await control(scope, receive, send)
    elif scope["type"] == "lifespan":
        await lifespan(receive, send)


async def lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def control(scope: Scope, receive: Receive, send: Send) -> None:
    """``/bench/health``, ``threads``, ``stats`` (``POST`` resets) and ``profile/*``."""
    path, method = scope["path"], scope["method"]
    body: Any
    status = 200
    if path == "/bench/health":
        body = {
            "ok": True,
            "pid": os.getpid(),
            "instrument": INSTRUMENT,
            "profile": PROFILE_DIR,
            "experiments": EXPERIMENTS,
            "drop_events": DROP_EVENTS,
            "dropped": faults.dropped,
        }
    elif path == "/bench/threads":
        # Native ids to names, so the per-thread CPU times read from /proc can be labelled.
        body = {str(t.native_id): t.name for t in threading.enumerate()}
    elif path == "/bench/stats" and INSTRUMENT:
        body = instrument.snapshot()
        if method == "POST":
            instrument.reset()
    elif path == "/bench/profile/start" and method == "POST" and PROFILE_DIR:
        profiling.start()
        body = {"started": True}
    elif path == "/bench/profile/stop" and method == "POST" and PROFILE_DIR:
        body = profiling.stop(Path(PROFILE_DIR))
    else:
        status, body = 404, {"error": "not found"}
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": payload})
