"""The two WebSocket endpoints of docs/realtime.md: customers (widget, app) and staff."""

from __future__ import annotations

import asyncio
import json
from typing import Any, TypeVar

from fastapi import APIRouter, WebSocket
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect

from kefu import clock
from kefu.conversations.service import CONVERSATION
from kefu.errors import DomainError, not_found
from kefu.realtime import chat, protocol
from kefu.realtime.connection import CLOSE_FLOOD, CLOSE_SILENT, Connection
from kefu.realtime.hub import Hub
from kefu.realtime.limits import RATE_LIMITED, Limits
from kefu.realtime.protocol import (
    CustomerHello,
    SendMessage,
    StaffHello,
    Typing,
    View,
    Watch,
)
from kefu.runtime import Runtime

router = APIRouter()
HELLO_TIMEOUT_S = 10.0
TYPING_EVERY_S = 2.0
TOUCH_EVERY_S = 60.0
T = TypeVar("T")


class _Closed(Exception):
    """The client went away (or stayed silent too long)."""


async def _frame(conn: Connection, timeout: float) -> dict[str, Any] | None:
    """The next frame as a dict; None (after an error frame) when it is not a JSON object."""
    try:
        message = await asyncio.wait_for(conn.ws.receive(), timeout)
    except TimeoutError as exc:
        conn.close_code = CLOSE_SILENT
        raise _Closed("silent") from exc
    except (WebSocketDisconnect, RuntimeError) as exc:
        raise _Closed("gone") from exc
    if message["type"] == "websocket.disconnect":
        raise _Closed("gone")
    text = message.get("text")
    if text is None:
        # A binary frame: answered like any frame that is no JSON object, and the socket stays
        # (closing it sent a client that speaks binary into a reconnect loop).
        conn.send(protocol.error_frame(protocol.BAD_JSON, conn.lang))
        return None
    if len(text) > protocol.MAX_FRAME_CHARS:
        conn.send(protocol.error_frame(protocol.TOO_LARGE, conn.lang))
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # nesting past the decoder's depth is not ValueError
        data = None
    if not isinstance(data, dict):
        conn.send(protocol.error_frame(protocol.BAD_JSON, conn.lang))
        return None
    return data


async def _open(websocket: WebSocket) -> tuple[Connection, Hub, Runtime, Limits]:
    await websocket.accept()
    state = websocket.app.state
    hub: Hub = state.hub
    await hub.start()
    lang = protocol.lang_of(websocket.headers.get("accept-language"), "zh")
    conn = Connection(websocket, lang)
    conn.start_writer()
    return conn, hub, state.runtime, state.limits


async def _hello(conn: Connection, model: type[T]) -> T | None:
    """The hello frame, or None after refusing the socket (4401)."""
    try:
        data = await _frame(conn, HELLO_TIMEOUT_S)
    except _Closed:
        await conn.refuse(protocol.NO_HELLO)
        return None
    if data is not None and isinstance(data.get("lang"), str):
        conn.lang = protocol.lang_of(data["lang"], conn.lang)
    try:
        if data is None or data.get("type") != "hello":
            raise protocol.NO_HELLO
        return model.model_validate(data)  # type: ignore[attr-defined]
    except ValidationError as exc:
        await conn.refuse(protocol.invalid(exc))
    except DomainError as exc:
        await conn.refuse(exc)
    return None


def _ip(websocket: WebSocket) -> str:
    return websocket.client.host if websocket.client else "unknown"


@router.websocket("/api/v1/widget/ws")
async def customer_socket(websocket: WebSocket) -> None:
    conn, hub, runtime, limits = await _open(websocket)
    hello = await _hello(conn, CustomerHello)
    if hello is None:
        return
    ip = _ip(websocket)
    if not await limits.ip.allow(ip):
        await conn.refuse(RATE_LIMITED, CLOSE_FLOOD)
        return
    try:
        welcome = await hub.db(chat.hello_customer, hello, runtime.settings)
    except DomainError as exc:
        await conn.refuse(exc)
        return
    actor = welcome.actor
    conn.workspace_id, conn.customer_id = actor.workspace_id, actor.id
    conn.conversations = welcome.conversations
    # Registered before the history is read: what arrives meanwhile is held, then sent after
    # `welcome` (less what `missed` already holds), so nothing falls between the two.
    hub.register(conn)
    try:
        try:
            await hub.db(chat.catch_up, actor, welcome, hello.seen)
        except DomainError as exc:
            await conn.refuse(exc)
            return
        conn.welcome(welcome.frame)
        if welcome.queue is not None:
            conn.send(welcome.queue)
        await _customer_loop(conn, hub, runtime, limits, actor, ip)
    finally:
        hub.unregister(conn)
        await conn.finish(conn.close_code)


async def _customer_loop(
    conn: Connection, hub: Hub, runtime: Runtime, limits: Limits, actor: Any, ip: str
) -> None:
    typed: dict[int, float] = {}
    heartbeat = runtime.settings.heartbeat_s * 3
    while not conn.closing:
        try:
            data = await _frame(conn, heartbeat)
        except _Closed:
            return
        if data is None:
            continue
        kind = data.get("type")
        if kind == "ping":
            conn.send({"type": "pong"})
        elif kind == "message":
            await _send(conn, hub, limits, actor, data, ip)
        elif kind == "typing":
            frame = _parse(conn, Typing, data)
            if frame is None:
                continue
            if frame.conversation_id not in conn.conversations:
                conn.send(protocol.error_frame(_not_found(), conn.lang))
            elif _throttle(typed, frame.conversation_id):
                await hub.publish_async(
                    {
                        "kind": "typing",
                        "ws": conn.workspace_id,
                        "conversation_id": frame.conversation_id,
                        "customer_id": conn.customer_id,
                        "by": "customer",
                    }
                )
        else:
            conn.send(protocol.error_frame(protocol.UNKNOWN, conn.lang))


