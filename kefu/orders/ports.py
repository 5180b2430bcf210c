"""The port to the shop's order system, and its adapters: a generic REST shop API and a fake.

kefu asks the shop to change things (refund, address change, cancellation) only through this
port, always with an idempotency key, so a call retried after a timeout is applied once. Pulling
orders is for shops that cannot send webhooks (or to backfill).

REST contract of `RestShop` (every request signed like the webhooks, see docs/shop-integration.md;
the delivery id is the Idempotency-Key, so X-Kefu-Signature-V2 binds the key to the body):

    GET  {base}/orders?since_version=N&limit=M  → {"orders": [OrderIn, …]}
    POST {base}/orders/{number}/refunds          {"amount_cents", "reason", "lines": [...]}
    POST {base}/orders/{number}/address          {"name", "phone", "address"}
    POST {base}/orders/{number}/cancel           {"reason"}

Any 2xx is success; a 409 means "already applied with this key" and is success too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter, ValidationError

from kefu.orders import signing
from kefu.orders.shop_schemas import OrderIn

_ORDERS: TypeAdapter[list[OrderIn]] = TypeAdapter(list[OrderIn])


class ShopError(Exception):
    """The shop did not apply the call (unreachable, 5xx, refused); retry later."""


class ShopPort(Protocol):
    def pull_orders(self, *, since_version: int, limit: int) -> list[OrderIn]: ...

    def refund(
        self, *, key: str, order_number: str, amount_cents: int, reason: str, lines: list[Any]
    ) -> None: ...

    def change_address(
        self, *, key: str, order_number: str, name: str, phone: str, address: str
    ) -> None: ...

    def cancel(self, *, key: str, order_number: str, reason: str) -> None: ...


class RestShop:
    """A generic REST shop API over httpx; requests signed with the workspace's shop secret."""

    def __init__(
        self, base_url: str, secret: str, *, client: httpx.Client | None = None, timeout: float = 5
    ) -> None:
        self.base = base_url.rstrip("/")
        self.secret = secret
        self._owns = client is None
        self.client = client or httpx.Client(timeout=timeout, trust_env=False)

    def close(self) -> None:
        """Close the connection pool if this adapter made it."""
        if self._owns:
            self.client.close()

    def _post(self, path: str, key: str, body: dict[str, Any]) -> None:
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {**signing.headers(self.secret, raw, key), "Idempotency-Key": key}
        try:
            r = self.client.post(self.base + path, content=raw, headers=headers)
        except httpx.HTTPError as exc:
            raise ShopError(f"{type(exc).__name__}: {exc}") from exc
        if r.status_code == 409 or 200 <= r.status_code < 300:
            return
        raise ShopError(f"HTTP {r.status_code}: {r.text[:200]}")

    def pull_orders(self, *, since_version: int, limit: int) -> list[OrderIn]:
        query = f"/orders?since_version={since_version}&limit={limit}"
        headers = signing.headers(self.secret, b"", f"pull-{since_version}")
        try:
            r = self.client.get(self.base + query, headers=headers)
            r.raise_for_status()
            return _ORDERS.validate_python(r.json().get("orders", []))
        except (httpx.HTTPError, ValueError, AttributeError, ValidationError) as exc:
            raise ShopError(f"pull failed: {exc}"[:300]) from exc

    def refund(
        self, *, key: str, order_number: str, amount_cents: int, reason: str, lines: list[Any]
    ) -> None:
        body = {"amount_cents": amount_cents, "reason": reason, "lines": lines}
        self._post(f"/orders/{quote(order_number, safe='')}/refunds", key, body)

    def change_address(
        self, *, key: str, order_number: str, name: str, phone: str, address: str
    ) -> None:
        body = {"name": name, "phone": phone, "address": address}
        self._post(f"/orders/{quote(order_number, safe='')}/address", key, body)

    def cancel(self, *, key: str, order_number: str, reason: str) -> None:
        self._post(f"/orders/{quote(order_number, safe='')}/cancel", key, {"reason": reason})


@dataclass
class FakeShop:
    """An in-memory shop for tests: applies each key once, fails the first `fail_first` calls."""

    orders: list[OrderIn] = field(default_factory=list)
    fail_first: int = 0
    calls: int = 0
    applied: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    def _call(self, key: str, what: str, body: dict[str, Any]) -> None:
        self.calls += 1
        if self.calls <= self.fail_first:
            raise ShopError("fake shop: failing on purpose")
        self.applied.setdefault(key, (what, body))

    def pull_orders(self, *, since_version: int, limit: int) -> list[OrderIn]:
        newer = sorted((o for o in self.orders if o.version > since_version), key=_version)
        return newer[:limit]

    def refund(
        self, *, key: str, order_number: str, amount_cents: int, reason: str, lines: list[Any]
    ) -> None:
        self._call(key, "refund", {"order": order_number, "amount_cents": amount_cents})

    def change_address(
        self, *, key: str, order_number: str, name: str, phone: str, address: str
    ) -> None:
        self._call(key, "address", {"order": order_number, "address": address})

    def cancel(self, *, key: str, order_number: str, reason: str) -> None:
        self._call(key, "cancel", {"order": order_number})


def _version(order: OrderIn) -> int:
    return order.version
