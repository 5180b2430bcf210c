"""Two real `kefu serve` processes sharing realtime through Redis: a customer on A, an agent on B."""

from __future__ import annotations

import os
import uuid

import httpx
import pytest
from websockets.sync.client import connect

from kefu.auth.models import Role
from kefu.db import make_engine, make_sessionmaker
from tests.conftest import fresh_database
from tests.factories import make_world
from tests.realtime.conftest import shop_token
from tests.realtime.servers import expect, say, serving

REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
pytestmark = pytest.mark.slow


def test_customer_on_a_and_agent_on_b_chat_through_redis(tmp_path):
    with fresh_database("postgresql", str(tmp_path), "kefu_scale") as url:
        engine = make_engine(url)
        with make_sessionmaker(engine)() as s:
            shop = make_world(s, key=f"scale{uuid.uuid4().hex[:8]}")
            s.commit()
        engine.dispose()
        env = {"redis_url": REDIS_URL, "data_dir": str(tmp_path / "data")}
        with serving(url, **env) as a, serving(url, **env) as b:
            agent_id = shop.staff[Role.agent].id
            with (
                connect(f"{a.ws}/api/v1/widget/ws", open_timeout=10) as cust,
                connect(f"{b.ws}/api/v1/ws", open_timeout=10) as agent,
            ):
                say(agent, type="hello", token=shop.tokens[Role.agent])
                expect(agent, "welcome")
                say(cust, type="hello", workspace=shop.workspace.key, token=shop_token(shop, "M-A"))
                expect(cust, "welcome")
                say(cust, type="message", client_msg_id="ab-1", body="订单还没发货")
                msg = expect(cust, "ack")["message"]
                # Written on A, seen on B: the agent's queue shows it.
                assert expect(agent, "message")["message"] == msg
                taken = httpx.patch(
                    f"{b.http}/api/v1/conversations/{msg['conversation_id']}",
                    json={"assignee_id": agent_id},
                    headers=shop.headers(Role.agent),
                )
                assert taken.status_code == 200, taken.text
                joined = expect(cust, "conversation")
                assert joined["event"] == "assigned"
                assert joined["conversation"]["assignee_id"] == agent_id
                say(agent, type="typing", conversation_id=msg["conversation_id"])
                assert expect(cust, "typing")["by"] == "agent"
                say(
                    agent,
                    type="message",
                    conversation_id=msg["conversation_id"],
                    client_msg_id="ab-2",
                    body="马上为您催单",
                )
                reply = expect(agent, "ack")["message"]
                assert expect(cust, "message")["message"] == reply
                say(cust, type="message", client_msg_id="ab-3", body="谢谢")
                thanks = expect(cust, "ack")["message"]
                assert expect(agent, "message")["message"] == thanks
