"""The timers benchmark's rows: bulk loads, the raw-driver reference, and the final count.

Timers are written with the driver's fastest path (PostgreSQL `COPY`, SQLite `executemany` in one
transaction) on a connection of their own; loading is reported but is not what is measured.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, text

from kefu.bench import raw
from kefu.bench.common import Series, measure
from kefu.bench.timers_worker import CREATE_FIRES, REFERENCE
from kefu.timers.models import Timer

INSERT_SQLITE = (
    "INSERT INTO timers (workspace_id, kind, key, due_at, payload, attempts, last_error,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
COPY_POSTGRES = (
    "COPY timers (workspace_id, kind, key, due_at, payload, attempts, last_error, created_at)"
    " FROM STDIN"
)
# The sweep's claim, as `timers.sweep` words it, and the armed timers due by a time.
CLAIM = (
    "SELECT * FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= :now"
    " ORDER BY due_at, id LIMIT :batch"
)
COUNT_ARMED_DUE = (
    "SELECT count(*) FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= %s"
)


def sqlite_stamp(dt: datetime) -> str:
    """The text SQLAlchemy stores for a UTC DateTime on SQLite (so comparisons agree)."""
    return dt.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


class Loader:
    """One raw DBAPI connection of the engine's pool, for bulk writes and cheap counts.

    On SQLite it reads outside kefu's `BEGIN IMMEDIATE`, so counting never queues for the write
    lock behind the workers.
    """

    def __init__(self, engine: Engine, workspace_id: int) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        self.workspace_id = workspace_id
        self._pooled = engine.raw_connection()
        self.conn: Any = self._pooled.driver_connection

    def close(self) -> None:
        if not self.sqlite:
            self.conn.rollback()
        self._pooled.close()

    def stamp(self, dt: datetime) -> Any:
        return sqlite_stamp(dt) if self.sqlite else dt

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """One statement in a transaction of its own; its rows."""
        if self.sqlite:
            return list(self.conn.execute(sql.replace("%s", "?"), params).fetchall())
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall() if cur.description else []
        self.conn.commit()
        return list(rows)

    def insert(self, kind: str, timers: Iterable[tuple[str, datetime]]) -> int:
        """Insert armed timers (key, due_at) of `kind` in one transaction; how many."""
        now = self.stamp(datetime.now(UTC))
        rows = (
            (self.workspace_id, kind, key, self.stamp(due), "{}", 0, "", now) for key, due in timers
        )
        n = 0
        if self.sqlite:
            cur = self.conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            cur.executemany(INSERT_SQLITE, rows)
            n = cur.rowcount
            cur.execute("COMMIT")
            return int(n)
        with self.conn.cursor() as cur, cur.copy(COPY_POSTGRES) as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        self.conn.commit()
        return n

    def create_fires_table(self) -> None:
        if self.sqlite:
            self.conn.execute(CREATE_FIRES)
        else:
            self.execute(CREATE_FIRES)

    def analyze(self) -> None:
        """PostgreSQL: fresh planner statistics, as autovacuum leaves them after a load this size.

        (kefu never runs ANALYZE on SQLite, so neither does the benchmark.)"""
        if not self.sqlite:
            self.execute("ANALYZE timers")

    def armed_due(self, until: datetime) -> int:
        """Armed timers due at or before `until` (through the partial index)."""
        return int(self.execute(COUNT_ARMED_DUE, (self.stamp(until),))[0][0])


def far_future(n: int, *, start: datetime, prefix: str) -> Iterable[tuple[str, datetime]]:
    """`n` timers spread over the 30 days after `start`, as open tickets' SLA timers are."""
    step = timedelta(days=30) / max(n, 1)
    return ((f"{prefix}:{i}", start + i * step) for i in range(n))


