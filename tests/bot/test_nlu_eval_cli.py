"""`kefu nlu eval` prints one JSON object with the figures, for every mode."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from kefu.cli import app

TRACK = ["快递到哪了", "查物流", "包裹在哪", "where is my parcel", "track my order", "物流不动了"]
REFUND = ["我要退款", "申请退款", "退钱", "i want a refund", "money back please", "退货退款"]
INVOICE = ["开发票", "发票怎么开", "要专票", "send me an invoice", "invoice please", "电子发票"]
HUMAN = ["转人工", "人工客服", "找真人", "talk to a human", "agent please", "真人客服"]
INTENTS = {"track": TRACK, "refund": REFUND, "invoice": INVOICE, "human": HUMAN}


def write(path: Path, header: list[str], rows: list[tuple[str, ...]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def run(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["nlu", "eval", *args, "--json"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    return json.loads(lines[0])


def test_train_test_with_out_of_scope(tmp_path: Path) -> None:
    train = write(
        tmp_path / "train.csv",
        ["text", "label"],
        [(t, y) for y, texts in INTENTS.items() for t in texts[:5]],
    )
    test = write(
        tmp_path / "test.csv",
        ["text", "label"],
        [(texts[5], y) for y, texts in INTENTS.items()]
        + [("今天天气怎么样", "oos"), ("tell me a joke", "oos")],
    )
    out = run("--train", str(train), "--test", str(test), "--oos-label", "oos")
    for key in ("accuracy", "macro_f1", "oos_precision", "oos_recall", "train_s", "latency_ms"):
        assert key in out, key
    assert 0.0 <= float(out["accuracy"]) <= 1.0  # type: ignore[arg-type]
    latency = out["latency_ms"]
    assert isinstance(latency, dict) and latency["p50"] <= latency["p99"]
    assert out["test_rows"] == 6


def test_angry_recall_is_reported_when_the_label_exists(tmp_path: Path) -> None:
    rows = [("气死我了", "angry"), ("你们就是骗子", "angry"), ("垃圾服务", "angry")] * 3
    rows += [("今天很开心", "happy"), ("谢谢你们", "happy"), ("太棒了", "happy")] * 3
    data = write(tmp_path / "emo.csv", ["text", "label"], rows)
    out = run("--train", str(data), "--cv", "3")
    assert out["mode"] == "3-fold cv"
    assert "angry" in out["recall"]  # type: ignore[operator]
    assert "oos_recall" not in out


def test_pairs_mode_is_cross_validated(tmp_path: Path) -> None:
    same = [("花呗怎么还款", "花呗如何还款"), ("借呗额度怎么提高", "怎么提升借呗额度")] * 6
    other = [("花呗怎么还款", "借呗额度怎么提高"), ("怎么开发票", "快递到哪了")] * 6
    pairs = write(
        tmp_path / "pairs.csv",
        ["sentence1", "sentence2", "label"],
        [(a, b, "1") for a, b in same] + [(a, b, "0") for a, b in other],
    )
    out = run("--train", str(pairs), "--pairs", "--cv", "2")
    assert out["mode"] == "2-fold cv" and out["rows"] == 24
    assert {"accuracy", "macro_f1", "majority_baseline", "latency_ms"} <= set(out)


def test_bad_files_exit_2_with_a_message(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.csv", ["question", "answer"], [("a", "b")])
    result = CliRunner().invoke(app, ["nlu", "eval", "--train", str(bad), "--cv", "2", "--json"])
    assert result.exit_code == 2
    missing = CliRunner().invoke(app, ["nlu", "eval", "--train", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2


def test_bench_section_replaces_only_itself(tmp_path: Path) -> None:
    from kefu.bot.nlu import bench

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## ingest\n\nkeep me\n", encoding="utf-8")
    report = {
        "sets": {
            "zh_emotion": {
                "mode": "train/test",
                "accuracy": 0.9,
                "macro_f1": 0.8,
                "recall": {"angry": 0.7},
                "train_s": 1.0,
                "latency_ms": {"p50": 1.0, "p99": 2.0, "cpu_p99": 1.5},
            },
        }
    }
    bench.write_section(doc, report)
    first = doc.read_text(encoding="utf-8")
    assert "keep me" in first and first.count("## NLU quality") == 1
    row = next(line for line in first.splitlines() if line.startswith("| `zh_emotion`"))
    assert "90.0 %" in row and "70.0 %" in row and row.rstrip().endswith("| no |")  # recall < 0.8
    report["sets"]["zh_emotion"]["recall"] = {"angry": 0.85}  # type: ignore[index]
    bench.write_section(doc, report)
    second = doc.read_text(encoding="utf-8")
    assert second.count("## NLU quality") == 1 and "keep me" in second
    row = next(line for line in second.splitlines() if line.startswith("| `zh_emotion`"))
    assert row.rstrip().endswith("| yes |")


def test_bench_finds_both_kinds_of_set(tmp_path: Path) -> None:
    from kefu.bot.nlu import bench

    (tmp_path / "a").mkdir()
    write(tmp_path / "a" / "train.csv", ["text", "label"], [("x", "y")])
    write(tmp_path / "a" / "test.csv", ["text", "label"], [("x", "y")])
    (tmp_path / "b").mkdir()
    write(tmp_path / "b" / "pairs.csv", ["sentence1", "sentence2", "label"], [("x", "y", "1")])
    (tmp_path / "c").mkdir()  # nothing to evaluate
    assert [d.name for d in bench.datasets(tmp_path)] == ["a", "b"]


def test_bench_scores_english_sets_again_with_the_encoder(tmp_path: Path) -> None:
    from kefu.bot.nlu import bench
    from kefu.bot.nlu.encoder import load_encoder

    english = [(t, y) for y, texts in INTENTS.items() for t in texts if t.isascii()]
    chinese = [(t, y) for y, texts in INTENTS.items() for t in texts if not t.isascii()]
    for name, rows in (("en_set", english), ("zh_set", chinese)):
        (tmp_path / name).mkdir()
        write(tmp_path / name / "train.csv", ["text", "label"], rows * 3)
        write(tmp_path / name / "test.csv", ["text", "label"], rows)
    report = bench.run(tmp_path, encoder=load_encoder("minilm"))
    assert set(report["sets"]) == {"en_set", "zh_set"}
    dense = report["with_encoder"]
    assert dense["encoder"] == "minilm" and set(dense["sets"]) == {"en_set"}
    assert set(dense["sets"]["en_set"]["dense_cv_accuracy"]) == {"0.0", "0.25", "0.5", "0.75"}
    doc = tmp_path / "benchmarks.md"
    bench.write_section(doc, report)
    rows = [line for line in doc.read_text(encoding="utf-8").splitlines() if "| `en_set`" in line]
    assert len(rows) == 2  # the default table and the encoder's, which has one column more
    assert rows[1].count("|") == rows[0].count("|") + 1


def test_eval_reports_what_the_training_data_decided_about_the_encoder(tmp_path: Path) -> None:
    rows = [(t, y) for y, texts in INTENTS.items() for t in texts]
    data = write(tmp_path / "all.csv", ["text", "label"], rows)
    out = run("--train", str(data), "--test", str(data), "--encoder", "minilm")
    assert out["encoder"] == "minilm"
    assert out["dense_weight"] in (0.0, 0.25, 0.5, 0.75)
    assert out["accuracy"] == 1.0  # its own training rows
