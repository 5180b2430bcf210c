"""Schemathesis against /openapi.json: no server error, no response outside the documented schema.

Bounded and deterministic: schemathesis's coverage phase (boundary values, wrong types, missing
fields — a fixed list) and then Hypothesis with `derandomize=True`, at most MAX_EXAMPLES cases per
operation. Every case runs in a SAVEPOINT that is rolled back, so each one sees the same seeded
data and a failure replays exactly. Three passes per database: an admin (every operation), an
agent (the staff operations: 403s must be documented too) and a widget customer.

Schemathesis's pytest plugin (`from_fixture` + `parametrize`) does not run under pytest 9, so the
operations are driven through its Python API: `iter_coverage_cases` and `as_strategy`.
"""

from __future__ import annotations

import itertools
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Connection, select

from kefu import clock
from kefu.app import create_app
from kefu.auth import service as auth
from kefu.auth.models import Role, TeamKind
from kefu.auth.secrets import sign_widget_token
from kefu.channels import widget
from kefu.conversations import service as conversations
from kefu.customers import service as customers
from kefu.customers.models import IdentityKind
from kefu.parties import service as parties
from kefu.parties.models import PartyKind
from kefu.runtime import Runtime
from kefu.sla import handoffs, policies, promises
from kefu.sla.models import PromiseKind, SlaPolicy
from kefu.tickets import service as tickets
from tests.factories import World
from tests.matrix import DOMAINS

MAX_EXAMPLES = 25
AGENT_EXAMPLES = 6
NEGATIVE_STRIDE = 4
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CONFIG = {
    "generation": {"deterministic": True, "database": "none", "with-security-parameters": False},
    "suppress-health-check": ["all"],
}
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Staff creates and updates carry passwords; argon2's production cost would dominate the run.
    from argon2 import PasswordHasher

    from kefu.auth import secrets

    monkeypatch.setattr(
        secrets, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@dataclass
class Seeded:
    path_ids: dict[str, int]
    customer_headers: dict[str, str]
    customer_conversation_id: int


def seed(runtime: Runtime, world: World) -> Seeded:
    """One of each resource, so that generated requests with these ids hit real rows."""
    system = world.system
    with runtime.sessions() as s:
        customer = customers.create(
            s,
            actor=system,
            display_name="张伟",
            tags=["vip"],
            identities=[(IdentityKind.phone, "13812345678", True)],
        )
        other = customers.create(s, actor=system, display_name="李娜")
        merge = customers.merge(s, actor=system, source_id=other.id, target_id=customer.id)
        assert world.chat is not None
        conv = conversations.create(
            s, actor=system, channel_id=world.chat.id, customer_id=customer.id, subject="物流咨询"
        )
        conversations.post_message(
            s, actor=world.actor(Role.agent), conversation_id=conv.id, body="您好"
        )
        ttype = tickets.create_type(
            s,
            actor=system,
            key="refund",
            name="退款",
            fields=[{"key": "amount", "label": "金额", "type": "number", "required": False}],
        )
        ticket = tickets.create(
            s,
            actor=system,
            subject="快递三天没动",
            customer_id=customer.id,
            type_id=ttype.id,
            conversation_ids=[conv.id],
        )
        team = auth.create_team(s, actor=system, name="售后", kind=TeamKind.after_sales)
        skill = auth.create_skill(s, actor=system, name="退款")
        party = parties.create(
            s,
            actor=system,
            kind=PartyKind.supplier,
            name="顺丰",
            contacts=[{"name": "王经理", "phone": "021-5555 0000"}],
        )
        handoff, _ = handoffs.ask(
            s,
            actor=world.actor(Role.agent),
            ticket_id=ticket.id,
            party_id=party.id,
            question="到货时间？",
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
            text="今天给您答复",
            within_business_minutes=120,
        )
        # A staff member of its own for PATCH /staff/{id}: the callers must not lock themselves out.
        target = auth.create_staff(
            s, actor=system, email="target@acme.test", name="目标", role=Role.agent
        )
        token = sign_widget_token(
            world.workspace.widget_secret,
            {"ws": world.workspace.key, "sub": "M1", "exp": int(clock.now().timestamp()) + 600},
        )
        actor, _ = widget.identify(
            s, workspace_key=world.workspace.key, token=token, max_age_s=3600
        )
        mine = conversations.create(
            s, actor=actor, channel_id=world.chat.id, customer_id=actor.id or 0, subject="我的订单"
        )
        conversations.post_message(s, actor=actor, conversation_id=mine.id, body="在吗")
        core_ids = {
            "customer_id": customer.id,
            "conversation_id": conv.id,
            "ticket_id": ticket.id,
            "agent": world.staff[Role.agent].id,
        }
        extra_ids: dict[str, int] = {}
        for domain in DOMAINS:
            if domain.seed is not None:
                extra_ids.update(domain.seed(s, world, "SCHEMA", core_ids).ids)
        s.commit()
        return Seeded(
            path_ids={
                "customer_id": customer.id,
                "merge_id": merge.id,
                "conversation_id": conv.id,
                "ticket_id": ticket.id,
                "type_id": ttype.id,
                "team_id": team.id,
                "skill_id": skill.id,
                "party_id": party.id,
                "staff_id": target.id,
                "channel_id": world.chat.id,
                "handoff_id": handoff.id,
                "policy_id": policy.id,
                "promise_id": promise.id,
                "level": 1,
                **extra_ids,
            },
            customer_headers={
                "X-Kefu-Workspace": world.workspace.key,
                "X-Kefu-Customer-Token": token,
            },
            customer_conversation_id=mine.id,
        )


def isolated(connection: Connection, call: Callable[[], Any]) -> None:
    """Run one request in a SAVEPOINT and roll it back: every case starts from the seeded data."""
    savepoint = connection.begin_nested()
    try:
        call()
    finally:
        savepoint.rollback()


def describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):  # schemathesis's FailureGroup: the failures and a curl
        return str(exc)
    return "".join(traceback.format_exception(exc))[-4000:]


