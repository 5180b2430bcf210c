"""Flood limits: token buckets per customer and per IP address.

Without Redis each `kefu serve` process keeps its own buckets (with N processes behind a balancer
a client gets at most N times the rate). With `KEFU_REDIS_URL` the buckets live in Redis, one
per key for all processes, updated by one Lua script (atomic); should Redis fail, the process's
own buckets decide meanwhile. A refused message is never stored and never acknowledged, so the
client keeps it and sends it again later — a limit delays, it does not lose.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from kefu import clock
from kefu.errors import DomainError
from kefu.realtime import redis_clients

log = logging.getLogger(__name__)

# KEYS[1] the bucket; ARGV rate, burst, now, cost. Returns 1 when the tokens were there.
_BUCKET = """
local b = redis.call('HMGET', KEYS[1], 't', 'ts')
local rate, burst, now, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local ok = 0
if tokens >= cost then tokens = tokens - cost; ok = 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return ok
"""


class RateLimited(DomainError):
    status = 429


RATE_LIMITED = RateLimited(
    "rate_limited",
    zh="发送太频繁，请稍后再试",
    en="too many messages or requests; please slow down and try again shortly",
)


class TokenBuckets:
    """`allow(key)` takes one token from the key's bucket: `burst` at most, `rate` refilled per s."""

    def __init__(self, rate_per_s: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate = rate_per_s
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()  # the widget REST middleware and sockets share buckets

    def allow(self, key: Hashable, cost: float = 1.0) -> bool:
        now = clock.now().timestamp()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + max(0.0, now - last) * self.rate)
            ok = tokens >= cost
            if ok:
                tokens -= cost
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > self.max_keys:  # forget the least recently seen
                self._buckets.popitem(last=False)
            return ok


class SharedBuckets:
    """The same buckets in Redis, shared by every process; the local ones if Redis fails."""

    def __init__(self, local: TokenBuckets, redis_url: str | None, prefix: str) -> None:
        self.local = local
        self.redis_url = redis_url
        self.prefix = prefix
        self._client: Any = None
        self._script: Any = None

    async def allow(self, key: Hashable, cost: float = 1.0) -> bool:
        if not self.redis_url:
            return self.local.allow(key, cost)
        if self._script is None:
            self._client = redis_clients.async_client(self.redis_url)
            self._script = self._client.register_script(_BUCKET)
        args = [self.local.rate, self.local.burst, clock.now().timestamp(), cost]
        try:
            return bool(await self._script(keys=[f"{self.prefix}:{key!r}"], args=args))
        except Exception:  # Redis down, or a client left on a closed loop: never a 500 for it
            log.warning("rate limit: redis unavailable, using this process's buckets")
            self._client = self._script = None
            return self.local.allow(key, cost)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = self._script = None


class Limits:
    """The buckets, from settings: `customer` (messages) and `ip` (connections, requests)."""

    def __init__(
        self,
        *,
        chat_rate: float,
        chat_burst: int,
        ip_rate: float,
        ip_burst: int,
        redis_url: str | None = None,
        namespace: str = "kefu:rl",
    ) -> None:
        self.customer = SharedBuckets(
            TokenBuckets(chat_rate, chat_burst), redis_url, f"{namespace}:customer"
        )
        self.ip = SharedBuckets(TokenBuckets(ip_rate, ip_burst), redis_url, f"{namespace}:ip")

    async def close(self) -> None:
        await self.customer.close()
        await self.ip.close()
