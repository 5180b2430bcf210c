"""JSON Schema for routes that read their body themselves (signed webhooks)."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter


def inline_schema(tp: Any) -> dict[str, Any]:
    """The JSON Schema of `tp` with every `$ref` resolved in place (no `$defs` left), so it can
    stand inside an OpenAPI document. The shop's payload models are not recursive."""
    schema = TypeAdapter(tp).json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    # Discriminator mappings point at $defs; the inlined oneOf is unambiguous without them.
    resolved.pop("discriminator", None)
    return resolved
