"""Request plumbing shared by every router: the session, the caller, the caller's language."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.errors import Unauthorized
from kefu.http.errors import language
from kefu.http.types import MAX_ID

_bearer = HTTPBearer(
    auto_error=False, description="Staff API token: `kefu token create` or /api/v1/auth/login"
)


def get_session(request: Request) -> Iterator[Session]:
    # Closing rolls back whatever the route did not commit; the route (use case) owns the commit.
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        session.close()


T = TypeVar("T")


@dataclass
class Ctx:
    """What a route needs: the open session, the authenticated actor, the caller's language."""

    session: Session
    actor: Actor
    lang: str

    def commit(self, result: T) -> T:
        """Commit the use case; `result` is serialised before, so nothing lazy-loads after."""
        self.session.commit()
        return result


def staff_ctx(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Ctx:
    if credentials is None:
        raise Unauthorized(
            "auth.missing", zh="需要登录凭证（Bearer token）", en="a bearer token is required"
        )
    actor = auth.authenticate_token(session, credentials.credentials)
    return Ctx(session=session, actor=actor, lang=language(request))


StaffCtx = Annotated[Ctx, Depends(staff_ctx)]
Limit = Annotated[int, Query(ge=1, le=200, description="page size")]
Cursor = Annotated[
    str | None, Query(max_length=64, description="`next_cursor` of the previous page")
]
RefFilter = Annotated[int | None, Query(ge=1, le=MAX_ID, description="filter by this id")]


def path_id(description: str) -> object:
    return Path(ge=1, le=MAX_ID, description=description)


def text_filter(max_length: int, description: str) -> object:
    """A free-text query filter: no control characters (PostgreSQL refuses NUL in text)."""
    return Query(max_length=max_length, pattern=r"^[^\x00-\x1f]*$", description=description)
