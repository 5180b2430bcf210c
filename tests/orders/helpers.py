"""Shared test helpers: a real local shop receiver, signed webhook calls, orders made by ingest."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.secrets import sign_widget_token
from kefu.orders import effects, ingest, shop, signing
from kefu.orders.models import Order
from kefu.orders.shop_schemas import OrderIn
from tests.factories import World

T0 = datetime.fromisoformat("2026-11-20T02:00:00+00:00")  # 10:00 Beijing time, a Friday


@dataclass
class Receiver:
    """The shop's side: applies each Idempotency-Key once; fails the first `fail_first` calls
    (or every call whose number is in `fail_calls`) with a 503."""

    fail_first: int = 0
    fail_calls: set[int] = field(default_factory=set)
    calls: int = 0
    applied: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            self.calls += 1
            self.requests.append((path, headers, body))
            if self.calls <= self.fail_first or self.calls in self.fail_calls:
                return 503
            key = headers.get("idempotency-key", "")
            self.applied.setdefault(key, {"path": path, **json.loads(body or b"{}")})
            return 200


@contextmanager
def shop_receiver(**kwargs: Any) -> Iterator[Receiver]:
    receiver = Receiver(**kwargs)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = receiver.handle(self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        effects.reset_client()  # no pooled keep-alive connection to a server that is gone
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def secret_of(session: Session, world: World) -> str:
    return shop.link(session, world.workspace.id).secret


def post_event(
    client: TestClient,
    world: World,
    secret: str,
    event: dict[str, Any],
    delivery: str,
    *,
    timestamp: int | None = None,
    signature: str | None = None,
    legacy: bool = False,
) -> Any:
    """Signed as the shop signs: over timestamp, delivery id and body (`legacy`: body only)."""
    body = json.dumps(event, ensure_ascii=False).encode()
    ts = timestamp if timestamp is not None else int(clock.now().timestamp())
    if legacy:
        signed = {signing.SIGNATURE: signature or signing.sign(secret, ts, body)}
    else:
        signed = {signing.SIGNATURE_V2: signature or signing.sign_v2(secret, ts, delivery, body)}
    headers = {
        signing.TIMESTAMP: str(ts),
        **signed,
        signing.DELIVERY: delivery,
        "Content-Type": "application/json",
        "Accept-Language": "en",
    }
    return client.post(
        f"/api/v1/shop/webhooks/{world.workspace.key}", content=body, headers=headers
    )


def order_doc(
    number: str = "SO-1",
    *,
    member: str = "M1",
    status: str = "paid",
    version: int = 1,
    price: int = 199_00,
    quantity: int = 1,
    paid_at: datetime | None = T0,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "number": number,
        "version": version,
        "customer": {"member_id": member, "name": "张伟"},
        "status": status,
        "items": [
            {
                "sku": "SKU-TEA",
                "title": "龙井茶 250g",
                "quantity": quantity,
                "unit_price_cents": price,
            }
        ],
        "shipping": {
            "name": "张伟",
            "phone": "13812345678",
            "address": "浙江省杭州市西湖区龙井路 1 号",
        },
        "paid_at": paid_at.isoformat() if paid_at else None,
        **extra,
    }


def make_order(session: Session, world: World, **kwargs: Any) -> Order:
    doc = order_doc(**kwargs)
    system = Actor.system(world.workspace.id)
    ingest.apply_order(session, system, OrderIn.model_validate(doc))
    order = ingest.order_by_number(session, world.workspace.id, doc["number"])
    assert order is not None
    return order


def customer_headers(world: World, member_id: str = "M1") -> dict[str, str]:
    token = sign_widget_token(
        world.workspace.widget_secret,
        {"ws": world.workspace.key, "sub": member_id, "exp": int(clock.now().timestamp()) + 600},
    )
    return {
        "X-Kefu-Workspace": world.workspace.key,
        "X-Kefu-Customer-Token": token,
        "Accept-Language": "en",
    }


class FreshCustomerHeaders(Mapping[str, str]):
    """Widget headers signed anew at each use, so a token stays valid while the clock moves."""

    def __init__(self, world: World, member_id: str = "M1") -> None:
        self.world, self.member_id = world, member_id

    def _now(self) -> dict[str, str]:
        return customer_headers(self.world, self.member_id)

    def __getitem__(self, key: str) -> str:
        return self._now()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._now())

    def __len__(self) -> int:
        return len(self._now())
