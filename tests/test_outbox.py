"""The outbox: events are committed with the change and dispatched after commit — at least once,
even when the process dies between the two."""

import signal
import subprocess
import sys
import textwrap
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kefu.app import create_app
from kefu.auth.actor import Actor
from kefu.config import Settings
from kefu.runtime import build
from kefu.tickets import service as tickets
from kefu.timeline.models import Event
from tests.conftest import fresh_database
from tests.factories import make_world

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from kefu.config import Settings
    from kefu.events import Dispatcher
    from kefu.runtime import build
    from kefu.auth import service as auth
    from kefu.auth.actor import Actor
    from kefu.auth.models import Role
    from kefu.tickets import service as tickets

    rt = build(Settings(database_url=sys.argv[1]))
    with rt.sessions() as s:
        ws = auth.create_workspace(s, key="crash", name="Crash Shop")
        lead = auth.create_staff(
            s, actor=Actor.system(ws.id), email="lead@crash.test", name="lead", role=Role.team_lead
        )
        s.commit()
        # Die the instant the commit returns, before any subscriber or the dispatched mark.
        Dispatcher.deliver = lambda self, ids: os.kill(os.getpid(), signal.SIGKILL)
        tickets.create(s, actor=Actor.staff(ws.id, lead.id, lead.role), subject="包裹丢了")
        s.commit()
    print("unreachable")
    """
)


def test_killed_process_loses_no_event(db_kind, tmp_path):
    with fresh_database(db_kind, str(tmp_path), "kefu_outbox") as url:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, url], capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        assert "unreachable" not in proc.stdout

        rt = build(Settings(database_url=url, worker_in_process=False))
        with rt.sessions() as s:
            pending = s.scalars(select(Event).where(Event.dispatched_at.is_(None))).all()
            assert [e.type for e in pending] == ["ticket.created"]  # committed, never dispatched

        seen: list[int] = []
        rt.dispatcher.subscribe("ticket.created", lambda ev: seen.append(ev.id))
        with TestClient(create_app(runtime=rt)):  # start-up dispatches what was left pending
            pass
        assert seen == [pending[0].id]
        with TestClient(create_app(runtime=rt)):  # a second start has nothing left to send
            pass
        assert seen == [pending[0].id]
        with rt.sessions() as s:
            assert s.scalar(select(func.count()).where(Event.dispatched_at.is_(None))) == 0
        rt.close()


def test_events_dispatch_after_commit_and_never_on_rollback(runtime, world, delivered):
    actor = world.actor()
    with runtime.sessions() as s:
        tickets.create(s, actor=actor, subject="rolled back")
        assert delivered == []  # nothing leaves before commit
        s.rollback()
    assert delivered == []
    with runtime.sessions() as s:
        t = tickets.create(s, actor=actor, subject="kept")
        s.commit()
    assert [(e.type, e.ticket_id) for e in delivered] == [("ticket.created", t.id)]
    with runtime.sessions() as s:
        assert s.get(Event, delivered[0].id).dispatched_at is not None


def test_failing_subscriber_leaves_the_event_pending_for_retry(runtime, world):
    calls: list[int] = []

    def flaky(ev):
        calls.append(ev.id)
        if len(calls) == 1:
            raise RuntimeError("webhook receiver down")

    runtime.dispatcher.subscribe("ticket.created", flaky)
    with runtime.sessions() as s:
        t = tickets.create(s, actor=world.actor(), subject="retry me")
        s.commit()  # the failure is logged, not raised into the use case
    with runtime.sessions() as s:
        ev = s.scalars(select(Event).where(Event.ticket_id == t.id)).one()
        assert ev.dispatched_at is None
    assert runtime.dispatcher.dispatch_pending() == 1
    assert calls == [ev.id, ev.id]
    assert runtime.dispatcher.dispatch_pending() == 0


@pytest.mark.parametrize("workers", [2])
def test_concurrent_sweepers_dispatch_each_event_once(db_kind, tmp_path, workers):
    with fresh_database(db_kind, str(tmp_path), "kefu_sweep") as url:
        rt = build(Settings(database_url=url, dispatch_in_process=False))
        with rt.sessions() as s:
            world = make_world(s, key="sweep")
            s.commit()
            actor = Actor.system(world.workspace.id)
            for i in range(60):
                tickets.create(s, actor=actor, subject=f"t{i}")
            s.commit()
        seen: list[int] = []
        lock = threading.Lock()

        def record(ev):
            with lock:
                seen.append(ev.id)

        sweepers = [build(Settings(database_url=url)) for _ in range(workers)]
        for sw in sweepers:
            sw.dispatcher.subscribe("*", record)
        threads = [
            threading.Thread(target=sw.dispatcher.dispatch_pending, kwargs={"batch": 7})
            for sw in sweepers
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        with rt.sessions() as s:
            total = s.scalar(select(func.count()).select_from(Event))
            left = s.scalar(select(func.count()).where(Event.dispatched_at.is_(None)))
        assert left == 0
        assert sorted(seen) == sorted(set(seen)) and len(seen) == total
        for sw in (*sweepers, rt):
            sw.close()
