"""Grants through the service: within the offer, once per case, audited, told to the customer;
above authority → approval with an SLA; per-customer limits and workspace budgets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kefu import clock
from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.compensation import grants, service
from kefu.compensation.defaults import DEFAULT
from kefu.compensation.models import GrantStatus
from kefu.compensation.policy import CaseType, Fault, Remedy
from kefu.compensation.service import CaseRequest
from kefu.conversations.models import Direction, Message
from kefu.errors import Conflict, Forbidden, Invalid
from kefu.runtime import Runtime
from kefu.sla.escalation_models import Notification
from kefu.timeline.models import Event
from kefu.timers import service as timers
from tests.compensation.conftest import Shop

LATE = CaseType.late_shipment


def late(shop: Shop, order: str = "small", **kw: Any) -> CaseRequest:
    order_id = shop.small_order if order == "small" else shop.big_order
    return CaseRequest(case_type=LATE, fault=Fault.warehouse, order_id=order_id, **kw)


def give(runtime: Runtime, actor: Actor, case: CaseRequest, remedy: Remedy, amount: int, **kw: Any):  # type: ignore[no-untyped-def]
    with runtime.sessions() as s:
        row, created = grants.grant(
            s, actor=actor, case=case, remedy=remedy, amount_cents=amount, **kw
        )
        s.commit()
        return row, created


def events_of(runtime: Runtime, type_: str) -> list[Event]:
    with runtime.sessions() as s:
        return list(s.scalars(select(Event).where(Event.type == type_).order_by(Event.id)))


def messages(runtime: Runtime, conversation_id: int) -> list[Message]:
    with runtime.sessions() as s:
        return list(s.scalars(select(Message).where(Message.conversation_id == conversation_id)))


def notes_for(runtime: Runtime, staff_id: int) -> list[Notification]:
    with runtime.sessions() as s:
        return list(s.scalars(select(Notification).where(Notification.staff_id == staff_id)))


def set_policy(runtime: Runtime, shop: Shop, **changes: Any) -> int:
    with runtime.sessions() as s:
        row = service.update_policy(
            s, actor=shop.world.actor(Role.admin), doc=DEFAULT | changes, note="test"
        )
        s.commit()
        return row.version


def test_a_grant_within_authority_is_given_once_audited_and_told(runtime, shop, frozen) -> None:
    agent = shop.world.actor(Role.agent)
    case = late(shop, conversation_id=shop.chat)
    row, created = give(runtime, agent, case, Remedy.voucher, 600, reason="仓库漏发")
    assert created and row.status is GrantStatus.granted
    assert (row.policy_version, row.profile_key) == (1, "late_shipment.tmall_jd")
    assert row.case_key == f"order:{shop.small_order}:late_shipment:voucher"
    [ev] = events_of(runtime, "compensation.granted")
    assert (ev.customer_id, ev.conversation_id, ev.actor_id) == (
        shop.customer_id,
        shop.chat,
        agent.id,
    )
    assert ev.payload["policy_version"] == 1 and ev.payload["reason"] == "仓库漏发"
    assert ev.payload["amount_cents"] == 600 and ev.payload["requested_by"] == f"staff:{agent.id}"
    [msg] = messages(runtime, shop.chat)
    assert msg.direction is Direction.outbound and "¥6.00" in msg.body and "优惠券" in msg.body
    # Again, from another channel: the first grant back, nothing new.
    again, created = give(
        runtime, agent, late(shop, conversation_id=shop.email), Remedy.voucher, 600
    )
    assert not created and again.id == row.id
    assert len(events_of(runtime, "compensation.granted")) == 1
    assert len(messages(runtime, shop.chat)) == 1 and messages(runtime, shop.email) == []


def test_the_same_case_cannot_be_paid_twice_in_another_amount_or_remedy(
    runtime, shop, frozen
) -> None:
    agent = shop.world.actor(Role.agent)
    give(runtime, agent, late(shop), Remedy.voucher, 600)
    with pytest.raises(Conflict) as other_amount:
        give(runtime, agent, late(shop), Remedy.voucher, 500)
    assert other_amount.value.code == "compensation.already_granted"
    with pytest.raises(Conflict) as other_remedy:
        give(runtime, agent, late(shop), Remedy.points, 600)
    assert other_remedy.value.code == "compensation.one_remedy_per_case"
    # A second, distinct late shipment of the same order gets its own case key.
    row, created = give(runtime, agent, late(shop), Remedy.voucher, 600, case_key="reship-2")
    assert created and row.case_key.endswith("/reship-2:late_shipment:voucher")


@pytest.mark.parametrize(
    ("remedy", "amount", "code"),
    [
        (Remedy.voucher, 601, "compensation.above_cap"),  # ¥6.01 > 30 % of ¥20
        (Remedy.full_refund, 2_000, "compensation.not_offered"),
        (Remedy.replacement, 100, "compensation.not_offered"),
    ],
)
def test_outside_the_offer_is_refused_and_nothing_applied(
    runtime, shop, frozen, remedy, amount, code
) -> None:
    with pytest.raises(Invalid) as exc:
        give(runtime, shop.world.actor(), late(shop, conversation_id=shop.chat), remedy, amount)
    assert exc.value.code == code and exc.value.zh and exc.value.en
    with runtime.sessions() as s:
        assert grants.list_(s, actor=shop.world.actor(), limit=10, cursor=None)[0] == []
    assert messages(runtime, shop.chat) == []


@pytest.mark.parametrize("amount", [0, -500, 10**12])
def test_absurd_amounts_are_refused(runtime, shop, amount) -> None:
    with pytest.raises(Invalid) as exc:
        give(runtime, shop.world.actor(), late(shop), Remedy.voucher, amount)
    assert exc.value.code == "compensation.bad_amount"


def test_a_case_without_a_subject_needs_a_case_key(runtime, shop, frozen) -> None:
    case = CaseRequest(
        case_type=CaseType.broken_promise, fault=Fault.shop, customer_id=shop.customer_id
    )
    with pytest.raises(Invalid) as exc:
        give(runtime, shop.world.actor(), case, Remedy.voucher, 5_000)
    assert exc.value.code == "compensation.case_key_required"
    row, _ = give(
        runtime, shop.world.actor(), case, Remedy.voucher, 5_000, case_key="callback-missed"
    )
    assert row.case_key == f"customer:{shop.customer_id}/callback-missed:broken_promise:voucher"


def test_above_authority_waits_for_the_team_lead_who_approves(runtime, shop, frozen) -> None:
    world, agent = shop.world, shop.world.actor(Role.agent)
    lead = world.staff[Role.team_lead]
    row, created = give(
        runtime, agent, late(shop, "big", conversation_id=shop.chat), Remedy.voucher, 50_000
    )
    assert created and row.status is GrantStatus.pending_approval
    assert row.approver_id == lead.id
    assert row.approval_due_at == clock.now() + timedelta(minutes=120)
    [note] = notes_for(runtime, lead.id)
    assert note.kind == "compensation.approval" and "¥500.00" in note.text
    [waiting] = messages(runtime, shop.chat)
    assert "正在为您申请" in waiting.body and "12:00" in waiting.body  # 10:00 + 2 h, Shanghai
    [requested] = events_of(runtime, "compensation.requested")
    assert requested.payload["approver_id"] == lead.id
    assert events_of(runtime, "compensation.granted") == []
    with runtime.sessions() as s, pytest.raises(Forbidden):
        grants.approve(s, actor=agent, grant_id=row.id)
    with runtime.sessions() as s:
        done = grants.approve(s, actor=world.actor(Role.team_lead), grant_id=row.id, note="同意")
        s.commit()
    assert done.status is GrantStatus.granted and done.decided_by_id == lead.id
    [granted] = events_of(runtime, "compensation.granted")
    assert granted.payload["approved_by_id"] == lead.id and granted.payload["policy_version"] == 1
    assert "¥500.00" in messages(runtime, shop.chat)[-1].body
    assert [n.kind for n in notes_for(runtime, world.staff[Role.agent].id)] == [
        "compensation.approved"
    ]
    with runtime.sessions() as s:
        assert timers.armed(s, kind=grants.APPROVAL_DUE, key=f"grant:{row.id}") is None
        # A repeated approval changes nothing; rejecting a granted one is a conflict.
        assert (
            grants.approve(s, actor=world.actor(Role.supervisor), grant_id=row.id).status
            is GrantStatus.granted
        )
        with pytest.raises(Conflict):
            grants.reject(s, actor=world.actor(Role.supervisor), grant_id=row.id, note="不行")


def test_an_approver_cannot_approve_above_their_own_authority(runtime, shop, frozen) -> None:
    world = shop.world
    case = CaseRequest(case_type=CaseType.lost_parcel, fault=Fault.carrier, order_id=shop.big_order)
    row, _ = give(runtime, world.actor(), case, Remedy.full_refund, 150_000)
    assert row.approver_id == world.staff[Role.supervisor].id  # ¥1500 > a team lead's ¥500
    with runtime.sessions() as s, pytest.raises(Forbidden) as exc:
        grants.approve(s, actor=world.actor(Role.team_lead), grant_id=row.id)
    assert exc.value.code == "compensation.above_approver_authority"
    with runtime.sessions() as s:
        assert (
            grants.approve(s, actor=world.actor(Role.supervisor), grant_id=row.id).status
            is GrantStatus.granted
        )


def test_an_overdue_approval_goes_up_a_rung(runtime, shop, frozen) -> None:
    world = shop.world
    row, _ = give(runtime, world.actor(), late(shop, "big"), Remedy.voucher, 50_000)
    frozen.advance(timedelta(minutes=121))
    assert timers.sweep(runtime.sessions).fired == 1
    [overdue] = events_of(runtime, "compensation.approval_overdue")
    supervisor = world.staff[Role.supervisor]
    assert overdue.payload["escalated_to_id"] == supervisor.id
    with runtime.sessions() as s:
        assert grants.get(s, actor=world.actor(), grant_id=row.id).approver_id == supervisor.id
    assert [n.kind for n in notes_for(runtime, supervisor.id)] == ["compensation.approval"]


def test_a_rejected_request_frees_its_budget_and_cannot_be_repeated(runtime, shop, frozen) -> None:
    world, agent = shop.world, shop.world.actor(Role.agent)
    row, _ = give(runtime, agent, late(shop, "big"), Remedy.voucher, 50_000)
    with runtime.sessions() as s:
        done = grants.reject(s, actor=world.actor(Role.team_lead), grant_id=row.id, note="金额过高")
        s.commit()
    assert done.status is GrantStatus.rejected and done.decision_note == "金额过高"
    assert events_of(runtime, "compensation.rejected")[0].payload["note"] == "金额过高"
    assert [n.kind for n in notes_for(runtime, world.staff[Role.agent].id)] == [
        "compensation.rejected"
    ]
    with pytest.raises(Conflict) as exc:
        give(runtime, agent, late(shop, "big"), Remedy.voucher, 50_000)
    assert exc.value.code == "compensation.rejected_before"
    # Another remedy for the case is allowed once the first was rejected.
    row2, created = give(runtime, agent, late(shop, "big"), Remedy.points, 20_000)
    assert created and row2.status is GrantStatus.granted


def test_per_customer_limits_count_grants_and_money_over_30_days(runtime, shop, frozen) -> None:
    agent = shop.world.actor()
    set_policy(runtime, shop, limits={"customer_max_grants": 2, "customer_max_cents": 1_000})
    give(runtime, agent, late(shop), Remedy.voucher, 600)
    with pytest.raises(Conflict) as money:
        give(runtime, agent, late(shop, "big"), Remedy.voucher, 500)
    assert money.value.code == "compensation.customer_amount_limit"
    assert "剩余 ¥4.00" in money.value.zh and "¥4.00 left" in money.value.en
    give(runtime, agent, late(shop, "big"), Remedy.voucher, 400)
    with runtime.sessions() as s:  # the offer shows it too: no counted remedy is left
        o = service.offer(
            s,
            actor=agent,
            case=CaseRequest(
                case_type=CaseType.service_failure, fault=Fault.shop, customer_id=shop.customer_id
            ),
        )
        assert o.remedies == [] and o.case.prior_grants == 2
    case = CaseRequest(
        case_type=CaseType.service_failure, fault=Fault.shop, customer_id=shop.customer_id
    )
    with pytest.raises(Conflict) as count:
        give(runtime, agent, case, Remedy.voucher, 100, case_key="x")
    assert count.value.code == "compensation.customer_limit"
    frozen.advance(timedelta(days=31))
    row, _ = give(runtime, agent, case, Remedy.voucher, 1_000, case_key="x")
    assert row.status is GrantStatus.granted and row.policy_version == 2


def test_a_merged_profiles_grants_count_toward_the_limit_and_go_back_on_unmerge(
    runtime, shop, frozen, world
) -> None:
    from kefu.customers import service as customers
    from tests.factories import make_customer

    agent = shop.world.actor()
    set_policy(runtime, shop, limits={"customer_max_grants": 2})
    with runtime.sessions() as s:
        twin = make_customer(s, world, name="张伟（App）").id
        s.commit()
    for n in range(2):  # the limit, reached on the profile that is merged away
        twin_case = CaseRequest(
            case_type=CaseType.service_failure, fault=Fault.shop, customer_id=twin
        )
        give(runtime, agent, twin_case, Remedy.voucher, 100, case_key=f"twin-{n}")
    with runtime.sessions() as s:
        record = customers.merge(
            s, actor=world.actor(Role.supervisor), source_id=twin, target_id=shop.customer_id
        )
        s.commit()
    case = CaseRequest(
        case_type=CaseType.service_failure, fault=Fault.shop, customer_id=shop.customer_id
    )
    with pytest.raises(Conflict) as limit:  # one person, whichever profile was compensated
        give(runtime, agent, case, Remedy.voucher, 100, case_key="after-merge")
    assert limit.value.code == "compensation.customer_limit"
    with runtime.sessions() as s:
        customers.unmerge(s, actor=world.actor(Role.supervisor), merge_id=record.id)
        s.commit()
    row, _ = give(runtime, agent, case, Remedy.voucher, 100, case_key="after-unmerge")
    assert row.status is GrantStatus.granted


def test_workspace_budgets_per_day_and_month(runtime, shop, frozen, world) -> None:
    agent = shop.world.actor()
    set_policy(
        runtime,
        shop,
        limits={
            "day_budget_cents": 1_000,
            "month_budget_cents": 1_500,
            "customer_max_grants": None,
            "customer_max_cents": None,
        },
    )
    give(runtime, agent, late(shop), Remedy.voucher, 600)
    with pytest.raises(Conflict) as day:
        give(runtime, agent, late(shop, "big"), Remedy.voucher, 500)
    assert day.value.code == "compensation.budget" and "今日" in day.value.zh
    # Full refunds give back what was paid: not counted against the goodwill budget.
    lost = CaseRequest(case_type=CaseType.lost_parcel, fault=Fault.carrier, order_id=shop.big_order)
    give(runtime, shop.world.actor(Role.admin), lost, Remedy.full_refund, 300_000)
    frozen.advance(timedelta(days=1))
    give(runtime, agent, late(shop, "big"), Remedy.voucher, 500)
    with pytest.raises(Conflict) as month:
        give(runtime, agent, late(shop, "big"), Remedy.voucher, 500, case_key="again")
    assert "本月" in month.value.zh and "this month's" in month.value.en


def test_policy_edits_make_versions_and_grants_keep_theirs(runtime, shop, frozen) -> None:
    admin = shop.world.actor(Role.admin)
    give(runtime, shop.world.actor(), late(shop), Remedy.voucher, 600)
    profiles = [
        p | {"amount": {"rate_bp": 1000, "min_cents": 100}}
        if p["key"] == "late_shipment.tmall_jd"
        else p
        for p in DEFAULT["profiles"]
    ]
    v2 = set_policy(runtime, shop, profiles=profiles)
    assert v2 == 2
    row, _ = give(runtime, shop.world.actor(), late(shop, "big"), Remedy.voucher, 20_000)
    assert row.policy_version == 2  # 10 % of ¥3000 = ¥300 → above agent authority: waits
    with runtime.sessions() as s:
        current, history = service.get_policy(s, actor=admin)
        assert current.version == 2 and [h.version for h in history] == [2, 1]
        assert (
            service.get_version(s, actor=admin, version=1).document["profiles"][1]["amount"][
                "rate_bp"
            ]
            == 3000
        )
        with pytest.raises(Conflict):
            service.update_policy(s, actor=admin, doc=DEFAULT, base_version=1)
        with pytest.raises(Invalid) as bad:
            service.update_policy(s, actor=admin, doc=DEFAULT | {"profiles": [{"key": "x"}]})
        assert bad.value.code == "compensation.policy_invalid"
        with pytest.raises(Forbidden):
            service.update_policy(s, actor=shop.world.actor(Role.agent), doc=DEFAULT)
    assert events_of(runtime, "compensation.policy_changed")[0].payload["version"] == 2


def test_the_bot_grants_within_its_own_authority(runtime, shop, frozen) -> None:
    bot = Actor(kind="bot", workspace_id=shop.world.workspace.id)
    promise = CaseRequest(
        case_type=CaseType.broken_promise,
        fault=Fault.shop,
        order_id=shop.small_order,
        conversation_id=shop.chat,
    )
    row, _ = give(runtime, bot, promise, Remedy.voucher, 5_000)
    assert row.status is GrantStatus.granted and row.requested_by_kind == "bot"
    assert "¥50.00" in messages(runtime, shop.chat)[-1].body
    above, _ = give(runtime, bot, late(shop, "big"), Remedy.voucher, 5_001)
    assert above.status is GrantStatus.pending_approval
    # The bot wraps its grants like the API does: a refusal is audited although nothing applies.
    wrong = late(shop, conversation_id=shop.chat)
    with runtime.sessions() as s, pytest.raises(grants.Refusal):
        with grants.refusals_audited(s, actor=bot, case=wrong):
            grants.grant(s, actor=bot, case=wrong, remedy=Remedy.full_refund, amount_cents=100)
    [refused] = events_of(runtime, "compensation.refused")
    assert refused.actor_kind == "bot" and refused.payload["code"] == "compensation.not_offered"
    customer = Actor.customer(shop.world.workspace.id, shop.customer_id)
    with pytest.raises(Forbidden):
        give(runtime, customer, late(shop), Remedy.voucher, 600)


def test_ids_of_another_workspace_are_not_found(runtime, shop, other_world) -> None:
    from kefu.errors import NotFound

    rival = other_world.actor(Role.admin)
    for case in (
        late(shop),
        CaseRequest(case_type=LATE, fault=Fault.shop, conversation_id=shop.chat),
    ):
        with runtime.sessions() as s, pytest.raises(NotFound):
            service.offer(s, actor=rival, case=case)
    row, _ = give(runtime, shop.world.actor(), late(shop, "big"), Remedy.voucher, 50_000)
    with runtime.sessions() as s, pytest.raises(NotFound):
        grants.approve(s, actor=rival, grant_id=row.id)
