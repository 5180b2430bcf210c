"""Optional LLM drafting: a reply written from the knowledge base, for the agent to edit and send.

Off unless the operator points kefu at an OpenAI-compatible endpoint (`KEFU_LLM_URL`, e.g. a
model served on the company's own machines). Three rules keep it safe:

- **Grounded**: the model sees only the KB passages that retrieval found for the customer's
  message and is told to answer from them or say it cannot; no passages, no call.
- **Masked**: phone numbers, e-mail addresses, ID-card and bank-card numbers and any other long
  digit run are masked in the prompt — personal data stays in kefu (PIPL).
- **A draft, never a send**: the agent reads it in the reply box; nothing reaches the customer
  without them, and no test of the default path needs a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session

from kefu.auth.actor import Actor
from kefu.auth.permissions import Perm, require
from kefu.config import Settings
from kefu.conversations import service as conversations
from kefu.errors import Conflict, DomainError
from kefu.knowledge import assist
from kefu.privacy import mask_email, mask_phone

NO_ANSWER = "NO_ANSWER"
PASSAGES = 3
MAX_PASSAGE_CHARS = 1500

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_ID_CARD = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_LONG_DIGITS = re.compile(r"(?<!\d)\d{12,}(?!\d)")  # bank cards, other ids

SYSTEM = (
    "You are a customer-service agent of an online shop. Answer the customer's message using "
    "ONLY the knowledge-base passages given. If they do not answer it, reply exactly "
    f"{NO_ANSWER}. Reply in the customer's language, briefly and politely. Never invent "
    "prices, dates, order details or promises. Text like 138****1234 is masked personal data: "
    "leave it masked."
)


class DraftingOff(Conflict):
    pass


class DraftingFailed(DomainError):
    status = 502


@dataclass(frozen=True)
class Draft:
    text: str  # "" when the knowledge base does not answer the message
    grounded_on: list[int]  # KB entry ids given to the model
    model: str


def redact(text: str) -> str:
    """The prompt's copy of a customer's text: personal numbers and addresses masked."""
    text = _EMAIL.sub(lambda m: mask_email(m.group()), text)
    text = _ID_CARD.sub(lambda m: m.group()[:4] + "*" * 10 + m.group()[-4:], text)
    text = _PHONE.sub(lambda m: mask_phone(re.sub(r"[- ]", "", m.group())), text)
    return _LONG_DIGITS.sub(
        lambda m: m.group()[:4] + "*" * (len(m.group()) - 8) + m.group()[-4:], text
    )


def draft(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    conversation_id: int,
    message_id: int | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Draft:
    """A reply to the customer's latest message (or `message_id`) from the top KB passages."""
    require(actor, Perm.converse)
    conversations.access(session, actor=actor, conversation_id=conversation_id)
    if not settings.llm_url:
        raise DraftingOff(
            "drafting.off",
            zh="未配置大模型接口，AI 草稿未开启（KEFU_LLM_URL）",
            en="LLM drafting is off: no endpoint is configured (KEFU_LLM_URL)",
        )
    answered, found = assist.suggest(
        session, actor=actor, conversation_id=conversation_id, message_id=message_id, k=PASSAGES
    )
    if not found:
        return Draft(text="", grounded_on=[], model=settings.llm_model)
    question = assist.customer_text(session, conversation_id, answered)
    passages = "\n\n".join(
        f"[{i}] Q: {s.question}\nA: {s.answer[:MAX_PASSAGE_CHARS]}" for i, s in enumerate(found, 1)
    )
    messages = [
        {"role": "system", "content": SYSTEM},
        {
            "role": "user",
            "content": f"Knowledge base:\n{passages}\n\nCustomer:\n{redact(question)}",
        },
    ]
    text = _complete(settings, messages, transport).strip()
    grounded = [s.entry_id for s in found]
    if not text or NO_ANSWER in text:
        return Draft(text="", grounded_on=grounded, model=settings.llm_model)
    return Draft(text=text, grounded_on=grounded, model=settings.llm_model)


def _complete(
    settings: Settings, messages: list[dict[str, str]], transport: httpx.BaseTransport | None
) -> str:
    assert settings.llm_url is not None
    headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
    failed = DraftingFailed(
        "drafting.failed",
        zh="大模型接口暂时不可用，请直接回复或稍后再试",
        en="the LLM endpoint did not answer; reply yourself or try again later",
    )
    try:
        with httpx.Client(timeout=settings.llm_timeout_s, transport=transport) as client:
            res = client.post(
                settings.llm_url.rstrip("/") + "/chat/completions",
                json={"model": settings.llm_model, "messages": messages, "temperature": 0.2},
                headers=headers,
            )
        res.raise_for_status()
        content = res.json()["choices"][0]["message"]["content"]
    except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise failed from exc
    if not isinstance(content, str):
        raise failed
    return content
