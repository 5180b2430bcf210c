"""`kefu bench refund`: self-service refunds at 100/s until the shop confirms them.

One process per database: the load generator calls `actions.request_refund` as a widget customer
would (one transaction and commit per request, paced at RATE per second), a worker thread loops
`effects.deliver_due` as `kefu worker` does, and a local HTTP receiver plays the shop, failing FAIL_SHARE
of the calls at random (fixed seed) with a 503. Measured: the request's own latency, the time from
request to the effect confirmed by the receiver (its first 2xx), the outbox backlog (effects not
yet delivered) over time, and whether every refund reached the shop exactly once.

The retry backoff is shortened to RETRY_BASE_MS (production: 5 s, doubling) so that the figures
describe the pipeline rather than the wait; it is reported with the results. The reference is the
same-run median of one bare signed POST to the receiver.
"""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from sqlalchemy import func, select

from kefu import clock
from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.bench.common import machine, percentile, ratio, scratch_postgres, scratch_sqlite
from kefu.config import Settings
from kefu.orders import actions, effects, ingest, shop, signing
from kefu.orders.shop_models import Effect, EffectStatus
from kefu.orders.shop_schemas import OrderIn
from kefu.runtime import Runtime, build

PG_ENV = "KEFU_BENCH_PG_URL"
RATE = 100.0  # requests per second; never scaled
SECONDS = 10.0  # of load at scale 1.0
FAIL_SHARE = 0.2
RETRY_BASE_MS = 200
SWEEP_SLEEP_S = 0.02
SEED = 20261111


@dataclass
class Shop:
    """The receiver: 503 for a random FAIL_SHARE of calls, else applies the key once."""

    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    lock: threading.Lock = field(default_factory=threading.Lock)
    calls: int = 0
    failed: int = 0
    confirmed: dict[str, float] = field(default_factory=dict)  # key → first success time
    repeats: int = 0  # calls for a key already applied (answered 409, applied nothing)
    failing: bool = True

    def handle(self, key: str) -> int:
        with self.lock:
            self.calls += 1
            if self.failing and self.rng.random() < FAIL_SHARE:
                self.failed += 1
                return 503
            if key in self.confirmed:
                self.repeats += 1
                return 409
            self.confirmed[key] = time.perf_counter()
            return 200


@contextmanager
def receiver(state: Shop) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm and the
            # client's delayed ACK add 40 ms to every keep-alive response.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = state.handle(self.headers.get("Idempotency-Key", ""))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _setup(rt: Runtime, n: int, url: str) -> tuple[int, list[tuple[int, int]]]:
    """A workspace pointed at the receiver and `n` paid, unshipped orders of `n` customers."""
    with rt.sessions() as s:
        ws = auth.create_workspace(s, key="bench", name="Bench Shop")
        system = Actor.system(ws.id)
        auth.create_staff(s, actor=system, email="duty@bench.test", name="值班", role=Role.agent)
        shop.link(s, ws.id).api_url = url
        s.commit()
        orders = []
        for i in range(n):
            number = f"B-{i}"
            doc: dict[str, Any] = {
                "number": number,
                "version": 1,
                "customer": {"member_id": f"M{i}"},
                "status": "paid",
                "items": [{"sku": "SKU-B", "title": "茶", "quantity": 1, "unit_price_cents": 9900}],
                "paid_at": clock.now().isoformat(),
            }
            ingest.apply_order(s, system, OrderIn.model_validate(doc))
            order = ingest.order_by_number(s, ws.id, number)
            assert order is not None
            orders.append((order.id, order.customer_id))
        s.commit()
    return ws.id, orders


def _worker(rt: Runtime, stop: threading.Event) -> None:
    while not stop.is_set():
        effects.deliver_due(rt.sessions)
        stop.wait(SWEEP_SLEEP_S)


def _backlog(rt: Runtime) -> int:
    with rt.sessions() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(Effect)
                .where(Effect.status != EffectStatus.delivered)
            )
            or 0
        )


