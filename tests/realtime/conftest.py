"""Realtime tests run against a real engine (commits, dispatch after commit, worker threads), not
the rolled-back shared connection of the other tests: sockets do their database work in threads.
One fresh database per module and kind; each test gets its own workspace in it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from kefu import clock
from kefu.app import create_app
from kefu.auth.secrets import sign_widget_token
from kefu.config import Settings
from kefu.runtime import Runtime, build
from tests.conftest import fresh_database
from tests.factories import World, make_world


@pytest.fixture(scope="module")
def rt_url(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(db_kind, str(tmp_path_factory.mktemp(db_kind)), "kefu_rt") as url:
        yield url


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def rt(rt_url: str, tmp_path: Path, settings_overrides: dict[str, Any]) -> Iterator[Runtime]:
    settings = Settings(
        database_url=rt_url,
        worker_in_process=False,
        data_dir=str(tmp_path / "data"),
        **settings_overrides,
    )
    runtime = build(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def shop(rt: Runtime) -> World:
    with rt.sessions() as s:
        w = make_world(s, key=f"rt{uuid.uuid4().hex[:10]}")
        s.commit()
    return w


@pytest.fixture
def client(rt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=rt)) as c:
        yield c


def shop_token(world: World, member_id: str = "M1", ttl_s: int = 600, **claims: Any) -> str:
    return sign_widget_token(
        world.workspace.widget_secret,
        {"ws": world.workspace.key, "sub": member_id, "exp": int(clock.now().timestamp()) + ttl_s}
        | claims,
    )


def recv(ws: WebSocketTestSession, timeout: float = 10.0) -> dict[str, Any]:
    """The next message the server sent (a frame or a close), failing after `timeout` seconds."""

    async def get() -> Any:
        with anyio.fail_after(timeout):
            return await ws._send_rx.receive()

    message = ws.portal.call(get)
    if message["type"] == "websocket.close":
        return {"type": "<close>", "code": message.get("code")}
    import json

    return json.loads(message["text"])


def expect(ws: WebSocketTestSession, kind: str, timeout: float = 10.0) -> dict[str, Any]:
    """Read frames until one of type `kind`; the ones before it are returned in `skipped`."""
    skipped = []
    while True:
        frame = recv(ws, timeout)
        if frame["type"] == kind:
            frame["skipped"] = skipped
            return frame
        if frame["type"] == "<close>":
            raise AssertionError(f"closed ({frame['code']}) while waiting for {kind}: {skipped}")
        skipped.append(frame)


def customer_hello(ws: WebSocketTestSession, world: World, **fields: Any) -> dict[str, Any]:
    ws.send_json({"type": "hello", "workspace": world.workspace.key, **fields})
    return expect(ws, "welcome")


def staff_hello(ws: WebSocketTestSession, token: str) -> dict[str, Any]:
    ws.send_json({"type": "hello", "token": token})
    return expect(ws, "welcome")
