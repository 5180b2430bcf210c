"""The hub: committed events become notices, notices reach the sockets that follow them.

A subscriber on the runtime's dispatcher turns each committed event into a small JSON notice
(with the full message when `capture` saw it written) and publishes it: straight onto this
process's event loop, or — with `KEFU_REDIS_URL` — to a Redis channel every `kefu serve`
process listens on, itself included. Delivery is best effort and at-least-once; a socket that
misses something (a restart, a slow client cut off) catches up through `seen` on reconnect.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from sqlalchemy import make_url

from kefu.auth.actor import Actor
from kefu.realtime import capture, chat, loads, redis_clients
from kefu.realtime.grouped import GroupedSends
from kefu.realtime.protocol import SendMessage
from kefu.timeline.models import Event

if TYPE_CHECKING:
    from kefu.realtime.connection import Connection
    from kefu.runtime import Runtime

log = logging.getLogger(__name__)
T = TypeVar("T")


def channel_name(database_url: str) -> str:
    """One Redis channel per database: deployments sharing a Redis never hear each other."""
    digest = hashlib.sha256(make_url(database_url).render_as_string(hide_password=True).encode())
    return f"kefu:realtime:{digest.hexdigest()[:16]}"


# Event type -> (notice kind, conversation frame event).
_CONVERSATION_EVENTS = {
    "conversation.created": "waiting",
    "conversation.assigned": "assigned",
    "conversation.closed": "closed",
    "conversation.reopened": "waiting",
    "conversation.queued": "waiting",
}
# Events that change what the workbench's orders panel shows (an order, its parcel, an after-sales
# case, a refund at the shop): pushed as ids to the staff viewing that customer. A grant shows in
# the form of the agent who made it; a refund it pays comes as `order.effect_delivered`.
_ORDER_EVENTS = ("order.", "logistics.", "aftersale.")
# Event type -> the alert `kind` supervisors get (the payload may name a finer one: "angry").
_ALERTS = {
    "routing.alert": "angry",
    "community.storm": "storm",
    "sla.warning": "breach_risk",
    "sla.breached": "breach",
}


class Hub:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.redis_url = runtime.settings.redis_url
        self.channel = channel_name(runtime.settings.database_url)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.customers: dict[tuple[int, int], set[Connection]] = defaultdict(set)
        self.staff: dict[int, set[Connection]] = defaultdict(set)
        # conversation id -> {"assignee_id", "customer_id", "status"}, as last seen.
        self.conversations: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._queue: asyncio.Queue[dict[str, Any]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._redis_pub: Any = None
        self._redis_sub: Any = None
        self._start_lock: asyncio.Lock | None = None
        self.limiter: CapacityLimiter | None = None
        self.sends: GroupedSends | None = None  # on SQLite: group commit of the sockets' sends
        self.on_stop: Callable[[], Awaitable[None]] | None = None  # the flood limits' Redis
        runtime.dispatcher.subscribe("*", self.on_event)

    # --- publishing (any thread) ----------------------------------------------------------------

    def on_event(self, ev: Event) -> None:
        """Dispatcher subscriber: runs in the committing thread, right after commit. No DB here."""
        notice = notice_for(ev)
        if notice is not None:
            self.publish(notice)

    def publish(self, notice: dict[str, Any]) -> None:
        if self.redis_url:
            self._publish_redis(json.dumps(notice, ensure_ascii=False))
        else:
            self._enqueue(notice)

    def _enqueue(self, notice: dict[str, Any]) -> None:
        loop, queue = self.loop, self._queue
        if loop is None or queue is None or loop.is_closed():
            return  # no socket ever connected here: nobody to tell
        try:
            loop.call_soon_threadsafe(queue.put_nowait, notice)
        except RuntimeError:  # the loop closed meanwhile
            pass

    def _publish_redis(self, payload: str) -> None:
        import redis

        if self._redis_pub is None:
            self._redis_pub = redis.Redis.from_url(self.redis_url)  # type: ignore[arg-type]
        try:
            self._redis_pub.publish(self.channel, payload)
        except redis.RedisError:
            # The change is committed; sockets catch up on reconnect. Not worth failing the event.
            log.exception("realtime: publish to redis failed")

    async def publish_async(self, notice: dict[str, Any]) -> None:
        """From the event loop (typing): never block it on a socket to Redis."""
        if self.redis_url:
            await self._redis_async().publish(self.channel, json.dumps(notice, ensure_ascii=False))
        else:
            self._enqueue(notice)

    def _redis_async(self) -> Any:
        if self._redis_sub is None:
            assert self.redis_url is not None
            self._redis_sub = redis_clients.async_client(self.redis_url)
        return self._redis_sub

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Begin delivering on this loop (the first socket calls it); subscribe to Redis first."""
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self.loop is not None:
                return
            self._queue = asyncio.Queue()
            sqlite = self.runtime.engine.dialect.name == "sqlite"
            self.limiter = CapacityLimiter(1 if sqlite else 40)
            if sqlite:
                self.sends = GroupedSends(self.db)
            if self.redis_url:
                pubsub = self._redis_async().pubsub()
                await pubsub.subscribe(self.channel)
                self._tasks.append(asyncio.create_task(self._listen(pubsub)))
            self._tasks.append(asyncio.create_task(self._deliver_loop()))
            self.loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        if self.on_stop is not None:
            await self.on_stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: S110 — shutting down
                pass
        self._tasks.clear()
        self.loop = None
        if self._redis_sub is not None:
            await self._redis_sub.aclose()
            self._redis_sub = None
        if self._redis_pub is not None:
            self._redis_pub.close()
            self._redis_pub = None

    async def _listen(self, pubsub: Any) -> None:
        try:
            async for item in pubsub.listen():
                if item.get("type") == "message" and self._queue is not None:
                    try:
                        self._queue.put_nowait(json.loads(item["data"]))
                    except ValueError:
                        log.warning("realtime: undecodable notice from redis")
        finally:
            await pubsub.aclose()

    async def _deliver_loop(self) -> None:
        assert self._queue is not None
        while True:
            notice = await self._queue.get()
            try:
                await self._deliver(notice)
            except Exception:
                log.exception("realtime: delivering %s failed", notice.get("kind"))

    # --- routing (on the loop) ------------------------------------------------------------------

    def register(self, conn: Connection) -> None:
        if conn.customer_id is not None:
            self.customers[(conn.workspace_id, conn.customer_id)].add(conn)
        else:
            self.staff[conn.workspace_id].add(conn)

    def unregister(self, conn: Connection) -> None:
        if conn.customer_id is not None:
            key = (conn.workspace_id, conn.customer_id)
            self.customers[key].discard(conn)
            if not self.customers[key]:
                del self.customers[key]
        else:
            self.staff[conn.workspace_id].discard(conn)
            if not self.staff[conn.workspace_id]:
                del self.staff[conn.workspace_id]

    def remember(self, conversation_id: int, meta: dict[str, Any] | None) -> None:
        if meta is None:
            return
        self.conversations[conversation_id] = meta
        self.conversations.move_to_end(conversation_id)
        while len(self.conversations) > 50_000:
            self.conversations.popitem(last=False)

    def _interested(self, ws: int, customer_id: int | None) -> bool:
        return bool(self.staff.get(ws)) or (
            customer_id is not None and bool(self.customers.get((ws, customer_id)))
        )

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(session, *args)` in a worker thread with a session of its own, committed by fn.

        On SQLite one at a time: its writers take turns on one lock, and a queue here wakes the
        next at once where SQLite's busy handler would have it sleep and poll.
        """
        assert self.limiter is not None, "start() first"
        return await anyio.to_thread.run_sync(self._load, fn, *args, limiter=self.limiter)

    async def _deliver(self, n: dict[str, Any]) -> None:
        ws: int = n["ws"]
        kind: str = n["kind"]
        if not self._interested(ws, n.get("customer_id")) and kind != "typing":
            return
        conv_id: int = n.get("conversation_id") or 0
        if kind == "message":
            if n.get("message") is None or n.get("conversation") is None:
                found = await self.db(loads.message, n["message_id"])
                if found is None:
                    return
                n["message"], n["conversation"] = found
            self.remember(conv_id, n["conversation"])
            self._route_message(n)
        elif kind == "conversation":
            loaded = await self.db(loads.conversation, conv_id)
            if loaded is None:
                return
            self.remember(conv_id, _meta_of(loaded))
            frame = {"type": "conversation", "conversation": loaded, "event": n["event"]}
            for conn in list(self.staff.get(ws, ())):
                conn.push(frame)
            if n["event"] in ("assigned", "transferred", "closed"):
                for conn in list(self.customers.get((ws, loaded["customer_id"]), ())):
                    conn.push(frame)
        elif kind == "typing":
            self._route_typing(n)
        elif kind == "orders":
            frame = {k: n[k] for k in ("customer_id", "order_id", "event")}
            for conn in list(self.staff.get(ws, ())):
                if conn.viewing == n["customer_id"]:
                    conn.push({"type": "orders", **frame})
        elif kind in ("presence", "alert"):
            frame = {"type": kind, **n["data"]}
            for conn in list(self.staff.get(ws, ())):
                if conn.supervisor:
                    conn.push(frame)

    async def send(self, actor: Actor, frame: SendMessage) -> chat.Sent:
        """`chat.send` in a worker thread: on SQLite grouped with the sends queued meanwhile
        (one transaction, each acknowledged after its commit); on PostgreSQL each on its own,
        many at once."""
        if self.sends is not None:
            return await self.sends.send(actor, frame)
        return await self.db(chat.send, actor, frame)

    def _load(self, fn: Callable[..., T], *args: Any) -> T:
        with self.runtime.sessions() as session:
            return fn(session, *args)

    def _route_message(self, n: dict[str, Any]) -> None:
        ws, msg, conv = n["ws"], n["message"], n["conversation"]
        frame = {"type": "message", "message": msg}
        internal = msg["direction"] == "internal"
        if not internal:
            for conn in list(self.customers.get((ws, conv["customer_id"]), ())):
                conn.push_message(frame)
        for conn in list(self.staff.get(ws, ())):
            if conn.follows(msg["conversation_id"], conv["assignee_id"]):
                conn.push_message(frame)

    def _route_typing(self, n: dict[str, Any]) -> None:
        ws, conv_id = n["ws"], n["conversation_id"]
        frame = {"type": "typing", "conversation_id": conv_id, "by": n["by"]}
        if n["by"] == "agent":
            customer_id: int = n.get("customer_id") or 0
            for conn in list(self.customers.get((ws, customer_id), ())):
                conn.push(frame)
            return
        meta = self.conversations.get(conv_id)
        assignee = meta["assignee_id"] if meta else None
        for conn in list(self.staff.get(ws, ())):
            if conn.follows(conv_id, assignee):
                conn.push(frame)


def _meta_of(conv: dict[str, Any]) -> dict[str, Any]:
    return {k: conv[k] for k in ("assignee_id", "customer_id", "status")}


def notice_for(ev: Event) -> dict[str, Any] | None:
    """The JSON a committed event becomes on the wire between processes (None: not realtime)."""
    base: dict[str, Any] = {"ws": ev.workspace_id, "conversation_id": ev.conversation_id}
    if ev.type in ("message.created", "message.note_added"):
        message_id = ev.payload.get("message_id")
        if not isinstance(message_id, int):
            return None
        notice: dict[str, Any] = {**base, "kind": "message", "message_id": message_id}
        notice["customer_id"] = ev.customer_id
        seen = capture.committed(message_id)
        if seen is not None:
            notice["message"] = capture.message_json(seen["fields"], seen["attachments"])
            # The conversation as the transaction left it (routing may have assigned it after
            # the message was written), else as it was when the message was.
            notice["conversation"] = capture.conversation_meta(
                seen["fields"]["conversation_id"]
            ) or seen.get("conversation")
        return notice
    event = _CONVERSATION_EVENTS.get(ev.type)
    if event is not None and ev.conversation_id is not None:
        if event == "assigned" and ev.payload.get("from") is not None and ev.payload.get("to"):
            event = "transferred"
        return {**base, "kind": "conversation", "event": event, "customer_id": ev.customer_id}
    if ev.customer_id is not None and ev.type.startswith(_ORDER_EVENTS):
        order_id = ev.payload.get("order_id")
        return {
            **base,
            "kind": "orders",
            "customer_id": ev.customer_id,
            "order_id": order_id if isinstance(order_id, int) else None,
            "event": ev.type,
        }
    if ev.type == "presence.changed":
        return {**base, "kind": "presence", "data": dict(ev.payload)}
    alert = _ALERTS.get(ev.type)
    if alert is not None:
        data = {"kind": ev.payload.get("kind", alert), **ev.payload}
        if ev.conversation_id is not None:
            data["conversation_id"] = ev.conversation_id
        return {**base, "kind": "alert", "data": data}
    return None
