"""Emotion: obviously angry messages are flagged in both languages, calm ones are not."""

from __future__ import annotations

import pytest

from kefu.bot.nlu import emotion

# Written for this test; none is a seed example.
ANGRY = [
    "你们就是一群骗子！！！再不退钱我就去12315投诉",
    "气死我了，等了半个月东西还没到，什么垃圾店",
    "This is a total SCAM, I want my money back NOW!!!",
    "worst service ever, you are useless and I'm furious",
]
CALM = [
    "请问这件外套有黑色的吗",
    "好的，谢谢你的帮助",
    "Could you tell me when my order will ship?",
    "thanks, that answers my question",
]


@pytest.mark.parametrize("text", ANGRY)
def test_angry_messages_are_angry_and_negative(text: str) -> None:
    e = emotion.detect(text)
    assert e.angry and e.negative and e.label == "angry", e
    assert 0.5 <= e.score <= 1.0


@pytest.mark.parametrize("text", CALM)
def test_calm_messages_are_not_angry(text: str) -> None:
    e = emotion.detect(text)
    assert not e.angry, e
    assert e.label in {"neutral", "positive", "negative"}


def test_disappointment_is_negative_without_anger() -> None:
    e = emotion.detect("I am really disappointed, the box arrived damaged")
    assert e.negative and not e.angry


@pytest.mark.parametrize("text", ["", None, "😀", "😡😡😡", "!!!" * 1000, "啊" * 100_000, 12345])
def test_odd_input_never_raises(text: object) -> None:
    e = emotion.detect(text)
    assert e.label in {"angry", "negative", "neutral", "positive"}
    assert 0.0 <= e.score <= 1.0
    assert e.negative or not e.angry


def test_angry_emoji_counts() -> None:
    assert emotion.detect("😡😡😡").angry
    assert not emotion.detect("😊").angry


def test_the_shipped_model_is_used_for_chinese() -> None:
    assert emotion.MODEL_PATH.exists(), "run `kefu nlu build-emotion`"
    assert emotion.detect("今天收到了").source == "model+lexicon"
    assert emotion.detect("got it today").source == "lexicon"
