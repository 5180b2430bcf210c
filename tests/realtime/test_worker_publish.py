"""A `kefu worker` process has no sockets; with Redis, what it commits still reaches the servers'."""

from __future__ import annotations

import json
import os
import time

import redis

from kefu.auth.models import Role
from kefu.conversations import service as conversations
from kefu.realtime.hub import Hub
from kefu.runtime import build
from tests.factories import make_customer

REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def test_a_process_without_sockets_publishes_committed_messages(rt, shop):
    worker_rt = build(rt.settings.model_copy(update={"redis_url": REDIS_URL}))
    hub = Hub(worker_rt)  # what `kefu worker` sets up
    listener = redis.Redis.from_url(REDIS_URL).pubsub()
    listener.subscribe(hub.channel)
    assert listener.get_message(timeout=5)["type"] == "subscribe"
    try:
        with worker_rt.sessions() as s:
            customer = make_customer(s, shop)
            conv = conversations.create(
                s, actor=shop.system, channel_id=shop.chat.id, customer_id=customer.id
            )
            msg, _ = conversations.post_message(
                s, actor=shop.actor(Role.agent), conversation_id=conv.id, body="您的包裹已发出"
            )
            s.commit()
        notices = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(n["kind"] == "message" for n in notices):
            item = listener.get_message(timeout=1)
            if item and item["type"] == "message":
                notices.append(json.loads(item["data"]))
        message = next(n for n in notices if n["kind"] == "message")
        assert message["ws"] == shop.workspace.id and message["conversation_id"] == conv.id
        # The whole message, as the transaction wrote it: servers need not read it back.
        assert message["message"]["id"] == msg.id and message["message"]["body"] == "您的包裹已发出"
        assert message["conversation"]["customer_id"] == customer.id
    finally:
        listener.close()
        worker_rt.close()
