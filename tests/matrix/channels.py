"""E-mail, phone, forms, community groups and merge suggestions in the tenancy/role matrix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.models import Role
from kefu.auth.permissions import Perm
from kefu.channels import community, phone
from kefu.channels import phone_callbacks as callbacks
from kefu.channels import service as channels
from kefu.channels.community_models import CommunityMessage, CommunityStorm
from kefu.channels.email.models import EmailMessage, MailDirection, MailStatus
from kefu.channels.models import ChannelKind
from kefu.channels.phone_models import CallbackSource, CallDirection, CallOutcome
from kefu.customers import resolution
from kefu.customers import service as customers
from kefu.customers.models import IdentityKind
from kefu.customers.resolution import Claim
from tests.factories import World
from tests.matrix.base import CUSTOMER, PUBLIC, Data, Domain, Rule, Seed, const

CALL_AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC).isoformat()


def _call(d: Data) -> dict[str, Any]:
    return {
        "external_id": "matrix-call",
        "direction": "inbound",
        "number": "13800000077",
        "outcome": "answered",
        "started_at": CALL_AT,
        "agent_id": d.ids["agent"],
    }


RULES = {
    ("GET", "/api/v1/conversations/{conversation_id}/emails"): Rule(Perm.read),
    ("POST", "/api/v1/calls"): Rule(Perm.converse, 201, _call),
    ("GET", "/api/v1/calls"): Rule(Perm.read),
    ("GET", "/api/v1/calls/{call_id}"): Rule(Perm.read),
    ("POST", "/api/v1/callbacks"): Rule(
        Perm.converse,
        201,
        lambda d: {"customer_id": d.ids["customer2"], "number": "13800000088", "source": "ivr"},
    ),
    ("GET", "/api/v1/callbacks"): Rule(Perm.read),
    ("POST", "/api/v1/callbacks/{callback_id}/cancel"): Rule(
        Perm.converse, body=const({"reason": "客户已解决"})
    ),
    ("POST", "/api/v1/widget/callbacks"): CUSTOMER,
    ("GET", "/api/v1/widget/callbacks"): CUSTOMER,
    ("GET", "/api/v1/widget/forms/{type_key}"): CUSTOMER,
    ("POST", "/api/v1/widget/forms/{type_key}"): CUSTOMER,
    ("POST", "/api/v1/forms/{type_key}"): Rule(
        Perm.work_tickets,
        201,
        lambda d: {"subject": "表单工单", "customer_id": d.ids["customer_id"]},
    ),
    # Signed by the channel's webhook secret, not a staff token: tested in tests/channels.
    ("POST", "/api/v1/hooks/community/{channel_id}"): PUBLIC,
    ("GET", "/api/v1/community/groups"): Rule(Perm.read),
    ("PATCH", "/api/v1/community/groups/{group_id}"): Rule(
        Perm.manage_workspace, body=const({"post_notice": True})
    ),
    ("GET", "/api/v1/community/storms"): Rule(Perm.supervise),
    ("GET", "/api/v1/customer-merge-suggestions"): Rule(Perm.merge_customers),
    ("POST", "/api/v1/customer-merge-suggestions/{suggestion_id}/accept"): Rule(
        Perm.merge_customers
    ),
    ("POST", "/api/v1/customer-merge-suggestions/{suggestion_id}/dismiss"): Rule(
        Perm.merge_customers
    ),
}


def seed(s: Session, world: World, secret: str, base: dict[str, int]) -> Seed:
    system = world.system
    ws = world.workspace.id
    made = {
        kind: channels.create(s, actor=system, kind=kind, name=f"{kind.value} {secret}", config=cfg)
        for kind, cfg in (
            (ChannelKind.email, {"address": f"support@{world.workspace.key}.test"}),
            (ChannelKind.phone, {}),
            (ChannelKind.web_form, {}),
            (ChannelKind.api, {}),
            (ChannelKind.community, {"webhook_secret": secret}),
        )
    }
    s.add(
        EmailMessage(
            workspace_id=ws,
            channel_id=made[ChannelKind.email].id,
            conversation_id=base["conversation_id"],
            direction=MailDirection.inbound,
            status=MailStatus.stored,
            rfc_message_id=f"<{secret}@example.com>",
            subject=f"邮件 {secret}",
        )
    )
    agent = world.actor(Role.agent)
    call, _ = phone.record_call(
        s,
        actor=agent,
        external_id=f"call-{secret}",
        direction=CallDirection.inbound,
        number="13800000066",
        outcome=CallOutcome.answered,
        started_at=clock.now() - timedelta(minutes=5),
        note=secret,
    )
    callback = callbacks.request_callback(
        s,
        actor=system,
        customer_id=base["customer_id"],
        source=CallbackSource.api,
        number="13800000055",
        note=f"回电 {secret}",
    )
    group = community.receive(
        s,
        channel=made[ChannelKind.community],
        group_id=f"group-{secret}",
        group_name=f"群 {secret}",
        message_id="m-1",
        member_kind=IdentityKind.wechat_openid,
        member_value=f"openid-{secret}",
        text=f"退款 {secret}",
    )
    stored = s.get(CommunityMessage, group.message_id)
    assert stored is not None
    group_id = stored.group_id
    storm = CommunityStorm(
        workspace_id=ws,
        group_id=group_id,
        topic="refund",
        members=5,
        started_at=clock.now(),
        last_at=clock.now(),
    )
    s.add(storm)
    a = customers.create(s, actor=system, display_name=f"疑似 {secret}")
    b = customers.create(s, actor=system, display_name=f"同一人 {secret}")
    suggestion = resolution.suggest(
        s,
        workspace_id=ws,
        source=a,
        target=b,
        claim=Claim(IdentityKind.email, f"{secret.lower()}@example.com"),
    )
    s.flush()
    ids = {
        "call_id": call.id,
        "callback_id": callback.id,
        "group_id": group_id,
        "suggestion_id": suggestion.id,
        # Not a row id: the form's key, the same in every workspace (see not_ids).
        "type_key": cast(int, "refund"),
    }
    return Seed(ids=ids, secrets=(f"openid-{secret}",))


MATRIX = Domain(
    rules=RULES,
    seed=seed,
    id_filters={"group_id": "group_id"},
    not_ids=frozenset({"type_key"}),
)
