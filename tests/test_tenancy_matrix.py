"""The tenancy and permission matrix: every /api/v1 route, every role, another workspace.

Built from the app's OpenAPI document, so a new route fails `test_every_route_is_classified`
until it gets a line in RULES (which permission it needs, a valid request body). Then:

- each role of workspace A calls every route on A's own rows: 2xx if ROLE_PERMS grants the
  route's permission, else 403;
- workspace B calls every route with one of A's ids (in the path or in the body) and gets exactly
  the answer it gets for an id that does not exist — 404 (or 403 before any lookup), same body;
- B's lists, filtered by A's ids or searched for A's names, show none of A's rows;
- a widget customer reaches only their own conversations;
- no or a bad credential is a 401 everywhere.

Each call runs in a SAVEPOINT that is rolled back, so every call sees the same seeded rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Connection, select

from kefu import clock
from kefu.app import create_app
from kefu.auth import service as auth
from kefu.auth.models import Role, TeamKind
from kefu.auth.permissions import ROLE_PERMS, Perm
from kefu.auth.secrets import sign_widget_token
from kefu.channels import widget
from kefu.config import Settings
from kefu.conversations import service as conversations
from kefu.customers import service as customers
from kefu.customers.models import IdentityKind
from kefu.orders import service as orders
from kefu.orders.service import NewItem
from kefu.parties import service as parties
from kefu.parties.models import PartyKind
from kefu.runtime import Runtime
from kefu.sla import escalation, handoffs, notify, policies, promises
from kefu.sla.models import PromiseKind, SlaPolicy
from kefu.tickets import service as tickets
from tests.factories import World
from tests.matrix import DOMAINS
from tests.matrix.base import CUSTOMER, PUBLIC, Data, Rule, Seed
from tests.matrix.base import const as _const

MISSING = 2**62  # a valid id that no row has


RULES: dict[tuple[str, str], Rule] = {
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("GET", "/api/v1/me"): Rule(None),
    ("GET", "/api/v1/staff"): Rule(Perm.read),
    ("POST", "/api/v1/staff"): Rule(
        Perm.manage_workspace,
        201,
        _const({"email": "new@shop.test", "name": "新员工", "role": "agent"}),
    ),
    ("GET", "/api/v1/staff/{staff_id}"): Rule(Perm.read),
    ("PATCH", "/api/v1/staff/{staff_id}"): Rule(
        Perm.manage_workspace, body=_const({"name": "改名"})
    ),
    ("PUT", "/api/v1/staff/{staff_id}/skills/{skill_id}"): Rule(
        Perm.manage_teams, body=_const({"level": 3})
    ),
    ("GET", "/api/v1/teams"): Rule(Perm.read),
    ("POST", "/api/v1/teams"): Rule(
        Perm.manage_teams, 201, _const({"name": "新团队", "kind": "frontline"})
    ),
    ("GET", "/api/v1/teams/{team_id}"): Rule(Perm.read),
    ("PUT", "/api/v1/teams/{team_id}/members/{staff_id}"): Rule(
        Perm.manage_teams, body=_const({"is_lead": True})
    ),
    ("DELETE", "/api/v1/teams/{team_id}/members/{staff_id}"): Rule(Perm.manage_teams),
    ("GET", "/api/v1/skills"): Rule(Perm.read),
    ("POST", "/api/v1/skills"): Rule(Perm.manage_teams, 201, _const({"name": "新技能"})),
    ("GET", "/api/v1/customers"): Rule(Perm.read),
    ("POST", "/api/v1/customers"): Rule(
        Perm.manage_customers, 201, _const({"display_name": "新客户"})
    ),
    ("GET", "/api/v1/customers/{customer_id}"): Rule(Perm.read),
    ("PATCH", "/api/v1/customers/{customer_id}"): Rule(
        Perm.manage_customers, body=_const({"tier": "gold"})
    ),
    ("POST", "/api/v1/customers/{customer_id}/identities"): Rule(
        Perm.manage_customers, 201, _const({"kind": "email", "value": "new@example.com"})
    ),
    ("GET", "/api/v1/customers/{customer_id}/timeline"): Rule(Perm.read),
    ("POST", "/api/v1/customer-merges"): Rule(
        Perm.merge_customers,
        201,
        lambda d: {"source_id": d.ids["customer2"], "target_id": d.ids["customer_id"]},
    ),
    ("POST", "/api/v1/customer-merges/{merge_id}/undo"): Rule(Perm.merge_customers),
    ("GET", "/api/v1/channels"): Rule(Perm.read),
    ("POST", "/api/v1/channels"): Rule(
        Perm.manage_workspace, 201, _const({"kind": "email", "name": "邮件"})
    ),
    ("GET", "/api/v1/channels/{channel_id}"): Rule(Perm.read),
    ("PATCH", "/api/v1/channels/{channel_id}"): Rule(
        Perm.manage_workspace, body=_const({"name": "在线客服"})
    ),
    ("GET", "/api/v1/conversations"): Rule(Perm.read),
    ("POST", "/api/v1/conversations"): Rule(
        Perm.converse,
        201,
        lambda d: {"channel_id": d.ids["channel_id"], "customer_id": d.ids["customer_id"]},
    ),
    ("GET", "/api/v1/conversations/{conversation_id}"): Rule(Perm.read),
    ("PATCH", "/api/v1/conversations/{conversation_id}"): Rule(
        Perm.converse, body=lambda d: {"assignee_id": d.ids["agent"]}
    ),
    ("GET", "/api/v1/conversations/{conversation_id}/messages"): Rule(Perm.read),
    ("POST", "/api/v1/conversations/{conversation_id}/messages"): Rule(
        Perm.converse, 201, _const({"body": "您好，请问还有什么可以帮您？"})
    ),
    ("GET", "/api/v1/conversations/{conversation_id}/timeline"): Rule(Perm.read),
    ("GET", "/api/v1/tickets"): Rule(Perm.read),
    ("POST", "/api/v1/tickets"): Rule(
        Perm.work_tickets,
        201,
        lambda d: {
            "subject": "新工单",
            "type_id": d.ids["type_id"],
            "customer_id": d.ids["customer_id"],
            "owner_id": d.ids["agent"],
            "team_id": d.ids["team_id"],
            "conversation_ids": [d.ids["conversation2"]],
        },
    ),
    ("GET", "/api/v1/tickets/{ticket_id}"): Rule(Perm.read),
    ("PATCH", "/api/v1/tickets/{ticket_id}"): Rule(
        Perm.work_tickets, body=_const({"priority": "P1"})
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/transition"): Rule(
        Perm.work_tickets, body=_const({"to": "open"})
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/assign"): Rule(
        Perm.work_tickets, body=lambda d: {"owner_id": d.ids["agent"]}
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/conversations"): Rule(
        Perm.work_tickets, body=lambda d: {"conversation_id": d.ids["conversation2"]}
    ),
    ("GET", "/api/v1/tickets/{ticket_id}/timeline"): Rule(Perm.read),
    ("GET", "/api/v1/ticket-types"): Rule(Perm.read),
    ("POST", "/api/v1/ticket-types"): Rule(
        Perm.manage_workspace, 201, _const({"key": "exchange", "name": "换货"})
    ),
    ("GET", "/api/v1/ticket-types/{type_id}"): Rule(Perm.read),
    ("GET", "/api/v1/parties"): Rule(Perm.read),
    ("POST", "/api/v1/parties"): Rule(
        Perm.manage_parties, 201, _const({"kind": "carrier", "name": "中通"})
    ),
    ("GET", "/api/v1/parties/{party_id}"): Rule(Perm.read),
    ("POST", "/api/v1/parties/{party_id}/contacts"): Rule(
        Perm.manage_parties, 201, _const({"name": "王经理", "phone": "021-5555 0000"})
    ),
    ("GET", "/api/v1/orders"): Rule(Perm.read),
    ("GET", "/api/v1/orders/{order_id}"): Rule(Perm.read),
    ("GET", "/api/v1/sla/policies"): Rule(Perm.read),
    ("POST", "/api/v1/sla/policies"): Rule(
        Perm.manage_workspace,
        201,
        _const({"name": "新策略", "targets": {"first_response": {"minutes": 60}}}),
    ),
    ("PUT", "/api/v1/sla/policies/{policy_id}"): Rule(
        Perm.manage_workspace,
        body=_const({"name": "改名策略", "targets": {"resolution": {"minutes": 600}}}),
    ),
    ("POST", "/api/v1/sla/policies/defaults"): Rule(Perm.manage_workspace),
    ("GET", "/api/v1/sla/metrics"): Rule(Perm.read),
    ("GET", "/api/v1/sla/calendar-status"): Rule(Perm.read),
    ("GET", "/api/v1/tickets/{ticket_id}/sla"): Rule(Perm.read),
    ("GET", "/api/v1/tickets/{ticket_id}/escalations"): Rule(Perm.read),
    ("GET", "/api/v1/promises"): Rule(Perm.read),
    ("POST", "/api/v1/promises"): Rule(
        Perm.work_tickets,
        201,
        lambda d: {
            "ticket_id": d.ids["ticket_id"],
            "kind": "update",
            "text": "今天给您答复",
            "within_business_minutes": 60,
        },
    ),
    ("POST", "/api/v1/promises/propose"): Rule(
        Perm.work_tickets,
        body=lambda d: {"text": "三天内给您回电", "ticket_id": d.ids["ticket_id"]},
    ),
    ("POST", "/api/v1/promises/{promise_id}/keep"): Rule(Perm.work_tickets),
    ("POST", "/api/v1/promises/{promise_id}/cancel"): Rule(
        Perm.work_tickets, body=_const({"reason": "客户撤回"})
    ),
    ("GET", "/api/v1/escalation-levels"): Rule(Perm.read),
    ("PUT", "/api/v1/escalation-levels/{level}"): Rule(
        Perm.manage_workspace, body=lambda d: {"name": "组长", "responder_id": d.ids["agent"]}
    ),
    ("GET", "/api/v1/notifications"): Rule(None),
    ("POST", "/api/v1/notifications/read"): Rule(None, body=_const({"up_to_id": MISSING})),
    ("POST", "/api/v1/tickets/{ticket_id}/handoffs"): Rule(
        Perm.work_tickets,
        201,
        lambda d: {
            "question": "请确认到货时间",
            "team_id": d.ids["team_id"],
            "within_business_minutes": 240,
        },
    ),
    ("GET", "/api/v1/tickets/{ticket_id}/handoffs"): Rule(Perm.read),
    ("GET", "/api/v1/handoffs"): Rule(Perm.read),
    ("GET", "/api/v1/handoffs/{handoff_id}"): Rule(Perm.read),
    ("POST", "/api/v1/handoffs/{handoff_id}/answer"): Rule(
        Perm.work_tickets, body=_const({"answer": "明天到货"})
    ),
    ("POST", "/api/v1/handoffs/{handoff_id}/cancel"): Rule(
        Perm.work_tickets, body=_const({"reason": "客户已收货"})
    ),
    ("POST", "/api/v1/handoffs/{handoff_id}/portal-link"): Rule(Perm.work_tickets),
    ("GET", "/api/v1/widget/promises"): CUSTOMER,
    ("GET", "/api/v1/widget/me"): CUSTOMER,
    ("GET", "/api/v1/widget/conversations"): CUSTOMER,
    ("POST", "/api/v1/widget/conversations"): CUSTOMER,
    ("GET", "/api/v1/widget/conversations/{conversation_id}/messages"): CUSTOMER,
    ("POST", "/api/v1/widget/conversations/{conversation_id}/messages"): CUSTOMER,
}

# Query parameters of list routes that take an id, and which seeded row they name.
ID_FILTERS = {
    "customer_id": "customer_id",
    "channel_id": "channel_id",
    "assignee_id": "agent",
    "owner_id": "agent",
    "type_id": "type_id",
    "ticket_id": "ticket_id",
    "team_id": "team_id",
    "party_id": "party_id",
}
# Reads that show no workspace's rows (the holiday data every calendar shares).
NOT_TENANT_DATA = {"/api/v1/sla/calendar-status"}
# Path parameters that are not row ids (a rung of the workspace's own ladder).
NOT_IDS = {"level"}
for _domain in DOMAINS:
    RULES.update(_domain.rules)
    ID_FILTERS.update(_domain.id_filters)
    NOT_TENANT_DATA |= _domain.not_tenant_data
    NOT_IDS |= _domain.not_ids


def api_routes() -> list[tuple[str, str]]:
    spec = create_app(Settings(database_url="sqlite://")).openapi()
    return [
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        if path.startswith("/api/v1/")
        for method in operations
    ]


ROUTES = api_routes()
STAFF_ROUTES = [r for r in ROUTES if RULES.get(r) not in (PUBLIC, CUSTOMER)]


def path_keys(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


def test_every_route_is_classified() -> None:
    missing = sorted(set(ROUTES) - set(RULES))
    assert not missing, (
        "routes without a line in RULES (which permission, which body) — add them there:\n"
        + "\n".join(f"  {m} {p}" for m, p in missing)
    )
    stale = sorted(set(RULES) - set(ROUTES))
    assert not stale, f"RULES names routes the app does not have: {stale}"


# --- data ---------------------------------------------------------------------------------------


def seed(runtime: Runtime, world: World) -> Data:
    key = world.workspace.key
    secret = f"{key.upper()}-SECRET"
    phone = "13800000001" if key == "acme" else "13900000002"
    system = world.system
    assert world.chat is not None
    with runtime.sessions() as s:
        c1 = customers.create(
            s,
            actor=system,
            display_name=f"张伟 {secret}",
            note=secret,
            tags=[secret.lower()],
            identities=[(IdentityKind.phone, phone, True)],
        )
        c2 = customers.create(s, actor=system, display_name=f"李娜 {secret}")
        c3 = customers.create(s, actor=system, display_name=f"王芳 {secret}")
        c4 = customers.create(s, actor=system, display_name=f"王芳 {secret}")
        merge = customers.merge(s, actor=system, source_id=c4.id, target_id=c3.id)
        conv1 = conversations.create(
            s, actor=system, channel_id=world.chat.id, customer_id=c1.id, subject=f"物流 {secret}"
        )
        conversations.post_message(
            s, actor=world.actor(Role.agent), conversation_id=conv1.id, body=secret
        )
        conv2 = conversations.create(s, actor=system, channel_id=world.chat.id, customer_id=c2.id)
        ttype = tickets.create_type(s, actor=system, key="refund", name=f"退款 {secret}", fields=[])
        target = auth.create_staff(
            s, actor=system, email=f"target@{key}.test", name=f"员工 {secret}", role=Role.agent
        )
        team = auth.create_team(s, actor=system, name=f"售后 {secret}", kind=TeamKind.after_sales)
        auth.set_member(s, actor=system, team_id=team.id, staff_id=target.id)
        ticket = tickets.create(
            s,
            actor=system,
            subject=f"快递没动 {secret}",
            description=secret,
            customer_id=c1.id,
            type_id=ttype.id,
            order_ref=secret,
            conversation_ids=[conv1.id],
        )
        skill = auth.create_skill(s, actor=system, name=f"退款 {key}", description=secret)
        party = parties.create(s, actor=system, kind=PartyKind.supplier, name=f"供应商 {secret}")
        parties.add_contact(
            s,
            actor=system,
            party_id=party.id,
            contact={"name": f"联系人 {secret}", "phone": "021-5555 0000"},
        )
        handoff, _ = handoffs.ask(
            s,
            actor=world.actor(Role.agent),
            ticket_id=ticket.id,
            party_id=party.id,
            question=f"到货时间？ {secret}",
            within_business_minutes=240,
        )
        policies.install_templates(s, workspace_id=world.workspace.id)
        policy = s.scalars(
            select(SlaPolicy).where(SlaPolicy.workspace_id == world.workspace.id)
        ).first()
        promise = promises.make(
            s,
            actor=world.actor(Role.agent),
            ticket_id=ticket.id,
            kind=PromiseKind.update,
            text=f"回电 {secret}",
            within_business_minutes=120,
        )
        team_lead = world.staff[Role.team_lead]
        escalation.set_level(
            s,
            actor=system,
            level=1,
            name="组长",
            responder_id=team_lead.id,
            use_team_lead=False,
            respond_within_minutes=60,
        )
        note = notify.notify(
            s,
            workspace_id=world.workspace.id,
            staff_id=world.staff[Role.admin].id,
            kind="test",
            text=f"通知 {secret}",
        )
        assert note is not None
        order = orders.create(
            s,
            actor=system,
            number=f"{key}-0001",
            customer_id=c1.id,
            shipping_name=secret,
            items=[NewItem(sku="SKU-1", title=f"餐桌 {secret}", quantity=1, unit_price_cents=100)],
        )
        core_ids = {
            "staff_id": target.id,
            "skill_id": skill.id,
            "team_id": team.id,
            "customer_id": c1.id,
            "customer2": c2.id,
            "merge_id": merge.id,
            "channel_id": world.chat.id,
            "conversation_id": conv1.id,
            "conversation2": conv2.id,
            "ticket_id": ticket.id,
            "type_id": ttype.id,
            "party_id": party.id,
            "order_id": order.id,
            "agent": world.staff[Role.agent].id,
            "policy_id": policy.id,
            "handoff_id": handoff.id,
            "promise_id": promise.id,
            "notification_id": note.id,
            "level": 1,
        }
        ids, secrets = (
            dict(core_ids),
            [secret, secret.lower(), phone, f"target@{key}.test", f"{key}-0001"],
        )
        for domain in DOMAINS:
            if domain.seed is not None:
                extra: Seed = domain.seed(s, world, secret, core_ids)
                ids.update(extra.ids)
                secrets.extend(extra.secrets)
        s.commit()
        return Data(world=world, ids=ids, secrets=tuple(secrets))


@pytest.fixture
def acme(runtime: Runtime, world: World) -> Data:
    return seed(runtime, world)


@pytest.fixture
def rival(runtime: Runtime, other_world: World) -> Data:
    return seed(runtime, other_world)


class Caller:
    """Calls the API inside a SAVEPOINT that is rolled back afterwards."""

    def __init__(self, client: TestClient, connection: Connection) -> None:
        self.client = client
        self.connection = connection

    def __call__(
        self, method: str, url: str, headers: dict[str, str], body: dict[str, Any] | None = None
    ) -> Response:
        savepoint = self.connection.begin_nested()
        try:
            return self.client.request(method, url, headers=headers, json=body)
        finally:
            savepoint.rollback()


@pytest.fixture
def call(client: TestClient, connection: Connection) -> Caller:
    return Caller(client, connection)


def expected(rule: Rule, role: Role, found: int) -> int:
    return found if rule.perm is None or rule.perm in ROLE_PERMS[role] else 403


def leaks(response: Response, data: Data) -> list[str]:
    return [s for s in data.secrets if s in response.text]


# --- the matrix ---------------------------------------------------------------------------------


def test_each_role_gets_what_role_perms_grant(call: Caller, acme: Data) -> None:
    wrong = []
    for method, path in STAFF_ROUTES:
        rule = RULES[(method, path)]
        body = rule.body(acme) if rule.body else None
        for role in Role:
            r = call(method, acme.url(path), acme.world.headers(role), body)
            want = expected(rule, role, rule.ok)
            if r.status_code != want:
                got = f"{r.status_code} (want {want}) {r.text[:200]}"
                wrong.append(f"{role.value:<10} {method} {path}: {got}")
            elif want == 403:
                assert r.json()["code"] == "permission.denied"
    assert not wrong, "\n".join(wrong)


def foreign_variants(
    method: str, path: str, mine: Data, theirs: Data
) -> Iterator[tuple[str, Data, Data]]:
    """For each id a route uses (in its path or its body): my data with that one id swapped for
    the other workspace's, and the same with an id that does not exist."""
    rule = RULES[(method, path)]
    keys = set(path_keys(path)) - NOT_IDS
    if rule.body:
        baseline = rule.body(mine)
        keys |= {k for k in mine.ids if rule.body(mine.with_id(k, MISSING)) != baseline}
    for key in sorted(keys):
        yield key, mine.with_id(key, theirs.ids[key]), mine.with_id(key, MISSING)


