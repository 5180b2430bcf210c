"""The dense sentence encoder: the ONNX graph kefu builds is the model it claims to be, the int8
graph stays close to it, and it loads offline from the pinned package (installed by make install).
"""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
from safetensors.numpy import save_file
from typer.testing import CliRunner

from kefu.bot.nlu import bert_onnx
from kefu.bot.nlu.encoder import (
    EncoderUnavailable,
    SentenceEncoder,
    configured_encoder,
    load_encoder,
    model_dir,
)
from kefu.cli import app

# sentence-transformers' own documentation for all-MiniLM-L6-v2 (its quickstart's similarity
# matrix): kefu's graph, run in float32, must reproduce PyTorch's figures.
ST_SENTENCES = [
    "The weather is lovely today.",
    "It's so sunny outside!",
    "He drove to the stadium.",
]
ST_SIMILARITY = np.array([[1.0, 0.6660, 0.1046], [0.6660, 1.0, 0.1411], [0.1046, 0.1411, 1.0]])


def session(model: object) -> onnxruntime.InferenceSession:
    return onnxruntime.InferenceSession(
        model.SerializeToString(),  # type: ignore[attr-defined]
        providers=["CPUExecutionProvider"],
    )


@pytest.fixture(scope="module")
def minilm(tmp_path_factory: pytest.TempPathFactory) -> SentenceEncoder:
    return SentenceEncoder(
        model_dir("minilm"), name="minilm", cache_dir=tmp_path_factory.mktemp("cache")
    )


def test_float_graph_reproduces_the_published_similarities(minilm: SentenceEncoder) -> None:
    run = session(bert_onnx.build(minilm.model_dir))
    vectors = np.stack(
        [
            run.run(None, {"ids": np.asarray(minilm.tokenizer.encode(s).ids, np.int64)})[0][0]
            for s in ST_SENTENCES
        ]
    )
    np.testing.assert_allclose(vectors @ vectors.T, ST_SIMILARITY, atol=6e-4)


def test_int8_encoder_stays_close_and_gives_unit_vectors(minilm: SentenceEncoder) -> None:
    vectors = minilm.encode(ST_SENTENCES)
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vectors @ vectors.T, ST_SIMILARITY, atol=0.03)
    # Meaning, not shared words: a paraphrase is nearer than a question sharing the words.
    parcel, track, lost = minilm.encode(
        ["where is my parcel", "track my package", "where is my lost password"]
    )
    assert parcel @ track > parcel @ lost


def test_one_text_at_a_time_equals_many_and_long_text_is_cut(minilm: SentenceEncoder) -> None:
    many = minilm.encode(ST_SENTENCES)
    for i, text in enumerate(ST_SENTENCES):
        np.testing.assert_array_equal(minilm.encode([text])[0], many[i])
    long = "please help " * 400
    assert len(minilm.tokenizer.encode(long).ids) == 64
    assert np.isfinite(minilm.encode([long, "", "🙂🙂"])).all()


def test_graph_is_built_once_and_reused_from_the_cache(tmp_path: Path) -> None:
    first = SentenceEncoder(model_dir("minilm"), cache_dir=tmp_path)
    built = list(tmp_path.glob("*.onnx"))
    assert len(built) == 1
    stamp = built[0].stat().st_mtime_ns
    second = SentenceEncoder(model_dir("minilm"), cache_dir=tmp_path)
    assert [p.stat().st_mtime_ns for p in tmp_path.glob("*.onnx")] == [stamp]
    np.testing.assert_array_equal(first.encode(["hi"]), second.encode(["hi"]))
    assert not list(tmp_path.glob("*.tmp"))


