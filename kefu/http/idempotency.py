"""Idempotency-Key for creates a client may retry (Stripe's contract).

Same key and same request → the stored response, replayed; same key and another request → 422.
The record is written in the same transaction as the create, so it exists iff the create
committed; two concurrent requests with one key meet at the unique index and the loser replays.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base
from kefu.errors import Invalid
from kefu.http.deps import Ctx
from kefu.models_base import WorkspaceScoped

M = TypeVar("M", bound=BaseModel)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="retry-safe create: the same key and body return the first response",
    ),
]


class IdempotencyRecord(WorkspaceScoped, Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("workspace_id", "principal", "key"),)

    principal: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column()


def create_once(
    ctx: Ctx,
    key: str | None,
    *,
    operation: str,
    request: BaseModel | None,
    make: Callable[[], M],
    status_code: int = 201,
) -> M | JSONResponse:
    """Run the create `make` and commit — once per Idempotency-Key."""
    if key is None:
        out = make()
        ctx.session.commit()
        return out
    fingerprint = _fingerprint(operation, request)
    stored = _lookup(ctx, key)
    if stored is not None:
        return _replay(stored, fingerprint)
    out = make()
    ctx.session.add(
        IdempotencyRecord(
            workspace_id=ctx.actor.workspace_id,
            principal=ctx.actor.principal,
            key=key,
            request_hash=fingerprint,
            status_code=status_code,
            response=out.model_dump(mode="json"),
        )
    )
    try:
        ctx.session.commit()
    except IntegrityError:
        ctx.session.rollback()
        stored = _lookup(ctx, key)
        if stored is None:
            raise
        return _replay(stored, fingerprint)
    return out


def _fingerprint(operation: str, request: BaseModel | None) -> str:
    body = request.model_dump(mode="json") if request is not None else None
    raw = json.dumps([operation, body], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def _lookup(ctx: Ctx, key: str) -> IdempotencyRecord | None:
    return ctx.session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.workspace_id == ctx.actor.workspace_id,
            IdempotencyRecord.principal == ctx.actor.principal,
            IdempotencyRecord.key == key,
        )
    ).first()


def _replay(stored: IdempotencyRecord, fingerprint: str) -> JSONResponse:
    if stored.request_hash != fingerprint:
        raise Invalid(
            "idempotency.key_reused",
            zh="该 Idempotency-Key 已用于另一个不同的请求",
            en="this Idempotency-Key was already used for a different request",
        )
    return JSONResponse(
        stored.response, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"}
    )
