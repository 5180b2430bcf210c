"""Routes: external parties and their contacts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from kefu.http.deps import StaffCtx, path_id
from kefu.http.errors import error_responses
from kefu.http.idempotency import IdempotencyKey, create_once
from kefu.parties import service as parties
from kefu.parties.models import PartyKind
from kefu.parties.schemas import ContactIn, PartyCreate, PartyRead

router = APIRouter(prefix="/api/v1", tags=["parties"], responses=error_responses())

PartyId = Annotated[int, path_id("party id")]


@router.get("/parties", response_model=list[PartyRead])
def list_parties(ctx: StaffCtx, kind: PartyKind | None = None) -> Any:
    return parties.list_(ctx.session, actor=ctx.actor, kind=kind)


@router.post("/parties", response_model=PartyRead, status_code=201)
def create_party(body: PartyCreate, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    def make() -> PartyRead:
        party = parties.create(
            ctx.session,
            actor=ctx.actor,
            kind=body.kind,
            name=body.name,
            code=body.code,
            contacts=[c.model_dump() for c in body.contacts],
        )
        return PartyRead.model_validate(party)

    return create_once(ctx, key, operation="party.create", request=body, make=make)


@router.get("/parties/{party_id}", response_model=PartyRead)
def get_party(party_id: PartyId, ctx: StaffCtx) -> Any:
    return parties.get(ctx.session, actor=ctx.actor, party_id=party_id)


@router.post("/parties/{party_id}/contacts", response_model=PartyRead, status_code=201)
def add_contact(party_id: PartyId, body: ContactIn, ctx: StaffCtx) -> Any:
    party = parties.add_contact(
        ctx.session, actor=ctx.actor, party_id=party_id, contact=body.model_dump()
    )
    return ctx.commit(PartyRead.model_validate(party))
