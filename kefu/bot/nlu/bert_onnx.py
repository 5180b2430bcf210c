"""A BERT-family sentence encoder as an ONNX graph, built from the model's own weights.

Why not the model's usual runtime: PyTorch is a gigabyte and takes 10–20 ms per utterance on one
core; onnxruntime with the weight matrices quantised to int8 (per output channel) takes 1–5 ms,
which fits the bot's 10 ms budget beside the lexical model. The graph is built here, op by op,
from `model.safetensors` and `config.json` (the layout Hugging Face's BertModel saves): no
exporter, no PyTorch, nothing fetched from the network.

One sentence per run, no padding: token ids in, the mean of the last layer's token vectors out,
L2-normalised (sentence-transformers' "mean pooling + normalize", which all-MiniLM-L6-v2 uses).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

# Bump when the graph changes: cached graphs built by an older builder are then rebuilt.
GRAPH_VERSION = 1


class _Graph:
    """Collects nodes and weights; each node gets a fresh output name."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        from onnx import helper

        self.helper = helper
        self.weights = weights
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []

    def constant(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        array = value.astype(np.float32) if value.dtype.kind == "f" else value
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def weight(self, key: str, *, transpose: bool = False) -> str:
        value = self.weights[key]
        return self.constant(key, value.T if transpose else value)

    def op(self, kind: str, *inputs: str, **attributes: Any) -> str:
        out = f"n{len(self.nodes)}"
        self.nodes.append(self.helper.make_node(kind, list(inputs), [out], name=out, **attributes))
        return out

    def linear(self, x: str, prefix: str) -> str:
        """x @ W.T + b, W stored as (out, in) like torch.nn.Linear; named `<prefix>.W` so the
        quantiser can tell weight products from activation products."""
        product = self.op(
            "MatMul", x, self.constant(f"{prefix}.W", self.weights[f"{prefix}.weight"].T)
        )
        return self.op("Add", product, self.weight(f"{prefix}.bias"))

    def layer_norm(self, x: str, prefix: str, eps: float) -> str:
        gamma, beta = self.weight(f"{prefix}.weight"), self.weight(f"{prefix}.bias")
        return self.op("LayerNormalization", x, gamma, beta, axis=-1, epsilon=eps)


def build(model_dir: Path) -> Any:
    """The float32 ONNX ModelProto of the encoder in `model_dir`."""
    from onnx import TensorProto, checker
    from safetensors.numpy import load_file

    config = json.loads((model_dir / "config.json").read_text())
    if config.get("position_embedding_type", "absolute") != "absolute" or config.get(
        "hidden_act", "gelu"
    ) not in ("gelu",):
        raise ValueError(f"{model_dir}: only BERT-style encoders (absolute positions, GELU) load")
    weights = {
        k.removeprefix("bert."): v for k, v in load_file(model_dir / "model.safetensors").items()
    }
    hidden, heads = int(config["hidden_size"]), int(config["num_attention_heads"])
    eps = float(config.get("layer_norm_eps", 1e-12))
    g = _Graph(weights)
    zero = g.constant("zero", np.array([0], np.int64))
    length = g.op("Shape", "ids")
    positions = g.op("Slice", g.weight("embeddings.position_embeddings.weight"), zero, length, zero)
    token_type = g.constant("type0", weights["embeddings.token_type_embeddings.weight"][0])
    words = g.op("Gather", g.weight("embeddings.word_embeddings.weight"), "ids")
    x = g.layer_norm(
        g.op("Add", g.op("Add", words, positions), token_type), "embeddings.LayerNorm", eps
    )
    split_heads = g.constant("split_heads", np.array([-1, heads, hidden // heads], np.int64))
    join_heads = g.constant("join_heads", np.array([-1, hidden], np.int64))
    scale = g.constant("scale", np.array(1 / np.sqrt(hidden // heads), np.float32))
    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}."
        q, k, v = (
            g.op(
                "Transpose",
                g.op("Reshape", g.linear(x, f"{p}attention.self.{name}"), split_heads),
                perm=[1, 0, 2],
            )
            for name in ("query", "key", "value")
        )
        scores = g.op("Mul", g.op("MatMul", q, g.op("Transpose", k, perm=[0, 2, 1])), scale)
        context = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
        attended = g.op("Reshape", g.op("Transpose", context, perm=[1, 0, 2]), join_heads)
        x = g.layer_norm(
            g.op("Add", x, g.linear(attended, f"{p}attention.output.dense")),
            f"{p}attention.output.LayerNorm",
            eps,
        )
        inner = g.op("Gelu", g.linear(x, f"{p}intermediate.dense"))
        x = g.layer_norm(
            g.op("Add", x, g.linear(inner, f"{p}output.dense")), f"{p}output.LayerNorm", eps
        )
    pooled = g.op("Unsqueeze", g.op("ReduceMean", x, zero, keepdims=0), zero)
    g.nodes.append(g.helper.make_node("LpNormalization", [pooled], ["embedding"], axis=-1, p=2))
    graph = g.helper.make_graph(
        g.nodes,
        "sentence_encoder",
        [g.helper.make_tensor_value_info("ids", TensorProto.INT64, ["tokens"])],
        [g.helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, hidden])],
        g.initializers,
    )
    model = g.helper.make_model(graph, opset_imports=[g.helper.make_opsetid("", 20)])
    model.ir_version = 9  # what onnxruntime 1.2x reads
    checker.check_model(model)
    return model


def quantize(model: Any, target: Path) -> None:
    """Write `model` to `target` with its weight products in int8, one scale per output channel.

    Only products with a weight matrix are quantised: quantising the attention products (two
    activations) cost ~4 points of cosine similarity for no speed worth having.
    """
    import tempfile

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    weight_products = [
        n.name for n in model.graph.node if n.op_type == "MatMul" and n.input[1].endswith(".W")
    ]
    with tempfile.TemporaryDirectory() as tmp, _quiet_root_log():
        source = Path(tmp) / "fp32.onnx"
        onnx.save(model, source)
        quantize_dynamic(
            source,
            target,
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_quantize=weight_products,
        )


@contextmanager
def _quiet_root_log() -> Iterator[None]:
    """The quantiser advises "pre-processing" on the root logger: advice for image models."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
