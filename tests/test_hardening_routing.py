"""Routing never leaves a customer with an agent who is gone, nor gives one chat to two."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select, text

from kefu import clock
from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.config import Settings
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation, ConversationStatus
from kefu.routing import presence, service, snapshot
from kefu.routing.models import Presence
from kefu.runtime import build
from kefu.timeline.models import Event
from tests.conftest import fresh_database
from tests.factories import make_world
from tests.routing.helpers import T0, agent, close, customer_writes, entry_of


def test_a_deactivated_agents_open_chats_go_to_someone_who_is_there(session, world):
    with clock.frozen(T0):
        leaver = agent(session, world, "li")
        conv = customer_writes(session, world, "我的快递到哪了")
        assert conv.assignee_id == leaver.id
        other = agent(session, world, "wang")

        auth.update_staff(session, actor=world.actor(Role.admin), staff_id=leaver.id, active=False)

        session.refresh(conv)
        assert conv.assignee_id == other.id  # rerouted at once to the agent who is online
        assert snapshot.load_by_agent(session, world.workspace.id, [leaver.id]) == {}


def test_with_nobody_online_a_deactivated_agents_chat_waits_in_the_queue(session, world):
    with clock.frozen(T0):
        leaver = agent(session, world, "zhao")
        conv = customer_writes(session, world, "退款什么时候到")
        assert conv.assignee_id == leaver.id

        auth.update_staff(session, actor=world.actor(Role.admin), staff_id=leaver.id, active=False)

        session.refresh(conv)
        assert conv.assignee_id is None
        assert entry_of(session, conv) is not None  # the first agent to come online takes it
        # And the customer writing again does not put it back on the leaver.
        conversations.post_message(
            session,
            actor=Actor.customer(world.workspace.id, conv.customer_id),
            conversation_id=conv.id,
            body="还在吗？",
        )
        session.refresh(conv)
        assert conv.assignee_id is None


def test_a_customer_writing_into_a_closed_chat_of_a_deactivated_agent_is_routed(session, world):
    with clock.frozen(T0):
        leaver = agent(session, world, "sun")
        conv = customer_writes(session, world, "发票开错了")
        close(session, world, conv)
        other = agent(session, world, "zhou")
        auth.update_staff(session, actor=world.actor(Role.admin), staff_id=leaver.id, active=False)

        conversations.post_message(
            session,
            actor=Actor.customer(world.workspace.id, conv.customer_id),
            conversation_id=conv.id,
            body="发票还是不对",
        )  # reopens the conversation
        session.refresh(conv)
        assert conv.status is ConversationStatus.open
        assert conv.assignee_id == other.id


def test_two_agents_pulling_at_once_take_a_waiting_chat_once_on_postgresql(tmp_path):
    """Agent A pulls the one waiting chat; B's pull read the queue before A committed. B must
    not take it over (A was already told it is theirs)."""
    with (
        clock.frozen(T0),
        fresh_database("postgresql", str(tmp_path), "kefu_pull_race") as url,
    ):
        rt = build(Settings(database_url=url, dispatch_in_process=False))
        try:
            with rt.sessions() as s:
                world = make_world(s, key="race")
                a = agent(s, world, "qian", state=None)
                b = agent(s, world, "wu", state=None)
                conv = customer_writes(s, world, "请问订单什么时候发货")
                assert entry_of(s, conv) is not None  # nobody online: it waits
                # Both online without pulling yet (as if they came back at the same instant).
                for staff in (a, b):
                    row = presence.presence_of(
                        s, workspace_id=world.workspace.id, staff_id=staff.id
                    )
                    row.state, row.last_seen_at = Presence.online, T0
                s.commit()
                ws_id, conv_id, a_id, b_id = world.workspace.id, conv.id, a.id, b.id

            first = rt.sessions()
            assert service.pull_for(first, workspace_id=ws_id, staff_id=a_id) == [conv_id]

            def second_pull() -> list[int]:
                with rt.sessions() as s, clock.frozen(T0):
                    taken = service.pull_for(s, workspace_id=ws_id, staff_id=b_id)
                    s.commit()
                    return taken

            with ThreadPoolExecutor(max_workers=1) as pool:
                later = pool.submit(second_pull)
                _wait_until_blocked(rt, later)
                first.commit()
                first.close()
                taken_by_b = later.result(timeout=30)

            with rt.sessions() as s:
                assignee = s.get(Conversation, conv_id).assignee_id  # type: ignore[union-attr]
                routed = s.scalars(
                    select(Event).where(
                        Event.conversation_id == conv_id, Event.type == "conversation.routed"
                    )
                ).all()
        finally:
            rt.close()
    assert taken_by_b == []
    assert assignee == a_id
    assert [e.payload["to"] for e in routed] == [a_id]


def _wait_until_blocked(rt, future) -> None:
    """Until the second pull waits on a row lock the first holds (or has finished already)."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with rt.engine.connect() as conn:
        for _ in range(2000):
            if future.done() or conn.execute(waiting).scalar_one() > 0:
                return
            conn.rollback()
            threading.Event().wait(0.005)  # a lock wait, not the clock: time stays frozen
    raise AssertionError("the second pull never reached the conversation")
