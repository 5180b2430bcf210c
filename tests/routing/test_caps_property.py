"""Through the service, on both databases: whatever customers write, close or whoever comes and
goes, no agent ever holds more open conversations of a channel class than their cap."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu import clock
from kefu.channels.models import ChannelKind
from kefu.conversations.models import ConversationStatus
from kefu.routing import admin, rules, snapshot
from kefu.routing.models import Presence
from tests.routing.helpers import T0, agent, close, customer_writes, set_state

KINDS = st.sampled_from([ChannelKind.web_chat, ChannelKind.phone, ChannelKind.email])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("write"), KINDS, st.booleans()),
        st.tuples(st.just("close"), st.integers(0, 30)),
        st.tuples(st.just("presence"), st.integers(0, 2), st.sampled_from(list(Presence))),
    ),
    min_size=1,
    max_size=14,
)
CAPS = st.tuples(st.integers(0, 2), st.integers(0, 1), st.integers(0, 2))


@settings(
    max_examples=12,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(caps=st.lists(CAPS, min_size=1, max_size=3), ops=OPS)
def test_no_agent_ever_exceeds_a_cap(session, world, caps, ops):
    savepoint = session.begin_nested()
    try:
        with clock.frozen(T0) as clk:
            staff = []
            for i, (chat, call, email) in enumerate(caps):
                a = agent(session, world, f"p{i}", skills={"售后": 4} if i == 0 else None)
                admin.set_caps(
                    session,
                    actor=world.system,
                    staff_id=a.id,
                    caps={"chat": chat, "call": call, "email": email},
                )
                staff.append((a, {"chat": chat, "call": call, "email": email}))
            convs = []
            for op in ops:
                clk.advance(timedelta(seconds=7))
                if op[0] == "write":
                    text = "投诉！" if op[2] else "你好"
                    convs.append(customer_writes(session, world, text, kind=op[1]))
                elif op[0] == "close":
                    open_ = [c for c in convs if c.status is ConversationStatus.open]
                    if open_:
                        close(session, world, open_[op[1] % len(open_)])
                elif op[1] < len(staff):
                    set_state(session, world, staff[op[1]][0], op[2])
                load = snapshot.load_by_agent(session, world.workspace.id)
                for a, cap in staff:
                    for cls, n in load.get(a.id, {}).items():
                        assert n <= cap[cls], (a.name, cls, n, cap)
            # The caps the roster reports are the ones set.
            settings_ = rules.settings_of(session, world.workspace.id)
            for a, cap in staff:
                info = admin.agents(session, actor=world.system, staff_id=a.id)[0]
                assert dict(info.agent.caps) == cap
                assert settings_ is not None
    finally:
        savepoint.rollback()
        # SQLite hands the rolled-back ids out again: the next example starts from a clean map.
        session.expunge_all()
