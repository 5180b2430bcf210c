"""A workspace teaches the bot its own intents; other workspaces never see them."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from kefu.bot import service as bot
from kefu.errors import Invalid
from tests.factories import World

GIFT = [
    "能包装成礼物吗",
    "可以帮我包成礼盒吗",
    "送人的，能礼品包装吗",
    "gift wrap please",
    "can you gift wrap it",
]


def test_taught_intent_is_learnt_and_cached(session: Session, world: World) -> None:
    bot.teach(session, actor=world.actor(), intent="gift_wrap", examples=GIFT)
    session.commit()
    model = bot.model_for(session, workspace_id=world.workspace.id)
    assert "gift_wrap" in model.labels
    assert model.predict("可以包装成礼物送人吗").label == "gift_wrap"
    assert bot.model_for(session, workspace_id=world.workspace.id) is model  # nothing changed


def test_examples_stay_in_their_workspace(
    session: Session, world: World, other_world: World
) -> None:
    bot.teach(session, actor=world.actor(), intent="gift_wrap", examples=GIFT)
    bot.teach(session, actor=world.actor(), intent="gift_wrap", examples=GIFT[:2])  # no duplicates
    session.commit()
    mine = bot.training_examples(session, workspace_id=world.workspace.id)
    theirs = bot.training_examples(session, workspace_id=other_world.workspace.id)
    assert sum(1 for _, y in mine if y == "gift_wrap") == len(GIFT)
    assert not [t for t, y in theirs if y == "gift_wrap"]


def test_extending_and_disabling_built_in_intents(session: Session, world: World) -> None:
    before = bot.training_examples(session, workspace_id=world.workspace.id)
    bot.teach(session, actor=world.actor(), intent="invoice", examples=["开个收据"])
    bot.disable(session, actor=world.actor(), intent="price_protection")
    session.commit()
    after = bot.training_examples(session, workspace_id=world.workspace.id)
    assert ("开个收据", "invoice") in after
    assert not [y for _, y in after if y == "price_protection"]
    assert len([y for _, y in before if y == "invoice"]) + 1 == len(
        [y for _, y in after if y == "invoice"]
    )
    bot.teach(session, actor=world.actor(), intent="price_protection", examples=["保价吗"])
    assert [
        y
        for _, y in bot.training_examples(session, workspace_id=world.workspace.id)
        if y == "price_protection"
    ]


@pytest.mark.parametrize(
    ("intent", "examples"),
    [
        ("Bad Name", ["x"]),
        ("x", ["x"]),
        ("ok_name", []),
        ("ok_name", ["  "]),
        ("ok_name", ["长" * 501]),
    ],
)
def test_bad_teaching_is_refused(
    session: Session, world: World, intent: str, examples: list[str]
) -> None:
    with pytest.raises(Invalid):
        bot.teach(session, actor=world.actor(), intent=intent, examples=examples)


def test_the_configured_encoder_is_offered_to_the_workspace_model(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.teach(session, actor=world.actor(), intent="gift_wrap", examples=GIFT)
    session.commit()
    monkeypatch.setenv("KEFU_NLU_ENCODER", "minilm")
    model = bot.model_for(session, workspace_id=world.workspace.id)
    # The training data was asked (out-of-fold accuracy at every weight); it decides the weight.
    assert set(model.dense_report) == {0.0, 0.25, 0.5, 0.75}
    assert model.predict("can you gift wrap it for me").label == "gift_wrap"


def test_the_built_in_model_is_offered_the_encoder_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # A shop that taught nothing is answered by the built-in model: the setting reaches it as well.
    from kefu.bot.nlu.builtin_intents import default_model

    monkeypatch.delenv("KEFU_NLU_ENCODER", raising=False)
    assert not default_model().dense_report
    monkeypatch.setenv("KEFU_NLU_ENCODER", "minilm")
    assert set(default_model().dense_report) == {0.0, 0.25, 0.5, 0.75}
