"""Floods from one client: refused with a reason, never stored, never a lost acknowledged message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kefu import clock
from kefu.conversations.models import Message
from tests.realtime.conftest import customer_hello, expect, shop_token

WIDGET = "/api/v1/widget/ws"


def send(ws, body, cmid, **extra):
    ws.send_json({"type": "message", "client_msg_id": cmid, "body": body, **extra})


@pytest.fixture
def settings_overrides():
    return {"chat_burst": 3, "chat_rate_per_s": 0.5}


def test_a_flood_is_refused_without_losing_a_message(client, shop, rt):
    with clock.frozen(clock.now()) as frozen:
        with client.websocket_connect(WIDGET) as cust:
            customer_hello(cust, shop, token=shop_token(shop))
            for i in range(3):
                send(cust, f"第{i}条", f"f-{i}")
                expect(cust, "ack")
            send(cust, "第3条", "f-3")
            refused = expect(cust, "error")
            assert refused["code"] == "rate_limited" and refused["client_msg_id"] == "f-3"
            frozen.advance(timedelta(seconds=2))
            send(cust, "第3条", "f-3")
            assert expect(cust, "ack")["message"]["body"] == "第3条"
    with rt.sessions() as s:
        n = s.scalar(
            select(func.count()).select_from(Message).where(Message.client_msg_id.like("f-%"))
        )
    assert n == 4
