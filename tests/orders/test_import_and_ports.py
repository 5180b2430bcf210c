"""Bulk import with progress and per-batch all-or-nothing; the connector port's adapters."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.orders import imports, ingest, signing
from kefu.orders.models import Order
from kefu.orders.ports import FakeShop, RestShop, ShopError
from kefu.orders.shop_schemas import OrderIn
from kefu.timers import service as timers
from tests.orders.helpers import T0, order_doc


@pytest.fixture
def now():
    with clock.frozen(T0) as c:
        yield c


def test_a_json_import_runs_in_batches_with_progress_and_row_errors(
    client, runtime, world, now, monkeypatch
):
    monkeypatch.setattr(imports, "BATCH", 3)
    docs = [order_doc(f"IMP-{i}", member=f"M{i}") for i in range(8)]
    docs[4]["items"][0]["quantity"] = 0  # batch 1 (rows 4–6) has one bad row
    r = client.post(
        "/api/v1/orders/import", json={"orders": docs}, headers=world.headers(Role.admin)
    )
    assert r.status_code == 202, r.text
    job = r.json()
    assert (job["status"], job["processed"], job["total"]) == ("queued", 0, 8)
    assert (
        client.post(
            "/api/v1/orders/import", json={"orders": docs}, headers=world.headers(Role.agent)
        ).status_code
        == 403
    )
    url = f"/api/v1/orders/imports/{job['id']}"
    progress = []
    for _ in range(4):  # the worker takes one batch per pass
        timers.sweep(runtime.sessions)
        progress.append(client.get(url, headers=world.headers(Role.admin)).json()["processed"])
    assert progress == [3, 6, 8, 8]
    done = client.get(
        f"/api/v1/orders/imports/{job['id']}", headers=world.headers(Role.admin)
    ).json()
    assert (done["status"], done["processed"], done["imported"], done["failed"]) == (
        "done",
        8,
        5,
        3,
    )
    [error] = done["errors"]
    assert error["batch"] == 1 and error["row"] == 5 and "quantity" in error["reason"]
    with runtime.sessions() as s:
        numbers = set(
            s.scalars(select(Order.number).where(Order.workspace_id == world.workspace.id))
        )
    assert numbers == {"IMP-0", "IMP-1", "IMP-2", "IMP-6", "IMP-7"}  # batch 1 left out whole


def test_a_csv_import_groups_lines_into_orders(client, runtime, world, now):
    csv_text = (
        "number,member_id,customer_name,status,sku,title,quantity,unit_price_cents,paid_at\n"
        f"C-1,M1,张伟,paid,SKU-A,茶杯,2,1500,{T0.isoformat()}\n"
        f"C-1,M1,张伟,paid,SKU-B,茶壶,1,8800,{T0.isoformat()}\n"
        "C-2,M2,李娜,pending_payment,SKU-A,茶杯,1,1500,\n"
    )
    r = client.post(
        "/api/v1/orders/import", json={"csv": csv_text}, headers=world.headers(Role.admin)
    )
    assert r.status_code == 202 and r.json()["total"] == 2
    timers.sweep(runtime.sessions)
    with runtime.sessions() as s:
        order = ingest.order_by_number(s, world.workspace.id, "C-1")
        assert order is not None and order.total_cents == 2 * 1500 + 8800 and len(order.items) == 2
    bad = client.post(
        "/api/v1/orders/import", json={"csv": "a,b\n1,2\n"}, headers=world.headers(Role.admin)
    )
    assert bad.status_code == 422 and bad.json()["code"] == "import.csv_header"
    both = client.post(
        "/api/v1/orders/import", json={"csv": "", "orders": []}, headers=world.headers(Role.admin)
    )
    assert both.status_code == 422


class _Shop(BaseHTTPRequestHandler):
    """A tiny REST shop: GET /orders, POST /orders/{n}/refunds; checks kefu's signature."""

    secret = "whsec_test"
    orders: list[dict[str, Any]] = []
    seen: dict[str, int] = {}

    def _verified(self, body: bytes) -> bool:
        # As a shop should: over timestamp, delivery id (= Idempotency-Key) and body.
        return signing.valid_v2(
            (self.secret,),
            self.headers["X-Kefu-Timestamp"],
            self.headers["X-Kefu-Delivery"],
            body,
            self.headers["X-Kefu-Signature-V2"],
        )

    def _reply(self, status: int, doc: Any) -> None:
        raw = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:  # noqa: N802
        if not self._verified(b""):
            return self._reply(401, {})
        since = int(self.path.split("since_version=")[1].split("&")[0])
        self._reply(200, {"orders": [o for o in self.orders if o["version"] > since]})

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if not self._verified(body):
            return self._reply(401, {})
        key = self.headers["Idempotency-Key"]
        if key in self.seen:
            return self._reply(409, {"error": "already applied"})
        self.seen[key] = 1
        self._reply(201, {"ok": True})

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def rest_shop():
    _Shop.orders = [order_doc("P-1", version=5), order_doc("P-2", version=9)]
    _Shop.seen = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Shop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_rest_adapter_pulls_and_refunds_against_a_real_server(rest_shop, runtime, world, now):
    port = RestShop(rest_shop, _Shop.secret)
    pulled = port.pull_orders(since_version=5, limit=10)
    assert [o.number for o in pulled] == ["P-2"]
    with runtime.sessions() as s:
        for o in port.pull_orders(since_version=0, limit=10):
            assert ingest.apply_order(s, Actor.system(world.workspace.id), o) == "applied"
        s.commit()
    port.refund(key="r-1", order_number="P-1", amount_cents=100, reason="x", lines=[])
    port.refund(key="r-1", order_number="P-1", amount_cents=100, reason="x", lines=[])  # 409: done
    assert _Shop.seen == {"r-1": 1}
    wrong, nowhere = RestShop(rest_shop, "wrong"), RestShop("http://127.0.0.1:9", _Shop.secret)
    with pytest.raises(ShopError, match="401"):
        wrong.cancel(key="c-1", order_number="P-1", reason="")
    with pytest.raises(ShopError):
        nowhere.cancel(key="c-1", order_number="P-1", reason="")
    for adapter in (port, wrong, nowhere):
        adapter.close()


def test_the_fake_adapter_behaves_like_a_shop():
    fake = FakeShop(orders=[OrderIn.model_validate(order_doc("F-1", version=3))], fail_first=1)
    with pytest.raises(ShopError):
        fake.refund(key="k", order_number="F-1", amount_cents=1, reason="", lines=[])
    fake.refund(key="k", order_number="F-1", amount_cents=1, reason="", lines=[])
    fake.refund(key="k", order_number="F-1", amount_cents=1, reason="", lines=[])
    assert fake.calls == 3 and list(fake.applied) == ["k"]
    assert [o.number for o in fake.pull_orders(since_version=0, limit=5)] == ["F-1"]
    assert fake.pull_orders(since_version=3, limit=5) == []
