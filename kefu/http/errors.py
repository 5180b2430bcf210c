"""Every error leaves as a 4xx JSON body with a message in the caller's language, never a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError

from kefu.errors import DomainError

log = logging.getLogger(__name__)


def language(request: Request) -> str:
    """"en" when the caller prefers English, else Chinese (the default locale)."""
    accept = request.headers.get("accept-language", "").lower()
    first = accept.split(",")[0].strip()
    return "en" if first.startswith("en") else "zh"


def error_body(code: str, message: str, **extra: object) -> dict[str, object]:
    return {"detail": message, "code": code, **extra}


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message(language(request))), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        zh = language(request) == "zh"
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        message = "请求内容无效：" if zh else "invalid request: "
        message += "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:5])
        return JSONResponse(error_body("request.invalid", message, errors=errors), status_code=422)

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        # A uniqueness race the service checks could not see; the transaction was rolled back.
        log.info("integrity error mapped to 409: %s", exc.orig)
        zh = language(request) == "zh"
        return JSONResponse(
            error_body("conflict", "与已有数据冲突，未做任何修改" if zh else "conflicts with existing data; nothing was changed"),
            status_code=409,
        )

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> JSONResponse:
        log.warning("data error mapped to 422: %s", exc.orig)
        zh = language(request) == "zh"
        return JSONResponse(
            error_body("data.invalid", "数据值超出允许范围" if zh else "a value is out of the allowed range"),
            status_code=422,
        )
