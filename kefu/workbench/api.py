"""Routes: macros (canned replies) and filling one in for a conversation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from kefu.http.deps import StaffCtx, path_id
from kefu.http.errors import error_responses
from kefu.http.idempotency import IdempotencyKey, create_once
from kefu.workbench import service as macros
from kefu.workbench.schemas import MacroCreate, MacroRead, MacroUpdate, Rendered, RenderIn

router = APIRouter(prefix="/api/v1", tags=["workbench"], responses=error_responses())

MacroId = Annotated[int, path_id("macro id")]


@router.get("/macros", response_model=list[MacroRead])
def list_macros(ctx: StaffCtx) -> Any:
    """The workspace's canned replies, by shortcut."""
    return macros.list_(ctx.session, actor=ctx.actor)


@router.post("/macros", response_model=MacroRead, status_code=201)
def create_macro(body: MacroCreate, ctx: StaffCtx, key: IdempotencyKey = None) -> Any:
    """Add a canned reply (team lead and up); a taken shortcut is a 409."""
    return create_once(
        ctx,
        key,
        operation="macro.create",
        request=body,
        make=lambda: MacroRead.model_validate(
            macros.create(ctx.session, actor=ctx.actor, **body.model_dump())
        ),
    )


@router.get("/macros/{macro_id}", response_model=MacroRead)
def get_macro(macro_id: MacroId, ctx: StaffCtx) -> Any:
    return macros.get(ctx.session, actor=ctx.actor, macro_id=macro_id)


@router.patch("/macros/{macro_id}", response_model=MacroRead)
def update_macro(macro_id: MacroId, body: MacroUpdate, ctx: StaffCtx) -> Any:
    macro = macros.update_(
        ctx.session, actor=ctx.actor, macro_id=macro_id, **body.model_dump(exclude_unset=True)
    )
    return ctx.commit(MacroRead.model_validate(macro))


@router.delete("/macros/{macro_id}", status_code=204, response_class=Response)
def delete_macro(macro_id: MacroId, ctx: StaffCtx) -> Response:
    macros.delete(ctx.session, actor=ctx.actor, macro_id=macro_id)
    ctx.session.commit()
    return Response(status_code=204)


@router.post("/macros/{macro_id}/render", response_model=Rendered)
def render_macro(macro_id: MacroId, body: RenderIn, ctx: StaffCtx) -> Any:
    """The macro's text for a reply in this conversation, variables filled in."""
    text, missing = macros.render(
        ctx.session, actor=ctx.actor, macro_id=macro_id, conversation_id=body.conversation_id
    )
    return Rendered(text=text, missing=missing)
