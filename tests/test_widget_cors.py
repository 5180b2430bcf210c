"""The widget's API answers the shop's origin (preflight included); the staff API answers none."""

from kefu import clock
from kefu.auth.secrets import sign_widget_token

SHOP = "https://shop.example.com"


def test_the_widget_api_answers_another_origin_with_a_preflight(client, world):
    preflight = client.options(
        "/api/v1/widget/me",
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-kefu-workspace, x-kefu-customer-token",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "x-kefu-customer-token" in allowed and "x-kefu-workspace" in allowed
    assert "access-control-allow-credentials" not in preflight.headers  # never cookies

    token = sign_widget_token(
        world.workspace.widget_secret,
        {"ws": world.workspace.key, "sub": "m-1", "exp": int(clock.now().timestamp()) + 600},
    )
    me = client.get(
        "/api/v1/widget/me",
        headers={
            "Origin": SHOP,
            "X-Kefu-Workspace": world.workspace.key,
            "X-Kefu-Customer-Token": token,
        },
    )
    assert me.status_code == 200 and me.headers["access-control-allow-origin"] == "*"
    # Refusals reach the shop's page readably too (no opaque network error).
    bad = client.get(
        "/api/v1/widget/me",
        headers={"Origin": SHOP, "X-Kefu-Workspace": world.workspace.key},
    )
    assert bad.status_code == 401 and bad.headers["access-control-allow-origin"] == "*"


def test_the_staff_api_answers_no_other_origin(client, world):
    preflight = client.options(
        "/api/v1/me",
        headers={"Origin": SHOP, "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    me = client.get("/api/v1/me", headers={**world.headers(), "Origin": SHOP})
    assert me.status_code == 200 and "access-control-allow-origin" not in me.headers
