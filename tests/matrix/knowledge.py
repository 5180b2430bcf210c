"""The knowledge base and agent assist in the tenancy/role matrix."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kefu.auth.permissions import Perm
from kefu.knowledge import service as kb
from kefu.knowledge.models import EntryStatus
from kefu.knowledge.schemas import EntryContent
from tests.factories import World
from tests.matrix.base import Domain, Rule, Seed, const

E = "/api/v1/knowledge/entries/{entry_id}"
S = "/api/v1/conversations/{conversation_id}/suggestions"
RULES = {
    ("GET", "/api/v1/knowledge/entries"): Rule(Perm.read),
    ("POST", "/api/v1/knowledge/entries"): Rule(
        Perm.manage_knowledge, 201, const({"question": "新问题", "answer": "新答案"})
    ),
    ("GET", E): Rule(Perm.read),
    ("PATCH", E): Rule(Perm.manage_knowledge, body=const({"tags": ["改过"], "note": "改标签"})),
    ("DELETE", E): Rule(Perm.manage_knowledge),
    ("POST", f"{E}/publish"): Rule(Perm.manage_knowledge),
    ("POST", f"{E}/unpublish"): Rule(Perm.manage_knowledge),
    ("GET", f"{E}/versions"): Rule(Perm.read),
    ("GET", f"{E}/versions/{{number}}"): Rule(Perm.read),
    ("GET", f"{E}/diff"): Rule(Perm.read),
    ("GET", "/api/v1/knowledge/search"): Rule(Perm.read),
    ("POST", "/api/v1/knowledge/answer"): Rule(Perm.read, body=const({"text": "预售尾款"})),
    ("POST", "/api/v1/knowledge/import"): Rule(
        Perm.manage_knowledge,
        body=const({"format": "csv", "content": "question,answer\n导入的问题,导入的答案\n"}),
    ),
    ("GET", "/api/v1/knowledge/export"): Rule(Perm.read),
    ("GET", S): Rule(Perm.read),
    ("POST", f"{S}/{{entry_id}}/used"): Rule(Perm.converse, 201),
    # Drafting is off in the matrix (no LLM configured): allowed roles get its 409.
    ("POST", "/api/v1/conversations/{conversation_id}/draft"): Rule(Perm.converse, 409),
}


def seed(s: Session, world: World, secret: str, base: dict[str, int]) -> Seed:
    # No customer message is added to the shared conversation: a reply to it would keep the
    # core seed's promise. Suggestions themselves are tested in tests/knowledge.
    system = world.system
    entry = kb.create(
        s,
        actor=system,
        content=EntryContent(
            question=f"预售尾款什么时候付 {secret}",
            paraphrases=[f"尾款几号付 {secret}"],
            answer=f"<p>尾款11月1日开始支付 {secret}</p>",
            tags=[secret.lower()],
            campaign=secret,
        ),
        status=EntryStatus.published,
    )
    kb.update(s, actor=system, entry_id=entry.id, changes={"answer": f"尾款11月2日 {secret}"})
    return Seed(ids={"entry_id": entry.id, "number": 1}, secrets=(f"尾款11月2日 {secret}",))


MATRIX = Domain(rules=RULES, seed=seed, not_ids=frozenset({"number"}))
