"""Where the pipeline's blocking ORM work runs: small thread pools of its own.

Reads run in a pool of a few threads; writes in the single writer thread of
:mod:`django_livechat.writer`. Each call closes the thread's connections (honouring
``CONN_MAX_AGE``) inside the same call, so the number of open database connections is
bounded by the pool sizes, however many sockets come and go, and nothing blocks the event
loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from django.db import InterfaceError, OperationalError, close_old_connections

from django_livechat import errors

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

READ_THREADS = 4

read_executor = ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="livechat-db")
write_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="livechat-writer")


def _clean(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    close_old_connections()
    try:
        return func(*args, **kwargs)
    finally:
        close_old_connections()


async def run_in_db_thread(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``func`` in the read pool; connections are tidied in the same thread call.

    A database that cannot be reached is :class:`~django_livechat.errors.ChatError`
    ``UNAVAILABLE``, which every transport reports as such (HTTP 503), not a crash.
    """
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(
            read_executor, functools.partial(_clean, func, *args, **kwargs)
        )
    except (OperationalError, InterfaceError) as exc:
        logger.warning("The database did not answer a read (%s)", exc)
        raise errors.unavailable("The chat cannot reach its database just now.") from exc


async def run_in_writer_thread(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``func`` in the single writer thread."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        write_executor, functools.partial(_clean, func, *args, **kwargs)
    )
