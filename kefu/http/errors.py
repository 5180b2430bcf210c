"""Every error leaves as a 4xx JSON body with a message in the caller's language, never a 500."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kefu.errors import DomainError

log = logging.getLogger(__name__)


def language(request: Request) -> str:
    """ "en" when the caller prefers English, else Chinese (the default locale)."""
    accept = request.headers.get("accept-language", "").lower()
    first = accept.split(",")[0].strip()
    return "en" if first.startswith("en") else "zh"


def error_body(code: str, message: str, **extra: object) -> dict[str, object]:
    return {"detail": message, "code": code, **extra}


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="where: body, query, path or header, then the field")
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every 4xx body: a message for a person (zh-CN, or English with `Accept-Language: en`)."""

    detail: str = Field(description="what went wrong, in the caller's language")
    code: str = Field(description="stable machine-readable code, e.g. `ticket.not_found`")
    errors: list[FieldError] | None = Field(
        default=None, description="per field, for `request.invalid`"
    )


_DESCRIPTIONS = {
    401: "missing, invalid or expired credentials",
    403: "the caller's role may not do this",
    404: "no such resource in the caller's workspace (the same answer for other workspaces' rows)",
    409: "conflicts with the current state (an illegal transition, a taken name or identity)",
    413: "request body too large",
    422: "invalid request: malformed JSON, wrong types or values out of range",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI `responses=` documenting the error statuses a router's routes may answer with."""
    return {
        code: {"model": ErrorBody, "description": _DESCRIPTIONS[code]}
        for code in codes or _DESCRIPTIONS
    }


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message(language(request))), status_code=exc.status
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = language(request)
        errors = [
            {
                "loc": list(e.get("loc", ())),
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return _malformed(lang, errors)
        message = "请求内容无效：" if lang == "zh" else "invalid request: "
        message += "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {_field_message(e, lang)}" for e in exc.errors()[:5]
        )
        return JSONResponse(error_body("request.invalid", message, errors=errors), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        lang = language(request)
        if exc.status_code == 400:
            # FastAPI's only 400: a body it could not decode at all (not UTF-8, not JSON).
            return _malformed(lang, [])
        if exc.status_code == 413:
            limit = request.app.state.settings.max_body_bytes
            return JSONResponse(too_large_body(limit, lang), status_code=413)
        zh, en = _HTTP_MESSAGES.get(exc.status_code, (str(exc.detail), str(exc.detail)))
        return JSONResponse(
            error_body(f"http.{exc.status_code}", zh if lang == "zh" else en),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        # A uniqueness race the service checks could not see; the transaction was rolled back.
        log.info("integrity error mapped to 409: %s", exc.orig)
        return _localized(
            request,
            "conflict",
            409,
            zh="与已有数据冲突，未做任何修改",
            en="conflicts with existing data; nothing was changed",
        )

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> JSONResponse:
        log.warning("data error mapped to 422: %s", exc.orig)
        return _localized(
            request,
            "data.invalid",
            422,
            zh="数据值超出允许范围",
            en="a value is out of the allowed range",
        )


def _localized(request: Request, code: str, status: int, *, zh: str, en: str) -> JSONResponse:
    message = zh if language(request) == "zh" else en
    return JSONResponse(error_body(code, message), status_code=status)


def too_large_body(limit: int, lang: str) -> dict[str, object]:
    message = (
        f"request body too large (limit {limit} bytes)"
        if lang == "en"
        else f"请求内容过大（上限 {limit} 字节）"
    )
    return error_body("request.too_large", message)


def _malformed(lang: str, errors: list[dict[str, Any]]) -> JSONResponse:
    message = (
        "请求内容不是有效的 JSON（UTF-8）"
        if lang == "zh"
        else "the request body is not valid JSON (UTF-8)"
    )
    return JSONResponse(error_body("request.malformed", message, errors=errors), status_code=422)


_HTTP_MESSAGES = {
    404: ("没有这个地址", "no such URL"),
    405: ("该地址不支持此请求方法", "method not allowed for this URL"),
}

# Pydantic's messages are English; the common ones are said again in Chinese for people.
_ZH_FIELD_MESSAGES = {
    "missing": "必填",
    "string_type": "应为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}",
    "enum": "应为以下之一：{expected}",
    "literal_error": "应为以下之一：{expected}",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "model_type": "应为对象",
    "list_type": "应为数组",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "extra_forbidden": "不允许的字段",
    "finite_number": "应为有限的数字",
    "nul_character": "不能包含 NUL 字符",
    "non_finite_number": "数字必须是有限值（不能是 NaN 或 Infinity）",
    "json_too_deep": "嵌套层级过深（最多 10 层）",
}


def _field_message(error: Mapping[str, Any], lang: str) -> str:
    template = _ZH_FIELD_MESSAGES.get(str(error.get("type"))) if lang == "zh" else None
    if template is None:
        return str(error.get("msg", ""))
    try:
        return template.format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        return str(error.get("msg", ""))