def test_another_workspace_gets_the_missing_answer(call: Caller, acme: Data, rival: Data) -> None:
    wrong = []
    checked = 0
    for method, path in STAFF_ROUTES:
        rule = RULES[(method, path)]
        for key, foreign, missing in foreign_variants(method, path, rival, acme):
            for role in (Role.admin, Role.analyst):
                headers = rival.world.headers(role)
                got = call(
                    method, foreign.url(path), headers, rule.body(foreign) if rule.body else None
                )
                none = call(
                    method, missing.url(path), headers, rule.body(missing) if rule.body else None
                )
                checked += 1
                where = f"{role.value} of rival, {method} {path} with acme's {key}"
                if got.status_code != expected(rule, role, 404):
                    wrong.append(f"{where}: {got.status_code} {got.text[:200]}")
                elif got.json() != none.json():
                    wrong.append(f"{where}: {got.json()} differs from a missing id's {none.json()}")
                elif leaks(got, acme):
                    wrong.append(f"{where}: leaks {leaks(got, acme)}")
    assert checked > 50
    assert not wrong, "\n".join(wrong)


def test_lists_of_another_workspace_show_none_of_its_rows(
    call: Caller, acme: Data, rival: Data
) -> None:
    spec = call.client.app.openapi()  # type: ignore[attr-defined]
    headers = rival.world.headers(Role.admin)
    lists = [
        (m, p)
        for m, p in STAFF_ROUTES
        if m == "GET" and not path_keys(p) and p not in NOT_TENANT_DATA
    ]
    assert len(lists) >= 10
    for method, path in lists:
        r = call(method, path, headers)
        assert r.status_code == 200, (path, r.text)
        assert not leaks(r, acme), (path, leaks(r, acme))
        for param in spec["paths"][path]["get"].get("parameters", []):
            name = param["name"]
            if param["in"] != "query" or not name.endswith("_id"):
                continue
            assert name in ID_FILTERS, (
                f"{path}?{name}: say in ID_FILTERS which row the filter names"
            )
            filtered = call(method, f"{path}?{name}={acme.ids[ID_FILTERS[name]]}", headers)
            assert filtered.status_code == 200 and filtered.json()["items"] == [], (
                path,
                name,
                filtered.text,
            )
        # The same lists of acme do show acme's rows: the filters above did match something.
        own = call(method, path, acme.world.headers(Role.admin))
        assert own.status_code == 200 and own.text != r.text
    searches = [
        "/api/v1/customers?identity_kind=phone&identity_value=13800000001",
        "/api/v1/customers?q=ACME-SECRET",
        "/api/v1/customers?tag=acme-secret",
        "/api/v1/tickets?order_ref=ACME-SECRET",
        "/api/v1/orders?number=acme-0001",
    ]
    for url in searches:
        assert call("GET", url, acme.world.headers(Role.admin)).json()["items"], url
        r = call("GET", url, headers)
        assert r.status_code == 200 and r.json()["items"] == [], (url, r.text)


