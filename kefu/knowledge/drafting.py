"""Optional LLM drafting: a reply written from the knowledge base, for the agent to edit and send.

Off unless the operator points kefu at an OpenAI-compatible endpoint (`KEFU_LLM_URL`, e.g. a
model served on the company's own machines). Three rules keep it safe:

- **Grounded**: the model sees only the KB passages that retrieval found for the customer's
  message and is told to answer from them or say it cannot; no passages, no call.
- **Masked**: mobile and landline numbers, e-mail addresses, ID-card and bank-card numbers (also
  written in groups or in full-width digits), any other long digit run, and the detailed part of
  a street address (road, number, building, room) are masked in the prompt — personal data
  stays in kefu (PIPL). Province, city and district stay: they rarely identify anyone and often
  matter to the answer (shipping times).
- **A draft, never a send**: the agent reads it in the reply box; nothing reaches the customer
  without them, and no test of the default path needs a model.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
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

# The patterns read the NFKC fold of the text (full-width digits as ASCII); digit groups may be
# separated the ways people type them: "138 1234 5678", "138-1234-5678", "138.1234.5678".
# Each pattern starts only where a token starts (the lookbehinds): tried at every character of
# a long run of digits or letters, a pattern would scan the rest of it each time (quadratic).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ID_CARD = re.compile(r"(?<![\dA-Za-z])\d{6}[- ]?\d{8}[- ]?\d{3}[\dXx](?![\dA-Za-z])")
_PHONE = re.compile(r"(?<!\d)(?:\+?86[-. ]?)?1[3-9]\d[-. ]?\d{4}[-. ]?\d{4}(?!\d)")
_LANDLINE = re.compile(
    r"(?<![\dA-Za-z])(?:\(0\d{2,3}\) ?|0\d{2,3}[-. ]?)\d{3,4}[-. ]?\d{4}(?!\d)"
)  # 010-62345678, 0571-8888 6666, (021) 5555 6666
_DIGIT_GROUPS = re.compile(r"(?<![\dA-Za-z])\d{3,8}(?:[- ]\d{3,8})+(?![\dA-Za-z])")  # 6222 0210 …
_LONG_DIGITS = re.compile(r"(?<!\d)\d{12,}(?!\d)")  # bank cards, other ids
# Addresses: a road (…路, …大街, …大道, a 小区 …) followed by its number, building and room; or
# a run of numbered units (5栋2单元502室) on its own. The road's name may not take in the words
# that usually precede an address (寄到, 住在, 地址). "道" after 知/难/味… is not a road (知道3号).
_UNIT = r"(?:号楼|号院|号|弄|栋|幢|座|单元|楼|层|室|户)"
_NUMBERED = rf"[\dA-Za-z]+(?:-[\dA-Za-z]+)* ?{_UNIT}"
_ROOM = r"(?: ?\d+(?:-\d+)*)?"  # a room number without 室 at the end: 2单元1101
_ROAD = re.compile(
    r"(?:(?![到在寄送往住是的我你址])[\u4e00-\u9fff]){1,8}?"
    r"(?:大道|大街|路|街|巷|胡同|村|小区|花园|公寓|大厦|(?<![知难味频渠通报一])道)"
    rf" ?\d+(?:-\d+)* ?{_UNIT}(?: ?{_NUMBERED})*{_ROOM}"
)
_UNITS = re.compile(rf"(?<![\dA-Za-z-]){_NUMBERED}(?: ?{_NUMBERED})*{_ROOM}")
_STRONG_UNIT = re.compile(r"号楼|栋|幢|单元|室")
# Where the road's name starts: after the last province, city, district, county or town (not
# the 区 of 小区).
_DIVISION = re.compile(r"省|自治区|市|州|盟|(?<!小)区|县|旗|镇|乡")
ADDRESS_MASK = "****"

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
    """The prompt's copy of a customer's text: personal numbers and addresses masked.

    The patterns run over the NFKC fold of the text, so that full-width digits (what Chinese
    input methods type) are seen as digits; what they find is replaced in the original, so that
    the rest of the text (punctuation, ￥) reaches the model as the customer wrote it. Each rule
    sees what the rules before it masked as masked ("*"), as 138****5678 already is."""
    folded, origin = _fold(text)
    spans: list[tuple[int, int, str]] = []  # (start, end) in `folded`, and the masked text
    seen = folded
    for pattern, mask in _RULES:
        for m in pattern.finditer(seen):
            masked = mask(m.group())
            if masked is not None:
                spans.append((m.start(), m.end(), masked))
        seen = _masked(folded, spans)
    out, at = [], 0
    for start, end, masked in sorted(spans):
        begin, stop = origin[start], origin[end - 1] + 1
        out += [text[at:begin], masked]
        at = stop
    return "".join(out) + text[at:]


def _fold(text: str) -> tuple[str, list[int]]:
    """NFKC per character, and for each folded character the index of the one it came from."""
    folded, origin = [], []
    for i, ch in enumerate(text):
        f = unicodedata.normalize("NFKC", ch) or ch
        folded.append(f)
        origin += [i] * len(f)
    return "".join(folded), origin


def _masked(folded: str, spans: list[tuple[int, int, str]]) -> str:
    chars = list(folded)
    for start, end, _ in spans:
        chars[start:end] = "*" * (end - start)
    return "".join(chars)


def _digits(found: str) -> str:
    return re.sub(r"\D", "", found)


def _keep_ends(digits: str) -> str:
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def _id_card(found: str) -> str:
    compact = re.sub(r"[- ]", "", found)
    return compact[:4] + "*" * 10 + compact[-4:]


def _grouped(found: str) -> str | None:
    digits = _digits(found)
    return _keep_ends(digits) if len(digits) >= 12 else None  # shorter: a date, a quantity


def _road(found: str) -> str:
    name = re.split(r"[ \d]", found, maxsplit=1)[0]
    divisions = list(_DIVISION.finditer(name))
    return (found[: divisions[-1].end()] if divisions else "") + ADDRESS_MASK


def _units(found: str) -> str | None:
    # One plain unit ("3号", "5楼") is a date or a floor, not an address.
    if _STRONG_UNIT.search(found) or len(re.findall(_UNIT, found)) >= 2:
        return ADDRESS_MASK
    return None


_RULES: tuple[tuple[re.Pattern[str], Callable[[str], str | None]], ...] = (
    (_EMAIL, mask_email),
    (_ID_CARD, _id_card),
    (_PHONE, lambda found: mask_phone(re.sub(r"[-. ]", "", found))),
    # Card numbers before landlines: "0210 0112 3456" inside a card must not read as one.
    (_DIGIT_GROUPS, _grouped),
    (_LONG_DIGITS, _keep_ends),
    (_LANDLINE, lambda found: mask_phone(_digits(found))),
    (_ROAD, _road),
    (_UNITS, _units),
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
