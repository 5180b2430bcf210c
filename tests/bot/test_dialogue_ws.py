"""The bot's reply reaches the customer's WebSocket like any message (docs/realtime.md)."""

from __future__ import annotations

from kefu.bot.dialogue import state
from kefu.channels.models import Channel
from tests.realtime.conftest import (  # noqa: F401 — the realtime fixtures, used by name
    client,
    customer_hello,
    expect,
    rt,
    rt_url,
    settings_overrides,
    shop,
    shop_token,
)

WIDGET = "/api/v1/widget/ws"


def test_the_bot_answers_on_the_customer_socket(client, shop, rt):  # noqa: F811
    with rt.sessions() as s:
        channel = s.get(Channel, shop.chat.id)
        assert channel is not None
        state.switch_on(channel)
        s.commit()
    with client.websocket_connect(WIDGET) as cust:
        customer_hello(cust, shop, token=shop_token(shop, "M1", name="赵敏"))
        cust.send_json({"type": "message", "client_msg_id": "c-1", "body": "你好"})
        ack = expect(cust, "ack")["message"]
        reply = expect(cust, "message")["message"]
        assert reply["conversation_id"] == ack["conversation_id"]
        assert reply["direction"] == "outbound" and "智能客服" in reply["body"]
        hint = expect(cust, "message")["message"]
        assert "人工" in hint["body"]
        cust.send_json({"type": "message", "client_msg_id": "c-2", "body": "转人工"})
        expect(cust, "ack")
        handed = expect(cust, "message")["message"]
        assert "人工客服暂时不在线" in handed["body"]  # nobody online: no "please wait"
