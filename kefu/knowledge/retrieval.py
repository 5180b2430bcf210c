"""Answering from the knowledge base: which published entries answer a customer's text, and how sure.

Two signals: a semantic-ish retriever over each entry's question and paraphrases (the NLU
package's `FaqIndex` when it is there, else TF-IDF over jieba words and character n-grams), and the
full-text index (search.py), which also sees the answers. The retriever is built per workspace and
cached in the process, keyed by the workspace's KB revision: every edit bumps the revision in its
own transaction, so the next query in any process rebuilds (`answer` reads one small row per call).
Validity windows are checked at query time against `kefu.clock.now()`: a campaign's rules stop
answering when the campaign ends, with no edit and no rebuild. They are checked before the cut to
the best few: last years' copies of a campaign's rules must not fill every slot and hide this
year's (`_best_valid` asks each signal for more only while out-of-window entries crowd its top).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.knowledge import search
from kefu.knowledge import service as kb
from kefu.knowledge.models import EntryStatus, KbEntry
from kefu.knowledge.text import normalize, plain, tokens

log = logging.getLogger(__name__)
T = TypeVar("T")

CHAT_CHANNELS = frozenset({"chat", "web_chat", "app", "community", "api"})
EMAIL_CHANNELS = frozenset({"email", "web_form"})
# How the two signals mix: the retriever matches questions as customers ask them; full text
# catches an answer's own words ("运费险" asked, written only in the answer).
RETRIEVER_WEIGHT = 0.75
FTS_WEIGHT = 0.25
MIN_CONFIDENCE = 0.05
MAX_TEXT = 2000
POOL = 10  # candidates taken from each signal (at least 3 per answer asked for)
WIDEN = 4  # how much more a signal is asked for when out-of-window entries fill its top


@dataclass(frozen=True)
class IndexedEntry:
    id: int
    question: str
    texts: tuple[str, ...]  # question and paraphrases
    answer: str
    answer_chat: str
    answer_email: str
    valid_from: datetime | None
    valid_until: datetime | None

    def valid_at(self, at: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_until is None or at < self.valid_until
        )

    def answer_for(self, channel: str) -> str:
        if channel in CHAT_CHANNELS and self.answer_chat:
            return self.answer_chat
        if channel in EMAIL_CHANNELS and self.answer_email:
            return self.answer_email
        return self.answer


@dataclass(frozen=True)
class Candidate:
    entry_id: int
    question: str
    answer_for_channel: str
    score: float  # ranking value
    confidence: float  # 0..1: how likely this entry answers the text

    @property
    def answer_text(self) -> str:
        """The answer as plain text (chat bubbles, SMS)."""
        return plain(self.answer_for_channel)


class Retriever(Protocol):
    """The seam for the NLU package: similarity 0..1 of the best-matching entries."""

    def search(self, text: str, k: int) -> list[tuple[int, float]]: ...


class TfidfRetriever:
    """Cosine similarity over TF-IDF of jieba words plus character 1–3-grams, best text per entry."""

    def __init__(self, entries: Sequence[IndexedEntry]) -> None:
        # scikit-learn costs ~1 s to import: load it when a workspace's index is first built, not
        # when the app (or every `kefu` command) starts.
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._owner = [e.id for e in entries for _ in e.texts]
        docs = [normalize(t) for e in entries for t in e.texts]
        self._words = TfidfVectorizer(analyzer=tokens, sublinear_tf=True)
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        self._matrix = None
        if docs:
            self._matrix = _stack(self._words.fit_transform(docs), self._chars.fit_transform(docs))

    def search(self, text: str, k: int) -> list[tuple[int, float]]:
        if self._matrix is None or not text.strip():
            return []
        q = normalize(text)
        vec = _stack(self._words.transform([q]), self._chars.transform([q]))
        sims = (self._matrix @ vec.T).toarray().ravel()
        best: dict[int, float] = {}
        for row in np.argsort(-sims)[: k * 4]:
            owner, sim = self._owner[row], float(sims[row])
            if sim > 0 and sim > best.get(owner, 0.0):
                best[owner] = sim
        return sorted(best.items(), key=lambda kv: -kv[1])[:k]


def _stack(*parts: Any) -> Any:
    """Side-by-side feature blocks, rows scaled to unit length (cosine by dot product)."""
    from scipy.sparse import hstack
    from sklearn.preprocessing import normalize as l2

    return l2(hstack(parts).tocsr())


class NluRetriever:
    """The NLU package's FAQ index (BM25 over words blended with character n-gram cosine)."""

    def __init__(self, entries: Sequence[IndexedEntry]) -> None:
        from kefu.bot.nlu import FaqIndex

        self._index = FaqIndex.build([(e.id, e.texts) for e in entries])

    def search(self, text: str, k: int) -> list[tuple[int, float]]:
        return [(int(entry_id), float(score)) for entry_id, score in self._index.search(text, k=k)]  # type: ignore[call-overload]


