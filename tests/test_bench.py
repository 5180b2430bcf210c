"""`kefu bench ingest --json` at a tiny scale on SQLite: the shape of its one JSON object and the
rows it wrote. Speed figures depend on the machine and are never asserted."""

import json
import numbers

import pytest
from typer.testing import CliRunner

from kefu.bench.ingest import KINDS, PG_ENV, PHASES
from kefu.cli import app

SCALE = 0.01  # the floor: 10 messages and 5 tickets per phase, after a warm-up of 2 each


@pytest.fixture(scope="module")
def result():
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(PG_ENV, raising=False)  # SQLite only, even where the benchmark database is set
        out = CliRunner().invoke(app, ["bench", "ingest", "--json", "--scale", str(SCALE)])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)  # one JSON object, nothing else on stdout


def _positive(x):
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and x > 0


@pytest.mark.slow
def test_reports_machine_workload_and_transport(result):
    assert result["benchmark"] == "ingest" and result["scale"] == SCALE
    machine = result["machine"]
    assert machine["cpu_count"] >= 1
    for key in ("cpu_model", "python", "sqlite", "sqlalchemy", "platform"):
        assert machine[key]
    assert result["workload"]["messages_per_phase"] == 10
    assert result["workload"]["tickets_per_phase"] == 5
    assert "uvicorn" in result["http"]["server"] and "httpx" in result["http"]["client"]
    assert result["databases"]["postgresql"] == {"skipped": f"{PG_ENV} is not set"}


@pytest.mark.slow
def test_figures_for_every_phase_with_ratios_to_raw(result):
    sqlite = result["databases"]["sqlite"]
    assert sqlite["database"]["kind"] == "sqlite"
    assert sqlite["database"]["journal_mode"] == "wal"
    for phase in PHASES:
        for kind in KINDS:
            figures = sqlite[phase][kind]
            assert figures["ops"] == result["workload"][f"{kind}_per_phase"]
            for key in (f"{kind}_per_s", "p50_ms", "p99_ms", "seconds"):
                assert _positive(figures[key]), (phase, kind, key, figures)
            assert figures["p50_ms"] <= figures["p99_ms"]
    # Warm, every statement of the service layer comes from SQLAlchemy's compiled cache.
    cache = sqlite["service"]["statement_cache"]
    assert cache["cache_hit"] > 0 and "cache_miss" not in cache, cache
    ratios = sqlite["ratios"]
    for table in (ratios, ratios["by_median_latency"]):
        for name in ("service_vs_raw", "http_vs_raw"):
            assert set(table[name]) == set(KINDS)
            assert all(_positive(r) for r in table[name].values()), table


@pytest.mark.slow
def test_rows_written_equal_operations_performed(result):
    rows = result["databases"]["sqlite"]["rows"]
    assert rows["verified"] is True
    warm = result["workload"]["warmup_per_phase"]
    for phase in PHASES:
        r = rows[phase]
        messages = result["workload"]["messages_per_phase"] + warm["messages"]
        tickets = result["workload"]["tickets_per_phase"] + warm["tickets"]
        assert r["performed"] == {"messages": messages, "tickets": tickets}
        assert r["messages"] == r["conversation_message_count"] == messages
        assert r["tickets"] == r["ticket_tags"] == r["ticket_links"] == tickets
        assert r["events"] == messages + tickets
    # kefu dispatched each of its events after commit, to the subscriber of the service phase.
    assert rows["service"]["undispatched_events"] == rows["http"]["undispatched_events"] == 0
    assert rows["service"]["delivered_to_subscriber"] == rows["service"]["events"]
