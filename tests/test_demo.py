"""The demo shop: what `kefu demo` promises, re-runs that add nothing, tokens that work, reset.

Seeding takes seconds, so the module seeds once per database: its tests share one outer
transaction (rolled back at the end of the module) instead of one each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from kefu.auth import service as auth
from kefu.auth.models import Role, Staff, Team, TeamKind
from kefu.conversations.models import Conversation, Direction, Message
from kefu.customers.models import Customer, CustomerIdentity
from kefu.demo.seed import DemoCredentials, ensure_demo
from kefu.errors import Unauthorized
from kefu.orders.models import Order, OrderItem
from kefu.parties.models import Party, PartyKind
from kefu.tickets.models import Ticket, TicketStatus
from kefu.timeline.models import Event


@pytest.fixture(scope="module")
def connection(engine: Engine) -> Iterator[Connection]:
    """Overrides conftest's per-test connection: one transaction for the whole module."""
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture(scope="module")
def demo(connection: Connection) -> DemoCredentials:
    sessions = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    with sessions() as s:
        creds = ensure_demo(s)
        s.commit()
    return creds


def seed(runtime, *, reset: bool = False) -> DemoCredentials:
    with runtime.sessions() as s:
        creds = ensure_demo(s, reset=reset)
        s.commit()
    return creds


def count(session: Session, model, ws_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(model).where(model.workspace_id == ws_id)
    )


def total(session: Session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def demo_id(session: Session) -> int:
    ws = auth.get_workspace_by_key(session, "demo")
    assert ws is not None
    return ws.id


def test_logins_one_per_role_admin_last(demo):
    assert demo.workspace_key == "demo"
    assert demo.workspace_name.startswith("Lumière Home")
    assert [login.role for login in demo.logins][-1] == "admin"
    assert {login.role for login in demo.logins} == {r.value for r in Role}
    assert all(login.token and login.password for login in demo.logins)


def test_the_shop_has_what_the_demo_promises(demo, session):
    ws = demo_id(session)
    assert count(session, Customer, ws) >= 50
    assert count(session, Order, ws) >= 200
    assert count(session, Conversation, ws) >= 40
    assert count(session, Ticket, ws) >= 25

    teams = {t.kind: t for t in session.scalars(select(Team).where(Team.workspace_id == ws))}
    assert set(teams) >= {TeamKind.frontline, TeamKind.after_sales, TeamKind.cross_border}
    assert teams[TeamKind.cross_border].name == "跨境专员组"
    assert any(m.is_lead for m in teams[TeamKind.cross_border].members)
    roles = Counter(session.scalars(select(Staff.role).where(Staff.workspace_id == ws)))
    assert all(roles[r] >= 2 for r in Role), roles
    parties = list(session.scalars(select(Party).where(Party.workspace_id == ws)))
    assert {p.kind for p in parties} == set(PartyKind)
    assert all(p.contacts for p in parties)

    # Every customer is reachable by phone and member id; identities are unique by constraint.
    kinds = Counter(
        session.scalars(select(CustomerIdentity.kind).where(CustomerIdentity.workspace_id == ws))
    )
    assert kinds["phone"] == kinds["member_id"] == count(session, Customer, ws)
    assert kinds["email"] > 0

    # Orders are in fen, each the sum of its lines.
    totals = session.execute(
        select(Order.total_cents, func.sum(OrderItem.quantity * OrderItem.unit_price_cents))
        .join(OrderItem)
        .where(Order.workspace_id == ws)
        .group_by(Order.id)
    ).all()
    assert len(totals) == count(session, Order, ws)
    assert all(a == b for a, b in totals)

    # Tickets went through the status machine, so their timeline is real; some are still open.
    statuses = Counter(session.scalars(select(Ticket.status).where(Ticket.workspace_id == ws)))
    assert 0 < statuses[TicketStatus.closed] < sum(statuses.values())
    moves = session.scalar(
        select(func.count()).where(Event.workspace_id == ws, Event.type == "ticket.status_changed")
    )
    assert moves >= 25
    directions = set(session.scalars(select(Message.direction).where(Message.workspace_id == ws)))
    assert directions == set(Direction)


def test_second_run_adds_nothing_and_its_admin_token_works(demo, client, runtime):
    with runtime.sessions() as s:
        before = {m: count(s, m, demo_id(s)) for m in (Customer, Order, Ticket, Staff)}
    again = seed(runtime)
    with runtime.sessions() as s:
        assert {m: count(s, m, demo_id(s)) for m in before} == before
    assert again.logins[-1].token != demo.logins[-1].token

    admin = {"Authorization": f"Bearer {again.logins[-1].token}"}
    me = client.get("/api/v1/me", headers=admin)
    assert me.status_code == 200, me.text
    assert me.json()["staff"]["role"] == "admin"
    assert me.json()["workspace"]["key"] == "demo"

    order = client.get("/api/v1/orders", params={"limit": 1}, headers=admin).json()["items"][0]
    assert "*" in order["shipping"]["phone_masked"]
    created = client.post(
        "/api/v1/tickets",
        json={
            "subject": "演示：客户咨询发票",
            "customer_id": order["customer_id"],
            "order_ref": order["number"],
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["number"] > before[Ticket]  # numbered after the seeded tickets
    read = client.get(f"/api/v1/tickets/{created.json()['id']}", headers=admin)
    assert read.status_code == 200
    assert read.json()["order_ref"] == order["number"]

    login = again.logins[0]
    r = client.post(
        "/api/v1/auth/login",
        json={"workspace": "demo", "email": login.email, "password": login.password},
    )
    assert r.status_code == 200, r.text
    assert r.json()["staff"]["role"] == login.role


def test_reset_drops_the_workspace_and_seeds_the_same_shop(demo, runtime):
    with runtime.sessions() as s:
        old_ws = demo_id(s)
        names = list(
            s.scalars(
                select(Customer.display_name)
                .where(Customer.workspace_id == old_ws)
                .order_by(Customer.id)
            )
        )
        s.add(Customer(workspace_id=old_ws, display_name="重置前添加的客户"))
        s.commit()
        # Whatever other tests here added to the shop goes too: count what a fresh seed makes.
        rows = {m: total(s, m) for m in (Customer, Order, OrderItem, Staff)}
        rows[Customer] -= 1

    fresh = seed(runtime, reset=True)
    with runtime.sessions() as s:
        ws = demo_id(s)
        # Nothing of the old shop is left (SQLite may hand out the same workspace id again).
        assert {m: total(s, m) for m in rows} == rows
        # The fixed seed gives the same customers again; the one added by hand is gone.
        assert (
            list(
                s.scalars(
                    select(Customer.display_name)
                    .where(Customer.workspace_id == ws)
                    .order_by(Customer.id)
                )
            )
            == names
        )
        with pytest.raises(Unauthorized):
            auth.authenticate_token(s, demo.logins[-1].token)
        assert auth.authenticate_token(s, fresh.logins[-1].token).role is Role.admin
