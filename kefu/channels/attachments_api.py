"""Upload and download chat attachments: staff (bearer token) and customers (widget identity)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.channels import attachments
from kefu.channels.attachments_models import Attachment
from kefu.channels.widget_api import customer_ctx
from kefu.errors import Unauthorized, not_found
from kefu.http.deps import Ctx, StaffCtx, get_session, path_id
from kefu.http.errors import ErrorBody, error_responses, language
from kefu.realtime import visitor

router = APIRouter(tags=["attachments"], responses=error_responses())
_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "the file is larger than the limit"},
    415: {"model": ErrorBody, "description": "not a PNG, JPEG, GIF or WebP image (by its bytes)"},
}
_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the file, as an attachment download",
        "content": {
            ct: {"schema": {"type": "string", "format": "binary"}} for ct in attachments.EXTENSIONS
        },
    }
}
AttachmentId = Annotated[int, path_id("attachment id")]
Upload = Annotated[UploadFile, File(description="the image (PNG, JPEG, GIF or WebP)")]


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    content_type: str
    size_bytes: int
    filename: str
    message_id: int | None


def widget_ctx(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    workspace: Annotated[
        str | None, Header(alias="X-Kefu-Workspace", min_length=1, max_length=64)
    ] = None,
    token: Annotated[
        str | None, Header(alias="X-Kefu-Customer-Token", min_length=3, max_length=4096)
    ] = None,
    visitor_token: Annotated[
        str | None, Header(alias="X-Kefu-Visitor", min_length=3, max_length=4096)
    ] = None,
) -> Ctx:
    """The shop-signed customer, or an anonymous visitor by the token `welcome` gave them."""
    if token is not None or visitor_token is None:
        return customer_ctx(request, session, workspace, token)
    ws = auth.get_workspace_by_key(session, workspace) if workspace else None
    if ws is None:
        raise Unauthorized(
            "widget.missing",
            zh="需要身份凭证，请登录商城",
            en="an identity token is required; sign in to the shop",
        )
    customer = visitor.read(session, ws, visitor_token)
    return Ctx(session=session, actor=Actor.customer(ws.id, customer.id), lang=language(request))


WidgetCtx = Annotated[Ctx, Depends(widget_ctx)]


def converse_ctx(ctx: StaffCtx) -> Ctx:
    # Checked before the body: a role that may not upload gets 403 whatever it sent.
    require(ctx.actor, Perm.converse)
    return ctx


async def _upload(ctx: Ctx, request: Request, file: UploadFile) -> Any:
    settings = request.app.state.settings
    limit = settings.attachment_max_bytes
    data = await file.read(limit + 1)
    await file.close()

    def store() -> AttachmentRead:  # the database and the disk, off the event loop
        att = attachments.store(
            ctx.session,
            actor=ctx.actor,
            data=data,
            filename=file.filename or "",
            data_dir=settings.data_dir,
            max_bytes=limit,
        )
        return ctx.commit(AttachmentRead.model_validate(att))

    return await run_in_threadpool(store)


def _download(ctx: Ctx, request: Request, attachment_id: int) -> FileResponse:
    att: Attachment = attachments.get(ctx.session, actor=ctx.actor, attachment_id=attachment_id)
    path = attachments.path_of(request.app.state.settings.data_dir, att)
    if not path.is_file():
        raise not_found(*attachments.ATTACHMENT)
    return FileResponse(
        path,
        media_type=att.content_type,
        filename=f"attachment-{att.id}.{attachments.EXTENSIONS[att.content_type]}",
        content_disposition_type="attachment",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@router.post(
    "/api/v1/attachments", response_model=AttachmentRead, status_code=201, responses=_ERRORS
)
async def upload(ctx: Annotated[Ctx, Depends(converse_ctx)], request: Request, file: Upload) -> Any:
    """Upload an image to send with a message (`attachment_ids`); checked by its bytes."""
    return await _upload(ctx, request, file)


@router.get("/api/v1/attachments/{attachment_id}", response_class=FileResponse, responses=_FILE)
def download(attachment_id: AttachmentId, ctx: StaffCtx, request: Request) -> FileResponse:
    return _download(ctx, request, attachment_id)


@router.post(
    "/api/v1/widget/attachments",
    response_model=AttachmentRead,
    status_code=201,
    responses=_ERRORS,
    tags=["widget"],
)
async def widget_upload(ctx: WidgetCtx, request: Request, file: Upload) -> Any:
    """A customer's (or anonymous visitor's, `X-Kefu-Visitor`) image for the chat."""
    return await _upload(ctx, request, file)


@router.get(
    "/api/v1/widget/attachments/{attachment_id}",
    response_class=FileResponse,
    responses=_FILE,
    tags=["widget"],
)
def widget_download(attachment_id: AttachmentId, ctx: WidgetCtx, request: Request) -> FileResponse:
    """The customer's own uploads and the images on their conversations (not internal notes)."""
    return _download(ctx, request, attachment_id)
