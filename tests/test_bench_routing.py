"""`kefu bench routing --json` at a tiny scale on SQLite: the shape of its one JSON object. Speed
figures depend on the machine and are never asserted."""

import json
import numbers

import pytest
from typer.testing import CliRunner

from kefu.bench.routing import PG_ENV
from kefu.cli import app

SCALE = 0.01  # the floors: 5 agents, 50 waiting, 20 decisions, 10 through the database


@pytest.fixture(scope="module")
def result():
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(PG_ENV, raising=False)
        out = CliRunner().invoke(app, ["bench", "routing", "--json", "--scale", str(SCALE)])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)  # one JSON object, nothing else on stdout


def _number(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _latency(summary, ops):
    assert summary["ops"] == ops
    assert 0 <= summary["p50_ms"] <= summary["p99_ms"]
    assert _number(summary["seconds"])


def test_shape_of_the_routing_benchmark(result):
    assert result["benchmark"] == "routing" and result["scale"] == SCALE
    assert result["machine"]["cpu_count"] >= 1
    w = result["workload"]
    assert (w["agents"], w["waiting"], w["decisions"], w["db_decisions"]) == (5, 50, 20, 10)
    assert 0 <= w["online_agents"] <= w["agents"]
    for name in ("choose_agent", "pick_next", "pick_next_worst"):
        _latency(result["core"][name], 20 if name != "pick_next" else result["core"][name]["ops"])
    for name in ("sort_agents", "scan_queue"):
        _latency(result["reference"][name], 20)
    assert result["goal_p99_ms"] == 5.0 and isinstance(result["goal_met"], bool)
    assert isinstance(result["goal_met_cpu"], bool)
    for name in ("choose_agent", "pick_next", "pick_next_worst"):
        core = result["core"][name]
        assert 0 <= core["cpu_p50_ms"] <= core["cpu_p99_ms"]
    assert set(result["ratios"]) == {
        "choose_agent_p50_vs_sort_agents_p50",
        "pick_next_worst_p50_vs_scan_queue_p50",
        "choose_agent_p99_vs_goal",
        "pick_next_worst_p99_vs_goal",
    }
    assert all(_number(r) for r in result["ratios"].values())
    sqlite = result["databases"]["sqlite"]
    _latency(sqlite["route"], 10)
    _latency(sqlite["pull"], 10)
    _latency(sqlite["reference"]["select_1"], 10)
    assert sqlite["load"]["assigned_open"] >= 0
    assert set(sqlite["ratios"]) == {"route_p50_vs_select_1_p50", "pull_p50_vs_select_1_p50"}
    assert result["databases"]["postgresql"] == {"skipped": f"{PG_ENV} is not set"}
