"""Durable timers: scheduled as rows, fired exactly once — across restarts and worker processes."""

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from kefu import clock
from kefu.config import Settings
from kefu.runtime import build
from kefu.timeline.models import Event
from kefu.timers import service as timers
from kefu.timers.models import Timer
from tests import timer_handlers
from tests.conftest import fresh_database
from tests.factories import make_world

T0 = datetime(2026, 12, 17, 2, 0, tzinfo=UTC)


def fired_ids(session):
    return sorted(
        e.payload["timer_id"]
        for e in session.scalars(select(Event).where(Event.type == "test.fired"))
    )


def test_schedule_is_idempotent_and_reschedulable(runtime, world):
    with clock.frozen(T0), runtime.sessions() as s:
        a = timers.schedule(
            s, workspace_id=world.workspace.id, kind=timer_handlers.KIND, key="k1", due_at=T0
        )
        b = timers.schedule(
            s,
            workspace_id=world.workspace.id,
            kind=timer_handlers.KIND,
            key="k1",
            due_at=T0 + timedelta(hours=1),
        )
        assert a.id == b.id and b.due_at == T0 + timedelta(hours=1)
        assert timers.cancel(s, kind=timer_handlers.KIND, key="k1") is True
        assert timers.cancel(s, kind=timer_handlers.KIND, key="k1") is False
        assert timers.armed(s, kind=timer_handlers.KIND, key="k1") is None
        s.commit()


def test_sweep_fires_only_what_is_due_once_in_order(runtime, world):
    with clock.frozen(T0) as clk:
        with runtime.sessions() as s:
            for i, minutes in enumerate([30, 10, 20, 90]):
                timers.schedule(
                    s,
                    workspace_id=world.workspace.id,
                    kind=timer_handlers.KIND,
                    key=f"t{i}",
                    due_at=T0 + timedelta(minutes=minutes),
                )
            s.commit()
        assert timers.sweep(runtime.sessions).fired == 0
        clk.advance(timedelta(minutes=30))
        assert timers.sweep(runtime.sessions).fired == 3
        assert timers.sweep(runtime.sessions).fired == 0  # already fired: never again
        with runtime.sessions() as s:
            order = [s.get(Timer, i).key for i in fired_ids(s)]
            fired_keys = {
                t.key for t in s.scalars(select(Timer).where(Timer.fired_at.is_not(None)))
            }
        assert fired_keys == {"t0", "t1", "t2"}
        assert sorted(order) == ["t0", "t1", "t2"]


def test_a_failing_handler_retries_with_backoff_and_blocks_nothing(runtime, world):
    with clock.frozen(T0) as clk:
        with runtime.sessions() as s:
            timers.schedule(
                s,
                workspace_id=world.workspace.id,
                kind=timer_handlers.KIND,
                key="bad",
                due_at=T0,
                payload={"explode": True},
            )
            timers.schedule(
                s, workspace_id=world.workspace.id, kind=timer_handlers.KIND, key="good", due_at=T0
            )
            timers.schedule(
                s, workspace_id=world.workspace.id, kind="no.such.kind", key="orphan", due_at=T0
            )
            s.commit()
        result = timers.sweep(runtime.sessions)
        assert (result.fired, result.failed) == (1, 2)
        with runtime.sessions() as s:
            bad = s.scalars(select(Timer).where(Timer.key == "bad")).one()
            assert (
                bad.fired_at is None and bad.attempts == 1 and "handler failure" in bad.last_error
            )
            assert bad.due_at == T0 + timers.RETRY_BASE
            assert len(fired_ids(s)) == 1  # the failed handler's own writes were rolled back
        clk.advance(timers.RETRY_BASE)
        assert timers.sweep(runtime.sessions).failed == 2
        with runtime.sessions() as s:
            bad = s.scalars(select(Timer).where(Timer.key == "bad")).one()
        assert bad.attempts == 2 and bad.due_at == T0 + timers.RETRY_BASE + 2 * timers.RETRY_BASE


def test_timers_due_during_downtime_fire_once_at_start(db_kind, tmp_path):
    with fresh_database(db_kind, str(tmp_path), "kefu_downtime") as url:
        rt = build(Settings(database_url=url))
        with clock.frozen(T0) as clk:
            with rt.sessions() as s:
                ws = make_world(s, key="down").workspace
                for i in range(5):
                    timers.schedule(
                        s,
                        workspace_id=ws.id,
                        kind=timer_handlers.KIND,
                        key=f"d{i}",
                        due_at=T0 + timedelta(hours=i),
                    )
                s.commit()
            rt.close()  # everything stops; a day passes
            clk.advance(timedelta(days=1))
            rt = build(Settings(database_url=url))  # a fresh process starts and sweeps
            assert timers.sweep(rt.sessions).fired == 5
            assert timers.sweep(rt.sessions).fired == 0
            with rt.sessions() as s:
                assert len(fired_ids(s)) == 5
        rt.close()


