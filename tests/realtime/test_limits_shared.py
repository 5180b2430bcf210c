"""With Redis configured, the flood limits are one set of buckets for every process."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import timedelta

from kefu import clock
from kefu.realtime.limits import Limits

REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def test_two_processes_share_one_bucket_per_customer():
    namespace = f"kefu:rl:test:{uuid.uuid4().hex}"

    def limits(redis_url: str | None) -> Limits:
        return Limits(
            chat_rate=0.5,
            chat_burst=3,
            ip_rate=1,
            ip_burst=1,
            redis_url=redis_url,
            namespace=namespace,
        )

    async def scenario() -> tuple[list[bool], list[bool], bool]:
        a, b = limits(REDIS_URL), limits(REDIS_URL)
        try:
            key = (1, 42)
            # Three from "process" A and one from B: B's is the fourth of the same customer.
            shared = [await a.customer.allow(key) for _ in range(3)] + [await b.customer.allow(key)]
            # Without Redis each process would have let B's through.
            alone = limits(None)
            local = [await alone.customer.allow(key) for _ in range(3)]
            with clock.frozen(clock.now() + timedelta(seconds=3)):  # 1.5 tokens back
                later = await b.customer.allow(key)
            return shared, local, later
        finally:
            await a.close()
            await b.close()

    with clock.frozen(clock.now()):
        shared, local, later = asyncio.run(scenario())
    assert shared == [True, True, True, False]
    assert local == [True, True, True]
    assert later is True


def test_an_unreachable_redis_falls_back_to_the_process_buckets():
    async def scenario() -> list[bool]:
        limits = Limits(
            chat_rate=0.001, chat_burst=2, ip_rate=1, ip_burst=1, redis_url="redis://127.0.0.1:1/0"
        )
        try:
            return [await limits.customer.allow("k") for _ in range(3)]
        finally:
            await limits.close()

    assert asyncio.run(scenario()) == [True, True, False]
