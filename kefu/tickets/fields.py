"""Custom fields of a ticket type: definition checks and value validation."""

from __future__ import annotations

from datetime import date
from typing import Any

from kefu.errors import Invalid

FIELD_TYPES = ("text", "number", "boolean", "select", "date")


def check_definitions(fields: list[dict[str, Any]]) -> None:
    """A ticket type's field list is well formed: unique keys, known types, options for selects."""
    seen: set[str | None] = set()
    for f in fields:
        key = f.get("key")
        if f.get("type") not in FIELD_TYPES:
            raise Invalid(
                "ticket_type.bad_field_type",
                zh=f"字段 {key} 的类型无效（可选：{', '.join(FIELD_TYPES)}）",
                en=f"field {key} has an unknown type (one of: {', '.join(FIELD_TYPES)})",
            )
        if key in seen:
            raise Invalid(
                "ticket_type.duplicate_field", zh=f"字段 {key} 重复", en=f"field {key} is repeated"
            )
        seen.add(key)
        if f["type"] == "select" and not f.get("options"):
            raise Invalid(
                "ticket_type.select_without_options",
                zh=f"选择字段 {key} 需要选项",
                en=f"select field {key} needs options",
            )


def validate_values(
    fields: list[dict[str, Any]], values: dict[str, Any], *, partial: bool = False
) -> dict[str, Any]:
    """The values checked against the type's fields; unknown keys and wrong types are refused."""
    by_key = {f["key"]: f for f in fields}
    unknown = sorted(set(values) - set(by_key))
    if unknown:
        raise Invalid(
            "ticket.unknown_fields",
            zh=f"该工单类型没有字段：{', '.join(unknown)}",
            en=f"this ticket type has no field(s): {', '.join(unknown)}",
        )
    out: dict[str, Any] = {}
    for key, f in by_key.items():
        if key not in values or values[key] is None:
            if f.get("required") and not partial:
                raise Invalid(
                    "ticket.field_required",
                    zh=f"字段「{f.get('label', key)}」为必填",
                    en=f"field {key} is required",
                )
            continue
        out[key] = _coerce(f, values[key])
    return out


def _coerce(f: dict[str, Any], value: Any) -> Any:
    key, kind = f["key"], f["type"]
    bad = Invalid(
        "ticket.bad_field_value",
        zh=f"字段「{f.get('label', key)}」的值无效（应为 {kind}）",
        en=f"field {key} must be a {kind}",
    )
    if kind == "text":
        if not isinstance(value, str) or len(value) > 2000:
            raise bad
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise bad
        return value
    if kind == "select":
        if value not in f.get("options", []):
            raise bad
        return value
    if kind == "date":
        try:
            return date.fromisoformat(value).isoformat()
        except (TypeError, ValueError) as exc:
            raise bad from exc
    raise bad
