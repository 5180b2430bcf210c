"""Tenancy in one place: every read of a workspace's rows goes through these helpers.

A row of another workspace is reported exactly like a missing row (404), so ids cannot be probed.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.errors import Invalid, not_found
from kefu.models_base import WorkspaceScoped

T = TypeVar("T", bound=WorkspaceScoped)


def scoped(model: type[T], actor: Actor) -> Select[T]:
    """`SELECT model WHERE workspace_id = the actor's workspace`."""
    return select(model).where(model.workspace_id == actor.workspace_id)


def get_scoped(
    session: Session,
    model: type[T],
    id: int,
    actor: Actor,
    *,
    what: tuple[str, str],
    for_update: bool = False,
) -> T:
    """Fetch one row of the actor's workspace or raise the same NotFound as for a missing id."""
    stmt = scoped(model, actor).where(model.id == id)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).first()
    if row is None:
        raise not_found(*what)
    return row


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        # Ids are BIGINT: a bigger number overflows SQLite's driver and is no cursor of ours anyway.
        if prefix != "id" or not 0 < int(value) < 2**63:
            raise ValueError(raw)
        return int(value)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise Invalid("cursor.invalid", zh="分页游标无效", en="invalid page cursor") from exc


def paginate(
    session: Session, stmt: Select[Any], id_column: Any, *, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """Newest first, keyset-paginated by id; returns (items, cursor of the next page or None)."""
    if cursor:
        stmt = stmt.where(id_column < decode_cursor(cursor))
    rows = list(session.scalars(stmt.order_by(id_column.desc()).limit(limit + 1)))
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1].id)
    return rows, None
