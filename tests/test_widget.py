"""Customer identity for the widget: the shop signs, kefu verifies; customers see only their own."""

import time
from datetime import timedelta

from kefu import clock
from kefu.auth.secrets import sign_widget_token


def customer_headers(world, member_id="M1001", ttl_s=600, secret=None, **claims):
    token = sign_widget_token(
        secret or world.workspace.widget_secret,
        {
            "ws": world.workspace.key,
            "sub": member_id,
            "exp": int(clock.now().timestamp()) + ttl_s,
            **claims,
        },
    )
    return {"X-Kefu-Workspace": world.workspace.key, "X-Kefu-Customer-Token": token}


def test_first_contact_creates_the_customer_once(client, world):
    h = customer_headers(world, name="赵敏", phone="13511112222", email="zm@example.com")
    first = client.get("/api/v1/widget/me", headers=h)
    assert first.status_code == 200, first.text
    again = client.get("/api/v1/widget/me", headers=customer_headers(world))
    assert again.json()["id"] == first.json()["id"]
    kinds = {i["kind"]: i for i in first.json()["identities"]}
    assert set(kinds) == {"member_id", "phone", "email"}
    assert kinds["phone"]["value_masked"] == "135****2222" and kinds["phone"]["verified"]
    staff_view = client.get(
        f"/api/v1/customers/{first.json()['id']}", headers=world.headers()
    ).json()
    assert staff_view["display_name"] == "赵敏"


def test_bad_signature_foreign_workspace_and_expiry_are_refused(client, world, other_world):
    assert (
        client.get(
            "/api/v1/widget/me", headers=customer_headers(world, secret="not-the-secret")
        ).status_code
        == 401
    )
    # A token signed by another shop's secret does not open this shop.
    foreign = customer_headers(other_world)
    foreign["X-Kefu-Workspace"] = world.workspace.key
    assert client.get("/api/v1/widget/me", headers=foreign).status_code == 401
    expired = client.get("/api/v1/widget/me", headers=customer_headers(world, ttl_s=-1))
    assert expired.status_code == 401 and expired.json()["code"] == "widget.expired"
    too_long = client.get(
        "/api/v1/widget/me", headers=customer_headers(world, ttl_s=365 * 24 * 3600)
    )
    assert too_long.status_code == 401
    garbage = {"X-Kefu-Workspace": world.workspace.key, "X-Kefu-Customer-Token": "a.b"}
    assert client.get("/api/v1/widget/me", headers=garbage).status_code == 401


def test_customer_chats_and_never_sees_internal_notes(client, world):
    me = customer_headers(world, "M-1")
    conv = client.post("/api/v1/widget/conversations", headers=me)
    assert conv.status_code == 201, conv.text
    cid = conv.json()["id"]
    sent = client.post(
        f"/api/v1/widget/conversations/{cid}/messages",
        json={"body": "我的快递到哪了", "client_msg_id": "c1"},
        headers=me,
    )
    resent = client.post(
        f"/api/v1/widget/conversations/{cid}/messages",
        json={"body": "我的快递到哪了", "client_msg_id": "c1"},
        headers=me,
    )
    assert sent.json()["id"] == resent.json()["id"] and sent.json()["direction"] == "inbound"
    staff_url = f"/api/v1/conversations/{cid}/messages"
    client.post(
        staff_url, json={"body": "老客户，优先处理", "internal": True}, headers=world.headers()
    )
    client.post(
        staff_url, json={"body": "您好，已为您催促仓库", "internal": False}, headers=world.headers()
    )
    seen = client.get(f"/api/v1/widget/conversations/{cid}/messages", headers=me).json()["items"]
    assert [m["body"] for m in seen] == ["您好，已为您催促仓库", "我的快递到哪了"]
    # The internal flag from a customer is ignored: a customer cannot write notes.
    sneaky = client.post(
        f"/api/v1/widget/conversations/{cid}/messages",
        json={"body": "hi", "internal": True},
        headers=me,
    )
    assert sneaky.json()["direction"] == "inbound"
    mine = client.get("/api/v1/widget/conversations", headers=me).json()["items"]
    assert [c["id"] for c in mine] == [cid]


def test_customers_cannot_reach_each_others_conversations(client, world):
    alice, bob = customer_headers(world, "alice"), customer_headers(world, "bob")
    cid = client.post("/api/v1/widget/conversations", headers=alice).json()["id"]
    r = client.get(f"/api/v1/widget/conversations/{cid}/messages", headers=bob)
    missing = client.get("/api/v1/widget/conversations/987654/messages", headers=bob)
    assert r.status_code == missing.status_code == 404
    assert r.json() == missing.json()
    assert (
        client.post(
            f"/api/v1/widget/conversations/{cid}/messages", json={"body": "x"}, headers=bob
        ).status_code
        == 404
    )
    assert client.get("/api/v1/widget/conversations", headers=bob).json()["items"] == []


def test_signing_matches_the_documented_recipe(world):
    """docs/widget-identity.md shows how a shop computes the token; this is that code."""
    import base64
    import hashlib
    import hmac
    import json

    secret = world.workspace.widget_secret
    claims = {"ws": "acme", "sub": "M1001", "exp": int(time.time()) + 600}
    body = base64.urlsafe_b64encode(
        json.dumps(claims, separators=(",", ":"), sort_keys=True).encode()
    ).rstrip(b"=")
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    mac = base64.urlsafe_b64encode(digest).rstrip(b"=")
    assert f"{body.decode()}.{mac.decode()}" == sign_widget_token(secret, claims)


def test_clock_is_used_for_expiry(client, world):
    h = customer_headers(world, ttl_s=60)
    assert client.get("/api/v1/widget/me", headers=h).status_code == 200
    with clock.frozen(clock.now() + timedelta(seconds=61)):
        assert client.get("/api/v1/widget/me", headers=h).status_code == 401