def coverage_cases(schema: Any, operation: Any) -> Iterator[Case]:
    """Every valid boundary case, and every NEGATIVE_STRIDE-th invalid one (they mostly meet the
    same validation and would double the run time)."""
    generation = schema.config.generation_for(operation=operation, phase="coverage")
    for mode, stride in ((GenerationMode.POSITIVE, 1), (GenerationMode.NEGATIVE, NEGATIVE_STRIDE)):
        cases = schema.iter_coverage_cases(
            operation, generation_modes=[mode], generation_config=generation
        )
        yield from itertools.islice(cases, 0, None, stride)


def operations(schema: Any, include: Callable[[str], bool]) -> Iterator[Any]:
    for result in schema.get_all_operations():
        operation = result.ok()
        if include(operation.path):
            yield operation


PASSES: dict[str, tuple[Callable[[str], bool], bool, int]] = {
    # who: (which paths, run the coverage phase, fuzzed examples per operation)
    "admin": (lambda path: True, True, MAX_EXAMPLES),
    "agent": (lambda path: not path.startswith("/api/v1/widget"), False, AGENT_EXAMPLES),
    "customer": (lambda path: path.startswith("/api/v1/widget"), True, MAX_EXAMPLES),
}


@pytest.mark.parametrize("who", list(PASSES))
def test_schemathesis(runtime: Runtime, connection: Connection, world: World, who: str) -> None:
    data = seed(runtime, world)
    app = create_app(runtime=runtime)
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, config=schemathesis.Config.from_dict(CONFIG)
    )
    include, coverage, examples = PASSES[who]
    if who == "customer":
        headers = {**data.customer_headers, "Accept-Language": "zh-CN"}
        path_ids = {"conversation_id": data.customer_conversation_id}
    else:
        headers = world.headers(Role.admin if who == "admin" else Role.agent)
        path_ids = data.path_ids
    # One client for the whole pass, without proxy lookups in the environment on every request.
    with asgi.get_client(app) as client:  # type: ignore[arg-type]  # FastAPI is an ASGI app
        client.trust_env = False

        def check(case: Case) -> None:
            isolated(
                connection,
                lambda: case.call_and_validate(session=client, headers=headers, checks=CHECKS),
            )

        tested = list(operations(schema, include))
        failures = [
            failure
            for operation in tested
            for failure in run(schema, operation, check, coverage, examples, path_ids)
        ]
    assert tested
    assert not failures, f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(failures)


def run(
    schema: Any,
    operation: Any,
    check: Callable[[Case], None],
    coverage: bool,
    examples: int,
    path_ids: dict[str, int],
) -> list[str]:
    """The coverage cases, then the fuzzed ones; a description of the first failure of each."""
    failures = []
    if coverage:
        for case in coverage_cases(schema, operation):
            try:
                check(case)
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} (coverage)\n{describe(exc)}")
                break
    real = {p.name: path_ids[p.name] for p in operation.path_parameters if p.name in path_ids}
    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    if real:  # a share of the valid cases aims at the seeded rows instead of random ids
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real))

    @settings(FUZZ, max_examples=examples)
    @given(case=st.one_of(strategies))
    def fuzz(case: Case) -> None:
        check(case)

    try:
        fuzz()
    except (Exception, BaseExceptionGroup) as exc:
        failures.append(f"{operation.label} (fuzzing)\n{describe(exc)}")
    return failures
