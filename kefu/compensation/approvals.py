"""Approval of grants above the granter's authority: who approves, within which SLA, and what
happens when nobody does (the next rung is asked)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.models import Role, Staff, TeamMember
from kefu.auth.permissions import Perm, require
from kefu.compensation import audit, notices, payout
from kefu.compensation.limits import authority
from kefu.compensation.models import CompensationPolicy, Grant, GrantStatus
from kefu.compensation.policy import CASE_ZH, REMEDY_ZH, PolicyDoc
from kefu.compensation.rules import yuan
from kefu.compensation.service import document
from kefu.errors import Conflict, Forbidden
from kefu.sla import notify
from kefu.tenancy import get_scoped
from kefu.timers import service as timers

GRANT = ("补偿记录", "compensation grant")
APPROVAL_DUE = "compensation.approval_due"
APPROVERS = (Role.team_lead, Role.supervisor, Role.admin)


def approve(session: Session, *, actor: Actor, grant_id: int, note: str = "") -> Grant:
    """Approve a waiting grant: it is granted, the customer and the requester are told."""
    row = _for_decision(session, actor, grant_id)
    if row.status is GrantStatus.granted:
        return row  # approved already (a retried click): nothing more to do
    if row.status is GrantStatus.rejected:
        raise Conflict(
            "compensation.already_rejected",
            zh="该补偿申请已被驳回",
            en="this request was rejected already",
        )
    doc = doc_of(session, row)
    if row.amount_cents > authority(doc, actor):
        raise Forbidden(
            "compensation.above_approver_authority",
            zh=f"金额 {yuan(row.amount_cents)} 超出您的审批权限（{yuan(authority(doc, actor))}）",
            en=f"{yuan(row.amount_cents)} is above your approval authority "
            f"({yuan(authority(doc, actor))})",
        )
    _decide(session, actor, row, GrantStatus.granted, note)
    payout.pay(session, row)  # first: it may lower the amount to what is left of the order
    audit.record(session, actor, row, "compensation.granted", approved_by_id=actor.id, note=note)
    notices.tell_customer(session, actor, row)
    return row


def reject(session: Session, *, actor: Actor, grant_id: int, note: str) -> Grant:
    """Refuse a waiting grant, with a reason the requester sees."""
    row = _for_decision(session, actor, grant_id)
    if row.status is GrantStatus.rejected:
        return row
    if row.status is GrantStatus.granted:
        raise Conflict(
            "compensation.already_granted",
            zh="该补偿已发放，不能驳回",
            en="this grant was given already and cannot be rejected",
        )
    _decide(session, actor, row, GrantStatus.rejected, note)
    audit.record(session, actor, row, "compensation.rejected", note=note)
    return row


def ask(session: Session, row: Grant, doc: PolicyDoc) -> None:
    """Make a grant about to be stored wait for the first approver who may give it."""
    approver = _approver(session, doc, row.workspace_id, row.requested_by_id, row.amount_cents)
    if approver is None:
        raise Conflict(
            "compensation.no_approver",
            zh="超出权限，但没有可以审批的组长或主管",
            en="above your authority, and nobody can approve it",
        )
    row.status = GrantStatus.pending_approval
    row.approver_id = approver.id
    row.approval_due_at = clock.now() + timedelta(minutes=doc.approval_within_minutes)


def requested(session: Session, actor: Actor, row: Grant) -> None:
    """A waiting grant was stored: arm its SLA, put it on the timeline, tell the approver."""
    arm(session, row)
    audit.record(session, actor, row, "compensation.requested", approver_id=row.approver_id)
    notify.notify(
        session,
        workspace_id=row.workspace_id,
        staff_id=row.approver_id,
        kind="compensation.approval",
        text=f"待审批补偿：{REMEDY_ZH[row.remedy]} {yuan(row.amount_cents)}"
        f"（{CASE_ZH[row.case_type]}），请在 {notices.local_time(row.approval_due_at)} 前处理。"
        f"理由：{row.reason[:200]}",
        ticket_id=row.ticket_id,
    )


def _approver(
    session: Session,
    doc: PolicyDoc,
    workspace_id: int,
    requester_id: int | None,
    amount: int,
    after: Staff | None = None,
) -> Staff | None:
    """The requester's team lead, else a supervisor, else an admin — the first whose authority
    covers the amount; `after` skips to the rungs above that person."""
    candidates: list[Staff] = []
    if requester_id is not None:
        teams = select(TeamMember.team_id).where(TeamMember.staff_id == requester_id)
        candidates += session.scalars(
            select(Staff)
            .join(TeamMember, TeamMember.staff_id == Staff.id)
            .where(TeamMember.team_id.in_(teams), TeamMember.is_lead.is_(True))
            .order_by(Staff.id)
        )
    for role in APPROVERS:
        candidates += session.scalars(
            select(Staff)
            .where(Staff.workspace_id == workspace_id, Staff.role == role)
            .order_by(Staff.id)
        )
    able = [
        s
        for s in candidates
        if s.active
        and s.id != requester_id
        and s.role in APPROVERS
        and int(getattr(doc.authority, s.role.value)) >= amount
    ]
    if after is not None:
        rank = APPROVERS.index(after.role) if after.role in APPROVERS else -1
        able = [s for s in able if APPROVERS.index(s.role) > rank]
    return able[0] if able else None


def _for_decision(session: Session, actor: Actor, grant_id: int) -> Grant:
    if actor.kind != "system":
        require(actor, Perm.approve_compensation)
    row = get_scoped(session, Grant, grant_id, actor, what=GRANT, for_update=True)
    if actor.kind == "staff" and row.requested_by_id == actor.id:
        raise Forbidden(
            "compensation.own_request",
            zh="不能审批自己提交的补偿申请",
            en="you cannot approve or reject your own request",
        )
    return row


def _decide(session: Session, actor: Actor, row: Grant, status: GrantStatus, note: str) -> None:
    row.status = status
    row.decided_by_id = actor.id if actor.kind == "staff" else None
    row.decided_at = clock.now()
    row.decision_note = note
    timers.cancel(session, kind=APPROVAL_DUE, key=f"grant:{row.id}")
    session.flush()
    verdict = "已批准" if status is GrantStatus.granted else f"被驳回：{note[:200]}"
    notify.notify(
        session,
        workspace_id=row.workspace_id,
        staff_id=row.requested_by_id,
        kind=f"compensation.{'approved' if status is GrantStatus.granted else 'rejected'}",
        text=f"补偿申请{verdict}（{REMEDY_ZH[row.remedy]} {yuan(row.amount_cents)}）",
        ticket_id=row.ticket_id,
    )


def doc_of(session: Session, row: Grant) -> PolicyDoc:
    policy = session.scalars(
        select(CompensationPolicy).where(
            CompensationPolicy.workspace_id == row.workspace_id,
            CompensationPolicy.version == row.policy_version,
        )
    ).one()
    return document(policy)


def arm(session: Session, row: Grant) -> None:
    assert row.approval_due_at is not None
    timers.schedule(
        session,
        workspace_id=row.workspace_id,
        kind=APPROVAL_DUE,
        key=f"grant:{row.id}",
        due_at=row.approval_due_at,
        payload={"grant_id": row.id},
    )


@timers.handler(APPROVAL_DUE)
def _overdue(session: Session, timer: timers.Timer) -> None:
    """The approval SLA ran out: the next rung up is asked, and the wait is on the timeline."""
    gid = timer.payload.get("grant_id")
    row = session.get(Grant, gid, with_for_update=True) if isinstance(gid, int) else None
    if row is None or row.status is not GrantStatus.pending_approval:
        return
    doc = doc_of(session, row)
    current = session.get(Staff, row.approver_id) if row.approver_id else None
    nxt = _approver(
        session, doc, row.workspace_id, row.requested_by_id, row.amount_cents, after=current
    )
    system = Actor.system(row.workspace_id)
    audit.record(
        session,
        system,
        row,
        "compensation.approval_overdue",
        approver_id=row.approver_id,
        escalated_to_id=nxt.id if nxt else None,
    )
    if nxt is None:
        return  # the top of the ladder already has it; the board shows it overdue
    row.approver_id = nxt.id
    row.approval_due_at = clock.now() + timedelta(minutes=doc.approval_within_minutes)
    arm(session, row)
    notify.notify(
        session,
        workspace_id=row.workspace_id,
        staff_id=nxt.id,
        kind="compensation.approval",
        text=f"补偿审批已超时，转交给您：{REMEDY_ZH[row.remedy]} {yuan(row.amount_cents)}"
        f"（{CASE_ZH[row.case_type]}），请在 {notices.local_time(row.approval_due_at)} 前处理",
        ticket_id=row.ticket_id,
    )