def _reference(url: str, n: int = 200) -> float:
    """Median seconds of one bare signed POST to the receiver (what one delivery must cost)."""
    body = json.dumps({"amount_cents": 1}).encode()
    lat = []
    with httpx.Client(trust_env=False) as client:
        for i in range(n):
            headers = {**signing.headers("s", body, f"ref-{i}"), "Idempotency-Key": f"ref-{i}"}
            t0 = time.perf_counter()
            client.post(url + "/orders/R/refunds", content=body, headers=headers)
            lat.append(time.perf_counter() - t0)
    return percentile(lat, 50)


def _one(url: str, n: int) -> dict[str, Any]:
    rt = build(Settings(database_url=url, worker_in_process=False))
    state = Shop()
    base = effects.RETRY_BASE
    effects.RETRY_BASE = timedelta(milliseconds=RETRY_BASE_MS)
    try:
        with receiver(state) as shop_url:
            state.failing = False
            ref = _reference(shop_url + "/api")
            state.failing, state.confirmed, state.calls, state.repeats = True, {}, 0, 0
            ws, orders = _setup(rt, n, shop_url + "/api")
            stop = threading.Event()
            worker = threading.Thread(target=_worker, args=(rt, stop), daemon=True)
            worker.start()
            requested: dict[str, float] = {}
            request_lat: list[float] = []
            backlog: list[int] = []
            start = time.perf_counter()
            for i, (order_id, customer_id) in enumerate(orders):
                wait = start + i / RATE - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                t0 = time.perf_counter()
                with rt.sessions() as s:
                    done = actions.request_refund(
                        s,
                        actor=Actor.customer(ws, customer_id),
                        order_id=order_id,
                        reason="bench",
                    )
                    key = done.refund.key if done.refund else ""
                    s.commit()
                requested[key] = t0
                request_lat.append(time.perf_counter() - t0)
                if i % int(RATE / 4) == 0:
                    backlog.append(_backlog(rt))
            load_s = time.perf_counter() - start
            at_end_of_load = _backlog(rt)
            deadline = time.perf_counter() + 120
            while _backlog(rt) and time.perf_counter() < deadline:
                time.sleep(0.05)
            drain_s = time.perf_counter() - start - load_s
            stop.set()
            worker.join(timeout=30)
        confirm = [state.confirmed[k] - t for k, t in requested.items() if k in state.confirmed]
        p50 = percentile(confirm, 50)
        return {
            "requests": n,
            "rate_target_per_s": RATE,
            "rate_achieved_per_s": round(n / load_s, 1),
            "request_p50_ms": round(percentile(request_lat, 50) * 1000, 2),
            "request_p99_ms": round(percentile(request_lat, 99) * 1000, 2),
            "to_confirmed_p50_ms": round(p50 * 1000, 1),
            "to_confirmed_p99_ms": round(percentile(confirm, 99) * 1000, 1),
            "to_confirmed_max_ms": round(max(confirm, default=0) * 1000, 1),
            "confirmed": len(confirm),
            "exactly_once": len(state.confirmed) == n and len(confirm) == n,
            "receiver_calls": state.calls,
            "receiver_failed_503": state.failed,
            "repeat_calls_409": state.repeats,
            "backlog_max": max(backlog, default=0),
            "backlog_at_end_of_load": at_end_of_load,
            "drain_after_load_s": round(drain_s, 2),
            "reference_post_p50_ms": round(ref * 1000, 3),
            "ratio_confirmed_p50_to_reference": ratio(p50, ref),
        }
    finally:
        effects.RETRY_BASE = base
        effects.reset_client()
        rt.close()


def run(scale: float = 1.0) -> dict[str, Any]:
    n = max(20, int(RATE * SECONDS * scale))
    result: dict[str, Any] = {
        "benchmark": "refund",
        "machine": machine(),
        "workload": {
            "requests": n,
            "rate_per_s": RATE,
            "receiver_fail_share": FAIL_SHARE,
            "retry_base_ms": RETRY_BASE_MS,
            "worker_sleep_ms": SWEEP_SLEEP_S * 1000,
        },
        "databases": {},
    }
    with scratch_sqlite() as url:
        result["databases"]["sqlite"] = _one(url, n)
    admin_url = os.environ.get(PG_ENV)
    if admin_url:
        with scratch_postgres(admin_url, f"kefu_bench_refund_{os.getpid()}") as url:
            result["databases"]["postgresql"] = _one(url, n)
    else:
        result["databases"]["postgresql"] = {"skipped": f"{PG_ENV} is not set"}
    return result
