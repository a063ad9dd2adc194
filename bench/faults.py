"""Fault injection for the benchmark servers (``--drop-events FRACTION``; off by default).

The channel layer loses that fraction of the pipeline's group events (groups named
``livechat.*``; the baselines' groups are spared, they have nothing to repair from), as a
full or failing layer would. Clients must then repair what they miss through ``history``:
the run's ledgers should show repairs and no losses. A run with it is labelled in its
output; its rates are not the app's.
"""

from __future__ import annotations

import functools
import random
import threading
from collections.abc import Callable
from typing import Any

_lock = threading.Lock()
dropped = 0


def install(fraction: float) -> None:
    from channels.layers import InMemoryChannelLayer

    layers: list[type] = [InMemoryChannelLayer]
    try:
        from channels_redis.core import RedisChannelLayer

        layers.append(RedisChannelLayer)
    except ImportError:
        pass
    for layer in layers:
        setattr(layer, "group_send", _lossy(vars(layer)["group_send"], fraction))  # noqa: B010


def _lossy(group_send: Callable[..., Any], fraction: float) -> Callable[..., Any]:
    @functools.wraps(group_send)
    async def wrapper(self: Any, group: str, message: dict[str, Any]) -> None:
        global dropped
        if group.startswith("livechat.") and random.random() < fraction:
            with _lock:
                dropped += 1
            return
        await group_send(self, group, message)

    return wrapper
