"""What every benchmark shares: latency series, the machine's description, scratch databases."""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy import event as sa_event

from kefu import migrate
from kefu.db import make_engine


@dataclass
class Series:
    """Per-operation latencies (seconds) of one measured loop, and its wall time."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0

    def extend(self, other: Series) -> None:
        self.latencies += other.latencies
        self.wall += other.wall

    def summary(self, unit: str) -> dict[str, Any]:
        n = len(self.latencies)
        return {
            "ops": n,
            "seconds": round(self.wall, 4),
            f"{unit}_per_s": round(n / self.wall, 1) if self.wall > 0 else 0.0,
            "p50_ms": round(percentile(self.latencies, 50) * 1000, 3),
            "p99_ms": round(percentile(self.latencies, 99) * 1000, 3),
        }


class StatementCache:
    """How the statements an engine ran while counting met SQLAlchemy's compiled cache.

    Warm, every statement should be a `cache_hit`; a `cache_miss` or `no_cache_key` means SQL
    compiled again on every call. `driver_sql` is text sent to the driver as is (BEGIN).
    """

    def __init__(self, engine: Engine) -> None:
        self.counts: dict[str, int] = {}
        self._on = False
        sa_event.listen(engine, "after_cursor_execute", self._seen)

    @contextmanager
    def counting(self) -> Iterator[None]:
        self._on = True
        try:
            yield
        finally:
            self._on = False

    def _seen(
        self, _conn: Any, _cur: Any, _sql: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if self._on:
            key = "driver_sql" if context.compiled is None else context.cache_hit.name.lower()
            self.counts[key] = self.counts.get(key, 0) + 1


def measure(op: Callable[[int], object], indices: range) -> Series:
    """Call `op(i)` for each index, one after another, timing each call and the whole loop."""
    series = Series()
    clock = time.perf_counter
    start = clock()
    for i in indices:
        t0 = clock()
        op(i)
        series.latencies.append(clock() - t0)
    series.wall = clock() - start
    return series


def chunks(n: int, parts: int) -> list[int]:
    """`n` split into `parts` sizes that differ by at most one (zeros dropped)."""
    return [size for k in range(parts) if (size := n // parts + (1 if k < n % parts else 0))]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ratio(part: float, reference: float) -> float:
    return round(part / reference, 3) if reference > 0 else 0.0


def machine() -> dict[str, Any]:
    """The machine and software the figures were measured on."""
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "psycopg": psycopg.__version__,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


@contextmanager
def scratch_sqlite() -> Iterator[str]:
    """A migrated SQLite file in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        _migrate(url)
        yield url


@contextmanager
def scratch_postgres(admin_url: str, name: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database `name` created via `admin_url`, dropped afterwards."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        _migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
