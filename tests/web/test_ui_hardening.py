"""Page defects an agent would meet on a busy day: codes shown raw in English."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from kefu.auth.models import Role
from kefu.customers import service as customers
from kefu.customers.models import IdentityKind
from kefu.runtime import Runtime
from kefu.tickets import service as tickets
from kefu.tickets.models import TicketStatus
from kefu.web import i18n
from tests.factories import World

CODE = re.compile(r"[a-z0-9]+(_[a-z0-9]+)+")  # "pending_internal", "first_response", "team_lead"


def test_every_code_the_pages_translate_has_an_english_text() -> None:
    # Status, identity, SLA-target, role and channel codes go through t()/_() to be shown; the
    # English catalog's fallback (the id itself) would put "pending_internal" in front of the agent.
    en = i18n.catalog("en")
    codes = [m for m in en if CODE.fullmatch(m)]
    assert len(codes) > 10  # the scan found them
    assert sorted(m for m in codes if en[m] == m or "_" in en[m]) == []


def test_the_customer_card_in_english_shows_no_raw_codes(
    client: TestClient, world: World, runtime: Runtime
) -> None:
    with runtime.sessions() as s:
        customer = customers.create(
            s,
            actor=world.system,
            display_name="Ann",
            identities=[(IdentityKind.member_id, "LM10086", True)],
        )
        ticket = tickets.create(s, actor=world.system, subject="Parcel", customer_id=customer.id)
        tickets.transition(
            s, actor=world.system, ticket_id=ticket.id, to=TicketStatus.pending_internal
        )
        s.commit()
    card = client.get(
        f"/workbench/partials/customer/{customer.id}", headers=world.headers(Role.agent, "en")
    )
    assert card.status_code == 200
    shown = re.sub(r"<[^>]*>", " ", card.text)  # what the agent reads (not class names)
    assert "Member ID" in shown and "Waiting on us" in shown
    assert "member_id" not in shown and "pending_internal" not in shown
