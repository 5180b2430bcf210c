"""Everything the bot says, zh-CN first and English second."""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, tuple[str, str]] = {
    "human_hint": (
        "回复「人工」可随时转人工客服。",
        "Reply “human” to talk to a person at any time.",
    ),
    "empty": ("您好，请问有什么可以帮您？", "Hello, how can I help you?"),
    "greeting": (
        "您好，我是智能客服，可以帮您查物流、价保、退款，也可以回答常见问题。",
        "Hi, I'm the assistant: I can track orders, handle price protection and refunds, "
        "and answer common questions.",
    ),
    "thanks": ("不客气，祝您购物愉快！", "You're welcome. Happy shopping!"),
    "not_understood": (
        "抱歉，我没太明白您的意思，能换个说法吗？",
        "Sorry, I didn't quite get that. Could you say it another way?",
    ),
    "off_topic": (
        "我只能帮您处理订单、物流、售后和店铺常见问题。",
        "I can only help with orders, delivery, after-sales and the shop's common questions.",
    ),
    "faq_helpful": (
        "这个回答有帮助吗？回复 1 有帮助，2 没帮助。",
        "Did this help? Reply 1 yes, 2 no.",
    ),
    "candidates": (
        "您想问的是下面哪个问题？请回复序号：",
        "Which of these do you mean? Reply with its number:",
    ),
    "glad": ("很高兴帮到您！还有其他问题吗？", "Glad it helped! Anything else?"),
    "sorry_faq": ("抱歉没能帮到您。", "Sorry that didn't help."),
    "handoff": (
        "正在为您转接人工客服，请稍候，客服会看到您刚才的问题，无需重复描述。",
        "Connecting you to a person. Please wait — they will see what you told me, "
        "no need to repeat it.",
    ),
    "handoff_angry": (
        "非常抱歉给您带来不好的体验，已为您优先转接资深客服，请稍候。",
        "I'm very sorry about this. A senior agent will take over right away, please wait.",
    ),
    # Nobody online: the chat becomes a ticket with a promised reply time (realtime/offline.py,
    # which the widget shows as a note); "please wait" would promise what nobody can keep.
    "handoff_offline": (
        "人工客服暂时不在线，您的问题已转为留言，客服会看到您刚才说的内容并尽快回复，无需重复描述。",
        "No agent is online right now. Your question is logged for them: they will see what you "
        "told me and reply as soon as they can, no need to repeat it.",
    ),
    "handoff_angry_offline": (
        "非常抱歉给您带来不好的体验。人工客服暂时不在线，已为您优先登记，资深客服会第一时间处理。",
        "I'm very sorry about this. No agent is online right now; your case is logged with "
        "priority and a senior agent will take it first.",
    ),
    "which_order": (
        "您有多个订单，请问是哪一个？请回复序号：",
        "You have several orders. Which one? Reply with its number:",
    ),
    "no_orders": (
        "没有查到您账户下的订单，请确认下单账号。",
        "I found no orders on your account. Please check the account you ordered with.",
    ),
    "order_not_found": (
        "没有找到订单号 {number}（只能查询您本人账户下的订单）。",
        "I can't find order {number} (I can only look up orders on your own account).",
    ),
    "order_head": ("订单 {number}（{status}）：", "Order {number} ({status}):"),
    "not_shipped": ("还未发货。", "not shipped yet."),
    "shipped_no_scan": (
        "已发货，{carrier} 运单号 {tracking}，暂无物流轨迹。",
        "shipped with {carrier}, tracking {tracking}; no scans yet.",
    ),
    "timeline": (
        "{carrier} 运单号 {tracking}，最新物流：",
        "{carrier} tracking {tracking}, latest:",
    ),
    "no_cases": ("该订单没有进行中的售后。", "There is no after-sales case on this order."),
    "case": (
        "售后 {case}：{step}，下一步「{next}」预计 {by} 前。",
        "Case {case}: {step}; next “{next}” expected by {by}.",
    ),
    "case_done": ("售后 {case}：{step}。", "Case {case}: {step}."),
    "done": ("订单 {number}：{text}", "Order {number}: {text}"),
    "confirm_refund": (
        "确认为订单 {number} 申请退款吗？回复 1 确认，2 取消。",
        "Request a refund for order {number}? Reply 1 to confirm, 2 to cancel.",
    ),
    "confirm_cancel": (
        "确认取消订单 {number} 吗？回复 1 确认，2 不取消。",
        "Cancel order {number}? Reply 1 to confirm, 2 to keep it.",
    ),
    "kept": ("好的，未做任何操作。", "OK, nothing was changed."),
    "refused": ("无法办理：{reason}", "This can't be done: {reason}"),
    "address_handoff": (
        "修改地址需要核对新地址，我为您转人工处理。",
        "Changing the address needs a person to check it; I'm handing you over.",
    ),
    "bot_error": (
        "抱歉，系统开小差了，已为您转人工客服。",
        "Sorry, something went wrong on my side; a person will take over.",
    ),
    "campaign_offer": (
        "「{title}」有一个 {steps} 步的小问答，一分钟弄清规则。回复 1 开始，2 不用了。",
        "“{title}” has a {steps}-step quiz that explains the rules in a minute. "
        "Reply 1 to start, 2 for no thanks.",
    ),
    "campaign_step": ("第 {n}/{total} 题：{text}", "Question {n}/{total}: {text}"),
    "campaign_pick": (
        "请回复 1–{count} 中的一个序号。",
        "Please reply with a number from 1 to {count}.",
    ),
    "campaign_right": ("✔ 答对了！", "✔ Correct!"),
    "campaign_wrong": ("✘ 不对哦，正确答案是：{answer}", "✘ Not quite. The answer is: {answer}"),
    "campaign_score": ("您答对了 {score}/{total} 题。", "You got {score} of {total} right."),
    "campaign_gone": (
        "这个活动问答已更新或已结束，欢迎直接问我活动规则。",
        "This quiz has changed or the campaign is over; ask me about its rules directly.",
    ),
    "campaign_declined": ("好的，有问题随时问我。", "OK — ask me anything at any time."),
    # Quick-reply buttons (the chat widget); a tap sends what the customer could have typed.
    "button_human": ("转人工", "Talk to a person"),
    "button_helpful": ("有帮助", "Yes, it helped"),
    "button_not_helpful": ("没帮助", "No"),
    "button_confirm": ("确认", "Confirm"),
    "button_cancel": ("取消", "Cancel"),
    "button_start": ("开始", "Start"),
    "button_no_thanks": ("不用了", "No thanks"),
}

