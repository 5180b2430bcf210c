"""`kefu bench refund` at a tiny scale: its shape, and every refund confirmed exactly once."""

from __future__ import annotations

from kefu.bench import BENCHMARKS, refund


def test_the_refund_benchmark_confirms_every_refund_once(monkeypatch):
    monkeypatch.delenv(refund.PG_ENV, raising=False)
    assert BENCHMARKS["refund"] is refund.run
    result = refund.run(scale=0.02)
    sqlite = result["databases"]["sqlite"]
    assert sqlite["requests"] == sqlite["confirmed"] == 20
    assert sqlite["exactly_once"] is True
    assert sqlite["receiver_calls"] == 20 + sqlite["receiver_failed_503"]
    assert sqlite["repeat_calls_409"] == 0
    assert result["databases"]["postgresql"] == {"skipped": f"{refund.PG_ENV} is not set"}
