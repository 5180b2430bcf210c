"""Redis clients for the event loop whose pool makes a burst wait instead of fail.

redis-py's default pool opens up to 100 connections and then raises `MaxConnectionsError` on
the 101st concurrent command. With 1,000 customers connected, a burst of messages or connects
crosses that: the flood limits took the error for "Redis is down", fell back to the process's
own buckets and dropped the client, so the next command opened a new pool, connection by
connection (found profiling `kefu bench chat` on PostgreSQL + Redis). A blocking pool queues
the burst on a few connections; each command takes well under a millisecond.
"""

from __future__ import annotations

from typing import Any

MAX_CONNECTIONS = 32
WAIT_S = 2.0  # for a free connection, before the caller's own fallback applies


def async_client(url: str) -> Any:
    import redis.asyncio as aredis

    pool = aredis.BlockingConnectionPool.from_url(
        url, max_connections=MAX_CONNECTIONS, timeout=WAIT_S
    )
    return aredis.Redis.from_pool(pool)  # the client owns the pool: aclose() closes both
