"""One customer message → one bot turn.

Order of decisions: an answer to options the bot offered (order, candidate, did-this-help,
confirm, a campaign quiz's step or offer) → a request for a person → anger → a request for a
running campaign's rules (its quiz: campaign.py) → an order flow → greeting/thanks → the knowledge
base (a sure answer with "did this help?", else a campaign's quiz offer, else the top 3 as
numbered options) → "I didn't get that" (or, to a message without words, "how can I help?"),
and on the second failed turn in a row, a person. Every turn ends with the way to a person (a
button; the line explaining it on the first turn).
"""

from __future__ import annotations

import re
import threading

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.bot.dialogue import campaign, handoff, orders
from kefu.bot.dialogue.texts import human_button
from kefu.bot.dialogue.turn import Turn
from kefu.bot.models import BotDialogue, BotIntent
from kefu.bot.nlu import emotion
from kefu.bot.nlu.builtin_intents import default_model
from kefu.bot.nlu.intent import IntentModel, Prediction
from kefu.bot.nlu.normalize import has_cjk, to_simplified
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation
from kefu.knowledge import retrieval

MAX_INPUT = 1000  # a pasted novel is read no further than this
FAILS_BEFORE_HUMAN = 2
FAQ_SURE = 0.45  # a knowledge-base answer at least this confident is given outright
FAQ_MAYBE = 0.15  # candidates below this are not worth offering
FAQ_VERBATIM = 0.9  # … and this close to a question the shop answered, even over an order intent
# "人工" asks for a person alone or after 转/找/要…, not inside 人工费 (labour cost) or 人工智能.
HUMAN = re.compile(
    r"^\s*人工\s*[。.!！]?\s*$|(?:转|找|要|叫|接)人工(?![费成智])|人工客服|人工服务|真人|找客服|"
    r"客服在吗|投诉你们|经理|主管|human|real person|\bagent\b|\bmanager\b|\boperator\b|"
    r"talk to (a|some)one",
    re.I,
)
# A wish to be called: a person does that (the summary says so), the bot cannot.
CALLBACK = re.compile(
    r"回(个|一个)?电话|回电|(打|来)(个|一个)?电话给我|给我(打|来)(个|一个)?电话|"
    r"call me( back)?\b|callback|phone me|ring me",
    re.I,
)
# Instructions to the model, not questions: "你现在是一个…" is one, "你现在是不是…" is not.
INJECTION = re.compile(
    r"忽略(之前|以上|上面|前面|所有)的?(指令|提示|规则|设定)|系统提示|"
    r"你现在(是|作为|扮演)(一个|一名|个)|(请你|你来|你要)扮演|"
    r"ignore (all |any )?(previous|prior|above|earlier) (instructions|prompts|rules)|"
    r"system prompt|you are now|jailbreak|developer mode",
    re.I,
)
PICK = re.compile(r"^\s*(?:第\s*)?([1-9一二三四五])\s*(?:个|项|单|号|条)?\s*[。.!！]?\s*$")
CN_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
YES = re.compile(
    r"^\s*(1|是|是的|对|确认|好的?|有帮助|有用|解决了|yes|y|ok|confirm)\s*[。.!！]?\s*$", re.I
)
NO = re.compile(r"^\s*(2|不|否|不是|不用|取消|没帮助|没用|没有|no|n|cancel)\s*[。.!！]?\s*$", re.I)

_model_lock = threading.Lock()


def intent_model(session: Session, workspace_id: int) -> IntentModel:
    """The built-in model (trained once per process) unless the shop taught the bot its own."""
    taught = session.scalar(select(exists().where(BotIntent.workspace_id == workspace_id)))
    with _model_lock:
        if not taught:
            return default_model()
    from kefu.bot.service import model_for

    return model_for(session, workspace_id=workspace_id)


def language(text: str, dialogue: BotDialogue) -> str:
    if has_cjk(text):
        return "zh"
    if re.search(r"[A-Za-z]{2,}", text):
        return "en"
    return str(dialogue.state.get("lang") or "zh")


