"""Floods on the widget's REST routes: 429 with a reason and Retry-After, per IP address."""

from __future__ import annotations

import pytest

from kefu import clock
from kefu.auth.models import Role
from tests.realtime.conftest import expect, recv, shop_token


@pytest.fixture
def settings_overrides():
    return {"ip_burst": 3, "ip_rate_per_s": 0.5, "heartbeat_s": 1}


def test_one_address_gets_429_after_its_burst(client, shop):
    headers = {
        "X-Kefu-Workspace": shop.workspace.key,
        "X-Kefu-Customer-Token": shop_token(shop),
        "Accept-Language": "en",
    }
    with clock.frozen(clock.now()):
        got = [client.get("/api/v1/widget/me", headers=headers).status_code for _ in range(4)]
        assert got == [200, 200, 200, 429]
        refused = client.get("/api/v1/widget/conversations", headers=headers)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited" and "slow down" in refused.json()["detail"]
    assert refused.headers["retry-after"] == "1"
    # Staff routes are not the widget's: no limit here.
    assert client.get("/api/v1/me", headers=shop.headers()).status_code == 200
    assert (
        "429"
        in client.get("/openapi.json").json()["paths"]["/api/v1/widget/me"]["get"]["responses"]
    )


def test_a_silent_socket_is_closed_4408(client, shop):
    with client.websocket_connect("/api/v1/ws") as st:
        st.send_json({"type": "hello", "token": shop.tokens[Role.agent]})
        expect(st, "welcome")
        st.send_json({"type": "ping"})
        expect(st, "pong")
        # heartbeat_s is 1 here: nothing for 3 s closes the socket.
        assert recv(st, timeout=20) == {"type": "<close>", "code": 4408}
