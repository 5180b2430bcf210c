"""kefu's built-in e-commerce intents, Chinese and English, with kefu's own seed examples.

These examples were written for kefu (not taken from any external data set, and no benchmark);
each shop adds its own intents and examples on top. They live in `builtin_intents.txt` (data, not
code): `[intent language]` headers, one example per line. `default_model()` trains once per
process (well under a second) and is what the bot uses until a workspace teaches it more.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from kefu.bot.nlu.encoder import SentenceEncoder, configured_encoder
from kefu.bot.nlu.intent import IntentModel

DATA = Path(__file__).with_name("builtin_intents.txt")
OOS_LABEL = "oos"


def _load() -> dict[str, dict[str, list[str]]]:
    """intent → {language: examples}, in the file's order."""
    found: dict[str, dict[str, list[str]]] = {}
    current: list[str] = []
    for raw in DATA.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            intent, lang = line[1:-1].split()
            current = found.setdefault(intent, {}).setdefault(lang, [])
        else:
            current.append(line)
    return found


_ALL = _load()
# Messages a shop bot should not try to answer ("what is the capital of France"): learnt as a
# background class, so they do not land on the nearest shop intent.
OUT_OF_SCOPE: dict[str, list[str]] = _ALL.pop(OOS_LABEL)
# intent → {"zh": [...], "en": [...]}; keep labels stable: flows and routing key on them.
BUILTIN_INTENTS: dict[str, dict[str, list[str]]] = _ALL


def examples(languages: tuple[str, ...] = ("zh", "en")) -> list[tuple[str, str]]:
    """(text, intent) pairs of the built-in intents."""
    return [
        (text, intent)
        for intent, by_lang in BUILTIN_INTENTS.items()
        for lang in languages
        for text in by_lang.get(lang, [])
    ]


def default_model() -> IntentModel:
    """The built-in model, trained once per process (the threshold by cross-validation), with the
    configured dense encoder offered like every workspace's own model (`KEFU_NLU_ENCODER`)."""
    return _trained(configured_encoder())


@lru_cache(maxsize=2)
def _trained(encoder: SentenceEncoder | None) -> IntentModel:
    background = [(t, OOS_LABEL) for lang in ("zh", "en") for t in OUT_OF_SCOPE[lang]]
    return IntentModel.train(examples() + background, oos_label=OOS_LABEL, encoder=encoder)
