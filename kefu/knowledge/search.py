"""Full-text search over the knowledge base: one function, two backends chosen by dialect.

Both index the jieba tokens that `service` writes to `kb_entries.search_question` (question and
paraphrases, weighted higher) and `search_body` (answer, variants, tags):

- SQLite: FTS5 table `kb_fts` with external content `kb_entries`, kept in sync by triggers on
  `kb_entries` — every insert, update and delete, in the same transaction; ranked by bm25.
- PostgreSQL: a GIN index over `setweight(to_tsvector('simple', search_question), 'A') ||
  setweight(to_tsvector('simple', search_body), 'B')` — an expression index, so it is as current
  as the row; ranked by ts_rank.

The objects are created by the knowledge migration (SQLAlchemy models cannot describe them) and
`migrations/env.py` keeps them out of `alembic check`. Query tokens are word characters only, so
nothing a caller types can reach the FTS5 or tsquery syntax.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from kefu.knowledge.text import tokens

MAX_QUERY_TOKENS = 32

PG_INDEX = "ix_kb_entries_search_tsv"
FTS_TABLE = "kb_fts"


def is_search_object(name: str | None) -> bool:
    """Objects of the search index that Alembic must not compare (FTS5 and its shadow tables)."""
    return bool(name) and (name == PG_INDEX or str(name).startswith(FTS_TABLE))


# Static statements (the tokens travel as a bound parameter); PG repeats the index expression.
_SQLITE = text(
    "SELECT e.id, -bm25(kb_fts, 4.0, 1.0) AS score FROM kb_fts "
    "JOIN kb_entries e ON e.id = kb_fts.rowid "
    "WHERE kb_fts MATCH :match AND e.workspace_id = :ws AND e.deleted_at IS NULL "
    "AND (:any_status OR e.status = 'published') "
    "ORDER BY score DESC, e.id LIMIT :limit"
)
_POSTGRES = text(
    "SELECT e.id, ts_rank("
    "setweight(to_tsvector('simple'::regconfig, search_question), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, search_body), 'B'), q) AS score "
    "FROM kb_entries e, to_tsquery('simple', :match) q "
    "WHERE (setweight(to_tsvector('simple'::regconfig, search_question), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, search_body), 'B')) @@ q "
    "AND e.workspace_id = :ws AND e.deleted_at IS NULL "
    "AND (:any_status OR e.status = 'published') "
    "ORDER BY score DESC, e.id LIMIT :limit"
)


@dataclass(frozen=True)
class Hit:
    entry_id: int
    score: float  # higher is better; comparable within one result list only


def query_tokens(q: str) -> list[str]:
    seen: dict[str, None] = {}
    for t in tokens(q):
        seen.setdefault(t, None)
    return list(seen)[:MAX_QUERY_TOKENS]


def search(
    session: Session,
    *,
    workspace_id: int,
    q: str,
    limit: int = 20,
    published_only: bool = False,
) -> list[Hit]:
    """Entries of the workspace matching any token of `q` (not deleted), best first."""
    words = query_tokens(q)
    if not words:
        return []
    params = {"ws": workspace_id, "limit": limit, "any_status": not published_only}
    if session.connection().dialect.name == "sqlite":
        stmt, match = _SQLITE, " OR ".join(f'"{w}"' for w in words)
    else:
        stmt, match = _POSTGRES, " | ".join(words)
    rows = session.execute(stmt, {**params, "match": match})
    return [Hit(entry_id=row[0], score=float(row[1])) for row in rows]
