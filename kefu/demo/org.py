"""The demo shop's organisation: staff, teams, skills, partners, channels and ticket types."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache

from faker import Faker
from sqlalchemy.orm import Session

from kefu.auth import secrets
from kefu.auth import service as auth
from kefu.auth.actor import Actor
from kefu.auth.models import Role, Staff, Team, TeamKind, Workspace
from kefu.channels import service as channels
from kefu.channels.models import Channel, ChannelKind
from kefu.demo import data
from kefu.parties import service as parties
from kefu.tickets import service as tickets
from kefu.tickets.models import TicketType

CHANNEL_CONFIG: dict[ChannelKind, dict[str, str]] = {
    ChannelKind.web_chat: {"greeting": "您好，欢迎来到璐米家居，请问有什么可以帮您？"},
    ChannelKind.email: {"address": "service@lumiere.example"},
    ChannelKind.phone: {"number": "400-820-1688", "hours": "09:00-22:00"},
    ChannelKind.community: {"platform": "wechat_group", "members": "486"},
}


@dataclass
class TeamInfo:
    team: Team
    lead: Staff
    supervisor: Staff
    agents: list[Staff]


@dataclass
class Org:
    staff: dict[Role, list[Staff]] = field(default_factory=dict)
    teams: dict[TeamKind, TeamInfo] = field(default_factory=dict)
    channels: dict[ChannelKind, Channel] = field(default_factory=dict)
    types: dict[str, TicketType] = field(default_factory=dict)


def login_email(role: Role, n: int = 1) -> str:
    return f"{role.value}{n}@{data.MAIL_DOMAIN}"


@cache
def _password_hash() -> str:
    # argon2 is slow on purpose (a quarter second a hash here); the demo password is public, so one
    # hash serves every demo account instead of thirty.
    return secrets.hash_password(data.DEMO_PASSWORD)


def build(session: Session, ws: Workspace, rng: random.Random, fake: Faker) -> Org:
    """Everything the shop has before its first customer writes in."""
    system = Actor.system(ws.id)
    org = Org()
    for role, count in data.STAFF_PER_ROLE.items():
        org.staff[role] = []
        for n in range(1, count + 1):
            member = auth.create_staff(
                session,
                actor=system,
                email=login_email(role, n),
                name=fake.unique.name(),
                role=role,
            )
            member.password_hash = _password_hash()
            org.staff[role].append(member)
    _teams(session, system, org)
    _skills(session, system, org, rng)
    _parties(session, system, fake)
    for kind, name in data.CHANNELS:
        org.channels[kind] = channels.create(
            session, actor=system, kind=kind, name=name, config=CHANNEL_CONFIG.get(kind, {})
        )
    for spec in data.TICKET_TYPES:
        org.types[spec["key"]] = tickets.create_type(
            session, actor=system, key=spec["key"], name=spec["name"], fields=spec["fields"]
        )
    session.flush()
    return org


def _teams(session: Session, system: Actor, org: Org) -> None:
    agents = iter(org.staff[Role.agent])
    for i, (name, kind, description, size, supervisor) in enumerate(data.TEAMS):
        team = auth.create_team(
            session, actor=system, name=name, kind=kind, description=description
        )
        info = TeamInfo(
            team=team,
            lead=org.staff[Role.team_lead][i],
            supervisor=org.staff[Role.supervisor][supervisor],
            agents=[next(agents) for _ in range(size)],
        )
        for member in info.agents:
            auth.set_member(session, actor=system, team_id=team.id, staff_id=member.id)
        auth.set_member(session, actor=system, team_id=team.id, staff_id=info.lead.id, is_lead=True)
        auth.set_member(session, actor=system, team_id=team.id, staff_id=info.supervisor.id)
        org.teams[kind] = info


def _skills(session: Session, system: Actor, org: Org, rng: random.Random) -> None:
    for name, description, kinds in data.SKILLS:
        skill = auth.create_skill(session, actor=system, name=name, description=description)
        for kind in kinds:
            info = org.teams[kind]
            for member in info.agents:
                # Not every agent of a team has every skill of it; leads always do, and well.
                if rng.random() < 0.75:
                    level = rng.randint(2, 5)
                    auth.set_skill(
                        session, actor=system, staff_id=member.id, skill_id=skill.id, level=level
                    )
            auth.set_skill(
                session,
                actor=system,
                staff_id=info.lead.id,
                skill_id=skill.id,
                level=rng.randint(4, 5),
            )


def _parties(session: Session, system: Actor, fake: Faker) -> None:
    for spec in data.PARTIES:
        domain = spec["code"].lower() + ".example"
        contacts = [
            {
                "name": fake.name(),
                "title": title,
                "phone": fake.phone_number(),
                "email": f"contact{n}@{domain}",
            }
            for n, title in enumerate(spec["titles"], start=1)
        ]
        parties.create(
            session,
            actor=system,
            kind=spec["kind"],
            name=spec["name"],
            code=spec["code"],
            contacts=contacts,
        )
