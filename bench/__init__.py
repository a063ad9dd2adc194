"""Throughput and losslessness of the message pipeline against bare Channels round trips.

One module per concern: ``cli`` (options, the run), ``phases`` (which phases, what they
run with), ``throughput``/``storm``/``idle`` (the phases), ``load`` (the closed loop),
``widget``/``agent`` (the clients), ``ledger`` (every message accounted for), ``report``
(numbers and tables), ``server``/``services``/``database`` (the processes and data
behind them), ``settings``/``asgi``/``consumers`` (the servers' host project).
"""

from __future__ import annotations