# --- the widget ---------------------------------------------------------------------------------


def customer_headers(world: World, member_id: str) -> dict[str, str]:
    token = sign_widget_token(
        world.workspace.widget_secret,
        {"ws": world.workspace.key, "sub": member_id, "exp": int(clock.now().timestamp()) + 600},
    )
    return {"X-Kefu-Workspace": world.workspace.key, "X-Kefu-Customer-Token": token}


def widget_conversation(runtime: Runtime, world: World, member_id: str, text: str) -> int:
    with runtime.sessions() as s:
        token = customer_headers(world, member_id)["X-Kefu-Customer-Token"]
        actor, _ = widget.identify(
            s, workspace_key=world.workspace.key, token=token, max_age_s=3600
        )
        assert world.chat is not None and actor.id is not None
        conv = conversations.create(
            s, actor=actor, channel_id=world.chat.id, customer_id=actor.id, subject=text
        )
        conversations.post_message(s, actor=actor, conversation_id=conv.id, body=text)
        s.commit()
        return conv.id


def test_a_widget_customer_reaches_only_their_own_conversations(
    call: Caller, runtime: Runtime, world: World, other_world: World
) -> None:
    mine = widget_conversation(runtime, world, "M1", "我的订单")
    neighbours = widget_conversation(runtime, world, "M2", "NEIGHBOUR-SECRET")
    rivals = widget_conversation(runtime, other_world, "M1", "RIVAL-SECRET")
    me = customer_headers(world, "M1")
    assert call("GET", f"/api/v1/widget/conversations/{mine}/messages", me).status_code == 200
    listed = call("GET", "/api/v1/widget/conversations", me)
    assert [c["id"] for c in listed.json()["items"]] == [mine]
    for method, body in (("GET", None), ("POST", {"body": "在吗？"})):
        url = "/api/v1/widget/conversations/{}/messages"
        none = call(method, url.format(MISSING), me, body)
        assert none.status_code == 404
        for other in (neighbours, rivals):
            got = call(method, url.format(other), me, body)
            assert got.status_code == 404 and got.json() == none.json(), (method, other, got.text)
            assert "SECRET" not in got.text
    # A customer is nobody to the staff API, and a token signed by one shop opens no other shop.
    assert (
        call(
            "GET",
            f"/api/v1/conversations/{mine}",
            {"Authorization": f"Bearer {me['X-Kefu-Customer-Token']}"},
        ).status_code
        == 401
    )
    crossed = {**customer_headers(other_world, "M1"), "X-Kefu-Workspace": world.workspace.key}
    assert call("GET", "/api/v1/widget/me", crossed).status_code == 401


