"""`kefu bench ingest`: messages and tickets in through the service layer and over HTTP.

Per database (SQLite in a temporary directory; PostgreSQL in a scratch database when
KEFU_BENCH_PG_URL names an admin URL) three phases write into their own conversations:

- raw: the DBAPI driver inserts the rows kefu writes, one transaction and commit per operation
  (the reference: the single-row-commit rate of this machine and database);
- service: `conversations.post_message` and `tickets.create` in a session each, committed as a
  request commits, with the outbox dispatched after commit to one in-process subscriber;
- http: the same through the real ASGI app under uvicorn, from an httpx client.

The throughput of service and http is reported as a ratio to raw. After the run the rows are
counted: each phase wrote exactly what it performed, and every kefu event was dispatched.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.bench import raw, server
from kefu.bench.common import (
    Series,
    StatementCache,
    chunks,
    machine,
    measure,
    ratio,
    scratch_postgres,
    scratch_sqlite,
)
from kefu.channels import service as channels
from kefu.channels.models import ChannelKind
from kefu.config import Settings
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation, Message
from kefu.customers import service as customers
from kefu.runtime import Runtime, build
from kefu.tickets import service as tickets
from kefu.tickets.models import Priority, Ticket, TicketConversation, TicketTag
from kefu.timeline.models import Event

# At scale 1.0; each phase performs this many operations (plus a short untimed warm-up).
MESSAGES = 1000
TICKETS = 250
CONVERSATIONS = 20  # per phase; messages go round-robin over them
ROUNDS = 10  # the phases take turns, each writing a tenth of its operations per round
PHASES = ("raw", "service", "http")
PG_ENV = "KEFU_BENCH_PG_URL"

Op = Callable[[int], object]
KINDS = ("messages", "tickets")
EVENT_TYPES = ("message.created", "ticket.created")


@dataclass
class Phase:
    """One way in (raw, service, http): its conversations, operations and measurements."""

    name: str
    conversations: list[tuple[int, int]]  # (conversation id, customer id)
    ops: dict[str, Op] = field(default_factory=dict)  # kind -> op(i), i unique within the phase
    performed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    series: dict[str, Series] = field(default_factory=lambda: {kind: Series() for kind in KINDS})

    def warm_up(self, kind: str, n: int) -> None:
        """Untimed operations first: connections, statement caches, the server's first requests."""
        start = self.performed[kind]
        for i in range(start, start + n):
            self.ops[kind](i)
        self.performed[kind] += n

    def run(self, kind: str, n: int) -> None:
        start = self.performed[kind]
        self.series[kind].extend(measure(self.ops[kind], range(start, start + n)))
        self.performed[kind] += n


@dataclass
class World:
    workspace_id: int
    staff_id: int
    actor: Actor
    token: str
    phases: dict[str, Phase]


