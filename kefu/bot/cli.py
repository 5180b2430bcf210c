"""`kefu nlu …`: measure and build the understanding models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

nlu_app = typer.Typer(help="understanding: evaluate and build models", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(json.dumps({"error": message}, ensure_ascii=False), err=True)
    raise typer.Exit(2)


@nlu_app.command("eval")
def eval_command(
    train: Annotated[Path | None, typer.Option(help="CSV to train on (text,label)")] = None,
    test: Annotated[Path | None, typer.Option(help="CSV to score (text,label)")] = None,
    oos_label: Annotated[
        str | None, typer.Option(help="label that marks out-of-scope rows, e.g. oos")
    ] = None,
    pairs: Annotated[
        bool, typer.Option("--pairs", help="sentence1,sentence2,label matching data")
    ] = False,
    cv: Annotated[int, typer.Option(help="k-fold cross-validation on --train (0: use --test)")] = 0,
    encoder: Annotated[
        str | None,
        typer.Option(help="dense encoder offered to the intent model: minilm or a model folder"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Accuracy, macro-F1, out-of-scope precision/recall, train time, latency p50/p99."""
    from kefu.bot.nlu import evaluate
    from kefu.bot.nlu.encoder import EncoderUnavailable, load_encoder

    if train is None:
        _fail("--train is required")
    assert train is not None
    try:
        dense = load_encoder(encoder) if encoder else None
    except EncoderUnavailable as exc:
        _fail(str(exc))
        return
    try:
        result: dict[str, Any]
        if pairs:
            rows3 = evaluate.read_rows(train, ("sentence1", "sentence2", "label"))
            if len(rows3) < 4:
                _fail("need at least 4 pairs")
            result = evaluate.cross_validate_pairs(rows3, k=cv or 5)
        else:
            rows = [(t, y) for t, y in evaluate.read_rows(train, ("text", "label"))]
            if len({y for _, y in rows}) < 2:
                _fail("need at least two labels in --train")
            if cv:
                result = evaluate.cross_validate_intents(
                    rows, k=cv, oos_label=oos_label, encoder=dense
                )
            elif test is None:
                _fail("give --test, or --cv K to cross-validate --train")
                return
            else:
                test_rows = [(t, y) for t, y in evaluate.read_rows(test, ("text", "label"))]
                result = evaluate.evaluate_intents(
                    rows, test_rows, oos_label=oos_label, encoder=dense
                )
    except (OSError, ValueError) as exc:
        _fail(str(exc))
        return
    result = {
        "train_file": str(train),
        **({"test_file": str(test)} if test and not cv else {}),
        **result,
    }
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))


@nlu_app.command("build-emotion")
def build_emotion(
    data: Annotated[
        Path, typer.Option(help="folder with zh_emotion/ and zh_review_sentiment/")
    ] = Path("../shared/data"),
    out: Annotated[Path | None, typer.Option(help="where to write the model file")] = None,
) -> None:
    """Train the Chinese emotion models from public data; writes kefu/bot/nlu/emotion_model.npz."""
    from kefu.bot.nlu import emotion, emotion_model

    for folder in ("zh_emotion", "zh_review_sentiment"):
        if not (data / folder / "train.csv").exists():
            _fail(f"{data / folder / 'train.csv'} not found")
    result = emotion_model.build(data, out or emotion.MODEL_PATH)
    typer.echo(json.dumps(result, ensure_ascii=False))


@nlu_app.command("bench")
def bench_command(
    data: Annotated[Path, typer.Option(help="folder of evaluation sets")] = Path("../shared/data"),
    write: Annotated[
        Path | None, typer.Option(help="rewrite the NLU section of this Markdown file")
    ] = None,
    only: Annotated[list[str] | None, typer.Option(help="only these set names")] = None,
    encoder: Annotated[
        str, typer.Option(help="also score the sets it reads with this encoder; none: skip")
    ] = "minilm",
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """`nlu eval` over every set in --data; optionally write the figures to docs/benchmarks.md."""
    from kefu.bot.nlu import bench
    from kefu.bot.nlu.encoder import EncoderUnavailable, SentenceEncoder, load_encoder

    if not data.is_dir():
        _fail(f"{data} is not a folder")
    dense: SentenceEncoder | None = None
    if encoder != "none":
        try:
            dense = load_encoder(encoder)
        except EncoderUnavailable as exc:
            typer.echo(f"without the encoder: {exc}", err=True)

    def progress(name: str, result: dict[str, Any]) -> None:
        typer.echo(f"{name}: accuracy {result.get('accuracy')}", err=True)

    report = bench.run(data, only=only, progress=progress, encoder=dense)
    if write is not None:
        bench.write_section(write, report)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
    else:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
