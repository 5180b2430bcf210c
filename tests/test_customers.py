"""Customers: identities, masking, one timeline, audited and reversible merges."""

from kefu.auth.models import Role
from kefu.orders import service as orders


def new_customer(client, world, name="李娜", identities=(), **extra):
    r = client.post(
        "/api/v1/customers",
        json={"display_name": name, "identities": list(identities), **extra},
        headers=world.headers(),
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_identities_are_normalised_and_masked(client, world):
    c = new_customer(
        client,
        world,
        identities=[
            {"kind": "phone", "value": "+86 138-1234-5678"},
            {"kind": "email", "value": "Li.Na@Example.com"},
        ],
    )
    shown = {i["kind"]: i["value_masked"] for i in c["identities"]}
    assert shown == {"phone": "138****5678", "email": "l***@example.com"}
    assert "13812345678" not in str(c)
    # Found by the exact value written another way, without the full value ever being returned.
    r = client.get(
        "/api/v1/customers?identity_kind=phone&identity_value=13812345678", headers=world.headers()
    )
    assert [x["id"] for x in r.json()["items"]] == [c["id"]]


def test_an_identity_belongs_to_one_customer(client, world):
    a = new_customer(client, world, identities=[{"kind": "phone", "value": "13900001111"}])
    b = new_customer(client, world, name="王芳")
    r = client.post(
        f"/api/v1/customers/{b['id']}/identities",
        json={"kind": "phone", "value": "139 0000 1111"},
        headers=world.headers(),
    )
    assert r.status_code == 409
    assert f"#{a['id']}" in r.json()["detail"] and "合并" in r.json()["detail"]


def test_bad_identity_values_are_refused(client, world):
    for identity in (
        {"kind": "email", "value": "not-an-email"},
        {"kind": "phone", "value": "call me"},
    ):
        r = client.post(
            "/api/v1/customers", json={"identities": [identity]}, headers=world.headers()
        )
        assert r.status_code == 422, r.text
    assert client.get("/api/v1/customers", headers=world.headers()).json()["items"] == []


def test_update_tags_and_tier(client, world):
    c = new_customer(client, world, tags=["新客"])
    r = client.patch(
        f"/api/v1/customers/{c['id']}",
        json={"tier": "vip2", "tags": ["复购", "新客"]},
        headers=world.headers(),
    )
    assert r.json()["tier"] == "vip2" and r.json()["tags"] == ["复购", "新客"]
    assert [
        x["id"]
        for x in client.get("/api/v1/customers?tier=vip2", headers=world.headers()).json()["items"]
    ] == [c["id"]]
    assert [
        x["id"]
        for x in client.get("/api/v1/customers?tag=复购", headers=world.headers()).json()["items"]
    ] == [c["id"]]


def test_merge_moves_everything_and_undo_moves_it_back(client, world, runtime):
    h_lead = world.headers(Role.team_lead)
    src = new_customer(
        client,
        world,
        "张伟(微信)",
        identities=[{"kind": "wechat_openid", "value": "oAbc123"}],
        tags=["微信"],
    )
    dst = new_customer(
        client, world, "张伟", identities=[{"kind": "phone", "value": "13800000001"}], tags=["vip"]
    )
    conv = client.post(
        "/api/v1/conversations",
        json={"channel_id": world.chat.id, "customer_id": src["id"]},
        headers=world.headers(),
    ).json()
    ticket = client.post(
        "/api/v1/tickets",
        json={"subject": "漏发", "customer_id": src["id"]},
        headers=world.headers(),
    ).json()
    with runtime.sessions() as s:
        order = orders.create(
            s,
            actor=world.system,
            number="LM001",
            customer_id=src["id"],
            items=[orders.NewItem(sku="SKU-1", title="抱枕", quantity=1, unit_price_cents=5900)],
        )
        s.commit()

    def owner(path: str) -> int:
        return client.get(path, headers=h_lead).json()["customer_id"]

    assert (
        client.post(
            "/api/v1/customer-merges",
            json={"source_id": src["id"], "target_id": dst["id"]},
            headers=world.headers(Role.agent),
        ).status_code
        == 403
    )
    r = client.post(
        "/api/v1/customer-merges",
        json={"source_id": src["id"], "target_id": dst["id"], "reason": "同一手机号"},
        headers=h_lead,
    )
    assert r.status_code == 201, r.text
    merge_id = r.json()["id"]

    target = client.get(f"/api/v1/customers/{dst['id']}", headers=h_lead).json()
    assert {i["kind"] for i in target["identities"]} == {"phone", "wechat_openid"}
    assert target["tags"] == ["vip", "微信"]
    assert (
        client.get(f"/api/v1/customers/{src['id']}", headers=h_lead).json()["merged_into_id"]
        == dst["id"]
    )
    assert owner(f"/api/v1/conversations/{conv['id']}") == dst["id"]
    assert owner(f"/api/v1/tickets/{ticket['id']}") == dst["id"]
    assert owner(f"/api/v1/orders/{order.id}") == dst["id"]
    # Merged-away customers leave the default list; the target's timeline shows both histories.
    listed = [c["id"] for c in client.get("/api/v1/customers", headers=h_lead).json()["items"]]
    assert src["id"] not in listed and dst["id"] in listed
    events = client.get(f"/api/v1/customers/{dst['id']}/timeline", headers=h_lead).json()["items"]
    types = {e["type"] for e in events}
    assert {"ticket.created", "conversation.created", "customer.merged"} <= types

    again = client.post(
        "/api/v1/customer-merges",
        json={"source_id": src["id"], "target_id": dst["id"]},
        headers=h_lead,
    )
    assert again.status_code == 409

    r = client.post(f"/api/v1/customer-merges/{merge_id}/undo", headers=h_lead)
    assert r.status_code == 200 and r.json()["undone_at"] is not None
    source = client.get(f"/api/v1/customers/{src['id']}", headers=h_lead).json()
    target = client.get(f"/api/v1/customers/{dst['id']}", headers=h_lead).json()
    assert source["merged_into_id"] is None
    assert [i["kind"] for i in source["identities"]] == ["wechat_openid"]
    assert [i["kind"] for i in target["identities"]] == ["phone"]
    assert target["tags"] == ["vip"]
    assert owner(f"/api/v1/conversations/{conv['id']}") == src["id"]
    assert owner(f"/api/v1/tickets/{ticket['id']}") == src["id"]
    assert owner(f"/api/v1/orders/{order.id}") == src["id"]
    assert (
        client.post(f"/api/v1/customer-merges/{merge_id}/undo", headers=h_lead).status_code == 409
    )


def test_merge_into_self_is_refused(client, world):
    c = new_customer(client, world)
    r = client.post(
        "/api/v1/customer-merges",
        json={"source_id": c["id"], "target_id": c["id"]},
        headers=world.headers(Role.supervisor),
    )
    assert r.status_code == 422
