"""Reading the timeline of a customer, conversation or ticket."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.customers.models import Customer
from kefu.errors import not_found
from kefu.tenancy import get_scoped, paginate
from kefu.timeline.models import Event


def for_customer(
    session: Session, *, actor: Actor, customer_id: int, limit: int, cursor: str | None
) -> tuple[list[Event], str | None]:
    """Everything that happened to this customer, on any channel, newest first.

    A merged-away customer's events stay under its own id: the target's timeline reads both.
    """
    require(actor, Perm.read)
    customer = get_scoped(session, Customer, customer_id, actor, what=("客户", "customer"))
    merged_ids = select(Customer.id).where(Customer.merged_into_id == customer.id)
    stmt = select(Event).where(
        Event.workspace_id == actor.workspace_id,
        (Event.customer_id == customer.id) | Event.customer_id.in_(merged_ids),
    )
    return paginate(session, stmt, Event.id, limit=limit, cursor=cursor)


def for_subject(
    session: Session,
    *,
    actor: Actor,
    column: str,
    subject_id: int,
    limit: int,
    cursor: str | None,
) -> tuple[list[Event], str | None]:
    """Events of one conversation or ticket (the caller has already checked access to it)."""
    require(actor, Perm.read)
    if column not in ("conversation_id", "ticket_id"):
        raise not_found("时间线", "timeline")
    stmt = select(Event).where(
        Event.workspace_id == actor.workspace_id, getattr(Event, column) == subject_id
    )
    return paginate(session, stmt, Event.id, limit=limit, cursor=cursor)
