"""Frames of docs/realtime.md: what a client may send, and the errors it gets back."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kefu.errors import DomainError
from kefu.http.types import Id, MessageBody, NoNul

MAX_FRAME_CHARS = 64_000
ClientMsgId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-:.]+$")]
Token = Annotated[str, Field(min_length=3, max_length=4096), NoNul]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CustomerHello(_Frame):
    type: Literal["hello"]
    workspace: Annotated[str, Field(min_length=1, max_length=64)]
    token: Token | None = None
    visitor: Token | None = None
    seen: dict[Id, Annotated[int, Field(ge=0, le=2**62)]] = Field(
        default_factory=dict, max_length=50
    )
    lang: str | None = Field(default=None, max_length=16)


class StaffHello(_Frame):
    type: Literal["hello"]
    token: Token
    lang: str | None = Field(default=None, max_length=16)


class SendMessage(_Frame):
    type: Literal["message"]
    conversation_id: Id | None = None
    client_msg_id: ClientMsgId
    body: MessageBody
    attachment_ids: list[Id] = Field(default_factory=list, max_length=10)
    internal: bool = False  # staff only: a note the customer never sees


class Typing(_Frame):
    type: Literal["typing"]
    conversation_id: Id


class Watch(_Frame):
    type: Literal["watch", "unwatch"]
    conversation_id: Id
    seen: Annotated[int, Field(ge=0, le=2**62)] | None = None


class View(_Frame):
    """Staff: the customer the workbench shows (None: nobody); their order changes are pushed."""

    type: Literal["view"]
    customer_id: Id | None = None


class FrameError(DomainError):
    status = 400


BAD_JSON = FrameError(
    "frame.invalid", zh="消息格式无效（应为 JSON 对象）", en="invalid frame: expected a JSON object"
)
TOO_LARGE = FrameError(
    "frame.too_large", zh="消息过大", en=f"frame too large (at most {MAX_FRAME_CHARS} characters)"
)
UNKNOWN = FrameError("frame.unknown_type", zh="不支持的消息类型", en="unknown frame type")
NO_HELLO = FrameError(
    "hello.required",
    zh="连接后请先发送 hello（含身份凭证）",
    en="send a hello frame with credentials first",
)


def invalid(exc: ValidationError) -> FrameError:
    errors = exc.errors()
    where = ".".join(str(p) for p in errors[0]["loc"]) if errors else ""
    msg = errors[0]["msg"] if errors else ""
    return FrameError(
        "frame.invalid",
        zh=f"消息内容无效：{where}",
        en=f"invalid frame: {where}: {msg}",
    )


def error_frame(err: DomainError, lang: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "code": err.code, "message": err.message(lang), **extra}


def lang_of(value: str | None, default: str) -> str:
    if value is None:
        return default
    return "en" if value.lower().startswith("en") else "zh"
