"""Who is acting: a staff member, a customer (widget), the bot or the system."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kefu.auth.models import Role

ActorKind = Literal["staff", "customer", "bot", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    workspace_id: int
    id: int | None = None
    role: Role | None = None

    @classmethod
    def system(cls, workspace_id: int) -> Actor:
        return cls(kind="system", workspace_id=workspace_id)

    @classmethod
    def staff(cls, workspace_id: int, staff_id: int, role: Role) -> Actor:
        return cls(kind="staff", workspace_id=workspace_id, id=staff_id, role=role)

    @classmethod
    def customer(cls, workspace_id: int, customer_id: int) -> Actor:
        return cls(kind="customer", workspace_id=workspace_id, id=customer_id)

    @property
    def principal(self) -> str:
        """A stable name for idempotency keys and audit lines: "staff:12", "system"."""
        return f"{self.kind}:{self.id}" if self.id is not None else self.kind
