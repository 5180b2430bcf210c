"""`kefu bench chat --json` at a tiny scale, SQLite only: the shape of its one JSON object and
that every message sent was delivered to its agent. Speed figures are never asserted."""

import json
import numbers

import pytest
from typer.testing import CliRunner

from kefu.bench.chat import PG_ENV
from kefu.cli import app

pytestmark = pytest.mark.slow


def _number(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


@pytest.fixture(scope="module")
def result():
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(PG_ENV, raising=False)
        out = CliRunner().invoke(app, ["bench", "chat", "--json", "--scale", "0.02"])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def test_one_json_object_with_runs_echo_ratio_and_goal(result):
    assert result["benchmark"] == "chat"
    assert result["workload"]["levels"] == [2, 20]
    (setup,) = result["setups"]
    assert "SQLite" in setup["setup"]
    assert [r["customers"] for r in setup["open_loop"]] == [2, 20]
    for figures in [*setup["open_loop"], setup["saturation"]]:
        for key in ("messages_per_s", "p50_ms", "p99_ms", "sent", "delivered"):
            assert _number(figures[key]), key
        assert figures["undelivered"] == 0
        assert figures["delivered"] == figures["sent"]
    assert setup["saturation"]["delivered"] > 0
    for figures in setup["per_message"].values():
        assert figures["messages"] > 0
        assert _number(figures["cpu_ms_per_message"])
        assert 0 < figures["statements_per_message"] <= 8  # tests/realtime/test_statements.py
    for figures in [*setup["open_loop"], setup["saturation"]]:
        assert _number(figures["server_cpu_ms_per_message"])
    assert _number(setup["saturation"]["ratio_to_echo"])
    assert result["echo"]["messages"] > 0 and _number(result["echo"]["messages_per_s"])
    assert set(result["goal"]) == {"p99_ms_at_top_level_one_process", "target_ms", "met"}
    assert result["machine"]["cpu_count"] >= 1
