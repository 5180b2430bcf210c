"""`kefu orders import FILE`: progress, row errors, the orders stored."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from kefu.auth import service as auth
from kefu.cli import app
from kefu.config import Settings
from kefu.orders import imports, ingest
from kefu.runtime import build
from tests.conftest import fresh_database
from tests.orders.helpers import order_doc


def test_cli_import_prints_progress_and_row_errors(db_kind, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 2)
    with fresh_database(db_kind, str(tmp_path), "kefu_orders_cli") as url:
        rt = build(Settings(database_url=url))
        with rt.sessions() as s:
            ws = auth.create_workspace(s, key="cli", name="CLI Shop")
            s.commit()
        docs = [order_doc(f"CLI-{i}", member=f"M{i}") for i in range(5)]
        docs[3]["items"][0]["unit_price_cents"] = -1
        path = tmp_path / "orders.json"
        path.write_text(json.dumps({"orders": docs}, ensure_ascii=False), encoding="utf-8")
        env = {"KEFU_DATABASE_URL": url}
        r = CliRunner().invoke(app, ["orders", "import", str(path), "--workspace", "cli"], env=env)
        assert r.exit_code == 1, r.output
        assert "2/5 processed" in r.output and "5/5 processed, 2 failed" in r.output
        assert "batch 1 row 4" in r.output and "imported 3 of 5" in r.output
        with rt.sessions() as s:
            stored = [ingest.order_by_number(s, ws.id, f"CLI-{i}") is not None for i in range(5)]
        assert stored == [True, True, False, False, True]
        nowhere = CliRunner().invoke(
            app, ["orders", "import", str(path), "--workspace", "nope"], env=env
        )
        assert nowhere.exit_code == 2
        rt.close()
