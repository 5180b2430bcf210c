"""A captured webhook replayed under a fresh delivery id inside the ±5 min window: never applied
again. The signature covers the delivery id (X-Kefu-Signature-V2); a shop still on the body-only
signature is protected by remembering the signatures it already had accepted."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from kefu import clock
from kefu.orders import signing
from kefu.orders.shop_models import WebhookDelivery
from tests.orders.helpers import T0, order_doc, secret_of

URL = "/api/v1/shop/webhooks/{}"


@pytest.fixture
def now():
    with clock.frozen(T0 + timedelta(hours=1)) as c:
        yield c


@pytest.fixture
def secret(runtime, world, now):
    with runtime.sessions() as s:
        value = secret_of(s, world)
        s.commit()
    return value


def captured(secret: str, delivery: str, *, v2: bool, legacy: bool) -> tuple[bytes, dict]:
    """A genuine request of the shop, as an eavesdropper would record it."""
    body = json.dumps({"type": "order.created", "data": order_doc()}).encode()
    ts = int(clock.now().timestamp())
    headers = {signing.TIMESTAMP: str(ts), signing.DELIVERY: delivery}
    if legacy:
        headers[signing.SIGNATURE] = "sha256=" + _hmac(secret, f"{ts}.".encode() + body)
    if v2:
        headers["X-Kefu-Signature-V2"] = "sha256=" + _hmac(
            secret, f"{ts}.{delivery}.".encode() + body
        )
    return body, headers


def _hmac(secret: str, msg: bytes) -> str:
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def accepted(runtime, world) -> list[tuple[str, str, str]]:
    with runtime.sessions() as s:
        return [
            (d.delivery_id, d.outcome.value, d.reason)
            for d in s.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.workspace_id == world.workspace.id)
                .order_by(WebhookDelivery.id)
            )
        ]


@pytest.mark.parametrize(
    ("v2", "legacy"), [(False, True), (True, True)], ids=["legacy-only", "both"]
)
def test_a_replay_under_a_fresh_delivery_id_is_not_applied_again(
    client, runtime, world, secret, now, v2, legacy
) -> None:
    body, headers = captured(secret, "d-1", v2=v2, legacy=legacy)
    url = URL.format(world.workspace.key)
    assert client.post(url, content=body, headers=headers).json()["outcome"] == "applied"
    now.advance(timedelta(minutes=2))  # still inside the timestamp window
    # The attacker keeps what is signed and drops what ties it to d-1.
    replay = {k: v for k, v in headers.items() if k != "X-Kefu-Signature-V2"}
    replay[signing.DELIVERY] = "d-2"
    r = client.post(url, content=body, headers=replay)
    assert r.status_code == 200 and r.json()["outcome"] == "duplicate"
    [first, again] = accepted(runtime, world)
    assert first[:2] == ("d-1", "applied") and again[:2] == ("d-2", "duplicate")
    assert "replay" in again[2]
    # The shop's own retry of d-1, signed anew a minute later, is the usual duplicate.
    now.advance(timedelta(minutes=1))
    _, retry = captured(secret, "d-1", v2=v2, legacy=legacy)
    assert client.post(url, content=body, headers=retry).json()["outcome"] == "duplicate"


def test_a_v2_signature_does_not_fit_another_delivery_id(client, runtime, world, secret) -> None:
    body, headers = captured(secret, "d-1", v2=True, legacy=False)
    r = client.post(
        URL.format(world.workspace.key), content=body, headers={**headers, signing.DELIVERY: "d-2"}
    )
    assert r.status_code == 401 and r.json()["code"] == "webhook.bad_signature"
    [(delivery, outcome, _)] = accepted(runtime, world)
    assert (delivery, outcome) == ("d-2", "rejected")


def test_a_wrong_v2_signature_is_refused_even_beside_a_right_body_only_one(
    client, runtime, world, secret
) -> None:
    body, headers = captured(secret, "d-1", v2=True, legacy=True)
    r = client.post(
        URL.format(world.workspace.key), content=body, headers={**headers, signing.DELIVERY: "d-2"}
    )
    assert r.status_code == 401 and r.json()["code"] == "webhook.bad_signature"


def test_a_shop_still_signing_the_body_only_is_served_and_told(
    client, runtime, world, secret
) -> None:
    for delivery, v2 in (("d-1", False), ("d-2", True)):
        body, headers = captured(secret, delivery, v2=v2, legacy=True)
        body = body.replace(b"SO-1", delivery.encode())  # two orders: each is applied
        headers[signing.SIGNATURE] = "sha256=" + _hmac(
            secret, f"{headers[signing.TIMESTAMP]}.".encode() + body
        )
        if v2:
            headers["X-Kefu-Signature-V2"] = "sha256=" + _hmac(
                secret, f"{headers[signing.TIMESTAMP]}.{delivery}.".encode() + body
            )
        r = client.post(URL.format(world.workspace.key), content=body, headers=headers)
        assert r.status_code == 200 and r.json()["outcome"] == "applied"
    [legacy, current] = accepted(runtime, world)
    assert "X-Kefu-Signature-V2" in legacy[2] and current[2] == ""