# --- credentials --------------------------------------------------------------------------------


def test_no_or_bad_credentials_are_401_everywhere(call: Caller, acme: Data) -> None:
    bad = {
        "none": {},
        "invalid": {"Authorization": "Bearer kf_not-a-token"},
        "not bearer": {"Authorization": "Basic YWRtaW46YWRtaW4="},
    }
    for method, path in STAFF_ROUTES:
        rule = RULES[(method, path)]
        for why, headers in bad.items():
            r = call(method, acme.url(path), headers, rule.body(acme) if rule.body else None)
            assert r.status_code == 401, (why, method, path, r.text)
            assert set(r.json()) == {"detail", "code"} and not leaks(r, acme)
    widget_routes = [r for r in ROUTES if RULES[r] is CUSTOMER]
    assert widget_routes
    for n, (method, path) in enumerate(widget_routes):
        body = {"body": "在吗？"} if method == "POST" and path.endswith("messages") else None
        url = acme.url(path)
        # A token per route: the flood limit counts writes per token, and this is not its test.
        forged = f"not.signed{n}"
        for headers in (
            {},
            {"X-Kefu-Workspace": "acme", "X-Kefu-Customer-Token": forged},
            {"X-Kefu-Workspace": "nowhere", "X-Kefu-Customer-Token": forged},
        ):
            r = call(method, url, headers, body)
            assert r.status_code == 401, (method, path, headers, r.text)
