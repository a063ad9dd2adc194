"""Counters for one benchmark phase, kept inside the server (``--instrument``).

Off by default, so a plain run measures the code as shipped. When on, the server counts
SQL statements (by verb and thread), database connections opened, group-commit batch sizes
and channel-layer calls; ``bench/run.py`` resets them before a phase and reads them after.
Each counter costs one Python call per event, small next to what it counts.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

_lock = threading.Lock()
_counts: Counter[str] = Counter()
_batches: list[int] = []


def bump(key: str, amount: int = 1) -> None:
    with _lock:
        _counts[key] += amount


def snapshot() -> dict[str, Any]:
    with _lock:
        batches = sorted(_batches)
        return {
            "counts": dict(sorted(_counts.items())),
            "writer_batches": len(batches),
            "writer_batch_items": sum(batches),
            "writer_batch_max": batches[-1] if batches else 0,
            "writer_batch_median": batches[len(batches) // 2] if batches else 0,
        }


def reset() -> None:
    with _lock:
        _counts.clear()
        _batches.clear()


def install() -> None:
    """Wrap the seams: Django's connection signal, the writer's commit, the layer's calls."""
    from channels.layers import InMemoryChannelLayer
    from django.db.backends.signals import connection_created

    from django_livechat import writer

    connection_created.connect(_on_connection, weak=False, dispatch_uid="bench.instrument")

    commit = writer._commit

    def counted_commit(items: Sequence[Any]) -> Any:
        with _lock:
            _batches.append(len(items))
        return commit(items)

    writer._commit = counted_commit  # type: ignore[assignment]
    layers: list[type] = [InMemoryChannelLayer]
    try:
        from channels_redis.core import RedisChannelLayer

        layers.append(RedisChannelLayer)
    except ImportError:
        pass
    for layer in layers:
        for name in ("group_send", "send", "receive"):
            setattr(layer, name, _counted(name, getattr(layer, name)))


def _counted(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        bump(f"layer.{name}")
        return await method(*args, **kwargs)

    return wrapper


def _on_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    bump(f"db.connect[{_thread_kind()}]")
    # A thread's connection object outlives a close: wrap it once, not on every reconnect.
    if _count_sql not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count_sql)


def _count_sql(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
    bump(f"sql.{verb}[{_thread_kind()}]")
    return execute(sql, params, many, context)


def _thread_kind() -> str:
    # "livechat-db_0" -> "livechat-db": one key per pool, not per thread.
    return threading.current_thread().name.rsplit("_", 1)[0]
