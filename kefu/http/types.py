"""Field types for API schemas: lengths that match the columns, no NUL characters, sane ids.

PostgreSQL refuses NUL in text and numbers beyond BIGINT; checking here turns both into a 422
instead of a database error.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "text must not contain NUL characters")
    return value


NoNul = AfterValidator(_no_nul)

Name = Annotated[str, Field(min_length=1, max_length=120), NoNul]
Subject = Annotated[str, Field(min_length=1, max_length=300), NoNul]
Email = Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$"), NoNul]
ShortText = Annotated[str, Field(max_length=64), NoNul]
MediumText = Annotated[str, Field(max_length=500), NoNul]
Note = Annotated[str, Field(max_length=2000), NoNul]
LongText = Annotated[str, Field(max_length=20_000), NoNul]
MessageBody = Annotated[str, Field(min_length=1, max_length=10_000), NoNul]
Password = Annotated[str, Field(min_length=8, max_length=200), NoNul]
Tag = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f,]+$")]
Tags = Annotated[list[Tag], Field(max_length=50)]
Key = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$")]
Tier = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_\-]+$")]
Locale = Annotated[str, Field(pattern=r"^(zh-CN|zh-TW|en|en-US|en-GB)$")]

MAX_ID = 2**62
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _plain_json(value: Any, depth: int = 0) -> None:
    if depth > 10:
        raise PydanticCustomError("json_too_deep", "nested too deeply (at most 10 levels)")
    if isinstance(value, str):
        _no_nul(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError(
            "non_finite_number", "numbers must be finite (no NaN or Infinity)"
        )
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _plain_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _plain_json(item, depth + 1)


def _json_object(value: dict[str, Any]) -> dict[str, Any]:
    _plain_json(value)
    return value


# JSON both databases store as given: PostgreSQL's jsonb refuses \u0000, and NaN or Infinity
# (which Python's JSON parser accepts) would come back as null.
PlainJson = AfterValidator(_json_object)
JsonObject = Annotated[dict[str, Any], Field(max_length=50), PlainJson]
