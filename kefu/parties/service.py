"""External parties (suppliers, merchants, carriers) and their contacts."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.errors import Conflict
from kefu.parties.models import Party, PartyContact, PartyKind
from kefu.tenancy import get_scoped, scoped

PARTY = ("外部协作方", "party")


def create(
    session: Session,
    *,
    actor: Actor,
    kind: PartyKind,
    name: str,
    code: str = "",
    contacts: list[dict[str, Any]] | None = None,
) -> Party:
    require(actor, Perm.manage_parties)
    if session.scalars(scoped(Party, actor).where(Party.name == name)).first():
        raise Conflict("party.exists", zh=f"协作方 {name} 已存在", en=f"party {name} exists")
    party = Party(
        workspace_id=actor.workspace_id,
        kind=kind,
        name=name,
        code=code,
        contacts=[PartyContact(**c) for c in contacts or []],
    )
    session.add(party)
    session.flush()
    return party


def get(session: Session, *, actor: Actor, party_id: int) -> Party:
    require(actor, Perm.read)
    return get_scoped(session, Party, party_id, actor, what=PARTY)


def list_(session: Session, *, actor: Actor, kind: PartyKind | None = None) -> list[Party]:
    require(actor, Perm.read)
    stmt = scoped(Party, actor).order_by(Party.id)
    if kind is not None:
        stmt = stmt.where(Party.kind == kind)
    return list(session.scalars(stmt))


def add_contact(session: Session, *, actor: Actor, party_id: int, contact: dict[str, Any]) -> Party:
    require(actor, Perm.manage_parties)
    party = get_scoped(session, Party, party_id, actor, what=PARTY, for_update=True)
    party.contacts.append(PartyContact(**contact))
    session.flush()
    return party
