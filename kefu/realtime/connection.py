"""One open socket: who it speaks for, what it follows, and one writer so frames never interleave."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from kefu.realtime import protocol

log = logging.getLogger(__name__)

OUTBOX = 2_000  # frames waiting for a slow client before it is cut off (it catches up on reconnect)
CLOSE_SLOW = 1013  # "try again later"
CLOSE_AUTH = 4401
CLOSE_SILENT = 4408
CLOSE_FLOOD = 4429


class Connection:
    def __init__(self, ws: WebSocket, lang: str) -> None:
        self.ws = ws
        self.lang = lang
        self.workspace_id = 0
        self.customer_id: int | None = None
        self.staff_id: int | None = None
        self.supervisor = False
        self.watching: set[int] = set()
        self.viewing: int | None = None  # staff: the customer whose order changes they get
        self.conversations: set[int] = set()  # a customer's own, as checked
        # client_msg_ids this socket is storing: their echo from the hub is the ack's business.
        self.pending: set[str] = set()
        self._ready = False
        self._held: list[dict[str, Any]] = []
        self._recent: OrderedDict[int, None] = OrderedDict()  # message ids already sent
        self._out: asyncio.Queue[str | None] = asyncio.Queue(maxsize=OUTBOX)
        self._writer: asyncio.Task[None] | None = None
        self.closing = False
        self.close_code = 1000

    # --- sending --------------------------------------------------------------------------------

    def start_writer(self) -> None:
        self._writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        try:
            while True:
                text = await self._out.get()
                if text is None:
                    return
                await self.ws.send_text(text)
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.closing = True

    def send(self, frame: dict[str, Any]) -> None:
        """Queue a frame in order (replies, acks, pushes share one queue)."""
        if self.closing:
            return
        try:
            self._out.put_nowait(json.dumps(frame, ensure_ascii=False, separators=(",", ":")))
        except asyncio.QueueFull:
            log.warning("realtime: slow socket cut off (%s frames waiting)", OUTBOX)
            self.closing = True
            self.close_code = CLOSE_SLOW
            asyncio.get_running_loop().create_task(self._close(CLOSE_SLOW))

    def push(self, frame: dict[str, Any]) -> None:
        """A frame from the hub: held until `welcome` has gone out."""
        if self._ready:
            self.send(frame)
        else:
            self._held.append(frame)

    def push_message(self, frame: dict[str, Any]) -> None:
        if frame["message"].get("client_msg_id") in self.pending:
            return
        if self._ready:
            if self.mark_sent(frame["message"]["id"]):
                self.send(frame)
        else:
            self._held.append(frame)

    def mark_sent(self, message_id: int) -> bool:
        """False if this message already went to this socket (delivery is at-least-once)."""
        if message_id in self._recent:
            return False
        self._recent[message_id] = None
        if len(self._recent) > 5_000:
            self._recent.popitem(last=False)
        return True

    def welcome(self, frame: dict[str, Any]) -> None:
        for msg in frame.get("missed", ()):
            self.mark_sent(msg["id"])
        self.send(frame)
        self._ready = True
        held, self._held = self._held, []
        for f in held:
            if f.get("type") == "message":
                self.push_message(f)
            else:
                self.send(f)

    def follows(self, conversation_id: int, assignee_id: int | None) -> bool:
        """Staff: own conversations, watched ones, and the queue (not yet assigned)."""
        return (
            assignee_id is None or assignee_id == self.staff_id or conversation_id in self.watching
        )

    # --- closing --------------------------------------------------------------------------------

    async def refuse(self, err: protocol.DomainError, code: int = CLOSE_AUTH) -> None:
        """An error frame, then close with a 44xx code."""
        self.send(protocol.error_frame(err, self.lang))
        await self.finish(code)

    async def finish(self, code: int = 1000) -> None:
        self.closing = True
        if self._writer is not None:
            try:
                self._out.put_nowait(None)
            except asyncio.QueueFull:
                self._writer.cancel()
            try:
                await asyncio.wait_for(self._writer, timeout=5)
            except (TimeoutError, asyncio.CancelledError):
                pass
        await self._close(code)

    async def _close(self, code: int) -> None:
        if self.ws.application_state != WebSocketState.DISCONNECTED:
            try:
                await self.ws.close(code)
            except (WebSocketDisconnect, RuntimeError, OSError):
                pass  # the client left first
