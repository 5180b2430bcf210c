"""Domain errors with a message in both languages; the web layer maps them to HTTP."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, *, zh: str, en: str) -> None:
        super().__init__(en)
        self.code = code
        self.zh = zh
        self.en = en

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Gone(DomainError):
    """It existed but is no longer usable (an expired or withdrawn link)."""

    status = 410


class Invalid(DomainError):
    status = 422


def not_found(what_zh: str, what_en: str) -> NotFound:
    """The one "not found" — also what a caller from another workspace gets for an existing row."""
    return NotFound(
        f"{what_en.replace(' ', '_')}.not_found", zh=f"{what_zh}不存在", en=f"{what_en} not found"
    )
