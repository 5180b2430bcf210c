"""Identity resolution: the same person by phone, email, member id or app id → one customer.

Every channel adapter hands its claims ("this message comes from phone 138…, member M1") to
`resolve()`, which finds the customer who owns them, creates one on first contact, and attaches
the claims the customer does not carry yet. When the claims point at two different customers:

- a *verified* match (the channel vouches for the claim and the stored identity is verified too,
  and the two customers hold no conflicting verified identity) merges them at once through the
  audited, reversible `customers.merge`;
- anything weaker only *suggests* the merge; a team lead accepts or dismisses it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.customers import service as customers
from kefu.customers.models import Customer, CustomerIdentity, CustomerMerge, IdentityKind
from kefu.db import Base, BigId
from kefu.errors import Conflict, DomainError
from kefu.models_base import WorkspaceScoped, str_enum
from kefu.privacy import mask_identity
from kefu.tenancy import get_scoped, paginate, scoped

SUGGESTION = ("合并建议", "merge suggestion")


@dataclass(frozen=True)
class Claim:
    """One identity a channel saw; `verified` when the channel vouches for it (a signed token,
    the shop's backend), not when anyone could have typed it (an e-mail From line)."""

    kind: IdentityKind
    value: str
    verified: bool = False


class SuggestionStatus(enum.StrEnum):
    open = "open"
    accepted = "accepted"
    dismissed = "dismissed"


class MergeSuggestion(WorkspaceScoped, Base):
    """Two customers that look like one person: merge `source` into `target` if a person agrees."""

    __tablename__ = "customer_merge_suggestions"
    __table_args__ = (UniqueConstraint("workspace_id", "source_id", "target_id"),)

    source_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[IdentityKind] = mapped_column(str_enum(IdentityKind, "identity_kind"))
    value_masked: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[SuggestionStatus] = mapped_column(
        str_enum(SuggestionStatus, "merge_suggestion_status"), default=SuggestionStatus.open
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    merge_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customer_merges.id", ondelete="SET NULL"), default=None
    )


def live(session: Session, customer: Customer) -> Customer:
    """Follow merges to the customer that stands for this one now."""
    seen = {customer.id}
    while customer.merged_into_id is not None:
        nxt = session.get(Customer, customer.merged_into_id)
        if nxt is None or nxt.id in seen:
            break
        seen.add(nxt.id)
        customer = nxt
    return customer


def _clean(claims: Iterable[Claim]) -> list[Claim]:
    """Normalised claims, bad values dropped (a malformed From line must not lose the message)."""
    out: list[Claim] = []
    seen: set[tuple[IdentityKind, str]] = set()
    for c in claims:
        try:
            value = customers.normalize_identity(c.kind, c.value)
        except DomainError:
            continue
        if len(value) > 254 or (c.kind, value) in seen:
            continue
        seen.add((c.kind, value))
        out.append(Claim(c.kind, value, c.verified))
    return out


def resolve(
    session: Session,
    *,
    workspace_id: int,
    claims: Sequence[Claim],
    display_name: str = "",
    source: str = "",
) -> Customer | None:
    """The one customer these claims belong to — found, created, or merged into one.

    The first claim is the channel's primary identity (a caller's number, a mail's sender): its
    owner is the customer the message lands on. None if no claim is usable.
    """
    system = Actor.system(workspace_id)
    clean = _clean(claims)
    if not clean:
        return None
    owned: list[tuple[Claim, CustomerIdentity | None]] = [
        (c, _identity(session, workspace_id, c)) for c in clean
    ]
    primary: Customer | None = None
    for _, identity in owned:
        if identity is not None:
            primary = live(session, identity.customer)
            break
    if primary is None:
        return customers.create(
            session,
            actor=system,
            display_name=display_name[:120],
            identities=[(c.kind, c.value, c.verified) for c in clean],
        )
    for claim, identity in owned:
        if identity is None:
            customers.add_identity(
                session,
                actor=system,
                customer_id=primary.id,
                kind=claim.kind,
                value=claim.value,
                verified=claim.verified,
            )
            continue
        other = live(session, identity.customer)
        if other.id == primary.id:
            if claim.verified and not identity.verified:
                identity.verified = True  # the channel now vouches for what was only typed
            continue
        if claim.verified and identity.verified and not _conflicting(session, primary, other):
            customers.merge(
                session,
                actor=system,
                source_id=other.id,
                target_id=primary.id,
                reason=f"已验证身份匹配 verified {claim.kind.value} match ({source})"[:500],
            )
            session.refresh(primary)
        else:
            suggest(session, workspace_id=workspace_id, source=other, target=primary, claim=claim)
    if display_name and not primary.display_name:
        primary.display_name = display_name[:120]
    return primary


def _identity(session: Session, workspace_id: int, claim: Claim) -> CustomerIdentity | None:
    return session.scalars(
        select(CustomerIdentity).where(
            CustomerIdentity.workspace_id == workspace_id,
            CustomerIdentity.kind == claim.kind,
            CustomerIdentity.value == claim.value,
        )
    ).first()


def _conflicting(session: Session, a: Customer, b: Customer) -> bool:
    """Both hold a verified identity of one kind with different values: two people, not one."""
    rows = session.execute(
        select(CustomerIdentity.customer_id, CustomerIdentity.kind, CustomerIdentity.value).where(
            CustomerIdentity.customer_id.in_([a.id, b.id]),
            CustomerIdentity.verified.is_(True),
            CustomerIdentity.kind.in_([IdentityKind.member_id, IdentityKind.app_user_id]),
        )
    ).all()
    by_kind: dict[IdentityKind, dict[int, set[str]]] = {}
    for cid, kind, value in rows:
        by_kind.setdefault(kind, {}).setdefault(cid, set()).add(value)
    return any(len(owners) == 2 for owners in by_kind.values())


def suggest(
    session: Session, *, workspace_id: int, source: Customer, target: Customer, claim: Claim
) -> MergeSuggestion:
    """Record (once per pair) that `source` may be `target`; it lands on both timelines."""
    existing = session.scalars(
        select(MergeSuggestion).where(
            MergeSuggestion.workspace_id == workspace_id,
            MergeSuggestion.source_id.in_([source.id, target.id]),
            MergeSuggestion.target_id.in_([source.id, target.id]),
        )
    ).first()
    if existing is not None:
        return existing
    row = MergeSuggestion(
        workspace_id=workspace_id,
        source_id=source.id,
        target_id=target.id,
        kind=claim.kind,
        value_masked=mask_identity(claim.kind.value, claim.value),
        reason=f"同一{claim.kind.value}出现在两位客户 · same {claim.kind.value} on two customers",
    )
    session.add(row)
    session.flush()
    for cid in (source.id, target.id):
        events.record(
            session,
            actor=Actor.system(workspace_id),
            type="customer.merge_suggested",
            customer_id=cid,
            payload={
                "suggestion_id": row.id,
                "source_id": source.id,
                "target_id": target.id,
                "kind": claim.kind.value,
            },
        )
    return row


# --- the suggestions API ------------------------------------------------------------------------


def list_suggestions(
    session: Session,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
    status: SuggestionStatus | None = SuggestionStatus.open,
    customer_id: int | None = None,
) -> tuple[list[MergeSuggestion], str | None]:
    require(actor, Perm.merge_customers)
    stmt = scoped(MergeSuggestion, actor)
    if status is not None:
        stmt = stmt.where(MergeSuggestion.status == status)
    if customer_id is not None:
        stmt = stmt.where(
            (MergeSuggestion.source_id == customer_id) | (MergeSuggestion.target_id == customer_id)
        )
    return paginate(session, stmt, MergeSuggestion.id, limit=limit, cursor=cursor)


def _open(session: Session, actor: Actor, suggestion_id: int) -> MergeSuggestion:
    require(actor, Perm.merge_customers)
    row = get_scoped(
        session, MergeSuggestion, suggestion_id, actor, what=SUGGESTION, for_update=True
    )
    if row.status is not SuggestionStatus.open:
        raise Conflict(
            "merge_suggestion.decided",
            zh="该合并建议已处理",
            en=f"this suggestion was already {row.status.value}",
        )
    return row


def accept(session: Session, *, actor: Actor, suggestion_id: int) -> CustomerMerge:
    """Merge as suggested (audited and undoable like any merge)."""
    row = _open(session, actor, suggestion_id)
    source = live(session, get_scoped(session, Customer, row.source_id, actor, what=SUGGESTION))
    target = live(session, get_scoped(session, Customer, row.target_id, actor, what=SUGGESTION))
    if source.id == target.id:
        raise Conflict(
            "merge_suggestion.same", zh="两位客户已合并", en="the two customers are already one"
        )
    merge = customers.merge(
        session,
        actor=actor,
        source_id=source.id,
        target_id=target.id,
        reason=f"合并建议 #{row.id} · suggestion #{row.id}: {row.reason}"[:500],
    )
    _decide(row, actor, SuggestionStatus.accepted)
    row.merge_id = merge.id
    session.flush()
    return merge


def dismiss(session: Session, *, actor: Actor, suggestion_id: int) -> MergeSuggestion:
    """Two different people after all: the suggestion is closed and not made again."""
    row = _open(session, actor, suggestion_id)
    _decide(row, actor, SuggestionStatus.dismissed)
    session.flush()
    return row


def _decide(row: MergeSuggestion, actor: Actor, status: SuggestionStatus) -> None:
    row.status = status
    row.decided_at = clock.now()
    row.decided_by_id = actor.id if actor.kind == "staff" else None
