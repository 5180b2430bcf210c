"""Listing handoffs: a ticket's, a team's or a party's, open ones first and the most overdue
first, paged by a cursor over (open?, due time, id)."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta

from sqlalchemy import case
from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.errors import Invalid
from kefu.sla.escalation_models import Handoff, HandoffStatus
from kefu.tenancy import scoped
from kefu.tickets import service as tickets

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def list_(
    session: Session,
    *,
    actor: Actor,
    ticket_id: int | None = None,
    team_id: int | None = None,
    party_id: int | None = None,
    status: HandoffStatus | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[Handoff], str | None]:
    """Handoffs of a ticket, a team or a party: open ones first, the most overdue first."""
    require(actor, Perm.read)
    stmt = scoped(Handoff, actor)
    if ticket_id is not None:
        ticket = tickets.access(session, actor=actor, ticket_id=ticket_id)
        stmt = stmt.where(Handoff.ticket_id == ticket.id)
    for column, value in ((Handoff.team_id, team_id), (Handoff.party_id, party_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if status is not None:
        stmt = stmt.where(Handoff.status == status)
    rank = case((Handoff.status == HandoffStatus.open, 0), else_=1)
    if cursor:
        r, due, last = _decode_cursor(cursor)
        stmt = stmt.where(
            (rank > r)
            | ((rank == r) & (Handoff.due_at > due))
            | ((rank == r) & (Handoff.due_at == due) & (Handoff.id > last))
        )
    rows = list(session.scalars(stmt.order_by(rank, Handoff.due_at, Handoff.id).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    tail = rows[limit - 1]
    return rows[:limit], _encode_cursor(int(tail.status is not HandoffStatus.open), tail)


def _encode_cursor(rank: int, tail: Handoff) -> str:
    micros = (tail.due_at - _EPOCH) // timedelta(microseconds=1)
    return base64.urlsafe_b64encode(f"{rank}:{micros}:{tail.id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[int, datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        rank, micros, last = (int(part) for part in raw.split(":"))
        if rank not in (0, 1) or not 0 < last < 2**63:
            raise ValueError(raw)
        return rank, _EPOCH + timedelta(microseconds=micros), last
    except (ValueError, OverflowError, UnicodeDecodeError, binascii.Error) as exc:
        raise Invalid("cursor.invalid", zh="分页游标无效", en="invalid page cursor") from exc
