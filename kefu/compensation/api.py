"""Routes under /api/v1/compensation: offers, grants (idempotent per case), approvals, the policy."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from kefu.compensation import grants, service
from kefu.compensation.models import GrantStatus
from kefu.compensation.policy import CaseType, Remedy
from kefu.compensation.rules import Offer
from kefu.compensation.schemas import (
    CaseIn,
    DecisionIn,
    GrantIn,
    GrantRead,
    PolicyIn,
    PolicyRead,
    PolicySummary,
    PolicyVersionRead,
    RejectIn,
)
from kefu.http.deps import Cursor, Limit, RefFilter, StaffCtx, path_id
from kefu.http.errors import ErrorBody, error_responses
from kefu.http.pages import Page

router = APIRouter(
    prefix="/api/v1/compensation", tags=["compensation"], responses=error_responses()
)

GrantId = Annotated[int, path_id("grant id")]
Version = Annotated[int, path_id("policy version (1, 2, …)")]


@router.post("/offers", response_model=Offer)
def make_offer(body: CaseIn, ctx: StaffCtx) -> Any:
    """What may be offered for this case: remedies with caps, a default, the reasons.

    The same case gives the identical offer (same `fingerprint`) on every channel."""
    offer = service.offer(ctx.session, actor=ctx.actor, case=body.request())
    return ctx.commit(offer)  # the defaults may just have become the workspace's version 1


@router.post(
    "/grants",
    response_model=GrantRead,
    status_code=201,
    responses={
        200: {"model": GrantRead, "description": "this case already has this grant: returned"},
        409: {
            "model": ErrorBody,
            "description": "a budget, a limit or another remedy for the case",
        },
    },
)
def create_grant(body: GrantIn, ctx: StaffCtx, response: Response) -> Any:
    """Grant a remedy from the offer, once per case; above your authority it waits for approval
    (`status: pending_approval`). Repeating the request returns the first grant (200)."""
    case = body.case.request()
    with grants.refusals_audited(ctx.session, actor=ctx.actor, case=case):
        row, created = grants.grant(
            ctx.session,
            actor=ctx.actor,
            case=case,
            remedy=body.remedy,
            amount_cents=body.amount_cents,
            reason=body.reason,
            case_key=body.case_key,
        )
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return ctx.commit(GrantRead.model_validate(row))


@router.get("/grants", response_model=Page[GrantRead])
def list_grants(
    ctx: StaffCtx,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: GrantStatus | None = None,
    case_type: CaseType | None = None,
    remedy: Remedy | None = None,
    customer_id: RefFilter = None,
    order_id: RefFilter = None,
    ticket_id: RefFilter = None,
    conversation_id: RefFilter = None,
) -> Any:
    """Newest first (the approval queue: `status=pending_approval`)."""
    found = grants.list_(
        ctx.session,
        actor=ctx.actor,
        limit=limit,
        cursor=cursor,
        status=status,
        case_type=case_type,
        remedy=remedy,
        customer_id=customer_id,
        order_id=order_id,
        ticket_id=ticket_id,
        conversation_id=conversation_id,
    )
    return Page[GrantRead].of(found, GrantRead.model_validate)


@router.get("/grants/{grant_id}", response_model=GrantRead)
def get_grant(grant_id: GrantId, ctx: StaffCtx) -> Any:
    return GrantRead.model_validate(grants.get(ctx.session, actor=ctx.actor, grant_id=grant_id))


@router.post("/grants/{grant_id}/approve", response_model=GrantRead)
def approve_grant(grant_id: GrantId, ctx: StaffCtx, body: DecisionIn | None = None) -> Any:
    """Approve a grant waiting above its requester's authority (within your own authority)."""
    row = grants.approve(
        ctx.session, actor=ctx.actor, grant_id=grant_id, note=body.note if body else ""
    )
    return ctx.commit(GrantRead.model_validate(row))


@router.post("/grants/{grant_id}/reject", response_model=GrantRead)
def reject_grant(grant_id: GrantId, body: RejectIn, ctx: StaffCtx) -> Any:
    """Refuse a waiting grant; the reason goes to the requester."""
    row = grants.reject(ctx.session, actor=ctx.actor, grant_id=grant_id, note=body.note)
    return ctx.commit(GrantRead.model_validate(row))


@router.get("/policy", response_model=PolicyRead)
def get_policy(ctx: StaffCtx) -> Any:
    """The current policy document and the list of its versions, newest first."""
    current, history = service.get_policy(ctx.session, actor=ctx.actor)
    return ctx.commit(
        PolicyRead(
            current=PolicyVersionRead.model_validate(current),
            history=[PolicySummary.model_validate(h) for h in history],
        )
    )


@router.put("/policy", response_model=PolicyVersionRead)
def put_policy(body: PolicyIn, ctx: StaffCtx) -> Any:
    """Store a new version (validated); grants made from now on record it."""
    row = service.update_policy(
        ctx.session,
        actor=ctx.actor,
        doc=body.document,
        note=body.note,
        base_version=body.base_version,
    )
    return ctx.commit(PolicyVersionRead.model_validate(row))


@router.get("/policy/versions/{version}", response_model=PolicyVersionRead)
def get_policy_version(version: Version, ctx: StaffCtx) -> Any:
    """One version as it was (what an old grant was decided under)."""
    row = service.get_version(ctx.session, actor=ctx.actor, version=version)
    return ctx.commit(PolicyVersionRead.model_validate(row))