def run(scale: float = 1.0) -> dict[str, Any]:
    """Run the ingest benchmark; returns one JSON-ready dict."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    n_messages = max(10, round(MESSAGES * scale))
    n_tickets = max(5, round(TICKETS * scale))
    started = time.perf_counter()
    result: dict[str, Any] = {
        "benchmark": "ingest",
        "scale": scale,
        "workload": {
            "messages_per_phase": n_messages,
            "tickets_per_phase": n_tickets,
            "warmup_per_phase": {"messages": _warmup(n_messages), "tickets": _warmup(n_tickets)},
            "rounds": ROUNDS,
            "conversations_per_phase": CONVERSATIONS,
            "message": "agent reply: messages row + message.created event + conversation counters",
            "ticket": "ticket with customer, 1 tag, 1 linked conversation + ticket.created event",
            "commit": "one transaction and commit per operation in every phase",
            "subscribers": "service phase: one in-process subscriber for every event type",
        },
        "machine": machine(),
        "http": server.describe(),
        "databases": {},
    }
    with scratch_sqlite() as url:
        result["databases"]["sqlite"] = _run_database(url, n_messages, n_tickets)
    admin_url = os.environ.get(PG_ENV)
    if admin_url:
        with scratch_postgres(admin_url, f"kefu_bench_{os.getpid()}") as url:
            result["databases"]["postgresql"] = _run_database(url, n_messages, n_tickets)
    else:
        result["databases"]["postgresql"] = {"skipped": f"{PG_ENV} is not set"}
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _run_database(url: str, n_messages: int, n_tickets: int) -> dict[str, Any]:
    rt = build(Settings(database_url=url))
    delivered: list[Event] = []
    # A real subscriber, so that dispatch after commit does its whole job (and can be counted).
    rt.dispatcher.subscribe("*", delivered.append)
    cache = StatementCache(rt.engine)
    try:
        with ExitStack() as stack:
            # The server boots (imports, start-up sweep) while the world is being made.
            http_server = stack.enter_context(server.serve(url))
            world = _make_world(rt)
            info = _database_info(rt.engine)
            phases = world.phases
            _raw_ops(stack, url, world, phases["raw"])
            _service_ops(rt, world, phases["service"])
            _http_ops(stack, http_server, world, phases["http"])
            # The phases take turns in rounds, so that a change in the machine's load while the
            # benchmark runs (other processes, CPU frequency) weighs on each of them alike.
            for kind, n in (("messages", n_messages), ("tickets", n_tickets)):
                for phase in phases.values():
                    phase.warm_up(kind, _warmup(n))
                with cache.counting():  # only the service phase runs statements on this engine
                    for size in chunks(n, ROUNDS):
                        for phase in phases.values():
                            phase.run(kind, size)
        rows = _verify(rt, world, delivered)
    finally:
        rt.close()
    out: dict[str, Any] = {"database": info}
    for name, phase in phases.items():
        out[name] = {kind: phase.series[kind].summary(kind) for kind in KINDS}
    out["service"]["statement_cache"] = cache.counts
    out["http"]["transport"] = "uvicorn subprocess + httpx (real HTTP over 127.0.0.1)"
    # Throughput ratios are the headline; the median-latency ratios shrug off the odd stall of a
    # busy machine, which weighs on a short loop's throughput (the raw loop above all).
    out["ratios"] = {
        f"{name}_vs_raw": {
            kind: ratio(_rate(out[name], kind), _rate(out["raw"], kind)) for kind in KINDS
        }
        for name in ("service", "http")
    }
    out["ratios"]["by_median_latency"] = {
        f"{name}_vs_raw": {
            kind: ratio(out["raw"][kind]["p50_ms"], out[name][kind]["p50_ms"]) for kind in KINDS
        }
        for name in ("service", "http")
    }
    out["rows"] = rows
    return out


def _rate(figures: dict[str, Any], kind: str) -> float:
    return float(figures[kind][f"{kind}_per_s"])


def _warmup(n: int) -> int:
    return max(2, n // 20)


def _make_world(rt: Runtime) -> World:
    """A workspace, an agent with a token, a chat channel and each phase's customers and threads."""
    with rt.sessions() as s:
        ws = auth.create_workspace(s, key="bench", name="压测商城 Bench Shop")
        system = Actor.system(ws.id)
        agent = auth.create_staff(
            s, actor=system, email="agent@bench.test", name="小王", role=Role.agent
        )
        _, token = auth.issue_token(s, staff=agent, name="bench")
        chat = channels.create(s, actor=system, kind=ChannelKind.web_chat, name="网页在线客服")
        actor = Actor.staff(ws.id, agent.id, agent.role)
        phases: dict[str, Phase] = {}
        for name in PHASES:
            pairs = []
            for k in range(CONVERSATIONS):
                cust = customers.create(s, actor=system, display_name=f"{name} 客户 {k}")
                conv = conversations.create(
                    s, actor=actor, channel_id=chat.id, customer_id=cust.id, subject="物流咨询"
                )
                pairs.append((conv.id, cust.id))
            phases[name] = Phase(name=name, conversations=pairs)
        s.commit()
    return World(workspace_id=ws.id, staff_id=agent.id, actor=actor, token=token, phases=phases)


def _raw_ops(stack: ExitStack, url: str, world: World, phase: Phase) -> None:
    db = raw.connect(url)
    stack.callback(db.close)
    args = {"workspace_id": world.workspace_id, "staff_id": world.staff_id}
    phase.ops["messages"] = raw.message_op(db, conversations=phase.conversations, **args)
    phase.ops["tickets"] = raw.ticket_op(db, conversations=phase.conversations, **args)


def _service_ops(rt: Runtime, world: World, phase: Phase) -> None:
    pairs = phase.conversations

    def post(i: int) -> None:
        conv_id, _ = pairs[i % len(pairs)]
        with rt.sessions() as s:
            conversations.post_message(
                s, actor=world.actor, conversation_id=conv_id, body=raw.message_body(i)
            )
            s.commit()

    def create(i: int) -> None:
        conv_id, customer_id = pairs[i % len(pairs)]
        with rt.sessions() as s:
            tickets.create(
                s,
                actor=world.actor,
                subject=raw.ticket_subject(i),
                description=raw.TICKET_DESCRIPTION,
                priority=Priority.P2,
                customer_id=customer_id,
                tags=[raw.TICKET_TAG],
                conversation_ids=[conv_id],
            )
            s.commit()

    phase.ops["messages"] = post
    phase.ops["tickets"] = create


