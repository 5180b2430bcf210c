"""Macros (canned replies) in the tenancy/role matrix."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kefu.auth.permissions import Perm
from kefu.workbench import service as macros
from tests.factories import World
from tests.matrix.base import Domain, Rule, Seed, const

RULES = {
    ("GET", "/api/v1/macros"): Rule(Perm.read),
    ("POST", "/api/v1/macros"): Rule(
        Perm.manage_knowledge,
        201,
        const({"shortcut": "thanks", "title": "致谢", "body": "谢谢 {customer_name}"}),
    ),
    ("GET", "/api/v1/macros/{macro_id}"): Rule(Perm.read),
    ("PATCH", "/api/v1/macros/{macro_id}"): Rule(
        Perm.manage_knowledge, body=const({"title": "新标题"})
    ),
    ("DELETE", "/api/v1/macros/{macro_id}"): Rule(Perm.manage_knowledge, 204),
    ("POST", "/api/v1/macros/{macro_id}/render"): Rule(
        Perm.read, body=lambda d: {"conversation_id": d.ids["conversation_id"]}
    ),
}


def seed(s: Session, world: World, secret: str, base: dict[str, int]) -> Seed:
    macro = macros.create(
        s,
        actor=world.system,
        shortcut="greet",
        title=f"问候 {secret}",
        body=f"您好 {{customer_name}}，{secret}",
    )
    return Seed(ids={"macro_id": macro.id}, secrets=(f"问候 {secret}",))


MATRIX = Domain(rules=RULES, seed=seed)
