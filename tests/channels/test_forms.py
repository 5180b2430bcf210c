"""Forms over HTTP: a ticket of the form's type with its custom fields, and its thread."""

from __future__ import annotations

from typing import Any

from kefu.runtime import Runtime
from kefu.tickets import service as tickets
from tests.channels.conftest import Doors, customer_headers
from tests.factories import World

FIELDS: list[dict[str, Any]] = [
    {"key": "order_no", "label": "订单号", "type": "text", "required": True},
    {"key": "amount", "label": "退款金额", "type": "number", "required": True},
    {"key": "reason", "label": "原因", "type": "select", "options": ["质量问题", "不想要了"]},
]
GOOD = {"order_no": "LM2026111100123", "amount": 59.9, "reason": "质量问题"}


def refund_form(runtime: Runtime, world: World) -> None:
    with runtime.sessions() as s:
        tickets.create_type(s, actor=world.system, key="refund", name="退款申请", fields=FIELDS)
        s.commit()


def test_a_customer_submits_a_form_and_gets_a_ticket_of_its_type(
    runtime: Runtime, client: Any, world: World, doors: Doors
) -> None:
    refund_form(runtime, world)
    me = customer_headers(world, "M9", name="赵敏")
    form = client.get("/api/v1/widget/forms/refund", headers=me)
    assert form.status_code == 200 and [f["key"] for f in form.json()["fields"]] == [
        "order_no",
        "amount",
        "reason",
    ]
    body = {"subject": "申请退款", "description": "杯子裂了", "fields": GOOD}
    headers = {**me, "Idempotency-Key": "form-1"}
    r = client.post("/api/v1/widget/forms/refund", headers=headers, json=body)
    assert r.status_code == 201, r.text
    again = client.post("/api/v1/widget/forms/refund", headers=headers, json=body)
    assert again.json() == r.json() and again.headers.get("Idempotent-Replayed") == "true"
    ticket = client.get(f"/api/v1/tickets/{r.json()['ticket_id']}", headers=world.headers()).json()
    assert ticket["fields"] == GOOD and ticket["conversation_ids"] == [r.json()["conversation_id"]]
    assert ticket["customer_id"] == client.get("/api/v1/widget/me", headers=me).json()["id"]
    conv = client.get(
        f"/api/v1/conversations/{r.json()['conversation_id']}", headers=world.headers()
    ).json()
    assert conv["channel_id"] == doors.web_form.id
    msgs = client.get(f"/api/v1/widget/conversations/{conv['id']}/messages", headers=me).json()
    assert (
        "杯子裂了" in msgs["items"][0]["body"]
        and "订单号: LM2026111100123" in msgs["items"][0]["body"]
    )


def test_the_shops_backend_submits_for_a_customer_it_names_by_identity(
    runtime: Runtime, client: Any, world: World, doors: Doors
) -> None:
    refund_form(runtime, world)
    body = {
        "subject": "App 内退款",
        "fields": GOOD,
        "identities": [{"kind": "app_user_id", "value": "app-42", "verified": True}],
        "display_name": "钱多多",
    }
    r = client.post("/api/v1/forms/refund", headers=world.headers(), json=body)
    assert r.status_code == 201, r.text
    again = client.post("/api/v1/forms/refund", headers=world.headers(), json=body)
    assert again.json()["customer_id"] == r.json()["customer_id"]  # the same customer
    conv = client.get(
        f"/api/v1/conversations/{r.json()['conversation_id']}", headers=world.headers()
    ).json()
    assert conv["channel_id"] == doors.api.id


def test_bad_form_input_is_refused_before_anything_is_made(
    runtime: Runtime, client: Any, world: World, doors: Doors
) -> None:
    refund_form(runtime, world)
    me = customer_headers(world, "M9")
    cases = [
        ({"order_no": "X"}, "ticket.field_required"),
        ({**GOOD, "amount": "lots"}, "ticket.bad_field_value"),
        ({**GOOD, "reason": "<script>"}, "ticket.bad_field_value"),
        ({**GOOD, "hack": 1}, "ticket.unknown_fields"),
    ]
    for fields, code in cases:
        r = client.post(
            "/api/v1/widget/forms/refund", headers=me, json={"subject": "x", "fields": fields}
        )
        assert r.status_code == 422 and r.json()["code"] == code, r.text
    assert client.get("/api/v1/widget/conversations", headers=me).json()["items"] == []
    missing = client.post("/api/v1/widget/forms/nope", headers=me, json={"subject": "x"})
    assert missing.status_code == 404
    nobody = client.post(
        "/api/v1/forms/refund", headers=world.headers(), json={"subject": "x", "fields": GOOD}
    )
    assert nobody.status_code == 422 and nobody.json()["code"] == "form.who"
