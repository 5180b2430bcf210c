"""Customers: profiles, identities across channels, and audited, reversible merges."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.compensation.models import Grant
from kefu.conversations.models import Conversation
from kefu.customers.models import (
    Customer,
    CustomerIdentity,
    CustomerMerge,
    CustomerTag,
    IdentityKind,
)
from kefu.errors import Conflict, Invalid, not_found
from kefu.orders.models import Order
from kefu.tenancy import get_scoped, paginate, scoped
from kefu.tickets.models import Ticket

CUSTOMER = ("客户", "customer")
MERGE = ("合并记录", "merge")

_PHONE_CLEAN = re.compile(r"[\s\-()]")


def normalize_identity(kind: IdentityKind, value: str) -> str:
    """Canonical form so that the same phone or email written two ways is one identity."""
    value = value.strip()
    if kind is IdentityKind.email:
        value = value.lower()
        if "@" not in value or value.startswith("@") or value.endswith("@"):
            raise Invalid("identity.bad_email", zh="邮箱格式不正确", en="not an email address")
    elif kind is IdentityKind.phone:
        value = _PHONE_CLEAN.sub("", value)
        if value.startswith("+86"):
            value = value[3:]
        if not re.fullmatch(r"\+?\d{5,15}", value):
            raise Invalid("identity.bad_phone", zh="电话号码格式不正确", en="not a phone number")
    if not value:
        raise Invalid("identity.empty", zh="身份标识不能为空", en="identity value is empty")
    return value


def create(
    session: Session,
    *,
    actor: Actor,
    display_name: str = "",
    tier: str = "regular",
    locale: str = "zh-CN",
    note: str = "",
    tags: list[str] | None = None,
    identities: list[tuple[IdentityKind, str, bool]] | None = None,
) -> Customer:
    """A new customer; identities already owned by another customer are refused (merge instead)."""
    require(actor, Perm.manage_customers)
    customer = Customer(
        workspace_id=actor.workspace_id,
        display_name=display_name,
        tier=tier,
        locale=locale,
        note=note,
        tag_rows=[CustomerTag(tag=t) for t in sorted(set(tags or []))],
    )
    session.add(customer)
    session.flush()
    for kind, value, verified in identities or []:
        _attach_identity(
            session, actor=actor, customer=customer, kind=kind, value=value, verified=verified
        )
    events.record(
        session,
        actor=actor,
        type="customer.created",
        customer_id=customer.id,
        payload={"tier": tier},
    )
    return customer


def get(session: Session, *, actor: Actor, customer_id: int, for_update: bool = False) -> Customer:
    if actor.kind == "customer":
        if actor.id != customer_id:
            raise not_found(*CUSTOMER)
    else:
        require(actor, Perm.read)
    return get_scoped(session, Customer, customer_id, actor, what=CUSTOMER, for_update=for_update)


def list_(
    session: Session,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
    tier: str | None = None,
    tag: str | None = None,
    identity: tuple[IdentityKind, str] | None = None,
    q: str | None = None,
    include_merged: bool = False,
) -> tuple[list[Customer], str | None]:
    require(actor, Perm.read)
    stmt = scoped(Customer, actor)
    if not include_merged:
        stmt = stmt.where(Customer.merged_into_id.is_(None))
    if tier:
        stmt = stmt.where(Customer.tier == tier)
    if tag:
        stmt = stmt.where(
            Customer.id.in_(select(CustomerTag.customer_id).where(CustomerTag.tag == tag))
        )
    if identity:
        kind, value = identity
        stmt = stmt.where(
            Customer.id.in_(
                select(CustomerIdentity.customer_id).where(
                    CustomerIdentity.workspace_id == actor.workspace_id,
                    CustomerIdentity.kind == kind,
                    CustomerIdentity.value == normalize_identity(kind, value),
                )
            )
        )
    if q:
        stmt = stmt.where(Customer.display_name.contains(q, autoescape=True))
    stmt = stmt.options(selectinload(Customer.identities), selectinload(Customer.tag_rows))
    return paginate(session, stmt, Customer.id, limit=limit, cursor=cursor)


def update_(
    session: Session, *, actor: Actor, customer_id: int, changes: dict[str, Any]
) -> Customer:
    """Change profile fields (display_name, tier, locale, note, tags); records what changed."""
    require(actor, Perm.manage_customers)
    customer = get_scoped(session, Customer, customer_id, actor, what=CUSTOMER, for_update=True)
    changed: dict[str, Any] = {}
    for field in ("display_name", "tier", "locale", "note"):
        if (
            field in changes
            and changes[field] is not None
            and getattr(customer, field) != changes[field]
        ):
            changed[field] = {"from": getattr(customer, field), "to": changes[field]}
            setattr(customer, field, changes[field])
    if changes.get("tags") is not None:
        new_tags = sorted(set(changes["tags"]))
        if new_tags != customer.tags:
            changed["tags"] = {"from": customer.tags, "to": new_tags}
            customer.tag_rows[:] = [CustomerTag(tag=t) for t in new_tags]
    if changed:
        customer.updated_at = clock.now()
        events.record(
            session, actor=actor, type="customer.updated", customer_id=customer.id, payload=changed
        )
    session.flush()
    return customer


def add_identity(
    session: Session,
    *,
    actor: Actor,
    customer_id: int,
    kind: IdentityKind,
    value: str,
    verified: bool,
) -> CustomerIdentity:
    require(actor, Perm.manage_customers)
    customer = get_scoped(session, Customer, customer_id, actor, what=CUSTOMER, for_update=True)
    return _attach_identity(
        session, actor=actor, customer=customer, kind=kind, value=value, verified=verified
    )


def _attach_identity(
    session: Session,
    *,
    actor: Actor,
    customer: Customer,
    kind: IdentityKind,
    value: str,
    verified: bool,
) -> CustomerIdentity:
    value = normalize_identity(kind, value)
    existing = session.scalars(
        scoped(CustomerIdentity, actor).where(
            CustomerIdentity.kind == kind, CustomerIdentity.value == value
        )
    ).first()
    if existing is not None:
        if existing.customer_id == customer.id:
            return existing
        raise Conflict(
            "identity.taken",
            zh=f"该{kind.value}已属于客户 #{existing.customer_id}，如为同一人请合并客户",
            en=(
                f"this {kind.value} belongs to customer #{existing.customer_id};"
                " merge if it is one person"
            ),
        )
    identity = CustomerIdentity(
        workspace_id=actor.workspace_id,
        customer_id=customer.id,
        kind=kind,
        value=value,
        verified=verified,
    )
    session.add(identity)
    session.flush()
    events.record(
        session,
        actor=actor,
        type="customer.identity_added",
        customer_id=customer.id,
        payload={"kind": kind.value, "verified": verified},
    )
    return identity


def find_by_identity(
    session: Session, *, workspace_id: int, kind: IdentityKind, value: str
) -> Customer | None:
    """The live (not merged-away) customer that owns this identity, if any."""
    value = normalize_identity(kind, value)
    identity = session.scalars(
        select(CustomerIdentity).where(
            CustomerIdentity.workspace_id == workspace_id,
            CustomerIdentity.kind == kind,
            CustomerIdentity.value == value,
        )
    ).first()
    return identity.customer if identity else None


# --- merge -------------------------------------------------------------------------------------


def merge(
    session: Session, *, actor: Actor, source_id: int, target_id: int, reason: str = ""
) -> CustomerMerge:
    """Fold `source` into `target` (identities, conversations, tickets, orders, tags); undoable."""
    require(actor, Perm.merge_customers)
    if source_id == target_id:
        raise Invalid(
            "merge.same", zh="不能将客户与自身合并", en="cannot merge a customer into itself"
        )
    # Lock both rows in id order so two opposite merges cannot deadlock.
    first, second = sorted((source_id, target_id))
    locked = {
        c.id: c
        for c in (
            get_scoped(session, Customer, first, actor, what=CUSTOMER, for_update=True),
            get_scoped(session, Customer, second, actor, what=CUSTOMER, for_update=True),
        )
    }
    source, target = locked[source_id], locked[target_id]
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise Conflict("merge.already", zh="该客户已被合并", en="customer was already merged")

    identity_ids = [i.id for i in source.identities]
    conversation_ids = list(
        session.scalars(select(Conversation.id).where(Conversation.customer_id == source.id))
    )
    ticket_ids = list(session.scalars(select(Ticket.id).where(Ticket.customer_id == source.id)))
    order_ids = list(session.scalars(select(Order.id).where(Order.customer_id == source.id)))
    # Compensation given to either profile is the person's: their limits count it once merged.
    grant_ids = list(session.scalars(select(Grant.id).where(Grant.customer_id == source.id)))
    # Profiles merged into the source earlier now stand for the target too. Pointing them at the
    # target keeps merges one level deep — what every reader of `merged_into_id` relies on (the
    # timeline, new tickets, promises): a chain A → B → C would hide A's history from C.
    absorbed_ids = list(
        session.scalars(
            select(Customer.id).where(
                Customer.workspace_id == actor.workspace_id, Customer.merged_into_id == source.id
            )
        )
    )
    added_tags = sorted(set(source.tags) - set(target.tags))

    _rehome(session, CustomerIdentity, identity_ids, to=target.id)
    _rehome(session, Conversation, conversation_ids, to=target.id)
    _rehome(session, Ticket, ticket_ids, to=target.id)
    _rehome(session, Order, order_ids, to=target.id)
    _rehome(session, Grant, grant_ids, to=target.id)
    _repoint(session, absorbed_ids, to=target.id, only_from=source.id)
    target.tag_rows.extend(CustomerTag(tag=t) for t in added_tags)
    source.merged_into_id = target.id
    source.updated_at = target.updated_at = clock.now()

    record = CustomerMerge(
        workspace_id=actor.workspace_id,
        source_id=source.id,
        target_id=target.id,
        actor_staff_id=actor.id if actor.kind == "staff" else None,
        reason=reason,
        moved={
            "identities": identity_ids,
            "conversations": conversation_ids,
            "tickets": ticket_ids,
            "orders": order_ids,
            "grants": grant_ids,
            "customers": absorbed_ids,
            "tags": added_tags,
        },
    )
    session.add(record)
    session.flush()
    payload = {
        "merge_id": record.id,
        "source_id": source.id,
        "target_id": target.id,
        "reason": reason,
    }
    _announce(
        session, actor=actor, type="customer.merged", customers=(source, target), payload=payload
    )
    return record


def unmerge(session: Session, *, actor: Actor, merge_id: int) -> CustomerMerge:
    """Undo a merge: exactly what moved goes back to the source customer."""
    require(actor, Perm.merge_customers)
    record = get_scoped(session, CustomerMerge, merge_id, actor, what=MERGE, for_update=True)
    if record.undone_at is not None:
        raise Conflict("merge.undone", zh="该合并已撤销", en="merge was already undone")
    source = get_scoped(session, Customer, record.source_id, actor, what=CUSTOMER, for_update=True)
    target = get_scoped(session, Customer, record.target_id, actor, what=CUSTOMER, for_update=True)
    moved = record.moved
    # Only rows still on the target go back; anything re-homed since then stays where it is.
    _rehome(session, CustomerIdentity, moved["identities"], to=source.id, only_from=target.id)
    _rehome(session, Conversation, moved["conversations"], to=source.id, only_from=target.id)
    _rehome(session, Ticket, moved["tickets"], to=source.id, only_from=target.id)
    _rehome(session, Order, moved.get("orders", []), to=source.id, only_from=target.id)
    _rehome(session, Grant, moved.get("grants", []), to=source.id, only_from=target.id)
    _repoint(session, moved.get("customers", []), to=source.id, only_from=target.id)
    target.tag_rows[:] = [t for t in target.tag_rows if t.tag not in set(moved["tags"])]
    source.merged_into_id = None
    record.undone_at = source.updated_at = target.updated_at = clock.now()
    session.flush()
    payload = {"merge_id": record.id, "source_id": source.id, "target_id": target.id}
    _announce(
        session, actor=actor, type="customer.unmerged", customers=(source, target), payload=payload
    )
    return record


def _rehome(
    session: Session,
    model: type[CustomerIdentity | Conversation | Ticket | Order | Grant],
    ids: list[int],
    *,
    to: int,
    only_from: int | None = None,
) -> None:
    """Point rows `ids` at customer `to`; with `only_from`, only those still on that customer."""
    stmt = update(model).where(model.id.in_(ids))
    if only_from is not None:
        stmt = stmt.where(model.customer_id == only_from)
    session.execute(stmt.values(customer_id=to))


def _repoint(session: Session, ids: list[int], *, to: int, only_from: int) -> None:
    """Merged-away profiles `ids` that still point at `only_from` now point at `to`."""
    if ids:
        session.execute(
            update(Customer)
            .where(Customer.id.in_(ids), Customer.merged_into_id == only_from)
            .values(merged_into_id=to)
        )


def _announce(
    session: Session,
    *,
    actor: Actor,
    type: str,
    customers: tuple[Customer, Customer],
    payload: dict[str, Any],
) -> None:
    """Record the event on both customers' timelines; their loaded relationships are stale now."""
    for customer in customers:
        events.record(session, actor=actor, type=type, customer_id=customer.id, payload=payload)
    for customer in customers:
        session.expire(customer)
