"""The WebSocket protocol of docs/realtime.md, end to end through the app (TestClient sockets)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kefu.auth.models import Role
from kefu.bot.dialogue import state as bot_state
from kefu.conversations import service as conversations
from kefu.conversations.models import Message
from kefu.customers.models import Customer
from kefu.routing import presence
from kefu.routing.models import Presence
from kefu.sla.models import Promise
from kefu.tickets.models import TicketConversation
from tests.realtime.conftest import customer_hello, expect, recv, shop_token, staff_hello

WIDGET = "/api/v1/widget/ws"
STAFF = "/api/v1/ws"


def send(ws, body, cmid, **extra):
    ws.send_json({"type": "message", "client_msg_id": cmid, "body": body, **extra})


def on_duty_but_busy(rt, world, role=Role.team_lead):
    """Someone is online, with no room for another chat: new chats wait in the queue."""
    with rt.sessions() as s:
        row = presence.set_presence(s, actor=world.actor(role), state=Presence.online)
        row.caps = {"chat": 0}
        s.commit()


def test_hello_welcome_send_ack_and_the_agent_receives(client, shop, rt):
    on_duty_but_busy(rt, shop)
    with client.websocket_connect(STAFF) as agent, client.websocket_connect(WIDGET) as cust:
        hi = staff_hello(agent, shop.tokens[Role.agent])
        assert hi["staff_id"] == shop.staff[Role.agent].id and hi["heartbeat_s"] == 25
        welcome = customer_hello(cust, shop, token=shop_token(shop, "M1", name="赵敏"))
        assert welcome["conversation_id"] is None and welcome["missed"] == []
        assert welcome["visitor"] is None
        send(cust, "我的快递三天没动了", "c-1")
        ack = expect(cust, "ack")
        msg = ack["message"]
        assert ack["client_msg_id"] == "c-1" and msg["body"] == "我的快递三天没动了"
        assert msg["direction"] == "inbound" and msg["attachment_ids"] == []
        # Nobody has taken the chat yet: the customer is told where they stand.
        queue = expect(cust, "queue")
        assert queue["conversation_id"] == msg["conversation_id"]
        assert queue["position"] >= 1 and queue["estimated_wait_s"] > 0
        assert set(queue["offers"]) == {"leave_message", "callback"}
        # The waiting conversation reaches every agent (the queue) as it is.
        got = expect(agent, "message")
        assert got["message"] == msg
        cust.send_json({"type": "ping"})
        assert expect(cust, "pong")["skipped"] == []


def test_a_resend_is_stored_once_and_acknowledged_again(client, shop, rt):
    with client.websocket_connect(WIDGET) as cust:
        customer_hello(cust, shop, token=shop_token(shop))
        send(cust, "在吗", "same-id")
        first = expect(cust, "ack")["message"]
    # The socket dropped before the client saw the ack; it reconnects and resends.
    with client.websocket_connect(WIDGET) as cust:
        welcome = customer_hello(cust, shop, token=shop_token(shop))
        assert welcome["conversation_id"] == first["conversation_id"]
        send(cust, "在吗", "same-id", conversation_id=first["conversation_id"])
        again = expect(cust, "ack")["message"]
    assert again == first
    with rt.sessions() as s:
        n = s.scalar(
            select(func.count()).select_from(Message).where(Message.client_msg_id == "same-id")
        )
    assert n == 1


def test_history_on_reconnect_after_seen(client, shop, rt):
    agent = shop.actor(Role.agent)
    with client.websocket_connect(WIDGET) as cust:
        customer_hello(cust, shop, token=shop_token(shop))
        send(cust, "第一条", "h-1")
        first = expect(cust, "ack")["message"]
    conv_id = first["conversation_id"]
    with rt.sessions() as s:
        conversations.assign(s, actor=agent, conversation_id=conv_id, assignee_id=agent.id)
        for text in ("您好", "正在为您查询"):
            conversations.post_message(s, actor=agent, conversation_id=conv_id, body=text)
        conversations.post_message(
            s, actor=agent, conversation_id=conv_id, body="内部备注 客户很急", internal=True
        )
        s.commit()
    with client.websocket_connect(WIDGET) as cust:
        welcome = customer_hello(
            cust, shop, token=shop_token(shop), seen={str(conv_id): first["id"]}
        )
    assert [m["body"] for m in welcome["missed"]] == ["您好", "正在为您查询"]
    assert welcome["conversation_id"] == conv_id
    # A device that has seen nothing gets the open conversation's recent history.
    with client.websocket_connect(WIDGET) as cust:
        fresh = customer_hello(cust, shop, token=shop_token(shop))
    assert [m["body"] for m in fresh["missed"]] == ["第一条", "您好", "正在为您查询"]


def test_agent_reply_typing_and_notes_never_reach_the_customer(client, shop, rt):
    agent = shop.actor(Role.agent)
    with client.websocket_connect(WIDGET) as cust:
        customer_hello(cust, shop, token=shop_token(shop))
        send(cust, "退款到哪了", "t-1")
        conv_id = expect(cust, "ack")["message"]["conversation_id"]
        with rt.sessions() as s:
            conversations.assign(s, actor=agent, conversation_id=conv_id, assignee_id=agent.id)
            s.commit()
        joined = expect(cust, "conversation")
        assert joined["event"] == "assigned"
        assert joined["conversation"]["assignee_id"] == agent.id
        with client.websocket_connect(STAFF) as ag:
            staff_hello(ag, shop.tokens[Role.agent])
            cust.send_json({"type": "typing", "conversation_id": conv_id})
            assert expect(ag, "typing") == {
                "type": "typing",
                "conversation_id": conv_id,
                "by": "customer",
                "skipped": [],
            }
            ag.send_json({"type": "typing", "conversation_id": conv_id})
            assert expect(cust, "typing")["by"] == "agent"
            send(ag, "内部备注：先查物流", "n-1", conversation_id=conv_id, internal=True)
            note = expect(ag, "ack")["message"]
            assert note["direction"] == "internal"
            send(ag, "已为您加急处理", "r-1", conversation_id=conv_id)
            expect(ag, "ack")
            got = expect(cust, "message")
            assert got["message"]["body"] == "已为您加急处理"
            assert all(f["type"] != "message" for f in got["skipped"])
            # A customer cannot make a note either: theirs is always inbound.
            send(cust, "好的", "t-2", internal=True)
            assert expect(cust, "ack")["message"]["direction"] == "inbound"


def test_listen_in_is_read_only(client, shop, rt):
    agent = shop.actor(Role.agent)
    with client.websocket_connect(WIDGET) as cust:
        customer_hello(cust, shop, token=shop_token(shop))
        send(cust, "我要投诉", "w-1")
        conv_id = expect(cust, "ack")["message"]["conversation_id"]
    with rt.sessions() as s:
        conversations.assign(s, actor=agent, conversation_id=conv_id, assignee_id=agent.id)
        s.commit()
    with (
        client.websocket_connect(STAFF) as sup,
        client.websocket_connect(STAFF) as other,
        client.websocket_connect(STAFF) as ag,
    ):
        staff_hello(sup, shop.tokens[Role.supervisor])
        staff_hello(other, shop.tokens[Role.team_lead])
        staff_hello(ag, shop.tokens[Role.agent])
        sup.send_json({"type": "watch", "conversation_id": conv_id})
        watching = expect(sup, "watching")
        assert [m["body"] for m in watching["missed"]] == ["我要投诉"]
        send(ag, "您好，我是客服小王", "a-1", conversation_id=conv_id)
        expect(ag, "ack")
        assert expect(sup, "message")["message"]["body"] == "您好，我是客服小王"
        # Listening in does not let the supervisor talk to the customer ...
        send(sup, "我来处理", "s-1", conversation_id=conv_id)
        refused = expect(sup, "error")
        assert refused["code"] == "conversation.not_assigned" and refused["client_msg_id"] == "s-1"
        # ... and an agent may not listen in at all.
        ag.send_json({"type": "watch", "conversation_id": 2**62})
        assert expect(ag, "error")["code"] in ("permission.denied", "conversation.not_found")
        ag.send_json({"type": "watch", "conversation_id": conv_id})
        assert expect(ag, "error")["code"] == "permission.denied"
        # Someone not watching and not assigned does not get the conversation's messages.
        other.send_json({"type": "ping"})
        assert expect(other, "pong")["skipped"] == []
    with rt.sessions() as s:
        bodies = list(s.scalars(select(Message.body).where(Message.conversation_id == conv_id)))
    assert "我来处理" not in bodies


@pytest.mark.parametrize(
    ("hello", "code"),
    [
        ({"type": "hello", "workspace": "nope", "token": "a.b"}, "widget.bad_token"),
        ({"type": "hi"}, "hello.required"),
        ({"type": "hello", "workspace": "x", "seen": "all"}, "frame.invalid"),
    ],
)
def test_bad_hello_is_an_error_frame_then_4401(client, shop, hello, code):
    with client.websocket_connect(WIDGET, headers={"Accept-Language": "en"}) as cust:
        cust.send_json(hello)
        err = recv(cust)
        assert err["type"] == "error" and err["code"] == code
        assert err["message"].isascii()
        assert recv(cust) == {"type": "<close>", "code": 4401}


def test_expired_shop_token_and_bad_staff_token_are_refused(client, shop):
    with client.websocket_connect(WIDGET) as cust:
        cust.send_json(
            {"type": "hello", "workspace": shop.workspace.key, "token": shop_token(shop, ttl_s=-5)}
        )
        err = recv(cust)
        assert err["code"] == "widget.expired" and "过期" in err["message"]
        assert recv(cust)["code"] == 4401
    with client.websocket_connect(STAFF) as st:
        st.send_json({"type": "hello", "token": "kf_not-a-token"})
        assert recv(st)["code"] == "auth.bad_token"
        assert recv(st)["code"] == 4401


def test_bad_frames_get_errors_and_the_socket_stays(client, shop):
    with client.websocket_connect(WIDGET) as cust:
        customer_hello(cust, shop, token=shop_token(shop))
        cust.send_text("not json")
        assert expect(cust, "error")["code"] == "frame.invalid"
        cust.send_json({"type": "dance"})
        assert expect(cust, "error")["code"] == "frame.unknown_type"
        send(cust, "", "empty")
        assert expect(cust, "error")["client_msg_id"] == "empty"
        cust.send_text("x" * 70_000)
        assert expect(cust, "error")["code"] == "frame.too_large"
        send(cust, "别人的会话", "foreign", conversation_id=2**61)
        assert expect(cust, "error")["code"] == "conversation.not_found"
        send(cust, "<script>alert(1)</script>", "xss")
        assert expect(cust, "ack")["message"]["body"] == "<script>alert(1)</script>"


def test_anonymous_visitor_is_recognised_then_merged_when_identified(client, shop, rt):
    with client.websocket_connect(WIDGET) as cust:
        first = customer_hello(cust, shop)
        assert first["visitor"]
        send(cust, "随便看看", "v-1")
        conv_id = expect(cust, "ack")["message"]["conversation_id"]
    with client.websocket_connect(WIDGET) as cust:
        again = customer_hello(cust, shop, visitor=first["visitor"])
        assert again["customer_id"] == first["customer_id"]
        assert again["conversation_id"] == conv_id
    # The visitor signs in to the shop: the visitor folds into the member (audited merge).
    with client.websocket_connect(WIDGET) as cust:
        member = customer_hello(
            cust, shop, token=shop_token(shop, "M-77"), visitor=first["visitor"]
        )
        assert member["customer_id"] != first["customer_id"]
        assert member["conversation_id"] == conv_id
    with rt.sessions() as s:
        visitor = s.get(Customer, first["customer_id"])
        assert visitor is not None and visitor.merged_into_id == member["customer_id"]
    # From now on the visitor token opens nothing.
    with client.websocket_connect(WIDGET) as cust:
        cust.send_json(
            {"type": "hello", "workspace": shop.workspace.key, "visitor": first["visitor"]}
        )
        assert recv(cust)["code"] == "widget.bad_visitor"


def test_nobody_online_turns_the_chat_into_a_ticket_with_a_promise(client, shop, rt):
    with client.websocket_connect(WIDGET) as cust:
        customer_hello(cust, shop, token=shop_token(shop))
        send(cust, "晚上还有人吗？我的退款没到账", "night-1")
        ack = expect(cust, "ack")
        ticket = expect(cust, "ticket")
        assert ticket["conversation_id"] == ack["message"]["conversation_id"]
        assert ticket["number"] >= 1 and ticket["promise"]["due_at"]
        assert "回复" in ticket["promise"]["text"]
        # One ticket per conversation, however many messages follow.
        send(cust, "还在吗", "night-2")
        expect(cust, "ack")
        cust.send_json({"type": "ping"})
        assert all(f["type"] != "ticket" for f in expect(cust, "pong")["skipped"])
    with rt.sessions() as s:
        linked = s.scalars(
            select(TicketConversation).where(
                TicketConversation.conversation_id == ack["message"]["conversation_id"]
            )
        ).all()
        assert len(linked) == 1
        promise = s.scalars(select(Promise).where(Promise.ticket_id == linked[0].ticket_id)).one()
        assert promise.id == ticket["promise"]["id"]


def test_an_online_agent_gets_the_chat_routed_to_them(client, shop, rt):
    with rt.sessions() as s:
        presence.set_presence(s, actor=shop.actor(Role.agent), state=Presence.online)
        s.commit()
    with client.websocket_connect(STAFF) as agent, client.websocket_connect(WIDGET) as cust:
        staff_hello(agent, shop.tokens[Role.agent])
        customer_hello(cust, shop, token=shop_token(shop))
        send(cust, "你好", "routed-1")
        msg = expect(cust, "ack")["message"]
        joined = expect(cust, "conversation")
        assert joined["conversation"]["assignee_id"] == shop.staff[Role.agent].id
        assert all(f["type"] not in ("queue", "ticket") for f in joined["skipped"])
        assert expect(agent, "message")["message"] == msg


def test_supervisors_see_presence_agents_do_not(client, shop, rt):
    with client.websocket_connect(STAFF) as sup, client.websocket_connect(STAFF) as ag:
        staff_hello(sup, shop.tokens[Role.supervisor])
        staff_hello(ag, shop.tokens[Role.agent])
        with rt.sessions() as s:
            presence.set_presence(s, actor=shop.actor(Role.agent), state=Presence.online)
            s.commit()
        frame = expect(sup, "presence")
        assert frame["staff_id"] == shop.staff[Role.agent].id and frame["state"] == "online"
        assert "load" in frame
        ag.send_json({"type": "ping"})
        assert all(f["type"] != "presence" for f in expect(ag, "pong")["skipped"])


def test_a_chat_the_bot_answers_is_no_queue_place_and_no_ticket(client, shop, rt):
    # Nobody online, but the bot answers first: the customer talks to it, not to a queue.
    with rt.sessions() as s:
        bot_state.switch_on(s.merge(shop.chat))
        s.commit()
    with client.websocket_connect(WIDGET) as cust:
        customer_hello(cust, shop, token=shop_token(shop, "M-bot"))
        send(cust, "你好", "bot-1")
        ack = expect(cust, "ack")
        reply = expect(cust, "message")["message"]
        assert reply["author_kind"] == "bot"
        cust.send_json({"type": "ping"})
        seen = [f["type"] for f in expect(cust, "pong")["skipped"]] + [
            f["type"] for f in ack["skipped"]
        ]
        assert "queue" not in seen and "ticket" not in seen
    with rt.sessions() as s:
        conv_id = ack["message"]["conversation_id"]
        linked = s.scalars(
            select(TicketConversation).where(TicketConversation.conversation_id == conv_id)
        ).all()
        assert linked == []