# What each button sends: "1"/"2" for the yes/no offers, the word routing hands over on for "human".
HUMAN_REPLY = ("转人工", "human")
YES_NO_BUTTONS: dict[str, tuple[str, str]] = {
    "feedback": ("button_helpful", "button_not_helpful"),
    "confirm": ("button_confirm", "button_cancel"),
    "campaign_offer": ("button_start", "button_no_thanks"),
}
BUTTON_LABEL_MAX = 40  # a long FAQ question is cut on its button; the message lists it whole

STATUS: dict[str, tuple[str, str]] = {
    "pending_payment": ("待付款", "awaiting payment"),
    "paid": ("已付款", "paid"),
    "shipped": ("已发货", "shipped"),
    "delivered": ("已签收", "delivered"),
    "completed": ("已完成", "completed"),
    "cancelled": ("已取消", "cancelled"),
    "refunded": ("已退款", "refunded"),
}


def say(lang: str, key: str, **values: object) -> str:
    zh, en = TEXTS[key]
    return (en if lang == "en" else zh).format(**values)


def pick(lang: str, pair: tuple[str, str]) -> str:
    return pair[1] if lang == "en" else pair[0]


def buttons(lang: str, kind: str, options: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The offered choice as quick replies: yes/no, or one button per numbered option."""
    if kind in YES_NO_BUTTONS:
        yes, no = YES_NO_BUTTONS[kind]
        return [{"label": say(lang, yes), "reply": "1"}, {"label": say(lang, no), "reply": "2"}]
    out = []
    for i, option in enumerate(options, 1):
        label = str(option.get("label") or option.get("question") or option.get("text") or i)
        if len(label) > BUTTON_LABEL_MAX:
            label = label[: BUTTON_LABEL_MAX - 1] + "…"
        out.append({"label": label, "reply": str(i)})
    return out


def human_button(lang: str) -> dict[str, str]:
    return {"label": say(lang, "button_human"), "reply": pick(lang, HUMAN_REPLY)}
