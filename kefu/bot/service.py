"""A workspace's intent model: kefu's built-in intents plus what the shop taught the bot.

    teach(session, actor=actor, intent="gift_wrap", examples=["能包装成礼物吗", "gift wrap?"])
    model_for(session, workspace_id=ws.id).predict("可以帮我包成礼盒吗")

`model_for` retrains only when the workspace's examples changed (a fingerprint of them keys a
small in-process cache), so an edit is live on the next message, within seconds.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu import clock
from kefu.auth.actor import Actor
from kefu.bot.models import BotIntent, IntentExample
from kefu.bot.nlu.builtin_intents import BUILTIN_INTENTS, OOS_LABEL, OUT_OF_SCOPE
from kefu.bot.nlu.encoder import configured_encoder
from kefu.bot.nlu.intent import IntentModel
from kefu.errors import Invalid
from kefu.tenancy import scoped

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
MAX_EXAMPLE_CHARS = 500
CACHE_SIZE = 32

_cache: OrderedDict[tuple[int, str, str], IntentModel] = OrderedDict()
_lock = threading.Lock()


def teach(
    session: Session, *, actor: Actor, intent: str, examples: list[str], description: str = ""
) -> BotIntent:
    """Add examples to one of the workspace's intents (created, or re-enabled, as needed)."""
    if not _NAME.match(intent):
        raise Invalid(
            "bot.intent_name",
            zh="意图名称须为小写字母开头，只含小写字母、数字和下划线（2–64 个字符）",
            en="An intent name starts with a lower-case letter and has only a-z, 0-9 and _ (2–64).",
        )
    texts = [t.strip() for t in examples if t and t.strip()]
    if not texts or any(len(t) > MAX_EXAMPLE_CHARS for t in texts):
        raise Invalid(
            "bot.intent_examples",
            zh=f"请给出至少一个例句，每句不超过 {MAX_EXAMPLE_CHARS} 个字符",
            en=f"Give at least one example of at most {MAX_EXAMPLE_CHARS} characters.",
        )
    row = session.scalars(scoped(BotIntent, actor).where(BotIntent.name == intent)).first()
    if row is None:
        row = BotIntent(workspace_id=actor.workspace_id, name=intent, description=description)
        session.add(row)
        session.flush()
    row.enabled = True
    row.updated_at = clock.now()
    if description:
        row.description = description
    known = set(
        session.scalars(select(IntentExample.text).where(IntentExample.intent_id == row.id))
    )
    for text in dict.fromkeys(texts):
        if text not in known:
            session.add(IntentExample(workspace_id=actor.workspace_id, intent_id=row.id, text=text))
    session.flush()
    return row


def disable(session: Session, *, actor: Actor, intent: str) -> BotIntent:
    """Stop recognising an intent (a built-in one too) in this workspace."""
    row = session.scalars(scoped(BotIntent, actor).where(BotIntent.name == intent)).first()
    if row is None:
        row = BotIntent(workspace_id=actor.workspace_id, name=intent)
        session.add(row)
    row.enabled = False
    row.updated_at = clock.now()
    session.flush()
    return row


def training_examples(session: Session, *, workspace_id: int) -> list[tuple[str, str]]:
    """Built-in examples (minus disabled intents) + the workspace's, plus out-of-scope ones."""
    intents = {
        i.id: i
        for i in session.scalars(select(BotIntent).where(BotIntent.workspace_id == workspace_id))
    }
    disabled = {i.name for i in intents.values() if not i.enabled}
    rows = [
        (text, name)
        for name, by_lang in BUILTIN_INTENTS.items()
        if name not in disabled
        for texts in by_lang.values()
        for text in texts
    ]
    own = session.execute(
        select(IntentExample.intent_id, IntentExample.text)
        .where(IntentExample.workspace_id == workspace_id)
        .order_by(IntentExample.id)
    )
    rows += [
        (text, intents[intent_id].name)
        for intent_id, text in own
        if intent_id in intents and intents[intent_id].enabled
    ]
    rows += [(t, OOS_LABEL) for texts in OUT_OF_SCOPE.values() for t in texts]
    return rows


def model_for(session: Session, *, workspace_id: int) -> IntentModel:
    """The workspace's trained model; retrained only when its examples changed."""
    rows = training_examples(session, workspace_id=workspace_id)
    digest = hashlib.sha256("\n".join(f"{y}\t{t}" for t, y in rows).encode()).hexdigest()
    encoder = configured_encoder()
    key = (workspace_id, digest, encoder.name if encoder else "")
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    model = IntentModel.train(rows, oos_label=OOS_LABEL, encoder=encoder)
    with _lock:
        for old in [k for k in _cache if k[0] == workspace_id]:
            del _cache[old]
        _cache[key] = model
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return model