def respond(session: Session, conv: Conversation, dialogue: BotDialogue, body: str) -> Turn:
    """Decide and post the bot's reply to the customer's `body`."""
    raw = (body or "")[:MAX_INPUT]
    text = to_simplified(raw).strip()
    turn = Turn(session, conv, dialogue, text, language(text, dialogue))
    turn.set(lang=turn.lang)
    decide(turn)
    # What the bot said, for the handoff summary: read before the way to a person is added, which
    # is a line of its own only on the first turn (a button under the last reply after that).
    said = list(turn.replies)
    if turn.replies and not turn.handed_over:
        _way_to_a_person(turn)
    for i, reply in enumerate(turn.replies):
        conversations.post_message(
            session,
            actor=turn.bot,
            conversation_id=conv.id,
            body=reply,
            actions=turn.buttons.get(i),
        )
    if not turn.handed_over and said:
        turn.log("said: " + " / ".join(r.replace("\n", " ")[:80] for r in said))
    dialogue.updated_at = clock.now()
    session.flush()
    return turn


def _way_to_a_person(turn: Turn) -> None:
    """A 转人工 button under the last reply, every turn; the line that explains it only on the
    first turn in the customer's language — repeated under every answer it is noise that pushes
    the answers out of the small chat window."""
    if turn.dialogue.state.get("hinted") != turn.lang:
        turn.say("human_hint")
        turn.set(hinted=turn.lang)
    last = len(turn.replies) - 1
    turn.buttons[last] = [*turn.buttons.get(last, []), human_button(turn.lang)]


def decide(turn: Turn) -> None:
    text = turn.text
    if not text or not re.search(r"\w", text):
        # Empty, punctuation or emoji only: a friendly prompt, no guess — unless it is 😡.
        if text and emotion.detect(text).angry:
            handoff.hand_over(turn, "angry", angry=True)
        else:
            turn.say("empty")
            # Not understood all the same: asked "how can I help" a second time in a row, the
            # customer (a sticker, a photo alone) goes round in circles — a person reads it.
            _failed(turn)
        return
    if _answer_to_offer(turn):
        return
    if HUMAN.search(text):
        handoff.hand_over(turn, "customer_asked")
        return
    if CALLBACK.search(text):
        handoff.hand_over(turn, "callback")
        return
    mood = emotion.detect(text)
    if mood.angry:
        handoff.hand_over(turn, "angry", angry=True)
        return
    if INJECTION.search(text):
        turn.say("off_topic")
        turn.log("ignored instruction-like text")
        _failed(turn)
        return
    # "双11规则": before the order flows, which "价保规则" would otherwise start.
    asked = campaign.requested(turn)
    if asked is not None:
        found = _kb(turn)
        if found and found[0].confidence >= FAQ_SURE:
            _give(turn, found[0])  # the shop answered this very question ("双11退货规则")
            if not campaign.offered_before(turn, asked):
                turn.set(campaign_after=asked.id)
        else:
            campaign.start(turn, asked)
        return
    numbers = turn.order_numbers
    # Classified without the order number: a long digit string says nothing about the intent.
    bare = text
    for number in numbers:
        bare = bare.replace(number, " ")
    prediction = intent_model(turn.session, turn.conv.workspace_id).predict(bare)
    turn.set(last_prediction=[prediction.label, round(prediction.confidence, 3)])
    if prediction.label in ("talk_to_human", "ask_for_manager") and not prediction.out_of_scope:
        handoff.hand_over(turn, "customer_asked")
        return
    label = prediction.label
    if numbers and prediction.out_of_scope:
        # An order number with a vague question: an order question all the same.
        label = label if label in orders.ORDER_INTENTS else "where_is_my_order"
    if label in orders.ORDER_INTENTS and (numbers or not prediction.out_of_scope):
        found = [] if numbers else _kb(turn)
        if found and found[0].confidence >= FAQ_VERBATIM:
            # "退款多久到账？" is a question the shop answered, not a request to act.
            turn.set(intent=label)
            _give(turn, found[0])
            return
        turn.clear_pending()
        orders.start(turn, label)
        if turn.dialogue.failed_turns >= FAILS_BEFORE_HUMAN:
            handoff.hand_over(turn, "bot_failed")
        return
    if prediction.label in ("greeting", "thanks") and not prediction.out_of_scope:
        turn.succeeded()  # understood: failures count only in a row
        turn.say(prediction.label)
        return
    _knowledge(turn, prediction)