def make_retriever(entries: Sequence[IndexedEntry]) -> Retriever:
    """The NLU package's FAQ index, else (missing, or failing on a trial query) our own TF-IDF."""
    try:
        retriever = NluRetriever(entries)
        retriever.search("发货 refund", 1)
        return retriever
    except Exception:
        log.exception("the NLU FAQ index is unavailable; answering with TF-IDF")
        return TfidfRetriever(entries)


@dataclass(frozen=True)
class WorkspaceIndex:
    revision: str
    entries: dict[int, IndexedEntry]
    retriever: Retriever


_cache: dict[int, WorkspaceIndex] = {}
_lock = threading.Lock()


def index_for(session: Session, workspace_id: int) -> WorkspaceIndex:
    """The workspace's answer index, rebuilt when the KB revision moved since it was built."""
    rev = kb.revision_key(session, workspace_id)
    cached = _cache.get(workspace_id)
    if cached is not None and cached.revision == rev:
        return cached
    with _lock:
        cached = _cache.get(workspace_id)
        if cached is not None and cached.revision == rev:
            return cached
        rows = session.scalars(
            select(KbEntry).where(
                KbEntry.workspace_id == workspace_id,
                KbEntry.status == EntryStatus.published,
                KbEntry.deleted_at.is_(None),
            )
        )
        entries = {
            e.id: IndexedEntry(
                id=e.id,
                question=e.question,
                texts=(e.question, *e.paraphrases),
                answer=e.answer,
                answer_chat=e.answer_chat,
                answer_email=e.answer_email,
                valid_from=e.valid_from,
                valid_until=e.valid_until,
            )
            for e in rows
        }
        built = WorkspaceIndex(rev, entries, make_retriever(list(entries.values())))
        _cache[workspace_id] = built
        return built


def answer(
    session: Session,
    workspace_id: int,
    text: str,
    channel: str = "chat",
    now: datetime | None = None,
    *,
    k: int = 3,
) -> list[Candidate]:
    """Published entries valid at `now` that answer `text`, best first (at most `k`)."""
    text = text[:MAX_TEXT]
    now = now or clock.now()
    idx = index_for(session, workspace_id)
    if not idx.entries or not text.strip():
        return []

    def valid(entry_id: int) -> bool:
        entry = idx.entries.get(entry_id)
        return entry is not None and entry.valid_at(now)

    pool, most = max(POOL, k * 3), len(idx.entries)
    similar = dict(
        _best_valid(lambda n: idx.retriever.search(text, k=n), lambda r: valid(r[0]), pool, most)[0]
    )
    hits, fetched = _best_valid(
        lambda n: search.search(
            session, workspace_id=workspace_id, q=text, limit=n, published_only=True
        ),
        lambda h: valid(h.entry_id),
        pool,
        most,
    )
    # Scaled by the best full-text hit of all, out-of-window ones included: scaled by the best
    # valid hit alone, a weak match ("尾款…" against a refund answer, last year's rules expired)
    # would count as a perfect one and be answered outright.
    top = max((h.score for h in fetched), default=0.0)
    fulltext = {h.entry_id: (h.score / top if top > 0 else 0.0) for h in hits}
    out = []
    for entry_id in similar.keys() | fulltext.keys():
        entry = idx.entries[entry_id]
        score = RETRIEVER_WEIGHT * similar.get(entry_id, 0.0) + FTS_WEIGHT * fulltext.get(
            entry_id, 0.0
        )
        if score < MIN_CONFIDENCE:
            continue
        out.append(
            Candidate(
                entry_id=entry_id,
                question=entry.question,
                answer_for_channel=entry.answer_for(channel),
                score=round(score, 4),
                confidence=round(min(1.0, score), 4),
            )
        )
    out.sort(key=lambda c: (-c.score, c.entry_id))
    return out[:k]


def _best_valid(
    fetch: Callable[[int], list[T]], valid: Callable[[T], bool], want: int, most: int
) -> tuple[list[T], list[T]]:
    """The best `want` valid results of `fetch(n)` (the best n, best first), and all it fetched.
    One call unless out-of-window entries took slots: then ask again for WIDEN times more, up to
    every entry (`most`), so the work grows with the crowding, not with the knowledge base."""
    n = want
    while True:
        got = fetch(n)
        kept = [r for r in got if valid(r)]
        if len(kept) >= want or len(kept) == len(got) or n >= most:
            return kept[:want], got
        n = min(n * WIDEN, most)


def forget(workspace_id: int | None = None) -> None:
    """Drop cached indexes (tests; a workspace deleted)."""
    with _lock:
        if workspace_id is None:
            _cache.clear()
        else:
            _cache.pop(workspace_id, None)
