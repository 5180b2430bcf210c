"""Handoffs: a team or a supplier is asked; answers stay internal; silence is chased, escalated.

Seed 000: a cross-border specialist (海淘专员) never answered and the customer waited 22 days.
Here the specialist is asked with a due time, chased twice, and then a named senior person and the
escalation ladder take over — while the customer hears only from the owner.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kefu import clock
from kefu.app import create_app
from kefu.auth import service as auth
from kefu.auth.models import Role, Staff, TeamKind, Workspace
from kefu.http.idempotency import IdempotencyRecord
from kefu.parties import service as parties
from kefu.parties.models import PartyKind
from kefu.runtime import Runtime
from kefu.sla import handoffs_api, portal
from kefu.sla.escalation_models import Escalation, Handoff, HandoffStatus, Notification
from kefu.tickets import service as tickets
from kefu.tickets.models import Ticket, TicketStatus
from kefu.timeline.models import Event
from kefu.timers import service as timers
from kefu.timers.models import Timer
from tests.factories import World
from tests.test_widget import customer_headers

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai, a working day
MIN = timedelta(minutes=1)
EN = {"Accept-Language": "en"}


@pytest.fixture
def clk() -> Iterator[clock.FrozenClock]:
    with clock.frozen(T0) as c:
        yield c


@pytest.fixture
def api(runtime: Runtime, clk: clock.FrozenClock) -> Iterator[TestClient]:
    app = create_app(runtime=runtime)
    mounted = {getattr(route, "path", None) for route in app.routes}
    if "/api/v1/handoffs" not in mounted:
        app.include_router(handoffs_api.router)
    if "/portal/handoffs/{token}" not in mounted:
        app.include_router(portal.router)
    with TestClient(app) as c:
        yield c


@dataclass
class Case:
    world: World
    ticket_id: int
    number: int
    conversation_id: int
    customer: dict[str, str]  # the widget customer's headers
    team_id: int
    empty_team_id: int
    party_id: int
    bare_party_id: int
    lead: Staff
    specialist: Staff
    boss: Staff
    tokens: dict[str, str]

    def h(self, who: str = "agent", lang: str = "zh-CN") -> dict[str, str]:
        if who in self.tokens:
            return {"Authorization": f"Bearer {self.tokens[who]}", "Accept-Language": lang}
        return self.world.headers(Role(who), lang)


@pytest.fixture
def case(runtime: Runtime, world: World, api: TestClient) -> Case:
    me = customer_headers(world, "M-22", name="张伟", phone="13912345678")
    cid = api.post("/api/v1/widget/conversations", headers=me).json()["id"]
    sent = api.post(
        f"/api/v1/widget/conversations/{cid}/messages",
        json={"body": "我的海淘包裹 22 天还没到"},
        headers=me,
    )
    assert sent.status_code == 201, sent.text
    customer_id = api.get("/api/v1/widget/me", headers=me).json()["id"]
    system = world.system
    with runtime.sessions() as s:
        people, tokens = {}, {}
        for key, role in (
            ("specialist", Role.agent),
            ("lead", Role.team_lead),
            ("boss", Role.supervisor),
            ("outsider", Role.agent),
        ):
            people[key] = auth.create_staff(
                s, actor=system, email=f"{key}@acme.test", name=f"{key}-名", role=role
            )
            tokens[key] = auth.issue_token(s, staff=people[key], name="t")[1]
        team = auth.create_team(s, actor=system, name="海淘专员", kind=TeamKind.cross_border)
        auth.set_member(s, actor=system, team_id=team.id, staff_id=people["specialist"].id)
        auth.set_member(s, actor=system, team_id=team.id, staff_id=people["lead"].id, is_lead=True)
        centre = auth.create_team(s, actor=system, name="客服中心", kind=TeamKind.frontline)
        auth.set_member(s, actor=system, team_id=centre.id, staff_id=people["lead"].id)
        auth.set_member(
            s, actor=system, team_id=centre.id, staff_id=people["boss"].id, is_lead=True
        )
        empty = auth.create_team(s, actor=system, name="质检", kind=TeamKind.quality)
        supplier = parties.create(
            s,
            actor=system,
            kind=PartyKind.supplier,
            name="海外仓供应商",
            contacts=[
                {"name": "王经理", "phone": "13812341234"},
                {"name": "李总", "title": "总经理", "email": "li.zong@supplier.test"},
            ],
        )
        bare = parties.create(s, actor=system, kind=PartyKind.carrier, name="某承运商")
        ticket = tickets.create(
            s,
            actor=world.actor(Role.agent),
            subject="海淘订单 22 天未到",
            customer_id=customer_id,
            conversation_ids=[cid],
        )
        s.commit()
    return Case(
        world=world,
        ticket_id=ticket.id,
        number=ticket.number,
        conversation_id=cid,
        customer=me,
        team_id=team.id,
        empty_team_id=empty.id,
        party_id=supplier.id,
        bare_party_id=bare.id,
        lead=people["lead"],
        specialist=people["specialist"],
        boss=people["boss"],
        tokens=tokens,
    )


def ask(api: TestClient, case: Case, **body: Any) -> dict[str, Any]:
    body = {"question": "包裹清关到哪一步了？", "within_business_minutes": 120, **body}
    r = api.post(f"/api/v1/tickets/{case.ticket_id}/handoffs", json=body, headers=case.h())
    assert r.status_code == 201, r.text
    return r.json()


def token_of(created: dict[str, Any]) -> str:
    assert created["portal_url"].startswith("/portal/handoffs/")
    return str(created["portal_url"].rsplit("/", 1)[1])


def sweep(runtime: Runtime, clk: clock.FrozenClock, until: datetime) -> int:
    clk.set(until)
    return timers.sweep(runtime.sessions).fired


def events(runtime: Runtime, type: str, handoff_id: int | None = None) -> list[dict[str, Any]]:
    with runtime.sessions() as s:
        rows = s.scalars(select(Event).where(Event.type == type).order_by(Event.id)).all()
    return [
        e.payload for e in rows if handoff_id is None or e.payload.get("handoff_id") == handoff_id
    ]


def notes(runtime: Runtime, staff: Staff | int, kind: str) -> list[Notification]:
    staff_id = staff if isinstance(staff, int) else staff.id
    with runtime.sessions() as s:
        return list(
            s.scalars(
                select(Notification).where(
                    Notification.staff_id == staff_id, Notification.kind == kind
                )
            )
        )


def handoff(runtime: Runtime, handoff_id: int) -> Handoff:
    with runtime.sessions() as s:
        row = s.get(Handoff, handoff_id)
        assert row is not None
        return row


def ticket_status(runtime: Runtime, case: Case) -> TicketStatus:
    with runtime.sessions() as s:
        row = s.get(Ticket, case.ticket_id)
        assert row is not None
        return row.status


# --- asking ----------------------------------------------------------------------------------


def test_asking_a_team_notifies_its_lead_parks_the_ticket_and_arms_the_chase(api, case, runtime):
    created = ask(api, case, team_id=case.team_id)
    assert created["status"] == "open" and created["team_id"] == case.team_id
    assert created["portal_url"] is None and created["overdue"] is False
    assert datetime.fromisoformat(created["due_at"]) == T0 + timedelta(
        hours=2
    )  # 120 business minutes
    assert ticket_status(runtime, case) is TicketStatus.pending_internal
    [asked] = events(runtime, "handoff.asked", created["id"])
    assert asked["team"] == "海淘专员" and asked["number"] == case.number
    assert [n.text for n in notes(runtime, case.lead, "handoff.asked")] == [
        f"工单 #{case.number} 请求协作（3月10日 12:00前答复）：包裹清关到哪一步了？"
    ]
    with runtime.sessions() as s:
        timer = timers.armed(s, kind="handoff.chase", key=f"handoff:{created['id']}:0")
        assert timer is not None and timer.due_at == T0 + timedelta(hours=2)
    listed = api.get(f"/api/v1/tickets/{case.ticket_id}/handoffs", headers=case.h("analyst")).json()
    assert [h["id"] for h in listed] == [created["id"]]
    queue = api.get(f"/api/v1/handoffs?team_id={case.team_id}", headers=case.h("specialist")).json()
    assert [h["id"] for h in queue["items"]] == [created["id"]]
    assert api.get("/api/v1/handoffs?status=answered", headers=case.h()).json()["items"] == []
    assert api.get(f"/api/v1/handoffs/{created['id']}", headers=case.h()).json()["question"]


def test_a_party_gets_its_portal_link_once_and_only_the_hash_is_kept(api, case, runtime):
    body = {
        "question": "请确认海外仓发货时间",
        "party_id": case.party_id,
        "within_business_minutes": 60,
    }
    headers = {**case.h(), "Idempotency-Key": "ask-supplier-1"}
    url = f"/api/v1/tickets/{case.ticket_id}/handoffs"
    first = api.post(url, json=body, headers=headers)
    again = api.post(url, json=body, headers=headers)
    assert first.status_code == again.status_code == 201, first.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == first.json()["id"] and again.json()["portal_url"] is None
    token = token_of(first.json())
    with runtime.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Handoff)) == 1
        row = s.get(Handoff, first.json()["id"])
        assert (
            row is not None and row.portal_token_hash == hashlib.sha256(token.encode()).hexdigest()
        )
        assert row.portal_expires_at == row.due_at + timedelta(days=7)
        stored = [json.dumps(e.payload, ensure_ascii=False) for e in s.scalars(select(Event))]
        stored += [json.dumps(r.response) for r in s.scalars(select(IdempotencyRecord))]
    assert not [text for text in stored if token in text]  # the raw token lives nowhere


T = {"team_id": "team"}
NO_WITHIN = {**T, "within_business_minutes": None}
# what → (body changes, "status code" (code without "handoff."), Chinese fragment, English fragment)
BAD_ASKS: dict[str, tuple[dict[str, Any], str, str, str]] = {
    "no contact": ({"party_id": "bare"}, "422 party_without_contact", "联系人", "contact"),
    "two targets": ({**T, "party_id": "party"}, "422 target_required", "二选一", "exactly one"),
    "no target": ({}, "422 target_required", "二选一", "exactly one"),
    "two due times": ({**T, "due_at": "+1h"}, "422 due_required", "二选一", "one of them"),
    "no due time": (NO_WITHIN, "422 due_required", "截止时间", "due_at"),
    "due in the past": ({**NO_WITHIN, "due_at": "-1h"}, "422 due_past", "已过", "in the past"),
    "naive due": ({**NO_WITHIN, "due_at": "2026-03-11T10:00"}, "422 naive_due", "时区", "zone"),
    "due too far": ({**NO_WITHIN, "due_at": "+2400h"}, "422 due_far", "90", "90 days"),
    "blank question": ({**T, "question": " "}, "422 text_required", "请填写问题", "required"),
    "NUL": ({**T, "question": "清关\x00进度"}, "422 request.invalid", "NUL", "NUL"),
    "oversized": ({**T, "question": "问" * 4001}, "422 request.invalid", "4000", "4000"),
    "empty team": ({"team_id": "empty"}, "422 team_empty", "在职成员", "no active members"),
    "unknown team": ({"team_id": 2**62}, "404 team.not_found", "团队不存在", "team not found"),
}


def _body(case: Case, changes: dict[str, Any]) -> dict[str, Any]:
    ids = {"team": case.team_id, "party": case.party_id}
    ids |= {"bare": case.bare_party_id, "empty": case.empty_team_id}
    body: dict[str, Any] = {"question": "包裹清关到哪一步了？", "within_business_minutes": 120}
    for key, value in changes.items():
        if key in ("team_id", "party_id") and isinstance(value, str):
            value = ids[value]
        if key == "due_at" and isinstance(value, str) and value[0] in "+-":
            value = (T0 + timedelta(hours=int(value[:-1]))).isoformat()
        body[key] = value
    return {k: v for k, v in body.items() if v is not None}


def count(runtime: Runtime, model: Any, *where: Any) -> int:
    with runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.mark.parametrize("what", list(BAD_ASKS))
def test_bad_asks_are_clear_4xx_in_both_languages_and_write_nothing(api, case, runtime, what):
    changes, expected, zh, en = BAD_ASKS[what]
    url = f"/api/v1/tickets/{case.ticket_id}/handoffs"
    for lang, fragment in (("zh-CN", zh), ("en", en)):
        headers = {**case.h(lang=lang), "Idempotency-Key": f"k-{lang}"}
        r = api.post(url, json=_body(case, changes), headers=headers)
        code = r.json()["code"].removeprefix("handoff.")
        assert f"{r.status_code} {code}" == expected, r.text
        assert fragment in r.json()["detail"], r.json()
    assert count(runtime, Handoff) == count(runtime, IdempotencyRecord) == 0
    assert count(runtime, Timer, Timer.kind == "handoff.chase") == 0
    assert count(runtime, Event, Event.type.like("handoff.%")) == 0
    assert ticket_status(runtime, case) is TicketStatus.open
    assert notes(runtime, case.lead, "handoff.asked") == []


def test_who_may_ask_and_answer(api, case, runtime, other_world):
    url = f"/api/v1/tickets/{case.ticket_id}/handoffs"
    body = _body(case, {"team_id": "team"})
    assert api.post(url, json=body, headers=case.h("analyst")).json()["code"] == "permission.denied"
    rival = api.post(url, json=body, headers=other_world.headers(Role.admin))
    assert rival.status_code == 404 and rival.json()["code"] == "ticket.not_found"
    created = ask(api, case, team_id=case.team_id)
    answer_url = f"/api/v1/handoffs/{created['id']}/answer"
    outsider = api.post(answer_url, json={"answer": "不清楚"}, headers=case.h("outsider", "en"))
    assert outsider.status_code == 403 and "asked team" in outsider.json()["detail"]
    assert (
        api.get(
            f"/api/v1/handoffs/{created['id']}", headers=other_world.headers(Role.admin)
        ).status_code
        == 404
    )
    assert handoff(runtime, created["id"]).status is HandoffStatus.open


# --- answering: one face -----------------------------------------------------------------------


def test_the_customer_never_sees_the_handoff_while_staff_see_the_note_and_the_owner_is_told(
    api, case, runtime
):
    created = ask(api, case, team_id=case.team_id, question="SECRET-Q 包裹清关到哪一步了？")
    r = api.post(
        f"/api/v1/handoffs/{created['id']}/answer",
        json={"answer": "SECRET-A 已清关，明天发出"},
        headers=case.h("specialist"),
    )
    assert r.status_code == 200, r.text
    assert (
        r.json()["status"] == "answered"
        and r.json()["answered_by"] == f"staff:{case.specialist.id}"
    )
    seen = api.get(
        f"/api/v1/widget/conversations/{case.conversation_id}/messages", headers=case.customer
    )
    assert seen.status_code == 200 and "SECRET" not in seen.text
    assert "SECRET" not in api.get("/api/v1/widget/conversations", headers=case.customer).text
    staff_view = api.get(
        f"/api/v1/conversations/{case.conversation_id}/messages", headers=case.h()
    ).json()
    [note] = [m for m in staff_view["items"] if "SECRET-A" in m["body"]]
    assert note["direction"] == "internal" and "SECRET-Q" in note["body"]
    [told] = notes(runtime, case.world.staff[Role.agent], "handoff.answered")
    assert "SECRET-A" in told.text and f"#{case.number}" in told.text
    [answered] = events(runtime, "handoff.answered", created["id"])
    assert answered["via"] == "api" and answered["late"] is False
    assert ticket_status(runtime, case) is TicketStatus.open  # back with its owner
    with runtime.sessions() as s:
        assert timers.armed(s, kind="handoff.chase", key=f"handoff:{created['id']}:0") is None
    again = api.post(
        f"/api/v1/handoffs/{created['id']}/answer", json={"answer": "再答一次"}, headers=case.h()
    )
    assert again.status_code == 409 and again.json()["code"] == "handoff.not_open"


# --- the portal --------------------------------------------------------------------------------


def test_the_portal_shows_only_its_question_and_takes_the_answer(api, case, runtime):
    created = ask(api, case, party_id=case.party_id, question="请确认 SKU-9 的海外仓发货时间")
    other = ask(api, case, party_id=case.party_id, question="另一个问题：退货地址？")
    token, page_url = token_of(created), created["portal_url"]
    page = api.get(page_url)
    assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
    assert "请确认 SKU-9 的海外仓发货时间" in page.text and f"#{case.number}" in page.text
    assert "2026年3月10日 12:00" in page.text and "北京时间" in page.text
    for private in ("张伟", "13912345678", "139****5678", "13812341234", "退货地址", "海淘订单"):
        assert private not in page.text
    english = api.get(f"{page_url}?lang=en")
    assert "Please answer by" in english.text and "10 Mar 2026, 12:00" in english.text
    # A token opens its own handoff only.
    assert "退货地址" in api.get(other["portal_url"]).text
    empty = api.post(page_url, data={"answer": "  ", "name": "王经理"})
    assert empty.status_code == 422 and "请填写答复" in empty.text and "王经理" in empty.text
    assert handoff(runtime, created["id"]).status is HandoffStatus.open
    done = api.post(page_url, data={"answer": "SECRET-P 已发出，顺丰 SF123", "name": "王经理"})
    assert done.status_code == 200 and "已收到您的答复" in done.text
    row = handoff(runtime, created["id"])
    assert (
        row.status is HandoffStatus.answered
        and row.answered_by == "王经理"
        and row.answer.startswith("SECRET-P")
    )
    assert notes(runtime, case.world.staff[Role.agent], "handoff.answered")
    staff_view = api.get(
        f"/api/v1/conversations/{case.conversation_id}/messages", headers=case.h()
    ).json()
    [note] = [m for m in staff_view["items"] if "SECRET-P" in m["body"]]
    assert note["direction"] == "internal" and "王经理" in note["body"]
    seen = api.get(
        f"/api/v1/widget/conversations/{case.conversation_id}/messages", headers=case.customer
    )
    assert "SECRET-P" not in seen.text
    for method in ("GET", "POST"):
        again = api.request(method, page_url, data={"answer": "再答"} if method == "POST" else None)
        assert again.status_code == 409 and "已经答复" in again.text
    assert token not in api.get(other["portal_url"]).text


def test_the_portal_shows_the_due_time_on_the_workspaces_clock(api, case, runtime):
    with runtime.sessions() as s:
        ws = s.get(Workspace, case.world.workspace.id)
        assert ws is not None
        ws.timezone = "Europe/London"
        s.commit()
    page_url = ask(api, case, party_id=case.party_id)["portal_url"]
    # Due 12:00 Shanghai = 04:00 UTC = 04:00 in London (GMT in March).
    assert "2026年3月10日 04:00" in (zh := api.get(page_url).text) and "Europe/London" in zh
    english = api.get(f"{page_url}?lang=en").text
    assert "10 Mar 2026, 04:00" in english and "(Europe/London time)" in english
    assert "China" not in english and "北京时间" not in zh


# A well-formed token that was never issued is fixed, not drawn per run: parallel workers must
# collect the same test ids.
NEVER_ISSUED = "kR2v9QwXb7LmT4pZc8NfJ1sYh6GdA3uEo5iVxWnB0qK"


@pytest.mark.parametrize("bad", ["x", "a" * 43, NEVER_ISSUED, "%00" * 20, "abc.def"])
def test_wrong_tokens_get_a_clear_404_page(api, case, bad):
    ask(api, case, party_id=case.party_id)
    for r in (
        api.get(f"/portal/handoffs/{bad}"),
        api.post(f"/portal/handoffs/{bad}", data={"answer": "x"}),
    ):
        assert r.status_code == 404 and "链接无效" in r.text, r.text
    assert "not valid" in api.get(f"/portal/handoffs/{bad}?lang=en").text


def test_withdrawn_reissued_and_expired_links(api, case, runtime, clk):
    withdrawn = ask(api, case, party_id=case.party_id)
    r = api.post(
        f"/api/v1/handoffs/{withdrawn['id']}/cancel",
        json={"reason": "客户已收到货"},
        headers=case.h(),
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    gone = api.get(withdrawn["portal_url"])
    assert gone.status_code == 410 and "撤回" in gone.text
    live = ask(api, case, party_id=case.party_id, within_business_minutes=60)
    fresh = api.post(f"/api/v1/handoffs/{live['id']}/portal-link", headers=case.h())
    assert fresh.status_code == 200, fresh.text
    assert api.get(live["portal_url"]).status_code == 404  # the old link stops working
    assert api.get(fresh.json()["portal_url"]).status_code == 200
    team = ask(api, case, team_id=case.team_id)
    assert (
        api.post(f"/api/v1/handoffs/{team['id']}/portal-link", headers=case.h()).status_code == 409
    )
    clk.set(datetime.fromisoformat(fresh.json()["portal_expires_at"]) + MIN)
    for r in (
        api.get(fresh.json()["portal_url"]),
        api.post(fresh.json()["portal_url"], data={"answer": "晚了"}),
    ):
        assert r.status_code == 410 and "过期" in r.text
    assert "expired" in api.get(fresh.json()["portal_url"] + "?lang=en").text
    assert handoff(runtime, live["id"]).status is HandoffStatus.open


# --- chasing and escalation --------------------------------------------------------------------


def test_a_silent_team_is_chased_twice_then_escalated_to_a_named_person_once(
    api, case, runtime, clk
):
    created = ask(
        api,
        case,
        team_id=case.team_id,
        within_business_minutes=None,
        due_at=(T0 + timedelta(hours=1)).isoformat(),
    )
    hid = created["id"]
    sweep(runtime, clk, T0 + 59 * MIN)
    assert events(runtime, "handoff.chased", hid) == []
    sweep(runtime, clk, T0 + 60 * MIN)
    [first] = events(runtime, "handoff.chased", hid)
    assert first["chase"] == 1 and first["notified"] == [case.lead.id]
    assert len(notes(runtime, case.lead, "handoff.chased")) == 1
    sweep(runtime, clk, T0 + 89 * MIN)  # the next chase comes half the window (30 min) later
    assert len(events(runtime, "handoff.chased", hid)) == 1
    sweep(runtime, clk, T0 + 90 * MIN)
    assert [e["chase"] for e in events(runtime, "handoff.chased", hid)] == [1, 2]
    assert events(runtime, "handoff.escalated", hid) == []
    sweep(runtime, clk, T0 + 120 * MIN)
    [escalated] = events(runtime, "handoff.escalated", hid)
    assert escalated["responder_id"] == case.boss.id and escalated["responder"] == case.boss.name
    assert handoff(runtime, hid).escalated_at == T0 + 120 * MIN
    assert "请您督办" in notes(runtime, case.boss, "handoff.escalated")[0].text
    with runtime.sessions() as s:
        [row] = s.scalars(select(Escalation).where(Escalation.trigger == "handoff_overdue")).all()
    assert row.ticket_id == case.ticket_id and row.responder_id is not None
    assert row.details["handoff_id"] == hid and escalated["escalation_id"] == row.id
    # Nothing more for this handoff: no further chase is armed, and a stray timer does nothing.
    with runtime.sessions() as s:
        timers.schedule(
            s,
            workspace_id=case.world.workspace.id,
            kind="handoff.chase",
            key="stray",
            due_at=clk.now(),
            payload={"handoff_id": hid, "step": 2},
        )
        s.commit()
    sweep(runtime, clk, T0 + 150 * MIN)
    assert (
        len(events(runtime, "handoff.chased", hid)) == 2
        and len(events(runtime, "handoff.escalated", hid)) == 1
    )
    with runtime.sessions() as s:
        armed = s.scalars(
            select(Timer).where(
                Timer.key.like(f"handoff:{hid}:%"),
                Timer.fired_at.is_(None),
                Timer.cancelled_at.is_(None),
            )
        ).all()
        assert armed == []
        assert (
            s.scalar(
                select(func.count())
                .select_from(Escalation)
                .where(Escalation.trigger == "handoff_overdue")
            )
            == 1
        )


def test_a_silent_supplier_is_chased_at_its_first_contact_then_escalated_to_the_second(
    api, case, runtime, clk
):
    created = ask(
        api,
        case,
        party_id=case.party_id,
        within_business_minutes=None,
        due_at=(T0 + timedelta(hours=1)).isoformat(),
    )
    hid = created["id"]
    sweep(runtime, clk, T0 + 60 * MIN)
    [chased] = events(runtime, "handoff.chased", hid)
    [sent] = events(runtime, "handoff.chase_sent", hid)
    assert chased["contact"] == "王经理" == sent["contact"]
    assert sent["due_local"] == "3月10日 11:00"  # what a message to the party quotes: local time
    assert (
        sent["phone_masked"] == "138****1234"
        and sent["email_masked"] == ""
        and sent["escalation"] is False
    )
    sweep(runtime, clk, T0 + 90 * MIN)
    sweep(runtime, clk, T0 + 120 * MIN)
    sent_all = events(runtime, "handoff.chase_sent", hid)
    assert [(e["contact"], e["escalation"]) for e in sent_all] == [
        ("王经理", False),
        ("王经理", False),
        ("李总", True),
    ]
    assert sent_all[-1]["email_masked"] == "l***@supplier.test"
    [escalated] = events(runtime, "handoff.escalated", hid)
    assert escalated["contact"] == "李总" and escalated["title"] == "总经理"
    with runtime.sessions() as s:
        [row] = s.scalars(select(Escalation).where(Escalation.trigger == "handoff_overdue")).all()
        assert row.responder_id is not None and "海外仓供应商 李总" in row.reason
        payloads = [
            json.dumps(e.payload, ensure_ascii=False)
            for e in s.scalars(select(Event).where(Event.type.like("handoff.%")))
        ]
    assert not [
        p for p in payloads if "13812341234" in p or "li.zong@" in p
    ]  # masked on the timeline
    assert notes(runtime, case.world.staff[Role.agent], "ticket.escalated")  # the owner hears of it


def test_an_answered_handoffs_timer_does_nothing(api, case, runtime, clk):
    created = ask(
        api,
        case,
        team_id=case.team_id,
        within_business_minutes=None,
        due_at=(T0 + timedelta(hours=1)).isoformat(),
    )
    hid = created["id"]
    clk.set(T0 + 30 * MIN)
    r = api.post(
        f"/api/v1/handoffs/{hid}/answer", json={"answer": "已清关"}, headers=case.h("specialist")
    )
    assert r.status_code == 200, r.text
    with runtime.sessions() as s:  # a timer that fires anyway (a retry, a race): it must do nothing
        timers.schedule(
            s,
            workspace_id=case.world.workspace.id,
            kind="handoff.chase",
            key=f"handoff:{hid}:0",
            due_at=T0 + 60 * MIN,
            payload={"handoff_id": hid, "step": 0},
        )
        s.commit()
    assert sweep(runtime, clk, T0 + 3 * 60 * MIN) >= 1
    assert (
        events(runtime, "handoff.chased", hid) == []
        and events(runtime, "handoff.escalated", hid) == []
    )
    assert (
        handoff(runtime, hid).chase_count == 0 and notes(runtime, case.lead, "handoff.chased") == []
    )


# --- lists -------------------------------------------------------------------------------------


def test_a_teams_queue_puts_open_and_most_overdue_first_and_pages(api, case, clk):
    due = {
        m: ask(
            api,
            case,
            team_id=case.team_id,
            within_business_minutes=None,
            due_at=(T0 + m * MIN).isoformat(),
        )["id"]
        for m in (60, 120, 30)
    }
    assert (
        api.post(
            f"/api/v1/handoffs/{due[30]}/answer", json={"answer": "好"}, headers=case.h()
        ).status_code
        == 200
    )
    clk.set(T0 + 90 * MIN)
    seen, cursor = [], None
    for _ in range(4):
        url = f"/api/v1/handoffs?team_id={case.team_id}&limit=1" + (
            f"&cursor={cursor}" if cursor else ""
        )
        page = api.get(url, headers=case.h("specialist")).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [h["id"] for h in seen] == [due[60], due[120], due[30]]
    assert [h["overdue"] for h in seen] == [True, False, False]
    open_only = api.get(
        f"/api/v1/handoffs?team_id={case.team_id}&status=open", headers=case.h()
    ).json()
    assert [h["id"] for h in open_only["items"]] == [due[60], due[120]]
    bad = api.get("/api/v1/handoffs?cursor=bm9wZQ", headers=case.h())
    assert bad.status_code == 422 and bad.json()["code"] == "cursor.invalid"


def test_a_resolved_ticket_takes_no_handoff(api, case, runtime):
    with runtime.sessions() as s:
        tickets.transition(
            s,
            actor=case.world.actor(Role.agent),
            ticket_id=case.ticket_id,
            to=TicketStatus.resolved,
        )
        s.commit()
    body = _body(case, {"team_id": "team"})
    r = api.post(f"/api/v1/tickets/{case.ticket_id}/handoffs", json=body, headers=case.h())
    assert r.status_code == 409 and r.json()["code"] == "handoff.ticket_closed"
    assert count(runtime, Handoff) == 0 and ticket_status(runtime, case) is TicketStatus.resolved
