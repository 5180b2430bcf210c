"""FAQ retrieval: which knowledge-base entry does a customer's message ask about?

    index = FaqIndex.build([FaqEntry(id=12, texts=["怎么开发票", "发票怎么开", "invoice?"]), ...])
    index.search("能开发票吗", k=3)  # → [(12, 0.83), ...]

Each entry is its question plus paraphrases. The score blends BM25 over jieba words / English
words (exact terms matter: "花呗" is not "借呗") with TF-IDF cosine over character n-grams
(robust to typos and unsegmented Chinese), each taken over the best-matching text of the entry
and scaled to 0..1 so a caller can put a threshold on it. Building takes milliseconds for
hundreds of entries, so the knowledge base can rebuild it after every edit.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from kefu.bot.nlu.features import mask_numbers, tokens
from kefu.bot.nlu.normalize import normalize

# Weight of BM25 against character cosine in the blended score.
BM25_WEIGHT = 0.5


@dataclass(frozen=True)
class FaqEntry:
    """One entry: its id (whatever the caller uses) and question + paraphrases."""

    id: Hashable
    texts: Sequence[str]


class Bm25:
    """Okapi BM25 over pre-tokenised documents (k1=1.2, b=0.75)."""

    def __init__(self, docs: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tf = [Counter(d) for d in docs]
        self.len = np.array([len(d) for d in docs], dtype=np.float64)
        self.avgdl = float(self.len.mean()) if len(docs) else 0.0
        df: Counter[str] = Counter()
        for d in self.tf:
            df.update(d.keys())
        n = len(docs)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}
        # A word no document has is the rarest of all: it counts fully against the query.
        self.unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        self.postings: dict[str, list[int]] = {}
        for i, d in enumerate(self.tf):
            for w in d:
                self.postings.setdefault(w, []).append(i)

    def scores(self, query: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(self.tf))
        norm = self.k1 * (1 - self.b + self.b * self.len / (self.avgdl or 1.0))
        for w in set(query):
            idf = self.idf.get(w)
            if idf is None:
                continue
            for i in self.postings[w]:
                f = self.tf[i][w]
                out[i] += idf * f * (self.k1 + 1) / (f + norm[i])
        return out

    def self_score(self, query: Sequence[str]) -> float:
        """The score the query would get against itself: the scale for 0..1 scores."""
        total = 0.0
        q = Counter(query)
        dl = len(query)
        norm = self.k1 * (1 - self.b + self.b * dl / (self.avgdl or 1.0))
        for w, f in q.items():
            idf = self.idf.get(w, self.unseen_idf)
            total += idf * f * (self.k1 + 1) / (f + norm)
        return total


class FaqIndex:
    """Search FAQ entries by meaning-ish: words and characters. Picklable."""

    def __init__(self, entry_ids: list[Hashable], owners: list[int], texts: list[str]) -> None:
        self.entry_ids = entry_ids
        self.owners = np.array(owners, dtype=np.int64)  # text row → entry position
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        self.matrix = self.char.fit_transform([mask_numbers(t) for t in texts]) if texts else None
        self.bm25 = Bm25([tokens(mask_numbers(t)) for t in texts])

    @classmethod
    def build(cls, entries: Iterable[FaqEntry | tuple[Hashable, Sequence[str]]]) -> FaqIndex:
        """Index entries (FaqEntry or (id, [question, paraphrase, ...]))."""
        ids: list[Hashable] = []
        owners: list[int] = []
        texts: list[str] = []
        for entry in entries:
            entry_id, entry_texts = (
                (entry.id, entry.texts) if isinstance(entry, FaqEntry) else entry
            )
            clean = [c for c in (normalize(t) for t in entry_texts) if c]
            if not clean:
                continue
            ids.append(entry_id)
            owners += [len(ids) - 1] * len(clean)
            texts += clean
        return cls(ids, owners, texts)

    def __len__(self) -> int:
        return len(self.entry_ids)

    def search(self, text: str, k: int = 3) -> list[tuple[Hashable, float]]:
        """Up to `k` (entry_id, score in 0..1), best first; empty when nothing matches at all."""
        query = normalize(text)
        if not query or self.matrix is None or not self.entry_ids:
            return []
        masked = mask_numbers(query)
        q_tokens = tokens(masked)
        cosine = np.asarray((self.matrix @ self.char.transform([masked]).T).todense()).ravel()
        bm25 = self.bm25.scores(q_tokens)
        scale = self.bm25.self_score(q_tokens)
        bm25 = np.minimum(bm25 / scale, 1.0) if scale > 0 else np.zeros_like(bm25)
        blended = BM25_WEIGHT * bm25 + (1 - BM25_WEIGHT) * cosine
        best = np.full(len(self.entry_ids), -1.0)
        np.maximum.at(best, self.owners, blended)
        order = np.argsort(-best)[:k]
        return [(self.entry_ids[i], round(float(best[i]), 4)) for i in order if best[i] > 0]
