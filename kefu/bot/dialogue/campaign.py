"""Campaign teaching in the chat: offer a campaign's explainer or quiz, run it, record the finish.

Seed 004: Alibaba's bot taught Double 11's presale rules as a game (剧本杀) and fewer customers
had to ask later. Here a published campaign (kefu.bot.campaigns) is

- started at once when the customer asks for its rules ("双11规则", "Double 11 rules": one of the
  campaign's keywords and a word for rules), checked before the order flows so that "双11价保规则"
  teaches rather than asks "which order?" — unless the knowledge base answers that very question
  ("双11期间退货规则"): then the answer, and the offer once it helped;
- offered ("回复 1 开始") when a message is about the campaign and no sure KB answer exists, or
  after a KB answer about it helped — once per conversation, so the bot does not nag;
- run as numbered options like every other choice the bot offers; anything but a number leaves
  the quiz and is read as a new message, so a person is still one step away.

The pending state keeps the campaign's version: an edit or the campaign's end mid-quiz stops it
rather than mixing two versions' questions. Finishing records a completion (kefu.bot.campaigns).
"""

from __future__ import annotations

import re
from typing import Any

from kefu import clock
from kefu.bot.campaigns import service as campaigns
from kefu.bot.dialogue.texts import say
from kefu.bot.dialogue.turn import Turn
from kefu.bot.models import BotCampaign

RULES = re.compile(
    r"规则|玩法|怎么玩|攻略|测验|小测|答题|问答|\brules?\b|\bquiz\b|how (does|do) .{0,30}work", re.I
)
# "No thanks" to the offer, beyond the bot's usual 2/不/no.
DECLINE = re.compile(
    r"^\s*(不用了?|不了|算了|不要了?|没兴趣|下次吧?|no,? thanks?|not now)\s*[。.!！]?\s*$", re.I
)
DIGIT = re.compile(r"^\s*(?:第\s*)?[0-9一二三四五六七八九]\s*(?:个|项|题|号|条)?\s*[。.!！]?\s*$")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def about(turn: Turn) -> BotCampaign | None:
    """The running campaign the customer's message is about (one of its keywords), if any."""
    text = _squash(turn.text)
    for campaign in campaigns.offerable(
        turn.session, workspace_id=turn.conv.workspace_id, now=clock.now()
    ):
        if any(_squash(word) in text for word in campaign.keywords if _squash(word)):
            return campaign
    return None


def requested(turn: Turn) -> BotCampaign | None:
    """The campaign whose rules the message asks for ("双11规则", "Double 11 rules"), if any."""
    return about(turn) if RULES.search(turn.text) else None


def offered_before(turn: Turn, campaign: BotCampaign) -> bool:
    return campaign.id in (turn.state.get("campaigns_offered") or [])


def offer(turn: Turn, campaign: BotCampaign) -> None:
    """Ask whether the customer wants the quiz (1 start / 2 no)."""
    turn.set(campaigns_offered=[*(turn.state.get("campaigns_offered") or []), campaign.id])
    steps = len(campaign.content.get("steps") or [])
    turn.say("campaign_offer", title=campaign.title, steps=steps)
    turn.offer("campaign_offer", [], campaign_id=campaign.id)
    turn.log(f"offered campaign quiz {campaign.key}")


def after_helpful(turn: Turn) -> None:
    """A KB answer about a running campaign helped: now offer its quiz (once)."""
    campaign_id = turn.state.get("campaign_after")
    if campaign_id is None:
        return
    turn.set(campaign_after=None)
    campaign = _live(turn, {"campaign_id": campaign_id})
    if campaign is not None and not offered_before(turn, campaign):
        offer(turn, campaign)


def offer_answered(turn: Turn, pending: dict[str, Any], yes: bool) -> None:
    campaign = _live(turn, pending)
    if not yes:
        turn.say("campaign_declined")
        return
    if campaign is None:
        turn.say("campaign_gone")
        return
    start(turn, campaign)


