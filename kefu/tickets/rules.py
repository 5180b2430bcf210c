"""The ticket status machine: which moves are legal."""

from __future__ import annotations

from kefu.errors import Conflict
from kefu.tickets.models import TicketStatus as S

# new → open → pending_internal / pending_customer → resolved → closed; resolved and closed reopen.
TRANSITIONS: dict[S, frozenset[S]] = {
    S.new: frozenset({S.open, S.pending_internal, S.pending_customer, S.resolved, S.closed}),
    S.open: frozenset({S.pending_internal, S.pending_customer, S.resolved}),
    S.pending_internal: frozenset({S.open, S.pending_customer, S.resolved}),
    S.pending_customer: frozenset({S.open, S.pending_internal, S.resolved}),
    S.resolved: frozenset({S.closed, S.open}),
    S.closed: frozenset({S.open}),
}

STATUS_ZH = {
    S.new: "新建",
    S.open: "处理中",
    S.pending_internal: "等待内部",
    S.pending_customer: "等待客户",
    S.resolved: "已解决",
    S.closed: "已关闭",
}

OPEN_STATUSES = frozenset({S.new, S.open, S.pending_internal, S.pending_customer})


def check_transition(current: S, target: S) -> None:
    """Raise Conflict (409) with a message in both languages for an illegal move."""
    if target not in TRANSITIONS[current]:
        allowed = sorted(t.value for t in TRANSITIONS[current])
        raise Conflict(
            "ticket.illegal_transition",
            zh=f"工单不能从「{STATUS_ZH[current]}」变为「{STATUS_ZH[target]}」"
            f"（可选：{'、'.join(STATUS_ZH[S(a)] for a in allowed)}）",
            en=f"a ticket cannot move from {current.value} to {target.value} "
            f"(allowed: {', '.join(allowed)})",
        )