def _not_found() -> DomainError:
    return not_found(*CONVERSATION)


def _throttle(seen: dict[int, float], conversation_id: int) -> bool:
    now = clock.now().timestamp()
    if now - seen.get(conversation_id, float("-inf")) < TYPING_EVERY_S:
        return False
    seen[conversation_id] = now
    return True


def _parse(conn: Connection, model: type[T], data: dict[str, Any]) -> T | None:
    try:
        return model.model_validate(data)  # type: ignore[attr-defined]
    except ValidationError as exc:
        extra = {}
        if isinstance(data.get("client_msg_id"), str):
            extra["client_msg_id"] = data["client_msg_id"][:64]
        conn.send(protocol.error_frame(protocol.invalid(exc), conn.lang, **extra))
        return None


async def _send(
    conn: Connection, hub: Hub, limits: Limits, actor: Any, data: dict[str, Any], ip: str
) -> None:
    frame = _parse(conn, SendMessage, data)
    if frame is None:
        return
    if actor.kind == "customer" and not (
        await limits.customer.allow((actor.workspace_id, actor.id)) and await limits.ip.allow(ip)
    ):
        # Not stored, not acknowledged: the client keeps it and sends it again later.
        conn.send(protocol.error_frame(RATE_LIMITED, conn.lang, client_msg_id=frame.client_msg_id))
        return
    conn.pending.add(frame.client_msg_id)
    try:
        sent = await hub.send(actor, frame)
    except DomainError as exc:
        conn.send(protocol.error_frame(exc, conn.lang, client_msg_id=frame.client_msg_id))
        return
    finally:
        conn.pending.discard(frame.client_msg_id)
    conv_id = sent.ack["message"]["conversation_id"]
    conn.conversations.add(conv_id)
    conn.mark_sent(sent.ack["message"]["id"])  # the hub's echo of it, should it come later
    conn.send(sent.ack)
    if sent.queue is not None:
        conn.send(sent.queue)
    if sent.ticket is not None:
        conn.send(sent.ticket)


@router.websocket("/api/v1/ws")
async def staff_socket(websocket: WebSocket) -> None:
    conn, hub, runtime, limits = await _open(websocket)
    hello = await _hello(conn, StaffHello)
    if hello is None:
        return
    try:
        welcome = await hub.db(chat.hello_staff, hello.token, runtime.settings)
    except DomainError as exc:
        await conn.refuse(exc)
        return
    actor = welcome.actor
    conn.workspace_id, conn.staff_id = actor.workspace_id, actor.id
    conn.supervisor = chat.is_supervisor(actor)
    hub.register(conn)
    try:
        conn.welcome(welcome.frame)
        await _staff_loop(conn, hub, runtime, limits, actor, _ip(websocket))
    finally:
        hub.unregister(conn)
        await conn.finish(conn.close_code)


async def _staff_loop(
    conn: Connection, hub: Hub, runtime: Runtime, limits: Limits, actor: Any, ip: str
) -> None:
    typed: dict[int, float] = {}
    customers: dict[int, int] = {}
    heartbeat = runtime.settings.heartbeat_s * 3
    touched = float("-inf")
    while not conn.closing:
        try:
            data = await _frame(conn, heartbeat)
        except _Closed:
            return
        if data is None:
            continue
        kind = data.get("type")
        if kind == "ping":
            conn.send({"type": "pong"})
            now = clock.now().timestamp()
            if now - touched >= TOUCH_EVERY_S:  # one presence write a minute at most
                touched = now
                await hub.db(chat.touch, actor)
        elif kind == "message":
            await _send(conn, hub, limits, actor, data, ip)
        elif kind in ("watch", "unwatch"):
            frame = _parse(conn, Watch, data)
            if frame is None:
                continue
            if frame.type == "unwatch":
                conn.watching.discard(frame.conversation_id)
                continue
            try:
                reply = await hub.db(chat.watch, actor, frame.conversation_id, frame.seen)
            except DomainError as exc:
                conn.send(protocol.error_frame(exc, conn.lang))
                continue
            conn.watching.add(frame.conversation_id)
            for msg in reply["missed"]:
                conn.mark_sent(msg["id"])
            conn.send(reply)
        elif kind == "view":
            # No look-up: the hub pushes only ids of this workspace's events, the panel then
            # reads through the API with the agent's permissions.
            viewed = _parse(conn, View, data)
            if viewed is not None:
                conn.viewing = viewed.customer_id
        elif kind == "typing":
            frame_t = _parse(conn, Typing, data)
            if frame_t is None:
                continue
            conv_id = frame_t.conversation_id
            if conv_id not in customers:
                try:
                    meta = await hub.db(chat.conversation_of, actor, conv_id)
                except DomainError as exc:
                    conn.send(protocol.error_frame(exc, conn.lang))
                    continue
                customers[conv_id] = meta["customer_id"]
            if _throttle(typed, conv_id):
                await hub.publish_async(
                    {
                        "kind": "typing",
                        "ws": conn.workspace_id,
                        "conversation_id": conv_id,
                        "customer_id": customers[conv_id],
                        "by": "agent",
                    }
                )
        else:
            conn.send(protocol.error_frame(protocol.UNKNOWN, conn.lang))
