"""Throughput benchmark of the message pipeline against a bare Channels round trip."""

from __future__ import annotations
