"""The shapes shared by the matrix test and the per-domain modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from kefu.auth.permissions import Perm
from tests.factories import World


@dataclass(frozen=True)
class Data:
    """One workspace's seeded rows: `ids` by path-parameter name (and a few more), `secrets` are
    strings that appear only in this workspace's rows."""

    world: World
    ids: dict[str, int]
    secrets: tuple[str, ...]

    def with_id(self, key: str, value: int) -> Data:
        return replace(self, ids={**self.ids, key: value})

    def url(self, path: str) -> str:
        return path.format(**self.ids)


Body = Callable[[Data], dict[str, Any]] | None


@dataclass(frozen=True)
class Rule:
    """What a route needs: a staff permission (None: any staff member) and a valid body."""

    perm: Perm | None
    ok: int = 200
    body: Body = None


PUBLIC = Rule(perm=None)  # no credentials (login)
CUSTOMER = Rule(perm=None)  # the widget's signed customer token


def const(body: dict[str, Any]) -> Body:
    return lambda d: body


@dataclass(frozen=True)
class Seed:
    """What a domain seeded: ids by name, and strings only this workspace's rows contain."""

    ids: dict[str, int]
    secrets: tuple[str, ...] = ()


# seed(session, world, secret) — `secret` is a string unique to the workspace (e.g. ACME-SECRET);
# put it in the rows' names/texts so that a leak across workspaces is visible. Called inside the
# seeding transaction after the core rows exist; `base_ids` are the core ids (customer_id,
# conversation_id, ticket_id, order_id, agent, ...).
SeedFn = Callable[[Session, World, str, dict[str, int]], Seed]


@dataclass(frozen=True)
class Domain:
    rules: dict[tuple[str, str], Rule]
    seed: SeedFn | None = None
    id_filters: dict[str, str] = field(default_factory=dict)  # query param -> ids key
    not_tenant_data: frozenset[str] = frozenset()  # reads that show no workspace's rows
    not_ids: frozenset[str] = frozenset()  # path params that are not row ids
