"""SLA clocks on business calendars, promises kept and broken, escalation — on the injected clock."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kefu import clock
from kefu.auth.models import Role
from kefu.channels import service as channels
from kefu.channels.models import ChannelKind
from kefu.conversations import service as conversations
from kefu.sla import policies, promises
from kefu.sla.escalation_models import Escalation, Notification
from kefu.sla.models import PromiseKind, PromiseStatus, Target, TargetStatus, TicketTarget
from kefu.tickets import service as tickets
from kefu.tickets.models import TicketStatus
from kefu.timers import service as timers
from tests.factories import make_customer

SH = timedelta(hours=8)  # Asia/Shanghai has no DST: local = UTC + 8


def local(y, mo, d, h, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=UTC) - SH


@pytest.fixture
def shop(runtime, world):
    """World with the default SLA templates, a customer, and a phone conversation with a ticket."""
    with clock.frozen(local(2026, 9, 29, 17)) as clk, runtime.sessions() as s:
        policies.install_templates(s, workspace_id=world.workspace.id)
        phone = channels.create(s, actor=world.system, kind=ChannelKind.phone, name="电话")
        customer = make_customer(s, world, name="王先生", phone="13911112222")
        conv = conversations.create(
            s, actor=world.system, channel_id=phone.id, customer_id=customer.id
        )
        ticket = tickets.create(
            s,
            actor=world.actor(),
            subject="海淘订单未到",
            customer_id=customer.id,
            conversation_ids=[conv.id],
        )
        s.commit()
        yield {
            "clock": clk,
            "customer": customer.id,
            "conv": conv.id,
            "ticket": ticket.id,
            "phone": phone.id,
        }


def targets(runtime, ticket_id):
    with runtime.sessions() as s:
        return {
            t.target: t
            for t in s.scalars(select(TicketTarget).where(TicketTarget.ticket_id == ticket_id))
        }


def sweep(runtime):
    return timers.sweep(runtime.sessions)


def test_back_office_clock_runs_on_business_hours(runtime, shop):
    t = targets(runtime, shop["ticket"])
    assert set(t) == {
        Target.first_response,
        Target.update_cadence,
        Target.resolution,
    }  # next_response: later
    # Opened Tue 09-29 17:00; 4 business hours: 17:00–18:00, then Wed 09:00–12:00.
    assert t[Target.first_response].due_at == local(2026, 9, 30, 12)
    # Resolution, 27 business hours: Wed 9 h, then National Day (10-01..07) skipped, Thu 10-08, Fri 10-09.
    assert t[Target.resolution].due_at == local(2026, 10, 9, 17)


def test_a_human_reply_meets_first_response_a_bot_reply_does_not(runtime, world, shop):
    with runtime.sessions() as s:
        conversations.post_message(
            s, actor=world.system, conversation_id=shop["conv"], body="自动回复：已收到"
        )
        s.commit()
    assert targets(runtime, shop["ticket"])[Target.first_response].status is TargetStatus.running
    shop["clock"].advance(timedelta(minutes=20))
    with runtime.sessions() as s:
        conversations.post_message(
            s, actor=world.actor(), conversation_id=shop["conv"], body="您好，我来帮您查"
        )
        s.commit()
    first = targets(runtime, shop["ticket"])[Target.first_response]
    assert first.status is TargetStatus.met and first.met_at == local(2026, 9, 29, 17, 20)


def test_customer_message_starts_next_response_and_tells_the_owner(runtime, world, shop):
    customer = world.actor().__class__.customer(world.workspace.id, shop["customer"])
    with runtime.sessions() as s:
        conversations.post_message(
            s, actor=world.actor(), conversation_id=shop["conv"], body="您好"
        )
        s.commit()
    shop["clock"].advance(timedelta(minutes=5))
    with runtime.sessions() as s:
        conversations.post_message(
            s, actor=customer, conversation_id=shop["conv"], body="到底什么时候到？"
        )
        s.commit()
    nxt = targets(runtime, shop["ticket"])[Target.next_response]
    assert nxt.status is TargetStatus.running
    assert nxt.due_at == local(2026, 9, 30, 16, 5)  # 8 business hours from 17:05
    with runtime.sessions() as s:
        notes = s.scalars(
            select(Notification).where(Notification.staff_id == world.staff[Role.agent].id)
        ).all()
    assert [n.kind for n in notes] == ["customer.message"]


def test_pending_on_the_customer_pauses_and_resumes_the_clock(runtime, world, shop):
    with runtime.sessions() as s:
        tickets.transition(
            s, actor=world.actor(), ticket_id=shop["ticket"], to=TicketStatus.pending_customer
        )
        s.commit()
    paused = targets(runtime, shop["ticket"])[Target.resolution]
    assert paused.status is TargetStatus.paused and paused.due_at is None
    assert paused.remaining_seconds == 27 * 3600
    shop["clock"].set(local(2026, 9, 30, 10))  # 17 wall hours later, 1 business hour of it
    with runtime.sessions() as s:
        tickets.transition(s, actor=world.actor(), ticket_id=shop["ticket"], to=TicketStatus.open)
        s.commit()
    resumed = targets(runtime, shop["ticket"])[Target.resolution]
    assert resumed.status is TargetStatus.running and resumed.paused_seconds == 17 * 3600
    # 27 business hours from Wed 10:00: 8 on Wed, 9 on Thu 10-08, 9 on Fri 10-09, 1 on Sat 10-10 (调休).
    assert resumed.due_at == local(2026, 10, 10, 10)
    # First response is owed regardless of waiting on the customer.
    assert targets(runtime, shop["ticket"])[Target.first_response].status is TargetStatus.running


def test_breach_escalates_to_a_named_responder_who_promises_the_customer(runtime, world, shop):
    shop["clock"].set(local(2026, 9, 30, 12))
    sweep(runtime)
    first = targets(runtime, shop["ticket"])[Target.first_response]
    assert first.status is TargetStatus.breached and first.breached_at == local(2026, 9, 30, 12)
    with runtime.sessions() as s:
        esc = s.scalars(select(Escalation).where(Escalation.ticket_id == shop["ticket"])).one()
        assert (esc.trigger, esc.level, esc.responder_id) == (
            "sla_breach",
            1,
            world.staff[Role.team_lead].id,
        )
        promise = s.get(promises.Promise, esc.promise_id)
        assert (
            promise.status is PromiseStatus.open
            and promise.owner_id == world.staff[Role.team_lead].id
        )
        told = s.scalars(
            select(conversations.Message).where(
                conversations.Message.conversation_id == shop["conv"]
            )
        ).all()
        assert len(told) == 1 and told[0].direction.value == "outbound"
        assert (
            "很抱歉让您久等了" in told[0].body and world.staff[Role.team_lead].name in told[0].body
        )
        # 120 business minutes from Wed 12:00 → 14:00, stated in the customer's local time.
        assert promise.due_at == local(2026, 9, 30, 14) and "9月30日 14:00" in told[0].body
    # A repeated sweep fires nothing twice.
    assert sweep(runtime).fired == 0


def test_warning_comes_before_the_breach(runtime, shop):
    shop["clock"].set(local(2026, 9, 30, 11))  # 3 of 4 business hours gone: the 75 % warning
    sweep(runtime)
    first = targets(runtime, shop["ticket"])[Target.first_response]
    assert first.warned_at == local(2026, 9, 30, 11) and first.status is TargetStatus.running


def test_promise_kept_by_the_matching_action(client, runtime, world, shop):
    r = client.post(
        "/api/v1/promises",
        json={
            "ticket_id": shop["ticket"],
            "kind": "update",
            "text": "明天上午10点前给您答复",
            "due_at": "2026-09-30T10:00:00+08:00",
        },
        headers=world.headers(),
    )
    assert r.status_code == 201, r.text
    promise = r.json()
    assert (
        promise["owner_id"] == world.staff[Role.agent].id
        and promise["customer_id"] == shop["customer"]
    )
    shop["clock"].advance(timedelta(hours=2))
    with runtime.sessions() as s:
        conversations.post_message(
            s, actor=world.actor(), conversation_id=shop["conv"], body="已为您催促"
        )
        s.commit()
    kept = client.get(
        f"/api/v1/promises?ticket_id={shop['ticket']}", headers=world.headers()
    ).json()["items"][0]
    assert kept["status"] == "kept" and kept["kept_by"].startswith("message:")


def test_promise_reminders_then_breach_then_a_new_eta(client, runtime, world, shop):
    r = client.post(
        "/api/v1/promises",
        json={
            "ticket_id": shop["ticket"],
            "kind": "callback",
            "text": "三天内专人给您回电",
            "due_at": "2026-10-02T17:00:00+08:00",
        },
        headers=world.headers(),
    )
    pid = r.json()["id"]
    shop["clock"].set(local(2026, 10, 1, 5))  # half of the 3-day window
    sweep(runtime)
    shop["clock"].set(
        local(2026, 10, 2, 17)
    )  # a message to the customer does not keep a callback promise
    with runtime.sessions() as s:
        conversations.post_message(
            s, actor=world.actor(), conversation_id=shop["conv"], body="还在处理"
        )
        s.commit()
    sweep(runtime)
    with runtime.sessions() as s:
        notes = [n.kind for n in s.scalars(select(Notification).order_by(Notification.id))]
        broken = s.get(promises.Promise, pid)
        assert broken.status is PromiseStatus.broken
        successor = s.scalars(
            select(promises.Promise).where(promises.Promise.replaces_id == pid)
        ).one()
        assert successor.status is PromiseStatus.open and successor.due_at > clock.now()
        esc = s.scalars(select(Escalation).where(Escalation.trigger == "promise_breach")).one()
        assert esc.promise_id == successor.id
    assert (
        notes.count("promise.reminder") == 2
        and "promise.broken" in notes
        and "ticket.escalated" in notes
    )
    seen = client.get(f"/api/v1/tickets/{shop['ticket']}/timeline", headers=world.headers()).json()[
        "items"
    ]
    kinds = [e["type"] for e in seen]
    assert kinds.index("ticket.escalated") < kinds.index("promise.broken")  # newest first


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            {"kind": "update", "text": "x", "due_at": "2026-09-01T10:00:00+08:00"},
            "promise.due_past",
        ),
        ({"kind": "update", "text": "x"}, "promise.due_required"),
        ({"kind": "update", "text": "x", "due_at": "2028-09-01T10:00:00+08:00"}, "promise.due_far"),
    ],
)
def test_bad_promises_are_refused_and_nothing_is_written(client, world, shop, body, code):
    r = client.post(
        "/api/v1/promises", json={"ticket_id": shop["ticket"], **body}, headers=world.headers()
    )
    assert r.status_code == 422 and r.json()["code"] == code
    r_en = client.post(
        "/api/v1/promises",
        json={"ticket_id": shop["ticket"], **body},
        headers=world.headers(lang="en"),
    )
    assert r_en.json()["detail"].isascii()
    assert client.get("/api/v1/promises", headers=world.headers()).json()["items"] == []


def test_cancel_needs_a_reason_and_settled_promises_stay_settled(client, world, shop):
    pid = client.post(
        "/api/v1/promises",
        json={
            "ticket_id": shop["ticket"],
            "kind": "refund",
            "text": "退款",
            "within_business_minutes": 60,
        },
        headers=world.headers(),
    ).json()["id"]
    assert (
        client.post(
            f"/api/v1/promises/{pid}/cancel", json={"reason": ""}, headers=world.headers()
        ).status_code
        == 422
    )
    r = client.post(
        f"/api/v1/promises/{pid}/cancel", json={"reason": "客户改为换货"}, headers=world.headers()
    )
    assert r.json()["status"] == "cancelled" and r.json()["cancel_reason"] == "客户改为换货"
    again = client.post(f"/api/v1/promises/{pid}/keep", headers=world.headers())
    assert again.status_code == 409


def test_customer_sees_open_promises(client, world, shop, runtime):
    from tests.test_widget import customer_headers

    with runtime.sessions() as s:
        c = s.get(promises.Customer, shop["customer"])
        from kefu.customers import service as customers
        from kefu.customers.models import IdentityKind

        customers.add_identity(
            s,
            actor=world.system,
            customer_id=c.id,
            kind=IdentityKind.member_id,
            value="M-wang",
            verified=True,
        )
        promises.make(
            s,
            actor=world.actor(),
            ticket_id=shop["ticket"],
            kind=PromiseKind.callback,
            text="三天内专人给您回电",
            within_business_minutes=3 * 540,
        )
        s.commit()
    mine = client.get("/api/v1/widget/promises", headers=customer_headers(world, "M-wang")).json()[
        "items"
    ]
    assert [(p["text"], p["status"]) for p in mine] == [("三天内专人给您回电", "open")]
    assert "owner_id" not in mine[0]
    stranger = client.get(
        "/api/v1/widget/promises", headers=customer_headers(world, "M-other")
    ).json()["items"]
    assert stranger == []


def test_proposals_from_an_agent_reply(client, world, shop):
    r = client.post(
        "/api/v1/promises/propose",
        json={
            "text": "我们会在三个工作日内给您答复，明天上午10点前先回电",
            "ticket_id": shop["ticket"],
        },
        headers=world.headers(),
    )
    found = r.json()
    assert [p["kind"] for p in found] == ["update", "callback"]
    # 3 business days after Tue 17:00: Wed, then Thu 10-08, Fri 10-09 (National Day skipped), at 17:00.
    assert found[0]["due_at"].startswith("2026-10-09T09:00")
    assert found[1]["due_at"].startswith("2026-09-30T02:00")  # 10:00 Shanghai


def test_customer_asking_for_a_manager_escalates_once_a_day(runtime, world, shop):
    customer = world.actor().__class__.customer(world.workspace.id, shop["customer"])
    for text in ("你们这样我要投诉！找你们领导来", "投诉！12315"):
        with runtime.sessions() as s:
            conversations.post_message(s, actor=customer, conversation_id=shop["conv"], body=text)
            s.commit()
    with runtime.sessions() as s:
        rows = s.scalars(select(Escalation).where(Escalation.trigger == "customer_demand")).all()
    assert len(rows) == 1 and rows[0].details["phrase"] == "投诉"


def test_third_contact_about_the_same_case_escalates(runtime, world, shop):
    for _ in range(2):
        with runtime.sessions() as s:
            conv = conversations.create(
                s, actor=world.system, channel_id=shop["phone"], customer_id=shop["customer"]
            )
            tickets.link_conversation(
                s, actor=world.actor(), ticket_id=shop["ticket"], conversation_id=conv.id
            )
            s.commit()
    with runtime.sessions() as s:
        rows = s.scalars(select(Escalation).where(Escalation.trigger == "repeat_contact")).all()
    assert len(rows) == 1 and rows[0].details["contacts"] == 3


def test_a_ladder_rung_needs_a_responder(client, world):
    admin = world.headers(Role.admin)
    r = client.put("/api/v1/escalation-levels/1", json={"name": "组长"}, headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "escalation.no_responder"
    assert client.get("/api/v1/escalation-levels", headers=admin).json() == []
    boss = world.staff[Role.supervisor].id
    r = client.put(
        "/api/v1/escalation-levels/1",
        json={"name": "值班主管", "responder_id": boss},
        headers=admin,
    )
    assert r.status_code == 200 and r.json()["responder_id"] == boss


def test_metrics(client, runtime, world, shop):
    shop["clock"].set(local(2026, 9, 30, 12))
    sweep(runtime)
    m = client.get(
        "/api/v1/sla/metrics?since=2026-09-01T00:00:00Z", headers=world.headers(Role.analyst)
    ).json()
    assert m["breaches_by_target"] == {"first_response": 1}
    assert m["escalations_by_trigger"] == {"sla_breach": 1}
    assert m["promises_made"] == 1 and m["promise_kept_rate"] is None
    # The escalation message went out at 12:00, which is now: the one open ticket has 0 silence.
    assert m["open_tickets"] == 1 and m["silence_max_minutes"] == 0


def test_notifications_list_and_mark_read(client, runtime, world, shop):
    customer = world.actor().__class__.customer(world.workspace.id, shop["customer"])
    with runtime.sessions() as s:
        conversations.post_message(s, actor=customer, conversation_id=shop["conv"], body="在吗")
        s.commit()
    mine = client.get("/api/v1/notifications?unread=true", headers=world.headers()).json()["items"]
    assert [n["kind"] for n in mine] == ["customer.message"] and "在吗" in mine[0]["text"]
    others = client.get("/api/v1/notifications", headers=world.headers(Role.supervisor)).json()[
        "items"
    ]
    assert others == []
    r = client.post(
        "/api/v1/notifications/read", json={"up_to_id": mine[0]["id"]}, headers=world.headers()
    )
    assert r.json() == {"read": 1}
    assert (
        client.get("/api/v1/notifications?unread=true", headers=world.headers()).json()["items"]
        == []
    )


def test_calendar_status_warns_about_years_without_holiday_data(client, world):
    with clock.frozen(local(2026, 11, 23, 10)):
        r = client.get("/api/v1/sla/calendar-status", headers=world.headers(Role.admin))
        r_en = client.get(
            "/api/v1/sla/calendar-status", headers=world.headers(Role.admin, lang="en")
        )
    assert r.status_code == 200
    assert r.json()["uncovered_years"] == [2027] and "2027" in r.json()["warning"]
    assert r_en.json()["warning"].isascii()


def test_an_idle_ticket_escalates_and_activity_resets_the_clock(runtime, world, shop):
    # Activity at +47 h (a staff reply) pushes the idle deadline to +95 h.
    shop["clock"].advance(timedelta(hours=47))
    with runtime.sessions() as s:
        conversations.post_message(
            s, actor=world.actor(), conversation_id=shop["conv"], body="仍在跟进"
        )
        s.commit()
    shop["clock"].advance(timedelta(hours=2))
    sweep(runtime)
    with runtime.sessions() as s:
        assert s.scalars(select(Escalation).where(Escalation.trigger == "idle")).all() == []
    shop["clock"].advance(timedelta(hours=46))
    sweep(runtime)
    with runtime.sessions() as s:
        idle = s.scalars(select(Escalation).where(Escalation.trigger == "idle")).all()
    assert len(idle) == 1 and idle[0].created_at == local(2026, 9, 29, 17) + timedelta(hours=95)


def test_met_targets_land_on_the_timeline(client, runtime, world, shop):
    with runtime.sessions() as s:
        conversations.post_message(
            s, actor=world.actor(), conversation_id=shop["conv"], body="您好"
        )
        s.commit()
    events = client.get(
        f"/api/v1/tickets/{shop['ticket']}/timeline", headers=world.headers()
    ).json()
    met = [e["payload"] for e in events["items"] if e["type"] == "sla.met"]
    assert met == [{"target": "first_response", "late": False, "cycle": 1}]
    shown = client.get(f"/api/v1/tickets/{shop['ticket']}/sla", headers=world.headers()).json()
    assert {t["target"]: t["status"] for t in shown}["first_response"] == "met"


def test_a_strict_calendar_refuses_to_guess_a_year_without_holiday_data(
    client, runtime, world, shop
):
    admin = world.headers(Role.admin)
    r = client.post(
        "/api/v1/sla/policies",
        json={
            "name": "严格日历",
            "position": 1,
            "conditions": {"priority": ["P2"]},
            "calendar": {
                "timezone": "Asia/Shanghai",
                "hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-18:00"),
                "strict": True,
            },
            "targets": {"resolution": {"minutes": 60 * 9 * 30}},
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    with clock.frozen(local(2026, 12, 20, 10)):
        bad = client.post(
            "/api/v1/tickets",
            json={"subject": "跨年工单", "priority": "P2"},
            headers=world.headers(),
        )
        assert (
            bad.status_code == 422
            and bad.json()["code"] == "sla.calendar_uncovered"
            and "2027" in bad.json()["detail"]
        )
        # Nothing half-written: the refused ticket does not exist.
        listed = client.get("/api/v1/tickets?priority=P2", headers=world.headers()).json()["items"]
        assert listed == []


def test_an_english_speaking_customer_is_told_in_english(runtime, world, shop):
    with runtime.sessions() as s:
        s.get(promises.Customer, shop["customer"]).locale = "en"
        s.commit()
    shop["clock"].set(local(2026, 9, 30, 12))
    sweep(runtime)
    with runtime.sessions() as s:
        [told] = s.scalars(
            select(conversations.Message).where(
                conversations.Message.conversation_id == shop["conv"]
            )
        ).all()
    assert told.body.startswith("We are sorry for the wait")
    assert "30 Sep, 14:00 (China time)" in told.body
    assert world.staff[Role.team_lead].name in told.body


def test_policy_calendar_overrides_move_due_times(client, world):
    """A company holiday and a freeze window, entered on the policy, stop its clock."""
    admin = world.headers(Role.admin)
    hours = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-18:00")
    r = client.post(
        "/api/v1/sla/policies",
        json={
            "name": "公司假期",
            "position": 1,
            "calendar": {
                "hours": hours,
                "overrides": {
                    "holidays": ["2026-09-30"],
                    "freezes": [{"start": "2026-10-08", "end": "2026-10-08", "label": "盘点"}],
                },
            },
            "targets": {"first_response": {"minutes": 60}},
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    assert r.json()["calendar"]["overrides"]["holidays"] == ["2026-09-30"]
    with clock.frozen(local(2026, 9, 29, 17, 30)):
        t = client.post(
            "/api/v1/tickets", json={"subject": "节前工单"}, headers=world.headers()
        ).json()
        shown = client.get(f"/api/v1/tickets/{t['id']}/sla", headers=world.headers()).json()
    # 30 minutes on 09-29, then 09-30 (company holiday), National Day, 10-08 (frozen): 10-09 09:30.
    assert shown[0]["due_at"].startswith("2026-10-09T01:30")
    bad = client.post(
        "/api/v1/sla/policies",
        json={
            "name": "坏日历",
            "calendar": {
                "hours": hours,
                "overrides": {"freezes": [{"start": "2026-10-09", "end": "2026-10-01"}]},
            },
            "targets": {"first_response": {"minutes": 60}},
        },
        headers=admin,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "sla.bad_calendar"
