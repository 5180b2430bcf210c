"""Macros: canned replies the whole workspace shares; leads and up keep them, every agent uses them.

A macro's `{variables}` are checked when it is saved (an unknown name is a 422 that lists the known
ones) and filled in for one conversation when an agent uses it.
"""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.models import Staff
from kefu.auth.permissions import Perm, require
from kefu.conversations import service as conversations
from kefu.customers.models import Customer
from kefu.errors import Conflict, Invalid
from kefu.orders.models import Order
from kefu.tenancy import get_scoped, scoped
from kefu.tickets.models import Ticket
from kefu.workbench.models import Macro

MACRO = ("快捷回复", "macro")
# The names a macro may use; each is looked up for the conversation the reply goes to.
VARIABLES = ("customer_name", "order_no", "agent_name", "ticket_no")
_VAR = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_MACROS = 500  # one workspace's list is read whole by the reply box


def check_variables(body: str) -> None:
    unknown = sorted({name for name in _VAR.findall(body) if name not in VARIABLES})
    if unknown:
        known = ", ".join("{" + v + "}" for v in VARIABLES)
        bad = ", ".join("{" + v + "}" for v in unknown)
        raise Invalid(
            "macro.unknown_variable",
            zh=f"未知变量 {bad}（可用：{known}）",
            en=f"unknown variable {bad} (known: {known})",
        )


def list_(session: Session, *, actor: Actor) -> list[Macro]:
    """The workspace's macros by shortcut."""
    require(actor, Perm.read)
    return list(session.scalars(scoped(Macro, actor).order_by(Macro.shortcut).limit(MAX_MACROS)))


def get(session: Session, *, actor: Actor, macro_id: int) -> Macro:
    require(actor, Perm.read)
    return get_scoped(session, Macro, macro_id, actor, what=MACRO)


def create(session: Session, *, actor: Actor, shortcut: str, title: str, body: str) -> Macro:
    require(actor, Perm.manage_knowledge)
    check_variables(body)
    macro = Macro(
        workspace_id=actor.workspace_id,
        shortcut=shortcut,
        title=title,
        body=body,
        created_by_id=actor.id if actor.kind == "staff" else None,
    )
    _save(session, macro)
    events.record(
        session,
        actor=actor,
        type="macro.created",
        payload={"macro_id": macro.id, "shortcut": shortcut},
    )
    return macro


def update_(
    session: Session,
    *,
    actor: Actor,
    macro_id: int,
    shortcut: str | None = None,
    title: str | None = None,
    body: str | None = None,
) -> Macro:
    require(actor, Perm.manage_knowledge)
    macro = get_scoped(session, Macro, macro_id, actor, what=MACRO, for_update=True)
    if body is not None:
        check_variables(body)
        macro.body = body
    if title is not None:
        macro.title = title
    if shortcut is not None:
        macro.shortcut = shortcut
    macro.updated_at = clock.now()
    _save(session, macro)
    return macro


def delete(session: Session, *, actor: Actor, macro_id: int) -> None:
    require(actor, Perm.manage_knowledge)
    macro = get_scoped(session, Macro, macro_id, actor, what=MACRO, for_update=True)
    session.delete(macro)
    events.record(
        session,
        actor=actor,
        type="macro.deleted",
        payload={"macro_id": macro_id, "shortcut": macro.shortcut},
    )
    session.flush()


def _save(session: Session, macro: Macro) -> None:
    # A savepoint, so a duplicate shortcut is a 409 and the caller's transaction lives on.
    try:
        with session.begin_nested():
            session.add(macro)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "macro.duplicate_shortcut",
            zh=f"快捷指令 /{macro.shortcut} 已被使用",
            en=f"the shortcut /{macro.shortcut} is taken",
        ) from exc


def values_for(session: Session, *, actor: Actor, conversation_id: int) -> dict[str, str]:
    """The variables' values for a reply in this conversation ("" where there is none)."""
    conv = conversations.access(session, actor=actor, conversation_id=conversation_id)
    customer = session.get(Customer, conv.customer_id)
    agent = session.get(Staff, actor.id) if actor.kind == "staff" and actor.id else None
    order_no = session.scalars(
        scoped(Order, actor).where(Order.customer_id == conv.customer_id).order_by(Order.id.desc())
    ).first()
    ticket = session.scalars(
        scoped(Ticket, actor)
        .where(Ticket.customer_id == conv.customer_id)
        .order_by(Ticket.id.desc())
    ).first()
    ticket_order = ticket.order_ref if ticket is not None else ""
    return {
        "customer_name": customer.display_name if customer is not None else "",
        # The order the customer's latest ticket is about, else their latest order.
        "order_no": ticket_order or (order_no.number if order_no is not None else ""),
        "agent_name": agent.name if agent is not None else "",
        "ticket_no": str(ticket.number) if ticket is not None else "",
    }


def render(
    session: Session, *, actor: Actor, macro_id: int, conversation_id: int
) -> tuple[str, list[str]]:
    """The macro's text for this conversation, and the variables that had no value."""
    macro = get(session, actor=actor, macro_id=macro_id)
    values = values_for(session, actor=actor, conversation_id=conversation_id)
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name, "")
        if not value:
            if name not in missing:
                missing.append(name)
            return match.group(0)
        return value

    return _VAR.sub(fill, macro.body), missing
