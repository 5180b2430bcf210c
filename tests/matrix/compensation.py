"""Compensation in the tenancy/role matrix: offers, grants, approvals and the versioned policy."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kefu.auth.models import Role
from kefu.auth.permissions import Perm
from kefu.compensation import grants, service
from kefu.compensation.defaults import DEFAULT
from kefu.compensation.models import GrantStatus
from kefu.compensation.policy import CaseType, Fault, Remedy
from kefu.compensation.service import CaseRequest
from tests.factories import World
from tests.matrix.base import Data, Domain, Rule, Seed, const

URL = "/api/v1/compensation"


def _case(d: Data) -> dict[str, Any]:
    # The core order is ¥1: late shipment's ¥5 floor makes a ¥5 voucher, within every authority.
    return {
        "case_type": "late_shipment",
        "fault": "warehouse",
        "order_id": d.ids["order_id"],
        "conversation_id": d.ids["conversation_id"],
    }


RULES = {
    ("POST", f"{URL}/offers"): Rule(Perm.compensate, body=_case),
    ("POST", f"{URL}/grants"): Rule(
        Perm.compensate,
        201,
        lambda d: {"case": _case(d), "remedy": "voucher", "amount_cents": 500, "reason": "延迟"},
    ),
    ("GET", f"{URL}/grants"): Rule(Perm.read),
    ("GET", f"{URL}/grants/{{grant_id}}"): Rule(Perm.read),
    ("POST", f"{URL}/grants/{{grant_id}}/approve"): Rule(
        Perm.approve_compensation, body=const({"note": "同意"})
    ),
    ("POST", f"{URL}/grants/{{grant_id}}/reject"): Rule(
        Perm.approve_compensation, body=const({"note": "金额不符"})
    ),
    ("GET", f"{URL}/policy"): Rule(Perm.read),
    ("PUT", f"{URL}/policy"): Rule(
        Perm.manage_compensation, body=const({"document": DEFAULT, "note": "恢复默认"})
    ),
    ("GET", f"{URL}/policy/versions/{{version}}"): Rule(Perm.read),
}


def seed(s: Session, world: World, secret: str, base: dict[str, int]) -> Seed:
    """Policy version 2 (agents may give ¥10 alone), a ¥50 goodwill voucher waiting for approval
    and ¥5 of points given for a late shipment."""
    system = world.system
    policy = service.update_policy(
        s,
        actor=system,
        doc=DEFAULT | {"authority": {"agent": 1_000}},
        note=f"坐席权限 ¥10 {secret}",
    )
    row, _ = grants.grant(
        s,
        actor=world.actor(Role.agent),
        case=CaseRequest(
            case_type=CaseType.broken_promise,
            fault=Fault.shop,
            # No conversation: a message to the customer would keep the core seed's promise.
            ticket_id=base["ticket_id"],
        ),
        remedy=Remedy.voucher,
        amount_cents=5_000,
        reason=f"回电承诺未兑现 {secret}",
    )
    assert row.status is GrantStatus.pending_approval
    if "order_id" in base:  # a granted one too, for the order filter (its own case key)
        given, _ = grants.grant(
            s,
            actor=world.actor(Role.agent),
            case=CaseRequest(
                case_type=CaseType.late_shipment, fault=Fault.warehouse, order_id=base["order_id"]
            ),
            remedy=Remedy.points,
            amount_cents=500,
            reason=f"延迟发货 {secret}",
            case_key="matrix",
        )
        assert given.status is GrantStatus.granted
    return Seed(ids={"grant_id": row.id, "version": policy.version}, secrets=(secret,))


MATRIX = Domain(
    rules=RULES,
    seed=seed,
    id_filters={"order_id": "order_id", "conversation_id": "conversation_id"},
    not_ids=frozenset({"version"}),
)
