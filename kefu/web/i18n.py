"""Text of the web pages through Babel catalogs: zh_CN first, English second.

The `.po` files under `locale/<lang>/LC_MESSAGES/` are the source; they are compiled in memory
when first used (babel's pofile → mofile), so no build step has to run before the app starts.
Message ids are the English text; the English catalog falls back to them.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import Request

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LOCALES = ("zh_CN", "en")
DEFAULT = "zh_CN"
COOKIE = "kefu_lang"


def normalise(value: str | None) -> str | None:
    """ "zh", "zh-CN", "zh_cn", "en-US" … → one of LOCALES; anything else → None."""
    if not value:
        return None
    tag = value.strip().lower().replace("_", "-")
    if tag.startswith("zh"):
        return "zh_CN"
    if tag.startswith("en"):
        return "en"
    return None


def negotiate(request: Request) -> str:
    """The page language: `?lang=`, then the `kefu_lang` cookie, then Accept-Language."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        found = normalise(candidate)
        if found:
            return found
    for part in request.headers.get("accept-language", "").split(","):
        found = normalise(part.split(";")[0])
        if found:
            return found
    return DEFAULT


@cache
def translations(locale: str) -> Translations:
    """The compiled catalog of `locale` (read once per process)."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


@cache
def catalog(locale: str) -> dict[str, str]:
    """Every message of `locale` as {msgid: text} — what the pages' JavaScript reads."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as fh:
        po = read_po(fh, locale=locale, domain=DOMAIN)
    return {
        str(m.id): str(m.string or m.id)
        for m in po
        if m.id and isinstance(m.id, str) and not m.fuzzy
    }


def html_lang(locale: str) -> str:
    """The `<html lang>` value of a locale."""
    return "zh-CN" if locale == "zh_CN" else "en"
