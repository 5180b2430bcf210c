"""Signed, read-only links to the order page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu import clock
from kefu.auth.models import Role
from tests.orders.helpers import T0, customer_headers, make_order


@pytest.fixture
def now():
    with clock.frozen(T0) as c:
        yield c


def test_a_signed_link_opens_the_order_page_until_it_expires(
    client, runtime, world, other_world, now
):
    with runtime.sessions() as s:
        order = make_order(s, world)
        s.commit()
    r = client.post(f"/api/v1/orders/{order.id}/page-link", headers=world.headers(Role.agent))
    assert r.status_code == 200, r.text
    link = r.json()
    page = client.get(link["api_path"])
    assert page.status_code == 200 and page.json()["order"]["number"] == "SO-1"
    assert "13812345678" not in page.text  # the phone stays masked
    token = link["token"]
    for bad in (
        f"/api/v1/order-links/{world.workspace.key}/{token[:-2]}xx",
        f"/api/v1/order-links/{other_world.workspace.key}/{token}",
        f"/api/v1/order-links/nowhere/{token}",
        # A widget identity token is no link.
        f"/api/v1/order-links/{world.workspace.key}/"
        + customer_headers(world)["X-Kefu-Customer-Token"],
    ):
        assert client.get(bad).status_code == 401, bad
    assert (
        client.post(
            f"/api/v1/orders/{order.id}/page-link", headers=world.headers(Role.analyst)
        ).status_code
        == 403
    )
    now.advance(timedelta(days=7, seconds=1))
    expired = client.get(link["api_path"])
    assert expired.status_code == 401 and expired.json()["code"] == "order_link.invalid"
