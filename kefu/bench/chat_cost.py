"""What one chat message costs the database side in-process, for `kefu bench chat`.

No sockets: CPU time of the thread and statements per message, alone (`chat.send`) and in groups
as SQLite's group commit stores them (`chat.send_many`) — figures the machine's other load moves
far less than the latencies of the socket runs.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, select

from kefu.auth.actor import Actor
from kefu.config import Settings
from kefu.conversations.models import Conversation
from kefu.realtime import chat
from kefu.realtime.hub import Hub
from kefu.realtime.protocol import SendMessage
from kefu.runtime import build

PER_MESSAGE_N = 300
PER_MESSAGE_GROUP = 10


def per_message(url: str, n: int = PER_MESSAGE_N, group: int = PER_MESSAGE_GROUP) -> dict[str, Any]:
    """One message's cost in this process, no sockets: `chat.send` for customers of assigned
    chats (the realtime subscriber listening, as in `kefu serve`), then the same messages in
    groups (`chat.send_many`, SQLite's group commit). CPU time of this thread — which the
    machine's other load moves far less than latencies — and statements per message."""
    rt = build(Settings(database_url=url, worker_in_process=False))
    Hub(rt)
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    try:
        with rt.sessions() as s:
            convs = s.execute(
                select(Conversation.workspace_id, Conversation.customer_id, Conversation.id)
                .where(Conversation.assignee_id.is_not(None))
                .order_by(Conversation.id)
                .limit(50)
            ).all()
        sends = [
            (
                Actor.customer(ws, customer),
                SendMessage(
                    type="message", conversation_id=conv, client_msg_id=f"p{k}", body="在吗"
                ),
            )
            for k, (ws, customer, conv) in enumerate(convs[i % len(convs)] for i in range(2 * n))
        ]
        for actor, frame in sends[:20]:  # warm: first-use set-up is not the subject
            with rt.sessions() as s:
                chat.send(s, actor, frame)
        event.listen(rt.engine, "before_cursor_execute", count)
        t0 = time.thread_time()
        for actor, frame in sends[20:n]:
            with rt.sessions() as s:
                chat.send(s, actor, frame)
        one = (time.thread_time() - t0, statements[0], n - 20)
        statements[0] = 0
        t0 = time.thread_time()
        for k in range(n, 2 * n, group):
            with rt.sessions() as s:
                chat.send_many(s, sends[k : k + group])
        grouped = (time.thread_time() - t0, statements[0], n)
    finally:
        event.remove(rt.engine, "before_cursor_execute", count)
        rt.close()

    def figures(cpu: float, stmts: int, msgs: int) -> dict[str, Any]:
        return {
            "messages": msgs,
            "cpu_ms_per_message": round(cpu / msgs * 1000, 3),
            "statements_per_message": round(stmts / msgs, 2),
        }

    return {"send": figures(*one), f"send_many_{group}": figures(*grouped)}
