"""20 concurrent identical requests on PostgreSQL give exactly one refund and one effect."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kefu import clock
from kefu.auth.actor import Actor
from kefu.config import Settings
from kefu.errors import DomainError
from kefu.orders import actions, ingest, price_protection
from kefu.orders.aftersales_models import Refund
from kefu.orders.shop_models import Effect
from kefu.orders.shop_schemas import PriceIn
from kefu.runtime import build
from tests.conftest import fresh_database
from tests.factories import make_world
from tests.orders.helpers import T0, make_order

THREADS = 20


@pytest.mark.parametrize("action", ["price_protection", "refund"])
def test_concurrent_identical_requests_refund_once_on_postgresql(tmp_path, action):
    with (
        clock.frozen(T0 + timedelta(days=3)),
        fresh_database("postgresql", str(tmp_path), f"kefu_orders_{action}") as url,
    ):
        rt = build(Settings(database_url=url, dispatch_in_process=False))
        with rt.sessions() as s:
            world = make_world(s, key="race")
            order = make_order(s, world)
            ingest.apply_price(
                s,
                Actor.system(world.workspace.id),
                PriceIn(sku="SKU-TEA", price_cents=99_00, effective_at=T0 + timedelta(days=1)),
            )
            s.commit()
            customer = Actor.customer(world.workspace.id, order.customer_id)
            item_id = order.items[0].id

        def attempt(_: int) -> str:
            with rt.sessions() as s:
                try:
                    if action == "price_protection":
                        price_protection.price_protect(
                            s, actor=customer, order_id=order.id, item_id=item_id
                        )
                    else:
                        actions.request_refund(s, actor=customer, order_id=order.id, reason="race")
                    s.commit()
                    return "ok"
                except (DomainError, IntegrityError) as exc:
                    s.rollback()
                    return getattr(exc, "code", "integrity")

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            results = list(pool.map(attempt, range(THREADS)))
        with rt.sessions() as s:
            refunds = s.scalar(select(func.count()).select_from(Refund))
            effects = s.scalar(select(func.count()).select_from(Effect))
        rt.close()
    assert results.count("ok") == 1, results
    assert refunds == 1 and effects == 1
    assert set(results) - {"ok"} <= {"order.price.done", "order.refund.open_case"}
