"""Benchmarks behind `kefu bench <name> --json`: each returns one JSON-ready dict.

Every figure that depends on the machine comes with a ratio to a reference measured in the same
run (DESIGN.md), so results from different machines can be compared by their ratios.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kefu.bench import chat, ingest, refund, routing, timers

BENCHMARKS: dict[str, Callable[..., dict[str, Any]]] = {
    "chat": chat.run,
    "ingest": ingest.run,
    "refund": refund.run,
    "routing": routing.run,
    "timers": timers.run,
}
