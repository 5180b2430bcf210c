"""The reference: the raw DBAPI driver (sqlite3, psycopg) writing the rows kefu writes.

One transaction and one commit per operation, with the same pragmas and BEGIN IMMEDIATE on SQLite
that kefu uses, and the same Python-side work a driver user cannot avoid (timestamps, JSON). This
is the single-row-commit rate the service layer and the HTTP API are compared against.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import make_url

EXCERPT = 140

INSERT_MESSAGE = (
    "INSERT INTO messages (workspace_id, created_at, conversation_id, direction, author_kind,"
    " author_staff_id, body, client_msg_id) VALUES (%s, %s, %s, %s, %s, %s, %s, NULL) RETURNING id"
)
INSERT_EVENT = (
    "INSERT INTO events (workspace_id, type, occurred_at, actor_kind, actor_id, customer_id,"
    " conversation_id, ticket_id, payload, dispatched_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, NULL)"
)
BUMP_CONVERSATION = (
    "UPDATE conversations SET message_count = message_count + 1, last_message_at = %s WHERE id = %s"
)
NEXT_NUMBER = "UPDATE workspaces SET ticket_seq = ticket_seq + 1 WHERE id = %s RETURNING ticket_seq"
INSERT_TICKET = (
    "INSERT INTO tickets (workspace_id, created_at, number, type_id, subject, description,"
    " category, priority, status, customer_id, first_owner_id, owner_id, team_id, order_ref,"
    " custom_fields, updated_at, resolved_at, closed_at)"
    " VALUES (%s, %s, %s, NULL, %s, %s, '', %s, 'new', %s, NULL, NULL, NULL, '', %s, %s,"
    " NULL, NULL)"
    " RETURNING id"
)
INSERT_TAG = "INSERT INTO ticket_tags (ticket_id, tag) VALUES (%s, %s)"
INSERT_LINK = "INSERT INTO ticket_conversations (ticket_id, conversation_id) VALUES (%s, %s)"


class Driver(Protocol):
    def begin(self) -> None: ...
    def execute(self, sql: str, params: Sequence[Any]) -> Any: ...
    def commit(self) -> None: ...
    def stamp(self, dt: datetime) -> Any: ...
    def json(self, doc: dict[str, Any]) -> Any: ...
    def close(self) -> None: ...


class SQLiteDriver:
    """sqlite3 in autocommit mode with explicit BEGIN IMMEDIATE, as kefu.db configures it."""

    def __init__(self, url: str) -> None:
        path = make_url(url).database
        self.conn = sqlite3.connect(path or ":memory:", isolation_level=None, timeout=30)
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            "busy_timeout=30000",
        ):
            self.conn.execute(f"PRAGMA {pragma}")
        self.cur = self.conn.cursor()
        self._sql: dict[str, str] = {}

    def begin(self) -> None:
        self.cur.execute("BEGIN IMMEDIATE")

    def execute(self, sql: str, params: Sequence[Any]) -> Any:
        qmark = self._sql.get(sql)
        if qmark is None:
            qmark = self._sql[sql] = sql.replace("%s", "?")
        return self.cur.execute(qmark, params)

    def commit(self) -> None:
        self.cur.execute("COMMIT")

    def stamp(self, dt: datetime) -> Any:
        # The text form SQLAlchemy stores for a UTC DateTime on SQLite.
        return dt.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    def json(self, doc: dict[str, Any]) -> Any:
        return json.dumps(doc)

    def close(self) -> None:
        self.conn.close()


class PsycopgDriver:
    """psycopg 3, one connection, statements prepared by psycopg after their first uses."""

    def __init__(self, url: str) -> None:
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.conn = psycopg.connect(conninfo)
        self.cur = self.conn.cursor()

    def begin(self) -> None:
        pass  # psycopg opens the transaction at the first statement

    def execute(self, sql: str, params: Sequence[Any]) -> Any:
        return self.cur.execute(sql, params)

    def commit(self) -> None:
        self.conn.commit()

    def stamp(self, dt: datetime) -> Any:
        return dt

    def json(self, doc: dict[str, Any]) -> Any:
        return Jsonb(doc)

    def close(self) -> None:
        self.conn.close()


def connect(url: str) -> Driver:
    return SQLiteDriver(url) if url.startswith("sqlite") else PsycopgDriver(url)


def message_op(
    db: Driver, *, workspace_id: int, staff_id: int, conversations: Sequence[tuple[int, int]]
) -> Callable[[int], None]:
    """Message i from the agent, round-robin over (conversation id, customer id) pairs."""

    def op(i: int) -> None:
        conv_id, customer_id = conversations[i % len(conversations)]
        body = message_body(i)
        now = datetime.now(UTC)
        ts = db.stamp(now)
        db.begin()
        msg_id = db.execute(
            INSERT_MESSAGE, (workspace_id, ts, conv_id, "outbound", "agent", staff_id, body)
        ).fetchone()[0]
        payload = {"message_id": msg_id, "direction": "outbound", "excerpt": body[:EXCERPT]}
        db.execute(
            INSERT_EVENT,
            (
                workspace_id,
                "message.created",
                ts,
                "staff",
                staff_id,
                customer_id,
                conv_id,
                None,
                db.json(payload),
            ),
        )
        db.execute(BUMP_CONVERSATION, (ts, conv_id))
        db.commit()

    return op


def ticket_op(
    db: Driver, *, workspace_id: int, staff_id: int, conversations: Sequence[tuple[int, int]]
) -> Callable[[int], None]:
    """Ticket i, with a customer, one tag and one linked conversation."""

    def op(i: int) -> None:
        conv_id, customer_id = conversations[i % len(conversations)]
        subject = ticket_subject(i)
        now = datetime.now(UTC)
        ts = db.stamp(now)
        db.begin()
        number = db.execute(NEXT_NUMBER, (workspace_id,)).fetchone()[0]
        ticket_id = db.execute(
            INSERT_TICKET,
            (
                workspace_id,
                ts,
                number,
                subject,
                TICKET_DESCRIPTION,
                "P2",
                customer_id,
                db.json({}),
                ts,
            ),
        ).fetchone()[0]
        db.execute(INSERT_TAG, (ticket_id, TICKET_TAG))
        db.execute(INSERT_LINK, (ticket_id, conv_id))
        payload = {
            "number": number,
            "subject": subject,
            "priority": "P2",
            "owner_id": None,
            "conversation_ids": [conv_id],
        }
        db.execute(
            INSERT_EVENT,
            (
                workspace_id,
                "ticket.created",
                ts,
                "staff",
                staff_id,
                customer_id,
                None,
                ticket_id,
                db.json(payload),
            ),
        )
        db.commit()

    return op


TICKET_DESCRIPTION = "下单三天了物流一直没有更新，客户要求尽快处理或者退款。"
TICKET_TAG = "物流"


def message_body(i: int) -> str:
    return f"您好，您的订单 #{100000 + i} 已经发货，快递单号 SF{700000000 + i}，预计两天内送达。"


def ticket_subject(i: int) -> str:
    return f"订单 #{100000 + i} 物流三天没有更新"
