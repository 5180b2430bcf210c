"""What the customer reads in their conversation when a grant is given or waits for approval."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, can
from kefu.compensation.models import Grant, GrantStatus
from kefu.compensation.policy import CASE_ZH, REMEDY_ZH, Remedy
from kefu.compensation.rules import yuan
from kefu.conversations import service as conversations
from kefu.customers.models import Customer

SHANGHAI = ZoneInfo("Asia/Shanghai")

_GIVEN_ZH = {
    Remedy.voucher: "已为您发放 {amount} 优惠券",
    Remedy.free_shipping: "已为您补偿运费 {amount}",
    Remedy.partial_refund: "已为您安排退款 {amount}",
    Remedy.full_refund: "已为您安排全额退款 {amount}",
    Remedy.points: "已为您发放 {points} 积分（价值 {amount}）",
    Remedy.replacement: "已为您安排补发/换货（价值 {amount}）",
}
_GIVEN_EN = {
    Remedy.voucher: "we have sent you a voucher worth {amount}",
    Remedy.free_shipping: "we have paid your shipping of {amount}",
    Remedy.partial_refund: "we have arranged a refund of {amount}",
    Remedy.full_refund: "we have arranged a full refund of {amount}",
    Remedy.points: "we have added {points} points (worth {amount}) to your account",
    Remedy.replacement: "we are sending the goods again (worth {amount})",
}


def local_time(at: datetime | None) -> str:
    return at.astimezone(SHANGHAI).strftime("%m-%d %H:%M") if at else ""


def text_for(row: Grant, locale: str) -> str:
    amount, points = yuan(row.amount_cents), f"{row.amount_cents:,}"
    if locale.startswith("zh"):
        if row.status is GrantStatus.pending_approval:
            return (
                f"关于{CASE_ZH[row.case_type]}，我们正在为您申请{REMEDY_ZH[row.remedy]} {amount}，"
                f"主管将在 {local_time(row.approval_due_at)} 前确认，届时会在这里告诉您结果。"
            )
        given = _GIVEN_ZH[row.remedy].format(amount=amount, points=points)
        return f"关于{CASE_ZH[row.case_type]}：{given}。给您带来不便，非常抱歉。"
    case = row.case_type.value.replace("_", " ")
    if row.status is GrantStatus.pending_approval:
        return (
            f"About the {case}: we are requesting a {row.remedy.value.replace('_', ' ')} of "
            f"{amount} for you; a supervisor confirms it by {local_time(row.approval_due_at)} "
            "(Beijing time) and we will tell you here."
        )
    given = _GIVEN_EN[row.remedy].format(amount=amount, points=points)
    return f"About the {case}: {given}. We are sorry for the trouble."


def tell_customer(session: Session, actor: Actor, row: Grant) -> None:
    """Post the grant's news into its conversation (once per state, by client_msg_id)."""
    if row.conversation_id is None or row.status is GrantStatus.rejected:
        return
    customer = session.get(Customer, row.customer_id) if row.customer_id else None
    locale = customer.locale if customer is not None else "zh-CN"
    # The message comes from whoever acted, if they may write to customers; else from the system.
    author = (
        actor
        if can(actor, Perm.converse) and can(actor, Perm.read)
        else Actor.system(row.workspace_id)
    )
    conversations.post_message(
        session,
        actor=author,
        conversation_id=row.conversation_id,
        body=text_for(row, locale),
        client_msg_id=f"compensation:{row.id}:{row.status.value}",
    )
