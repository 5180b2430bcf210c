"""A burst of more concurrent limit checks than the Redis pool has connections all reach Redis.

redis-py's default pool raises on the 101st concurrent command; the limits took that for "Redis
is down", counted on the process's own buckets and rebuilt the client. Now the burst waits for
a connection, every check is counted in the shared bucket, and the pool stays at its size.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid

import pytest
import redis

from kefu.realtime import redis_clients
from kefu.realtime.limits import SharedBuckets, TokenBuckets

REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BURST = 300  # concurrent checks: well past the 100 of redis-py's default pool


def test_a_burst_past_the_pool_size_is_counted_in_redis_not_locally(
    caplog: pytest.LogCaptureFixture,
) -> None:
    prefix = f"kefu:rl:test:{uuid.uuid4().hex}"
    buckets = SharedBuckets(TokenBuckets(rate_per_s=0.001, burst=1_000), REDIS_URL, prefix)

    async def burst() -> tuple[list[bool], int]:
        try:
            allowed = await asyncio.gather(*(buckets.allow("one-key") for _ in range(BURST)))
            pool = buckets._client.connection_pool
            return list(allowed), len(pool._in_use_connections) + len(pool._available_connections)
        finally:
            await buckets.close()

    with caplog.at_level(logging.WARNING, logger="kefu.realtime.limits"):
        allowed, connections = asyncio.run(burst())
    assert all(allowed)
    assert not [r for r in caplog.records if "redis unavailable" in r.getMessage()]
    assert connections <= redis_clients.MAX_CONNECTIONS
    # Every one of the checks took its token from the shared bucket in Redis.
    client = redis.Redis.from_url(REDIS_URL)
    try:
        [key] = client.keys(f"{prefix}:*")
        tokens = float(client.hget(key, "t") or 0)
        client.delete(key)
    finally:
        client.close()
    assert 1_000 - BURST - 1 <= tokens <= 1_000 - BURST + 1
