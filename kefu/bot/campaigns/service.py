"""Campaign explainers and quizzes: create, edit (a version per content change), count completions.

Managed with `manage_knowledge`, like the campaign's KB entries. The bot reads them through
`offerable` (published and inside the validity window at `kefu.clock.now()`), so a campaign that
ended stops being offered with no edit — as its KB entries stop answering.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from kefu import clock, events
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.bot.campaigns.schemas import CampaignCreate, CampaignStats, QuizContent, VersionCount
from kefu.bot.models import BotCampaign, BotCampaignCompletion
from kefu.errors import Conflict, Invalid
from kefu.tenancy import get_scoped, paginate, scoped

CAMPAIGN = ("活动", "campaign")


def _utc(at: datetime | None) -> datetime | None:
    return at.astimezone(UTC) if at is not None else None


def _keywords(words: list[str]) -> list[str]:
    return list(dict.fromkeys(w.strip() for w in words if w.strip()))


def create(session: Session, *, actor: Actor, data: CampaignCreate) -> BotCampaign:
    """A new campaign quiz (version 1); its key is unique in the workspace."""
    require(actor, Perm.manage_knowledge)
    taken = session.scalars(scoped(BotCampaign, actor).where(BotCampaign.key == data.key)).first()
    if taken is not None:
        raise Conflict(
            "campaign.exists", zh=f"活动 {data.key} 已存在", en=f"campaign {data.key} exists"
        )
    campaign = BotCampaign(
        workspace_id=actor.workspace_id,
        key=data.key,
        title=data.title.strip(),
        keywords=_keywords(data.keywords),
        content=data.content.model_dump(mode="json"),
        published=data.published,
        version=1,
        valid_from=_utc(data.valid_from),
        valid_until=_utc(data.valid_until),
    )
    session.add(campaign)
    session.flush()
    _record(session, actor, campaign, "bot.campaign_created")
    return campaign


def get(
    session: Session, *, actor: Actor, campaign_id: int, for_update: bool = False
) -> BotCampaign:
    require(actor, Perm.manage_knowledge)
    return get_scoped(
        session, BotCampaign, campaign_id, actor, what=CAMPAIGN, for_update=for_update
    )


def list_(
    session: Session, *, actor: Actor, limit: int, cursor: str | None
) -> tuple[list[BotCampaign], str | None]:
    require(actor, Perm.manage_knowledge)
    return paginate(session, scoped(BotCampaign, actor), BotCampaign.id, limit=limit, cursor=cursor)


def update(
    session: Session, *, actor: Actor, campaign_id: int, changes: dict[str, Any]
) -> BotCampaign:
    """Change fields; new content or keywords make a new version (completions keep theirs)."""
    require(actor, Perm.manage_knowledge)
    campaign = get(session, actor=actor, campaign_id=campaign_id, for_update=True)
    valid_from = _utc(changes["valid_from"]) if "valid_from" in changes else campaign.valid_from
    valid_until = _utc(changes["valid_until"]) if "valid_until" in changes else campaign.valid_until
    if valid_from and valid_until and valid_until <= valid_from:
        raise Invalid(
            "campaign.window",
            zh="失效时间必须晚于生效时间",
            en="valid_until must be after valid_from",
        )
    changed = False
    if changes.get("content") is not None:
        content = QuizContent.model_validate(changes["content"]).model_dump(mode="json")
        if content != campaign.content:
            campaign.content, changed = content, True
    if changes.get("keywords") is not None:
        words = _keywords(changes["keywords"])
        if words != campaign.keywords:
            campaign.keywords, changed = words, True
    if changed:
        campaign.version += 1
    if changes.get("title") is not None and changes["title"].strip() != campaign.title:
        campaign.title, changed = changes["title"].strip(), True
    if changes.get("published") is not None and changes["published"] != campaign.published:
        campaign.published, changed = changes["published"], True
    if (valid_from, valid_until) != (campaign.valid_from, campaign.valid_until):
        campaign.valid_from, campaign.valid_until, changed = valid_from, valid_until, True
    if changed:
        campaign.updated_at = clock.now()
        session.flush()
        _record(session, actor, campaign, "bot.campaign_updated")
    return campaign


def counts(session: Session, *, workspace_id: int, ids: list[int]) -> dict[int, tuple[int, int]]:
    """(completions, different customers) per campaign id."""
    if not ids:
        return {}
    rows = session.execute(
        select(
            BotCampaignCompletion.campaign_id,
            func.count(),
            func.count(func.distinct(BotCampaignCompletion.customer_id)),
        )
        .where(
            BotCampaignCompletion.workspace_id == workspace_id,
            BotCampaignCompletion.campaign_id.in_(ids),
        )
        .group_by(BotCampaignCompletion.campaign_id)
    )
    return {cid: (int(n), int(people)) for cid, n, people in rows}


def stats(session: Session, *, actor: Actor, campaign_id: int) -> CampaignStats:
    """How many finished the quiz, how many different customers, how well, per version."""
    campaign = get(session, actor=actor, campaign_id=campaign_id)
    of_campaign = (
        BotCampaignCompletion.workspace_id == campaign.workspace_id,
        BotCampaignCompletion.campaign_id == campaign.id,
    )
    done = BotCampaignCompletion
    total, people, perfect, share = session.execute(
        select(
            func.count(),
            func.count(func.distinct(done.customer_id)),
            func.coalesce(
                func.sum(case((done.score == done.max_score, 1), else_=0)).filter(
                    done.max_score > 0
                ),
                0,
            ),
            # An explainer without questions (max_score 0) has no score to average.
            func.avg(case((done.max_score > 0, done.score * 1.0 / done.max_score), else_=None)),
        ).where(*of_campaign)
    ).one()
    by_version = session.execute(
        select(done.campaign_version, func.count())
        .where(*of_campaign)
        .group_by(done.campaign_version)
        .order_by(done.campaign_version)
    )
    return CampaignStats(
        campaign_id=campaign.id,
        completions=int(total),
        customers=int(people),
        perfect=int(perfect),
        average_score=round(float(share), 3) if share is not None else None,
        by_version=[VersionCount(version=v, completions=int(n)) for v, n in by_version],
    )


def completions(
    session: Session, *, actor: Actor, campaign_id: int, limit: int, cursor: str | None
) -> tuple[list[BotCampaignCompletion], str | None]:
    """Who finished the quiz, with which answers and score, newest first."""
    campaign = get(session, actor=actor, campaign_id=campaign_id)
    stmt = scoped(BotCampaignCompletion, actor).where(
        BotCampaignCompletion.campaign_id == campaign.id
    )
    return paginate(session, stmt, BotCampaignCompletion.id, limit=limit, cursor=cursor)


# --- what the bot uses ----------------------------------------------------------------------------


def offerable(session: Session, *, workspace_id: int, now: datetime) -> list[BotCampaign]:
    """Published campaigns of the workspace inside their validity window, newest first."""
    rows = session.scalars(
        select(BotCampaign)
        .where(BotCampaign.workspace_id == workspace_id, BotCampaign.published.is_(True))
        .order_by(BotCampaign.id.desc())
    )
    return [c for c in rows if c.valid_at(now)]


def record_completion(
    session: Session,
    *,
    actor: Actor,
    campaign: BotCampaign,
    conversation_id: int | None,
    answers: list[dict[str, Any]],
    score: int,
    max_score: int,
) -> BotCampaignCompletion:
    """The customer (`actor`) finished the quiz: a row to count, an event on their timeline."""
    if actor.kind != "customer" or actor.id is None or actor.workspace_id != campaign.workspace_id:
        raise ValueError("a completion is the campaign's workspace customer's")
    row = BotCampaignCompletion(
        workspace_id=campaign.workspace_id,
        campaign_id=campaign.id,
        campaign_version=campaign.version,
        customer_id=actor.id,
        conversation_id=conversation_id,
        answers=answers,
        score=score,
        max_score=max_score,
    )
    session.add(row)
    session.flush()
    events.record(
        session,
        actor=actor,
        type="bot.campaign_completed",
        customer_id=actor.id,
        conversation_id=conversation_id,
        payload={
            "campaign_id": campaign.id,
            "campaign": campaign.key,
            "version": campaign.version,
            "score": score,
            "max_score": max_score,
            "completion_id": row.id,
        },
    )
    return row


def _record(session: Session, actor: Actor, campaign: BotCampaign, type_: str) -> None:
    events.record(
        session,
        actor=actor,
        type=type_,
        payload={"campaign_id": campaign.id, "key": campaign.key, "version": campaign.version},
    )
