"""`kefu bench timers --json` at a tiny scale on SQLite: the shape of its one JSON object and its
exactly-once accounting (every timer due fired once, by 2 worker processes, none missed). Speed
figures depend on the machine and are never asserted."""

import json
import numbers
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from kefu.auth import service as auth
from kefu.bench import timers_worker
from kefu.bench.common import scratch_sqlite
from kefu.bench.timers import PG_ENV, plan
from kefu.bench.timers_data import Loader, count_fires
from kefu.cli import app
from kefu.config import Settings
from kefu.runtime import build
from kefu.timers import service as timers

SCALE = 0.001  # the floors: 100 armed timers, a 1 s window (1,667 timers due), a 200 backlog


@pytest.fixture(scope="module")
def result():
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(PG_ENV, raising=False)  # SQLite only, even where the benchmark database is set
        out = CliRunner().invoke(app, ["bench", "timers", "--json", "--scale", str(SCALE)])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)  # one JSON object, nothing else on stdout


@pytest.fixture(scope="module")
def sqlite(result):
    return result["databases"]["sqlite"]


def _number(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


@pytest.mark.slow
def test_reports_machine_workload_and_skips_postgresql(result):
    assert result["benchmark"] == "timers" and result["scale"] == SCALE
    machine = result["machine"]
    assert machine["cpu_count"] >= 1
    for key in ("cpu_model", "python", "sqlite", "sqlalchemy", "platform"):
        assert machine[key]
    assert len(machine["load_average_start"]) == len(machine["load_average_end"]) == 3
    workload = result["workload"]
    assert workload["due_per_minute"] == 100_000 and workload["workers"] == 2
    assert workload["sweep_batch"] >= 1 and workload["worker_interval_s"] > 0
    assert workload["plan"]["sqlite"] == {
        "armed": 100,
        "window_s": 1.0,
        "lag_timers": 1667,
        "backlog": 200,
        "empty_sweeps": 50,
        "reference_ops": 50,
    }
    assert result["databases"]["postgresql"] == {"skipped": f"{PG_ENV} is not set"}


@pytest.mark.slow
def test_every_timer_due_fired_exactly_once_by_the_two_workers(sqlite):
    p = plan(SCALE, "sqlite")
    once = sqlite["exactly_once"]
    assert once["verified"] is True and once["problems"] == []
    assert once["double_fires"] == 0 and once["misses"] == 0
    assert once["lag_timers_fired"] == sqlite["lag"]["scheduled"] == p.lag_timers
    assert once["backlog_fired"] == sqlite["drain"]["fired"] == p.backlog
    assert once["far_future_fired"] == 0  # the armed load never came due
    # The workers' commit logs name each timer once between them, and 2 processes ran.
    assert set(once["fired_by_worker"]) == {"1", "2"}
    assert sum(once["fired_by_worker"].values()) == p.lag_timers
    workers = sqlite["lag"]["workers"]
    assert [w["worker"] for w in workers] == [1, 2]
    assert all(w["errors"] == 0 and w["sweeps"] > 0 for w in workers)
    assert sum(w["fired"] for w in workers) == p.lag_timers
    assert sqlite["lag"]["scheduler"]["timers"] == p.lag_timers


@pytest.mark.slow
def test_figures_for_every_step_with_ratios(sqlite):
    p = plan(SCALE, "sqlite")
    assert sqlite["database"]["kind"] == "sqlite"
    assert sqlite["load"]["timers"] == p.armed
    assert sqlite["reference"]["select_1"]["ops"] == p.reference_ops
    assert sqlite["reference"]["single_row_commit"]["ops"] > 0
    empty = sqlite["empty_sweep"]
    assert empty["ops"] == p.empty_sweeps and empty["armed_timers"] == p.armed
    assert empty["uses_partial_index"] is True, empty["plan"]
    assert sqlite["empty_sweep_after_lag"]["ops"] == p.empty_sweeps
    lag = sqlite["lag"]
    assert lag["fired"] == lag["scheduled"]
    assert 0 <= lag["min_ms"] <= lag["p50_ms"] <= lag["p90_ms"] <= lag["p99_ms"] <= lag["max_ms"]
    assert lag["to_handler"]["p50_ms"] <= lag["to_handler"]["p99_ms"]
    assert lag["goal_p99_ms"] == 1000.0 and isinstance(lag["goal_met"], bool)
    assert set(sqlite["ratios"]) == {
        "empty_sweep_p50_vs_select_1_p50",
        "empty_sweep_p50_vs_single_row_commit_p50",
        "drain_rate_vs_single_row_commit_rate",
        "drain_rate_vs_due_rate",
        "lag_p99_vs_goal",
    }
    assert all(_number(r) for r in sqlite["ratios"].values())


def test_the_fires_table_shows_a_double_fire():
    """The benchmark's "0 double fires" is not vacuous: a timer fired twice is counted."""
    with scratch_sqlite() as url:
        rt = build(Settings(database_url=url, worker_in_process=False))
        with rt.sessions() as s:
            workspace_id = auth.create_workspace(s, key="bench", name="Bench").id
            s.commit()
        loader = Loader(rt.engine, workspace_id)
        try:
            loader.create_fires_table()
            past = datetime.now(UTC) - timedelta(minutes=1)
            loader.insert(timers_worker.DRAIN, [("a", past), ("b", past)])
            assert timers.sweep(rt.sessions).fired == 2
            assert timers.sweep(rt.sessions).fired == 0
            fires = count_fires(loader)
            assert fires["per_kind"] == {timers_worker.DRAIN: {"fires": 2, "timers": 2}}
            assert fires["double_fired_timers"] == 0 and fires["orphans"] == 0
            # Re-arm one and fire it again: a second firing of the same timer.
            loader.execute("UPDATE timers SET fired_at = NULL WHERE key = 'a'")
            assert timers.sweep(rt.sessions).fired == 1
            assert count_fires(loader)["double_fired_timers"] == 1
        finally:
            loader.close()
            rt.close()