def _http_ops(stack: ExitStack, http_server: server.Server, world: World, phase: Phase) -> None:
    pairs = phase.conversations
    base = http_server.ready()
    client = stack.enter_context(
        httpx.Client(base_url=base, headers={"Authorization": f"Bearer {world.token}"}, timeout=60)
    )

    def post(i: int) -> None:
        conv_id, _ = pairs[i % len(pairs)]
        r = client.post(
            f"/api/v1/conversations/{conv_id}/messages", json={"body": raw.message_body(i)}
        )
        _expect(r, 201)

    def create(i: int) -> None:
        conv_id, customer_id = pairs[i % len(pairs)]
        body = {
            "subject": raw.ticket_subject(i),
            "description": raw.TICKET_DESCRIPTION,
            "priority": "P2",
            "customer_id": customer_id,
            "tags": [raw.TICKET_TAG],
            "conversation_ids": [conv_id],
        }
        _expect(client.post("/api/v1/tickets", json=body), 201)

    phase.ops["messages"] = post
    phase.ops["tickets"] = create


def _expect(r: httpx.Response, status: int) -> None:
    if r.status_code != status:
        raise RuntimeError(
            f"{r.request.method} {r.request.url.path} answered {r.status_code}: {r.text}"
        )


def _verify(rt: Runtime, world: World, delivered: list[Event]) -> dict[str, Any]:
    """Count what each phase actually wrote; raise if it differs from what it performed."""
    rows: dict[str, Any] = {}
    problems: list[str] = []
    with rt.sessions() as s:
        for name, phase in world.phases.items():
            counts = _count_rows(s, phase)
            messages, tickets_ = phase.performed["messages"], phase.performed["tickets"]
            expected = {
                "messages": messages,
                "conversation_message_count": messages,
                "tickets": tickets_,
                "ticket_tags": tickets_,
                "ticket_links": tickets_,
                "events": messages + tickets_,
            }
            if name != "raw":
                # kefu dispatches its events after commit; the raw reference leaves them pending.
                expected["undispatched_events"] = 0
            problems += [
                f"{name}: {key} is {counts[key]}, expected {want}"
                for key, want in expected.items()
                if counts[key] != want
            ]
            rows[name] = {"performed": dict(phase.performed), **counts}
    service = world.phases["service"]
    own = {customer_id for _, customer_id in service.conversations}
    seen = sum(1 for ev in delivered if ev.customer_id in own and ev.type in EVENT_TYPES)
    rows["service"]["delivered_to_subscriber"] = seen
    if seen != service.performed["messages"] + service.performed["tickets"]:
        problems.append(f"service: {seen} events reached the subscriber")
    if problems:
        raise RuntimeError("ingest benchmark wrote the wrong rows: " + "; ".join(problems))
    rows["verified"] = True
    return rows


def _count_rows(s: Session, phase: Phase) -> dict[str, int]:
    conv_ids = [conv_id for conv_id, _ in phase.conversations]
    customer_ids = [customer_id for _, customer_id in phase.conversations]
    ticket_ids = select(Ticket.id).where(Ticket.customer_id.in_(customer_ids))
    events = select(func.count(Event.id)).where(
        Event.customer_id.in_(customer_ids), Event.type.in_(EVENT_TYPES)
    )
    stmts: dict[str, Any] = {
        "messages": select(func.count(Message.id)).where(Message.conversation_id.in_(conv_ids)),
        "conversation_message_count": select(
            func.coalesce(func.sum(Conversation.message_count), 0)
        ).where(Conversation.id.in_(conv_ids)),
        "tickets": select(func.count()).select_from(ticket_ids.subquery()),
        "ticket_tags": select(func.count(TicketTag.tag)).where(TicketTag.ticket_id.in_(ticket_ids)),
        "ticket_links": select(func.count(TicketConversation.conversation_id)).where(
            TicketConversation.ticket_id.in_(ticket_ids)
        ),
        "events": events,
        "undispatched_events": events.where(Event.dispatched_at.is_(None)),
    }
    return {key: int(s.execute(stmt).scalar_one()) for key, stmt in stmts.items()}


def _database_info(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return {
                "kind": "sqlite",
                "version": conn.exec_driver_sql("SELECT sqlite_version()").scalar_one(),
                "journal_mode": conn.exec_driver_sql("PRAGMA journal_mode").scalar_one(),
                "synchronous": {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
                    conn.exec_driver_sql("PRAGMA synchronous").scalar_one(), "?"
                ),
                "location": "temporary directory (local disk)",
            }
        settings = {
            key: conn.execute(text(f"SHOW {key}")).scalar_one()
            for key in ("server_version", "fsync", "synchronous_commit", "wal_sync_method")
        }
        return {"kind": "postgresql", **settings, "host": engine.url.host}