WORKER = textwrap.dedent(
    """
    import sys
    from kefu.config import Settings
    from kefu.runtime import build
    from kefu.timers import service as timers
    import tests.timer_handlers  # registers the test kind

    rt = build(Settings(database_url=sys.argv[1]))
    fired = 0
    for _ in range(200):
        fired += timers.sweep(rt.sessions, batch=int(sys.argv[2])).fired
    print(fired)
    """
)


def test_two_worker_processes_never_double_fire_or_miss(db_kind, tmp_path):
    with fresh_database(db_kind, str(tmp_path), "kefu_workers") as url:
        rt = build(Settings(database_url=url))
        with rt.sessions() as s:
            ws = make_world(s, key="workers").workspace
            past = clock.now() - timedelta(minutes=1)
            for i in range(1500):
                timers.schedule(
                    s, workspace_id=ws.id, kind=timer_handlers.KIND, key=f"w{i}", due_at=past
                )
            s.commit()
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, url, "50"], stdout=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        counts = [int(p.communicate(timeout=300)[0].strip()) for p in procs]
        assert all(p.returncode == 0 for p in procs)
        with rt.sessions() as s:
            ids = fired_ids(s)
            armed = s.scalar(select(func.count()).where(Timer.fired_at.is_(None)))
        assert sum(counts) == 1500 and len(ids) == 1500 and len(set(ids)) == 1500 and armed == 0
        if db_kind == "postgresql":
            assert min(counts) > 0  # both workers really took part
        rt.close()


def test_a_failing_step_of_the_worker_pass_stops_neither_the_others_nor_the_worker(
    runtime, world, monkeypatch
):
    from kefu.worker import run_once

    with runtime.sessions() as s:
        timers.schedule(
            s,
            workspace_id=world.workspace.id,
            kind=timer_handlers.KIND,
            key="after-a-bad-step",
            due_at=clock.now() - timedelta(minutes=1),
        )
        s.commit()

    def broken() -> int:
        raise RuntimeError("a bad event row")

    monkeypatch.setattr(runtime.dispatcher, "dispatch_pending", broken)
    assert run_once(runtime) == (0, 1)  # no exception: the timer fired all the same


REARM = "test.rearm"


@timers.handler(REARM)
def _rearm_once(session, timer):
    """Like a cadence breach restarting its cadence: re-arms its own (kind, key) an hour later."""
    if timer.payload.get("again") or timer.payload.get("push"):
        timers.schedule(
            session,
            workspace_id=timer.workspace_id,
            kind=REARM,
            key=timer.payload.get("push") or timer.key,
            due_at=clock.now() + timedelta(hours=1),
            payload={"again": False},
        )
    timer_handlers.record_fire(session, timer)


def test_a_timer_re_armed_by_its_own_handler_stays_armed(runtime, world):
    with clock.frozen(T0) as clk:
        with runtime.sessions() as s:
            for key in ("again", "once"):
                timers.schedule(
                    s,
                    workspace_id=world.workspace.id,
                    kind=REARM,
                    key=key,
                    due_at=T0,
                    payload={"again": key == "again"},
                )
            s.commit()
        assert timers.sweep(runtime.sessions).fired == 2
        with runtime.sessions() as s:
            again = timers.armed(s, kind=REARM, key="again")
            assert again is not None and again.due_at == T0 + timedelta(hours=1)
            assert timers.armed(s, kind=REARM, key="once") is None  # fired: marked as before
        clk.advance(timedelta(hours=1))
        assert timers.sweep(runtime.sessions).fired == 1  # the second arming fires, once
        assert timers.sweep(runtime.sessions).fired == 0
        with runtime.sessions() as s:
            assert len(fired_ids(s)) == 3
            assert timers.armed(s, kind=REARM, key="again") is None


def test_a_timer_moved_by_an_earlier_handler_of_its_batch_waits_for_its_new_time(runtime, world):
    with clock.frozen(T0) as clk:
        with runtime.sessions() as s:
            for key, minutes, payload in (("first", 0, {"push": "second"}), ("second", 1, {})):
                timers.schedule(
                    s,
                    workspace_id=world.workspace.id,
                    kind=REARM,
                    key=key,
                    due_at=T0 - timedelta(minutes=10) + timedelta(minutes=minutes),
                    payload=payload,
                )
            s.commit()
        assert timers.sweep(runtime.sessions).fired == 1  # "second" was pushed an hour on
        with runtime.sessions() as s:
            second = timers.armed(s, kind=REARM, key="second")
            assert second is not None and second.due_at == T0 + timedelta(hours=1)
        clk.advance(timedelta(hours=1))
        assert timers.sweep(runtime.sessions).fired == 1
