"""Routes: campaign explainers/quizzes the bot offers, their completions and counts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from kefu.bot.campaigns import service as campaigns
from kefu.bot.campaigns.schemas import (
    CampaignCreate,
    CampaignRead,
    CampaignStats,
    CampaignUpdate,
    CompletionRead,
)
from kefu.http.deps import Cursor, Limit, StaffCtx, path_id
from kefu.http.errors import error_responses
from kefu.http.idempotency import IdempotencyKey, create_once
from kefu.http.pages import Page

router = APIRouter(prefix="/api/v1/bot/campaigns", tags=["bot"], responses=error_responses())

CampaignId = Annotated[int, path_id("campaign id")]


@router.get("", response_model=Page[CampaignRead])
def list_campaigns(ctx: StaffCtx, limit: Limit = 50, cursor: Cursor = None) -> Any:
    """The workspace's campaigns, newest first, with how many customers finished each."""
    rows, next_cursor = campaigns.list_(ctx.session, actor=ctx.actor, limit=limit, cursor=cursor)
    counts = campaigns.counts(
        ctx.session, workspace_id=ctx.actor.workspace_id, ids=[c.id for c in rows]
    )
    return Page[CampaignRead](
        items=[CampaignRead.of(c, counts.get(c.id, (0, 0))) for c in rows],
        next_cursor=next_cursor,
    )


@router.post("", response_model=CampaignRead, status_code=201)
def create_campaign(body: CampaignCreate, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    """A campaign's explainer or quiz; published ones are offered by the bot inside their window."""
    return create_once(
        ctx,
        key,
        operation="bot.campaign.create",
        request=body,
        make=lambda: CampaignRead.of(campaigns.create(ctx.session, actor=ctx.actor, data=body)),
    )


def _read(ctx: StaffCtx, campaign_id: int) -> CampaignRead:
    campaign = campaigns.get(ctx.session, actor=ctx.actor, campaign_id=campaign_id)
    found = campaigns.counts(ctx.session, workspace_id=campaign.workspace_id, ids=[campaign.id])
    return CampaignRead.of(campaign, found.get(campaign.id, (0, 0)))


@router.get("/{campaign_id}", response_model=CampaignRead)
def get_campaign(campaign_id: CampaignId, ctx: StaffCtx) -> Any:
    return _read(ctx, campaign_id)


@router.patch("/{campaign_id}", response_model=CampaignRead)
def update_campaign(campaign_id: CampaignId, body: CampaignUpdate, ctx: StaffCtx) -> Any:
    """Change it; new content or keywords are a new version (completions keep the one answered)."""
    campaigns.update(
        ctx.session,
        actor=ctx.actor,
        campaign_id=campaign_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return ctx.commit(_read(ctx, campaign_id))


@router.get("/{campaign_id}/stats", response_model=CampaignStats)
def campaign_stats(campaign_id: CampaignId, ctx: StaffCtx) -> Any:
    """Completions, different customers, perfect scores, mean score, per version."""
    return campaigns.stats(ctx.session, actor=ctx.actor, campaign_id=campaign_id)


@router.get("/{campaign_id}/completions", response_model=Page[CompletionRead])
def list_completions(
    campaign_id: CampaignId, ctx: StaffCtx, limit: Limit = 50, cursor: Cursor = None
) -> Any:
    """Who finished it, which version, their answers and score, when — newest first."""
    found = campaigns.completions(
        ctx.session, actor=ctx.actor, campaign_id=campaign_id, limit=limit, cursor=cursor
    )
    return Page[CompletionRead].of(found, CompletionRead.of)
