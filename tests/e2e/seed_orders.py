"""Orders for the browser tests of issue 5: a signed-in shopper (member `e2e-orders`) with a
cross-border order held in customs whose serum dropped in price after she paid (价保), and an
unshipped one (a late shipment to compensate above an agent's authority).

Orders, scans and the price drop arrive the way the shop sends them (kefu.orders.ingest), as in
kefu/bot/dialogue/demo.py — without switching the bot on, which the chat tests must not see.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.orders import ingest
from kefu.orders.aftersales_models import ScanCode
from kefu.orders.shop_schemas import OrderIn, PriceIn, ScanIn

MEMBER = "e2e-orders"
NAME = "赵敏"
CUSTOMS_ORDER = "E2E-1001"  # shipped from abroad, in customs; ¥1,299 → ¥1,099 (价保 ¥200)
UNSHIPPED_ORDER = "E2E-1002"  # paid, not shipped: ¥999
SKU = "SKU-E2E-SERUM"
TRACKING = "EMS-E2E-0001"


def _order(number: str, sku: str, title: str, price: int, **extra: object) -> OrderIn:
    paid = clock.now() - timedelta(days=2)
    return OrderIn.model_validate(
        {
            "number": number,
            "version": 1,
            "customer": {"member_id": MEMBER, "name": NAME},
            "status": "paid",
            "items": [{"sku": sku, "title": title, "quantity": 1, "unit_price_cents": price}],
            "shipping": {
                "name": NAME,
                "phone": "13812341234",
                "address": "北京市朝阳区建国路 88 号 6 号楼 1201",
            },
            "paid_at": paid.isoformat(),
            **extra,
        }
    )


def seed_orders(session: Session, workspace_id: int) -> None:
    """The shopper's two orders, the customs trail and the price drop (the caller commits)."""
    system = Actor.system(workspace_id)
    now = clock.now()
    paid = now - timedelta(days=2)
    ingest.apply_order(
        session,
        system,
        _order(
            CUSTOMS_ORDER,
            SKU,
            "玻尿酸精华液 50ml（跨境）",
            1_299_00,
            status="shipped",
            shipped_at=(paid + timedelta(hours=6)).isoformat(),
        ),
    )
    ingest.apply_order(
        session, system, _order(UNSHIPPED_ORDER, "SKU-E2E-KETTLE", "电热水壶", 999_00)
    )
    trail = (
        (ScanCode.picked_up, "首尔", "快件已揽收", 6),
        (ScanCode.in_transit, "仁川机场", "已从仁川起飞", 12),
        (ScanCode.customs, "上海浦东海关", "快件已到达海关，清关中", 30),
    )
    for i, (code, where, text, hours) in enumerate(trail):
        ingest.apply_scan(
            session,
            system,
            ScanIn(
                order_number=CUSTOMS_ORDER,
                tracking_no=TRACKING,
                carrier="EMS",
                scan_id=f"e2e-orders-{i}",
                code=code,
                occurred_at=paid + timedelta(hours=hours),
                location=where,
                description=text,
            ),
        )
    ingest.apply_price(
        session,
        system,
        PriceIn(sku=SKU, price_cents=1_099_00, effective_at=now - timedelta(days=1)),
    )