def _knowledge(turn: Turn, prediction: Prediction) -> None:
    found = _kb(turn)
    turn.set(intent=prediction.label if not prediction.out_of_scope else turn.state.get("intent"))
    topic = campaign.about(turn)
    fresh = topic is not None and not campaign.offered_before(turn, topic)
    if found and found[0].confidence >= FAQ_SURE:
        _give(turn, found[0])
        if topic is not None and fresh:
            turn.set(campaign_after=topic.id)  # offered once the answer is said to have helped
        return
    if topic is not None and fresh:
        campaign.offer(turn, topic)
        return
    maybe = [c for c in found if c.confidence >= FAQ_MAYBE]
    if maybe:
        turn.say("candidates")
        turn.reply("\n".join(f"{i}. {c.question}" for i, c in enumerate(maybe, 1)))
        turn.offer("faq", [{"entry_id": c.entry_id, "question": c.question} for c in maybe])
        turn.log("offered: " + " | ".join(c.question for c in maybe))
        return
    if prediction.label == "complaint" and not prediction.out_of_scope:
        handoff.hand_over(turn, "complaint")
        return
    turn.say("not_understood")
    _failed(turn)


def _kb(turn: Turn) -> list[retrieval.Candidate]:
    return retrieval.answer(turn.session, turn.conv.workspace_id, turn.text, "chat", clock.now())


def _give(turn: Turn, candidate: retrieval.Candidate) -> None:
    turn.succeeded()
    turn.reply(candidate.answer_text)
    turn.say("faq_helpful")
    turn.offer("feedback", [{"entry_id": candidate.entry_id}])
    turn.log(f"answered FAQ #{candidate.entry_id} {candidate.question}")


def _failed(turn: Turn) -> None:
    if turn.failed() >= FAILS_BEFORE_HUMAN:
        handoff.hand_over(turn, "bot_failed")


def _choice(text: str, count: int) -> int | None:
    m = PICK.match(text)
    if m is None:
        return None
    raw = m.group(1)
    n = CN_DIGIT.get(raw) or int(raw)
    return n - 1 if 1 <= n <= count else None


def _answer_to_offer(turn: Turn) -> bool:
    """The reply to the options the bot offered last; False when it is something else."""
    pending = turn.pending()
    if not pending:
        return False
    kind, options = pending.get("kind"), pending.get("options") or []
    text = turn.typed
    if kind in ("feedback", "confirm", "campaign_offer"):
        yes = YES.match(text) is not None
        no = NO.match(text) is not None or (
            kind == "campaign_offer" and campaign.DECLINE.match(text) is not None
        )
        if not yes and not no:
            turn.clear_pending()
            return False
        turn.clear_pending()
        if kind == "campaign_offer":
            campaign.offer_answered(turn, pending, yes)
            return True
        if kind == "confirm":
            orders.confirmed(turn, str(pending.get("intent")), str(pending.get("number")), yes)
            return True
        # On the timeline: which knowledge-base answers help is what the KB owners tune by.
        events.record(
            turn.session,
            actor=turn.customer,
            type="bot.answer_feedback",
            customer_id=turn.conv.customer_id,
            conversation_id=turn.conv.id,
            payload={"entry_id": (options or [{}])[0].get("entry_id"), "helpful": yes},
        )
        if yes:
            turn.succeeded()
            turn.say("glad")
            turn.log("customer: the answer helped")
            campaign.after_helpful(turn)
        else:
            turn.say("sorry_faq")
            turn.log("customer: the answer did not help")
            if turn.failed() >= FAILS_BEFORE_HUMAN:
                handoff.hand_over(turn, "bot_failed")
            else:
                turn.say("not_understood")
        return True
    index = _choice(text, len(options))
    if index is None and kind == "order":
        # The customer may quote one of the offered order numbers instead of its position — as
        # an order number of its own, not inside a longer one or a tracking number (JDV…), which
        # would act on an order she did not name …
        quoted = turn.order_numbers
        index = next((i for i, o in enumerate(options) if str(o.get("number")) in quoted), None)
        if index is None and turn.order_numbers:
            # … or one not in the list (older than the recent few): the same request, on it.
            turn.clear_pending()
            orders.start(turn, str(pending.get("intent")))
            return True
    if index is None:
        if kind == "campaign" and campaign.out_of_range(turn, pending):
            return True
        turn.clear_pending()
        return False
    turn.clear_pending()
    option = options[index]
    if kind == "campaign":
        campaign.answered(turn, pending, index)
    elif kind == "order":
        orders.chosen(turn, option, str(pending.get("intent")))
    elif kind == "faq":
        from kefu.knowledge import retrieval as kb

        picked = [
            c
            for c in kb.answer(
                turn.session,
                turn.conv.workspace_id,
                str(option["question"]),
                "chat",
                clock.now(),
                k=3,
            )
            if c.entry_id == option["entry_id"]
        ]
        if picked:
            turn.succeeded()
            _give(turn, picked[0])
        else:
            turn.say("not_understood")
    return True
