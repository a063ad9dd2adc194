"""Tasks the pipeline runs beside the request that caused them, and per-loop singletons.

Each event loop (a server process has one; tests make many) gets its own writer, typing
state and recovery task; :func:`drain` waits for this loop's background work (tests,
graceful shutdown).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

_background: set[asyncio.Task[Any]] = set()
_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Any]] = (
    weakref.WeakKeyDictionary()
)


def spawn(coroutine: Coroutine[Any, Any, Any], *, name: str = "livechat") -> asyncio.Task[Any]:
    """Run ``coroutine`` as a tracked task; an exception it ends with is logged."""
    task = asyncio.get_running_loop().create_task(coroutine, name=name)
    _background.add(task)
    task.add_done_callback(_done)
    return task


def _done(task: asyncio.Task[Any]) -> None:
    _background.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("Background task %s failed", task.get_name(), exc_info=task.exception())


async def drain() -> None:
    """Wait for this loop's background tasks (tests, graceful shutdown)."""
    loop = asyncio.get_running_loop()
    while True:
        mine = [
            t
            for t in _background
            if t.get_loop() is loop and not t.done() and t.get_name() != "livechat-recovery"
        ]
        if not mine:
            return
        await asyncio.gather(*mine, return_exceptions=True)


def loop_local(name: str, factory: Callable[[], T]) -> T:
    """This event loop's instance of ``name``, made by ``factory`` on first use."""
    loop = asyncio.get_running_loop()
    registry = _per_loop.get(loop)
    if registry is None:
        registry = _per_loop[loop] = {}
    if name not in registry:
        registry[name] = factory()
    return registry[name]  # type: ignore[no-any-return]
