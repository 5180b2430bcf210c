"""Cancelling an order while a refund or return is in progress: refused (409) until that case
ends — else the cancellation refunds the order in full and the case refunds it again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.orders import ingest
from kefu.orders.aftersales_models import AfterSaleKind, AfterSaleStatus, Refund, RefundStatus
from kefu.orders.shop_schemas import AfterSaleIn
from tests.orders.helpers import T0, FreshCustomerHeaders, make_order

W = "/api/v1/widget/orders/{}/actions/{}"
STAFF = "/api/v1/orders/{}/actions/{}"


@pytest.fixture
def now():
    with clock.frozen(T0 + timedelta(minutes=10)) as c:
        yield c


@pytest.fixture
def me(client, world, now):
    headers = FreshCustomerHeaders(world)
    assert client.get("/api/v1/widget/me", headers=headers).status_code == 200
    return headers


@pytest.fixture
def big(runtime, world, me):
    """¥899, paid, unshipped: above the ¥200 automatic limit, so a refund waits for review."""
    with runtime.sessions() as s:
        o = make_order(s, world, number="SO-BIG", price=899_00)
        s.commit()
    return o


def shop_reports(runtime, world, number: str, status: AfterSaleStatus, version: int) -> None:
    with runtime.sessions() as s:
        ingest.apply_after_sale(
            s,
            Actor.system(world.workspace.id),
            AfterSaleIn(
                number=number,
                order_number="SO-BIG",
                version=version,
                kind=AfterSaleKind.refund,
                status=status,
                amount_cents=899_00,
                at=clock.now(),
                actor="商家",
            ),
        )
        s.commit()


def money_back(runtime) -> int:
    with runtime.sessions() as s:
        return int(
            s.scalar(
                select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
                    Refund.status != RefundStatus.failed
                )
            )
        )


def test_a_refund_under_review_blocks_the_cancel_for_customer_and_agent(
    client, runtime, world, me, big
):
    r = client.post(W.format(big.id, "refund"), json={"reason": "质量问题"}, headers=me)
    assert r.status_code == 200 and r.json()["outcome"] == "pending_review"
    case = r.json()["after_sale"]
    for url, headers in (
        (W.format(big.id, "cancel"), me),
        (STAFF.format(big.id, "cancel"), world.headers(Role.agent)),
    ):
        refused = client.post(url, json={"reason": "不要了"}, headers=headers)
        assert refused.status_code == 409, refused.text
        body = refused.json()
        assert body["code"] == "order.cancel.open_case" and case in body["detail"]
    zh = client.post(
        STAFF.format(big.id, "cancel"),
        json={"reason": "不要了"},
        headers=world.headers(Role.agent, lang="zh-CN"),
    ).json()
    assert "售后" in zh["detail"] and case in zh["detail"]
    # The button says so before anyone presses it.
    page = client.get(f"/api/v1/widget/orders/{big.id}", headers=me).json()
    assert page["available"]["cancel"]["code"] == "order.cancel.open_case"
    # Nothing was refunded twice: the shop refunds the case, the order is not cancelled.
    shop_reports(runtime, world, case, AfterSaleStatus.refunded, version=1)
    assert money_back(runtime) == 899_00


def test_once_the_case_ends_the_order_can_be_cancelled(client, runtime, world, me, big):
    r = client.post(W.format(big.id, "refund"), json={"reason": "质量问题"}, headers=me)
    shop_reports(runtime, world, r.json()["after_sale"], AfterSaleStatus.rejected, version=1)
    done = client.post(W.format(big.id, "cancel"), json={"reason": "不要了"}, headers=me)
    assert done.status_code == 200, done.text
    assert done.json()["refund_cents"] == 899_00 and money_back(runtime) == 899_00


def test_an_approved_refund_on_its_way_blocks_the_cancel_too(client, runtime, world, me):
    with runtime.sessions() as s:
        small = make_order(s, world, number="SO-S", price=99_00)
        s.commit()
    r = client.post(
        W.format(small.id, "refund"), json={"reason": "拍错", "amount_cents": 50_00}, headers=me
    )
    assert r.json()["outcome"] == "done"
    refused = client.post(W.format(small.id, "cancel"), json={"reason": "x"}, headers=me)
    assert refused.status_code == 409 and refused.json()["code"] == "order.cancel.open_case"
