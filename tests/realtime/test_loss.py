"""The loss test: kill -9 the server while 200 clients are sending; after the restart every client
resends what it has no ack for, and every message is then stored exactly once — acknowledged
ones included, none lost, none doubled."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from kefu.conversations.models import Message
from kefu.db import make_engine, make_sessionmaker
from tests.conftest import fresh_database
from tests.factories import make_world
from tests.realtime.conftest import shop_token
from tests.realtime.servers import Listener

pytestmark = pytest.mark.slow
CLIENTS = 200
KILL_AFTER_ACKS = 300  # acknowledged messages before the kill
IN_FLIGHT = 2  # unacknowledged sends per client at any time
NO_LIMITS = {"ip_rate_per_s": "1e9", "ip_burst": "1000000000", "chat_burst": "1000000000"}


class Client:
    def __init__(self, n: int) -> None:
        self.member = f"L{n}"
        self.sent: dict[str, str] = {}  # client_msg_id -> body, in order
        self.acked: dict[str, int] = {}  # client_msg_id -> message id

    def unacked(self) -> list[str]:
        return [c for c in self.sent if c not in self.acked]

    async def hello(self, ws: ClientConnection, shop: Any) -> None:
        await ws.send(
            json.dumps(
                {
                    "type": "hello",
                    "workspace": shop.workspace.key,
                    "token": shop_token(shop, self.member),
                }
            )
        )
        while json.loads(await ws.recv())["type"] != "welcome":
            pass

    async def read_acks(self, ws: ClientConnection, room: asyncio.Semaphore) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "ack":
                self.acked[frame["client_msg_id"]] = frame["message"]["id"]
                room.release()

    async def send(self, ws: ClientConnection, cmid: str) -> None:
        frame = {"type": "message", "client_msg_id": cmid, "body": self.sent[cmid]}
        await ws.send(json.dumps(frame, ensure_ascii=False))


async def until_killed(url: str, shop: Any, clients: list[Client], kill: asyncio.Event) -> None:
    async def run(c: Client) -> None:
        room = asyncio.Semaphore(IN_FLIGHT)  # released by each ack
        killed = asyncio.ensure_future(kill.wait())
        try:
            async with connect(url, open_timeout=30) as ws:
                await c.hello(ws, shop)
                reader = asyncio.ensure_future(c.read_acks(ws, room))
                i = 0
                while True:
                    turn = asyncio.ensure_future(room.acquire())
                    await asyncio.wait([turn, reader, killed], return_when=asyncio.FIRST_COMPLETED)
                    if not turn.done():
                        turn.cancel()
                        break
                    cmid = f"{c.member}-{i}-{uuid.uuid4().hex[:6]}"
                    c.sent[cmid] = f"消息 {i}"
                    i += 1
                    await c.send(ws, cmid)
                await asyncio.wait([reader], timeout=30)
        except (ConnectionClosed, OSError):
            pass
        finally:
            killed.cancel()

    await asyncio.gather(*(run(c) for c in clients))


async def resend_all(url: str, shop: Any, clients: list[Client]) -> None:
    async def run(c: Client) -> None:
        async with connect(url, open_timeout=30) as ws:
            await c.hello(ws, shop)
            missing = c.unacked()
            for cmid in missing:
                await c.send(ws, cmid)
            while any(m not in c.acked for m in missing):
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if frame["type"] == "ack":
                    c.acked[frame["client_msg_id"]] = frame["message"]["id"]

    await asyncio.gather(*(run(c) for c in clients))


def test_kill_9_while_sending_loses_and_doubles_nothing(tmp_path):
    url = f"sqlite:///{tmp_path}/kefu_loss.db"
    listener = Listener()
    ws_url = f"{listener.ws}/api/v1/widget/ws"
    # Both server processes import and build the app while the database is made (neither touches
    # it before `go`). The second is the one that comes back after the kill: it serves the same
    # listening socket only once told to.
    server = listener.spawn(url, **NO_LIMITS)
    standby = listener.spawn(url, **NO_LIMITS)
    with fresh_database("sqlite", str(tmp_path), "kefu_loss") as made:
        assert made == url
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        with sessions() as s:
            shop = make_world(s, key="loss")
            s.commit()
        clients = [Client(n) for n in range(CLIENTS)]
        kill = asyncio.Event()

        async def killer() -> None:
            while sum(len(c.acked) for c in clients) < KILL_AFTER_ACKS:
                await asyncio.sleep(0.02)
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
            kill.set()

        async def phase_one() -> None:
            await asyncio.gather(until_killed(ws_url, shop, clients, kill), killer())

        try:
            listener.go(server)
            asyncio.run(phase_one())
            acked_before = {cmid: mid for c in clients for cmid, mid in c.acked.items()}
            unacked_before = sum(len(c.unacked()) for c in clients)
            assert len(acked_before) >= KILL_AFTER_ACKS
            assert unacked_before > 0  # the kill did catch messages in flight
            listener.go(standby)  # the restart: dispatches what the dead one left, then serves
            asyncio.run(resend_all(ws_url, shop, clients))
        finally:
            for proc in (server, standby):
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=30)
            listener.close()

        sent = {cmid for c in clients for cmid in c.sent}
        with sessions() as s:
            rows = s.execute(
                select(Message.client_msg_id, func.count(), func.min(Message.id))
                .where(Message.workspace_id == shop.workspace.id)
                .group_by(Message.client_msg_id)
            ).all()
        engine.dispose()
        stored = {cmid: (n, first) for cmid, n, first in rows}
        assert set(stored) == sent  # nothing lost, nothing extra
        assert all(n == 1 for n, _ in stored.values())  # nothing doubled
        # What was acknowledged before the crash is the very row stored, and acked again the same.
        for cmid, mid in acked_before.items():
            assert stored[cmid][1] == mid
        for c in clients:
            for cmid, mid in c.acked.items():
                assert stored[cmid][1] == mid
