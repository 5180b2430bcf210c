"""Masking of personal data for display (PIPL: show a person only what they need)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; +8613812341234 → +86138****1234; short numbers keep 4 digits."""
    p = phone.strip()
    if len(p) >= 11:
        return p[:-8] + "****" + p[-4:]
    if len(p) > 4:
        return "*" * (len(p) - 4) + p[-4:]
    return "*" * len(p)


def mask_email(email: str) -> str:
    """zhang.wei@example.com → z***@example.com."""
    local, at, domain = email.partition("@")
    if not at:
        return mask_text(email)
    return (local[:1] or "*") + "***@" + domain


def mask_name(name: str) -> str:
    """张伟 → 张*; 欧阳娜娜 → 欧***; Alice → A****."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_text(text: str, keep: int = 2) -> str:
    if len(text) <= keep * 2:
        return "*" * len(text)
    return text[:keep] + "*" * (len(text) - keep * 2) + text[-keep:]


def mask_address(address: str) -> str:
    """Keep the province/city part a person needs for logistics talk, hide the street and door."""
    cut = max(len(address) // 3, 1)
    return address[:cut] + "*" * min(len(address) - cut, 12)


def mask_identity(kind: str, value: str) -> str:
    if kind == "phone":
        return mask_phone(value)
    if kind == "email":
        return mask_email(value)
    return mask_text(value)