def reference(url: str, loader: Loader, n: int) -> dict[str, Series]:
    """The raw driver on its own connection: `SELECT 1` round trips, then single-row commits of
    `UPDATE timers SET fired_at = … WHERE id = …` (the least a fired mark can cost)."""
    far = datetime.now(UTC) + timedelta(days=3650)
    loader.insert(REFERENCE, ((f"ref:{i}", far) for i in range(n)))
    ids = [
        row[0]
        for row in loader.execute("SELECT id FROM timers WHERE kind = %s ORDER BY id", (REFERENCE,))
    ]
    db = raw.connect(url)
    try:
        db.begin()
        for _ in range(2):  # warm: the connection, prepared statements after their first uses
            db.execute("SELECT 1", ()).fetchone()
        round_trip = measure(lambda i: db.execute("SELECT 1", ()).fetchone(), range(n))
        db.commit()

        def mark(i: int) -> None:
            db.begin()
            db.execute(
                "UPDATE timers SET fired_at = %s WHERE id = %s",
                (db.stamp(datetime.now(UTC)), ids[i]),
            )
            db.commit()

        warm = min(len(ids) // 10, 20)
        for i in range(warm):
            mark(i)
        commits = measure(mark, range(warm, len(ids)))
    finally:
        db.close()
    return {"select_1": round_trip, "single_row_commit": commits}


def sweep_plan(engine: Engine, batch: int) -> list[str]:
    """The plan of the sweep's claim query (the shape `timers.sweep` sends)."""
    if engine.dialect.name == "sqlite":
        explain = "EXPLAIN QUERY PLAN " + CLAIM
    else:
        explain = "EXPLAIN " + CLAIM + " FOR UPDATE SKIP LOCKED"
    stmt = text(explain).bindparams(bindparam("now", type_=Timer.__table__.c.due_at.type))
    with engine.connect() as conn:
        rows = conn.execute(stmt, {"now": datetime.now(UTC), "batch": batch}).all()
        conn.rollback()
    return [str(row[-1]) for row in rows]


def count_fires(loader: Loader) -> dict[str, Any]:
    """What the fires table holds, per kind: firings, distinct timers, timers fired more than once."""
    rows = loader.execute(
        "SELECT t.kind, count(*), count(DISTINCT f.timer_id) FROM bench_timer_fires f"
        " JOIN timers t ON t.id = f.timer_id GROUP BY t.kind"
    )
    per_kind = {kind: {"fires": int(n), "timers": int(d)} for kind, n, d in rows}
    doubles = loader.execute(
        "SELECT count(*) FROM (SELECT timer_id FROM bench_timer_fires"
        " GROUP BY timer_id HAVING count(*) > 1) d"
    )[0][0]
    orphans = loader.execute(
        "SELECT count(*) FROM bench_timer_fires f WHERE NOT EXISTS"
        " (SELECT 1 FROM timers t WHERE t.id = f.timer_id)"
    )[0][0]
    return {"per_kind": per_kind, "double_fired_timers": int(doubles), "orphans": int(orphans)}


def fired_state(loader: Loader, kind: str) -> dict[str, int]:
    """Timers of `kind`: how many, how many marked fired, how many failed at least once."""
    total, fired, failed = loader.execute(
        "SELECT count(*), count(fired_at), coalesce(sum(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0)"
        " FROM timers WHERE kind = %s",
        (kind,),
    )[0]
    return {"timers": int(total), "marked_fired": int(fired), "failed_attempts": int(failed)}


def due_times(loader: Loader, kind: str) -> dict[int, float]:
    """id → due time (Unix seconds) of every timer of `kind`."""
    rows = loader.execute("SELECT id, due_at FROM timers WHERE kind = %s", (kind,))
    if loader.sqlite:
        return {
            int(i): datetime.fromisoformat(due).replace(tzinfo=UTC).timestamp() for i, due in rows
        }
    return {int(i): due.timestamp() for i, due in rows}


def handled_times(loader: Loader) -> list[tuple[int, float]]:
    """(timer id, wall-clock time its handler ran) for every firing recorded."""
    rows = loader.execute("SELECT timer_id, handled_at FROM bench_timer_fires")
    return [(int(i), float(t)) for i, t in rows]


def database_info(loader: Loader) -> dict[str, Any]:
    if loader.sqlite:
        one = loader.execute
        return {
            "kind": "sqlite",
            "version": one("SELECT sqlite_version()")[0][0],
            "journal_mode": one("PRAGMA journal_mode")[0][0],
            "location": "temporary directory (local disk)",
        }
    settings = {
        key: loader.execute(f"SHOW {key}")[0][0]
        for key in ("server_version", "fsync", "synchronous_commit", "shared_buffers")
    }
    return {"kind": "postgresql", **settings}


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0
