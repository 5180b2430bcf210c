"""Understanding customer messages offline, on the CPU: no model is downloaded at run time.

The stable API the rest of kefu calls:

- `IntentModel.train(examples, *, oos_label=None) -> IntentModel`;
  `IntentModel.predict(text) -> Prediction(label, confidence, top, out_of_scope)`
- `builtin_intents.default_model() -> IntentModel` (kefu's own zh/en e-commerce intents)
- `FaqIndex.build(entries) -> FaqIndex`; `FaqIndex.search(text, k=3) -> [(entry_id, score)]`
- `entities.extract(text, *, now=None, config=None) -> [Entity]`
- `emotion.detect(text) -> Emotion(label, score, angry, negative)`
- `normalize.normalize(text) -> str`

Modules import lazily where they are heavy (jieba's dictionary loads on first use).
"""

from kefu.bot.nlu.faq import FaqEntry, FaqIndex
from kefu.bot.nlu.intent import IntentModel, Prediction

__all__ = ["FaqEntry", "FaqIndex", "IntentModel", "Prediction"]