def start(turn: Turn, campaign: BotCampaign) -> None:
    offered = turn.state.get("campaigns_offered") or []
    if campaign.id not in offered:
        turn.set(campaigns_offered=[*offered, campaign.id])
    turn.reply(str(campaign.content.get("intro") or campaign.title))
    turn.log(f"started campaign quiz {campaign.key} v{campaign.version}")
    _ask(turn, campaign, step=0, answers=[])


def _steps(campaign: BotCampaign) -> list[dict[str, Any]]:
    return list(campaign.content.get("steps") or [])


def _ask(turn: Turn, campaign: BotCampaign, *, step: int, answers: list[dict[str, Any]]) -> None:
    steps = _steps(campaign)
    current = steps[step]
    options = [str(o.get("text", "")) for o in current.get("options") or []]
    turn.reply(
        "\n".join(
            [
                say(turn.lang, "campaign_step", n=step + 1, total=len(steps), text=current["text"]),
                *(f"{i}. {o}" for i, o in enumerate(options, 1)),
            ]
        )
    )
    turn.offer(
        "campaign",
        [{"text": o} for o in options],
        campaign_id=campaign.id,
        version=campaign.version,
        step=step,
        answers=answers,
    )


def _live(turn: Turn, pending: dict[str, Any]) -> BotCampaign | None:
    """The campaign of a pending offer or step, if it is still offered (and the same version)."""
    campaign = turn.session.get(BotCampaign, pending.get("campaign_id") or 0)
    if (
        campaign is None
        or campaign.workspace_id != turn.conv.workspace_id
        or not campaign.published
        or not campaign.valid_at(clock.now())
    ):
        return None
    if "version" in pending and pending["version"] != campaign.version:
        return None
    return campaign


def out_of_range(turn: Turn, pending: dict[str, Any]) -> bool:
    """A number that picks no option ("7" of 3): ask again, keep the quiz going."""
    if DIGIT.match(turn.typed) is None:
        return False
    turn.say("campaign_pick", count=len(pending.get("options") or []))
    turn.offer("campaign", pending.get("options") or [], **_extra(pending))
    return True


def _extra(pending: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in pending.items() if k not in ("kind", "options")}


def answered(turn: Turn, pending: dict[str, Any], index: int) -> None:
    """The customer picked option `index` of the current step: feedback, then the next or the end."""
    campaign = _live(turn, pending)
    if campaign is None:
        turn.say("campaign_gone")
        turn.log("campaign quiz stopped: changed or ended")
        return
    steps = _steps(campaign)
    step = int(pending.get("step") or 0)
    options = steps[step].get("options") or []
    picked = options[index]
    right = [o for o in options if o.get("correct")]
    correct: bool | None = bool(picked.get("correct")) if right else None
    if correct is True:
        turn.say("campaign_right")
    elif correct is False:
        turn.say("campaign_wrong", answer=" / ".join(str(o["text"]) for o in right))
    if picked.get("feedback"):
        turn.reply(str(picked["feedback"]))
    answers = [*(pending.get("answers") or []), {"step": step, "option": index, "correct": correct}]
    if step + 1 < len(steps):
        _ask(turn, campaign, step=step + 1, answers=answers)
        return
    scored = [a for a in answers if a["correct"] is not None]
    score = sum(1 for a in scored if a["correct"])
    turn.reply(str(campaign.content.get("done") or ""))
    if scored:
        turn.say("campaign_score", score=score, total=len(scored))
    campaigns.record_completion(
        turn.session,
        actor=turn.customer,
        campaign=campaign,
        conversation_id=turn.conv.id,
        answers=answers,
        score=score,
        max_score=len(scored),
    )
    turn.succeeded()
    turn.log(f"campaign quiz {campaign.key} v{campaign.version} done: {score}/{len(scored)}")
