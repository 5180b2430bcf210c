"""Agent assist: suggestions for the customer's latest messages, and usage as a ranking prior."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.auth.models import Role
from kefu.conversations import service as conversations
from kefu.conversations.models import Conversation
from kefu.knowledge import assist
from kefu.runtime import Runtime
from tests.factories import World, make_customer
from tests.knowledge.helpers import PRESALE, PRICE_PROTECTION, RETURNS, SHIPPING, make_entry


def chat(session: Session, world: World, *lines: tuple[str, str]) -> Conversation:
    """A conversation with messages: ("c", text) from the customer, ("a", text) from the agent."""
    customer = make_customer(session, world)
    assert world.chat is not None
    conv = conversations.create(
        session, actor=world.system, channel_id=world.chat.id, customer_id=customer.id
    )
    me = Actor.customer(world.workspace.id, customer.id)
    for who, text in lines:
        actor = me if who == "c" else world.actor(Role.agent)
        conversations.post_message(session, actor=actor, conversation_id=conv.id, body=text)
    return conv


def test_suggestions_answer_the_latest_customer_messages(session: Session, world: World) -> None:
    presale = make_entry(session, world, PRESALE[0], PRESALE[1], paraphrases=PRESALE[2])
    price = make_entry(session, world, *PRICE_PROTECTION[:2], paraphrases=PRICE_PROTECTION[2])
    make_entry(session, world, *RETURNS[:2], paraphrases=RETURNS[2])
    make_entry(session, world, *SHIPPING[:2], paraphrases=SHIPPING[2])
    conv = chat(
        session,
        world,
        ("c", "你好，预售尾款什么时候付？"),
        ("a", "您好，尾款11月1日开始支付"),
        ("c", "在吗"),
        ("c", "我昨天买的今天就降价了"),
    )
    agent = world.actor(Role.agent)
    answered, found = assist.suggest(session, actor=agent, conversation_id=conv.id)
    assert found and found[0].entry_id == price.id and len(found) <= 3
    assert 0 < found[0].confidence <= 1 and "价保" in found[0].answer
    assert "<" not in found[0].answer  # plain text for the reply box
    # Asked about an earlier message, the suggestion answers that one.
    first = min(
        m.id
        for m in conversations.list_messages(
            session, actor=agent, conversation_id=conv.id, limit=10, cursor=None
        )[0]
    )
    answered_then, then = assist.suggest(
        session, actor=agent, conversation_id=conv.id, message_id=first
    )
    assert answered_then == first and then[0].entry_id == presale.id
    assert answered != first


def test_a_used_suggestion_ranks_higher_among_near_ties(session: Session, world: World) -> None:
    a = make_entry(session, world, "预售商品可以退定金吗？", "定金不退，尾款未付可取消。")
    # The same question but for its question mark (two entries may not share a question): the
    # search reads both alike.
    b = make_entry(session, world, "预售商品可以退定金吗?", "因商家原因无法发货时定金全额退。")
    conv = chat(session, world, ("c", "预售商品可以退定金吗"))
    agent = world.actor(Role.agent)
    _, before = assist.suggest(session, actor=agent, conversation_id=conv.id)
    assert [s.entry_id for s in before[:2]] == [a.id, b.id]  # a tie, broken by id
    assist.record_use(session, actor=agent, conversation_id=conv.id, entry_id=b.id)
    _, after = assist.suggest(session, actor=agent, conversation_id=conv.id)
    assert [s.entry_id for s in after[:2]] == [b.id, a.id] and after[0].uses == 1
    # The prior orders near-ties; it does not lift a poor match over a good one.
    assert assist.prior(10**6) == assist.PRIOR_MAX < 0.1


def test_no_customer_message_no_suggestions(session: Session, world: World) -> None:
    make_entry(session, world, *SHIPPING[:2])
    conv = chat(session, world, ("a", "您好，请问有什么可以帮您？"))
    assert assist.suggest(session, actor=world.actor(), conversation_id=conv.id) == (None, [])


def test_suggestion_routes(
    client: TestClient, runtime: Runtime, world: World, other_world: World
) -> None:
    with runtime.sessions() as s:
        entry = make_entry(s, world, *SHIPPING[:2], paraphrases=SHIPPING[2])
        draft = make_entry(s, world, "草稿问题", "草稿答案", published=False)
        conv = chat(s, world, ("c", "什么时候发货呀"))
        s.commit()
        entry_id, draft_id, conv_id = entry.id, draft.id, conv.id
    url = f"/api/v1/conversations/{conv_id}/suggestions"
    got = client.get(url, headers=world.headers(Role.agent))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["items"][0]["entry_id"] == entry_id and body["message_id"]
    used = client.post(
        f"{url}/{entry_id}/used",
        json={"message_id": body["message_id"]},
        headers={**world.headers(Role.agent), "Idempotency-Key": "use-1"},
    )
    assert used.status_code == 201 and used.json()["staff_id"] == world.staff[Role.agent].id
    replay = client.post(
        f"{url}/{entry_id}/used",
        json={"message_id": body["message_id"]},
        headers={**world.headers(Role.agent), "Idempotency-Key": "use-1"},
    )
    assert replay.json() == used.json()
    assert client.get(url, headers=world.headers(Role.agent)).json()["items"][0]["uses"] == 1
    assert client.post(f"{url}/{draft_id}/used", headers=world.headers()).status_code == 404
    assert (
        client.post(f"{url}/{entry_id}/used", headers=world.headers(Role.analyst)).status_code
        == 403
    )
    rival = client.get(url, headers=other_world.headers(Role.admin))
    assert rival.status_code == 404
