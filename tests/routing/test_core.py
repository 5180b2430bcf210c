"""The pure decision core: eligibility, the choice, the queue order — and, by Hypothesis, that no
sequence of arrivals, closes and presence changes ever takes an agent over a cap."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.routing import core
from kefu.routing.core import CALL, CHAT, EMAIL, Agent, Needs, Waiting


def make(
    staff_id: int,
    *,
    state: str = "online",
    teams: tuple[int, ...] = (),
    skills: dict[str, int] | None = None,
    senior: bool = False,
    load: dict[str, int] | None = None,
    caps: dict[str, int] | None = None,
    last: float = 0.0,
) -> Agent:
    return Agent(
        staff_id=staff_id,
        state=state,
        teams=frozenset(teams),
        skills=skills or {},
        senior=senior,
        load=load or {},
        caps=caps or {CHAT: 8, CALL: 1, EMAIL: 20},
        last_assigned=last,
    )


def test_eligibility_rules():
    needs = Needs(team_id=7, skills={"跨境": 3}, senior=True)
    good = make(1, teams=(7,), skills={"跨境": 3}, senior=True)
    assert core.eligible(good, needs)
    assert not core.eligible(make(2, teams=(8,), skills={"跨境": 3}, senior=True), needs)
    assert not core.eligible(make(3, teams=(7,), skills={"跨境": 2}, senior=True), needs)
    assert not core.eligible(make(4, teams=(7,), skills={"跨境": 5}), needs)
    assert not core.eligible(
        make(5, teams=(7,), skills={"跨境": 5}, senior=True, state="away"), needs
    )
    full = make(6, teams=(7,), skills={"跨境": 5}, senior=True, load={CHAT: 8})
    assert not core.eligible(full, needs)
    assert core.eligible(full, Needs(channel_class=EMAIL, team_id=7, skills={"跨境": 1}))


def test_sticky_beats_least_loaded_but_not_caps_or_seniority():
    busy_sticky = make(1, load={CHAT: 3})
    idle = make(2)
    assert core.choose_agent([busy_sticky, idle], Needs(sticky_agent_id=1)) == core.Decision(
        1, "sticky"
    )
    assert core.choose_agent([idle], Needs(sticky_agent_id=1)).staff_id == 2
    full = make(1, load={CHAT: 8})
    assert core.choose_agent([full, idle], Needs(sticky_agent_id=1)).staff_id == 2
    senior = make(3, senior=True, load={CHAT: 5})
    got = core.choose_agent([busy_sticky, idle, senior], Needs(sticky_agent_id=1, senior=True))
    assert got == core.Decision(3, "least_loaded")


def test_least_loaded_then_longest_idle_then_lowest_id():
    a = make(1, load={CHAT: 2}, last=10.0)
    b = make(2, load={CHAT: 1}, last=50.0)
    c = make(3, load={CHAT: 1}, last=20.0)
    d = make(4, load={CHAT: 1}, last=20.0)
    assert core.choose_agent([a, b, d, c], Needs()).staff_id == 3
    assert core.choose_agent([], Needs()) == core.Decision(None, "queued")


def test_pick_next_takes_the_first_servable_in_queue_order():
    agent = make(1, teams=(7,), skills={"VIP": 1})
    entries = sorted(
        [
            Waiting(10, 0, 100.0, Needs(team_id=7)),
            Waiting(11, 20, 300.0, Needs(team_id=7, senior=True)),  # agent not senior
            Waiting(12, 10, 200.0, Needs(team_id=7, skills={"VIP": 1})),
            Waiting(13, 10, 150.0, Needs(team_id=8)),  # another team's
        ],
        key=Waiting.order,
    )
    assert [e.entry_id for e in entries] == [11, 13, 12, 10]
    picked = core.pick_next(agent, entries)
    assert picked is not None and picked.entry_id == 12
    assert core.pick_next(make(2, state="offline"), entries) is None


def test_needs_round_trip_json():
    needs = Needs(CALL, 3, {"VIP": 1}, True, 9)
    assert Needs.from_json(needs.to_json()) == needs


# --- the cap invariant, by simulation ----------------------------------------------------------

CLASS = st.sampled_from([CHAT, CALL, EMAIL])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("arrive"), CLASS, st.integers(0, 2), st.booleans()),
        st.tuples(st.just("close"), st.integers(0, 50)),
        st.tuples(st.just("presence"), st.integers(0, 3), st.sampled_from(["online", "away"])),
    ),
    max_size=60,
)


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(
    caps=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 3)), min_size=1, max_size=4
    ),
    ops=OPS,
)
def test_no_agent_ever_exceeds_a_cap(caps, ops):
    """Replays what the service does — choose on arrival, pull on a close or coming online."""
    agents = {
        i: make(i, teams=(i % 2,), caps={CHAT: c[0], CALL: c[1], EMAIL: c[2]}, senior=i == 0)
        for i, c in enumerate(caps)
    }
    assigned: list[tuple[int, str]] = []  # (agent, class) of open conversations
    queue: list[Waiting] = []
    t = 0.0

    def take(agent_id: int, cls: str) -> None:
        agents[agent_id] = agents[agent_id].with_one_more(cls, t)
        assigned.append((agent_id, cls))

    def pull(agent_id: int) -> None:
        while (
            entry := core.pick_next(agents[agent_id], sorted(queue, key=Waiting.order))
        ) is not None:
            queue.remove(entry)
            take(agent_id, entry.needs.channel_class)

    for op in ops:
        t += 1.0
        if op[0] == "arrive":
            _, cls, team, senior = op
            needs = Needs(channel_class=cls, team_id=team if team < 2 else None, senior=senior)
            decision = core.choose_agent(agents.values(), needs)
            if decision.staff_id is None:
                queue.append(Waiting(len(queue) + int(t) * 100, int(senior), t, needs))
            else:
                take(decision.staff_id, cls)
        elif op[0] == "close" and assigned:
            agent_id, cls = assigned.pop(op[1] % len(assigned))
            load = dict(agents[agent_id].load)
            load[cls] -= 1
            a = agents[agent_id]
            agents[agent_id] = Agent(
                a.staff_id, a.state, a.teams, a.skills, a.senior, load, a.caps, a.last_assigned
            )
            pull(agent_id)
        elif op[0] == "presence" and op[1] in agents:
            a = agents[op[1]]
            agents[op[1]] = Agent(
                a.staff_id, op[2], a.teams, a.skills, a.senior, a.load, a.caps, a.last_assigned
            )
            if op[2] == "online":
                pull(op[1])
        for a in agents.values():
            for cls in (CHAT, CALL, EMAIL):
                assert a.load.get(cls, 0) <= a.caps[cls], (a, cls)


# --- the emotion seam --------------------------------------------------------------------------


def test_emotion_uses_the_bot_model_when_present_else_keywords(monkeypatch):
    import sys
    import types

    from kefu.routing import emotion

    fake = types.ModuleType("kefu.bot.nlu.emotion")
    fake.detect = lambda text: types.SimpleNamespace(angry="生气" in text)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kefu.bot.nlu.emotion", fake)
    assert emotion.is_angry("我很生气") and not emotion.is_angry("我要投诉")  # the model decides

    def broken(text):
        raise RuntimeError("model file missing")

    fake.detect = broken  # type: ignore[attr-defined]
    assert emotion.is_angry("我要投诉") and not emotion.is_angry("谢谢")  # keywords take over
    monkeypatch.setitem(sys.modules, "kefu.bot.nlu.emotion", None)  # not installed
    assert emotion.is_angry("This is ridiculous") and not emotion.is_angry("")
