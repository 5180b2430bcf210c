"""Amounts in integer cents (fen), and how a person reads them: "¥1,299.00"."""

from __future__ import annotations

SYMBOLS = {"CNY": "¥", "HKD": "HK$", "USD": "US$", "EUR": "€"}


def format_cents(cents: int, currency: str = "CNY") -> str:
    """129900 → "¥1,299.00"; -500 → "-¥5.00"; a currency not listed is written as its code."""
    sign = "-" if cents < 0 else ""
    yuan, fen = divmod(abs(cents), 100)
    symbol = SYMBOLS.get(currency, f"{currency} ")
    return f"{sign}{symbol}{yuan:,}.{fen:02d}"
