"""Column helpers shared by every table: ids, the owning workspace, creation time."""

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from kefu import clock
from kefu.db import BigId


class IdMixin:
    id: Mapped[int] = mapped_column(BigId, primary_key=True)


class WorkspaceScoped(IdMixin):
    """Every row belongs to a workspace (tenant); `kefu.tenancy` scopes every query by it."""

    @declared_attr
    def workspace_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(BigId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)

    created_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())


def str_enum(e: type[enum.StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR + CHECK on both databases, stored by value."""
    return Enum(
        e, name=name, native_enum=False, length=32, values_callable=lambda x: [m.value for m in x]
    )