def test_an_unwritable_cache_is_a_clear_refusal(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(EncoderUnavailable, match="set KEFU_CACHE_DIR"):
        SentenceEncoder(model_dir("minilm"), cache_dir=tmp_path / "file" / "cache")


def test_encoder_survives_pickling(minilm: SentenceEncoder) -> None:
    again = pickle.loads(pickle.dumps(minilm))
    np.testing.assert_array_equal(again.encode(["refund please"]), minilm.encode(["refund please"]))


# -- the builder on another BERT shape, against an independent numpy forward pass --------------


def tiny_bert(folder: Path, *, prefix: str = "bert.") -> dict[str, np.ndarray]:
    """A random 2-layer, 4-head BERT saved the way Hugging Face saves one."""
    rng = np.random.default_rng(7)
    hidden, inner, vocab = 16, 24, 50
    w: dict[str, np.ndarray] = {}

    def add(name: str, *shape: int) -> None:
        w[name] = (rng.standard_normal(shape) * 0.3).astype(np.float32)

    add("embeddings.word_embeddings.weight", vocab, hidden)
    add("embeddings.position_embeddings.weight", 32, hidden)
    add("embeddings.token_type_embeddings.weight", 2, hidden)
    add("embeddings.LayerNorm.weight", hidden)
    add("embeddings.LayerNorm.bias", hidden)
    for i in range(2):
        p = f"encoder.layer.{i}."
        for name in ("query", "key", "value"):
            add(f"{p}attention.self.{name}.weight", hidden, hidden)
            add(f"{p}attention.self.{name}.bias", hidden)
        add(f"{p}attention.output.dense.weight", hidden, hidden)
        add(f"{p}attention.output.dense.bias", hidden)
        add(f"{p}intermediate.dense.weight", inner, hidden)
        add(f"{p}intermediate.dense.bias", inner)
        add(f"{p}output.dense.weight", hidden, inner)
        add(f"{p}output.dense.bias", hidden)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            add(f"{p}{norm}.weight", hidden)
            add(f"{p}{norm}.bias", hidden)
    folder.mkdir(parents=True, exist_ok=True)
    save_file({prefix + k: v for k, v in w.items()}, str(folder / "model.safetensors"))
    config = {
        "hidden_size": hidden,
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "layer_norm_eps": 1e-12,
        "hidden_act": "gelu",
    }
    (folder / "config.json").write_text(json.dumps(config))
    return w


def numpy_bert(w: dict[str, np.ndarray], ids: np.ndarray, heads: int = 4) -> np.ndarray:
    from scipy.special import erf

    def norm(x: np.ndarray, p: str) -> np.ndarray:
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-12) * w[p + ".weight"] + w[p + ".bias"]

    def dense(x: np.ndarray, p: str) -> np.ndarray:
        return x @ w[p + ".weight"].T + w[p + ".bias"]

    n = len(ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
    x = norm(x + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm")
    size = x.shape[1] // heads
    for i in range(2):
        p = f"encoder.layer.{i}."
        q, k, v = (
            dense(x, f"{p}attention.self.{m}").reshape(n, heads, size).transpose(1, 0, 2)
            for m in ("query", "key", "value")
        )
        s = q @ k.transpose(0, 2, 1) / np.sqrt(size)
        s = np.exp(s - s.max(-1, keepdims=True))
        a = ((s / s.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(n, -1)
        x = norm(x + dense(a, f"{p}attention.output.dense"), f"{p}attention.output.LayerNorm")
        h = dense(x, f"{p}intermediate.dense")
        h = 0.5 * h * (1 + erf(h / np.sqrt(2)))
        x = norm(x + dense(h, f"{p}output.dense"), f"{p}output.LayerNorm")
    pooled = x.mean(0)
    return np.asarray(pooled / np.linalg.norm(pooled))


@pytest.mark.parametrize("prefix", ["bert.", ""])
def test_builder_matches_a_numpy_forward_pass_on_another_shape(tmp_path: Path, prefix: str) -> None:
    weights = tiny_bert(tmp_path, prefix=prefix)
    run = session(bert_onnx.build(tmp_path))
    for ids in ([2, 7, 9], [1] * 20, [49]):
        got = run.run(None, {"ids": np.asarray(ids, np.int64)})[0][0]
        np.testing.assert_allclose(got, numpy_bert(weights, np.asarray(ids)), atol=2e-5)


def test_unsupported_encoder_is_refused_by_name(tmp_path: Path) -> None:
    tiny_bert(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "hidden_act": "swish"}))
    with pytest.raises(ValueError, match="BERT-style"):
        bert_onnx.build(tmp_path)


# -- naming an encoder --------------------------------------------------------------------------


def test_missing_files_and_unknown_names_say_what_is_wrong(tmp_path: Path) -> None:
    tiny_bert(tmp_path)  # no tokenizer.json
    with pytest.raises(EncoderUnavailable, match="tokenizer.json missing"):
        SentenceEncoder(tmp_path)
    with pytest.raises(EncoderUnavailable, match="neither a packaged encoder"):
        model_dir(str(tmp_path / "nowhere"))
    result = CliRunner().invoke(
        app, ["nlu", "eval", "--train", "x.csv", "--test", "y.csv", "--encoder", "nowhere"]
    )
    assert result.exit_code == 2
    assert "neither a packaged encoder" in result.output


def test_wrong_setting_is_logged_and_the_bot_goes_on_without(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("KEFU_NLU_ENCODER", raising=False)
    assert configured_encoder() is None
    monkeypatch.setenv("KEFU_NLU_ENCODER", "/no/such/model")
    with caplog.at_level(logging.ERROR):
        assert configured_encoder() is None
    assert "KEFU_NLU_ENCODER=/no/such/model ignored" in caplog.text
    monkeypatch.setenv("KEFU_NLU_ENCODER", "minilm")
    assert configured_encoder() is load_encoder("minilm")


def test_the_packaged_encoder_reads_english_and_leaves_chinese() -> None:
    minilm = load_encoder("minilm")
    assert minilm.reads("where is my order") and minilm.reads("order 订单 status please")
    assert not minilm.reads("我的快递到哪了") and not minilm.reads("订单 order 123 到哪了")


def test_the_service_loads_it_at_start_and_starts_despite_a_wrong_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from fastapi.testclient import TestClient

    from kefu.app import create_app
    from kefu.config import Settings
    from kefu.runtime import build

    load_encoder.cache_clear()
    for spec in ("minilm", "/no/such/model"):
        settings = Settings(
            database_url=f"sqlite:///{tmp_path}/kefu.db",
            dispatch_in_process=False,
            worker_in_process=False,
            nlu_encoder=spec,
        )
        runtime = build(settings)
        with caplog.at_level(logging.ERROR), TestClient(create_app(settings, runtime)):
            pass
        runtime.close()
    assert load_encoder.cache_info().currsize == 1  # minilm, loaded before the first request
    assert "KEFU_NLU_ENCODER=/no/such/model ignored" in caplog.text
