"""Reading a raw e-mail safely: headers, the text to show, attachments, and what is automatic.

Everything here is pure (bytes in, a `Mail` out) and defensive: a hostile or broken message gives
a `Mail` with what could be read, or `Unreadable` — never an exception from deep in the parser.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

import nh3

MAX_TEXT = 20_000
MAX_PARTS = 200
MAX_ATTACHMENTS = 20
_MSGID = re.compile(r"<[^<>\s]{1,490}>")
_HEADER_MSGID = re.compile(r"(?im)^message-id:\s*(<[^<>\s]{1,490}>)")
_TICKET_NO = re.compile(r"\[#(\d{1,9})\]")
# A header is one line of text: an encoded word may decode to CR/LF (or other controls), which
# would make every reply in the thread unbuildable, so they become spaces.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# Chinese mail clients label GBK (and GB18030) text "gb2312", whose codec refuses the rarer
# characters of people's and places' names (喆, 堃, 镕). GB18030 is a superset of both.
_GB_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}
_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"}
# Lines that start the quoted previous mail in replies (Gmail, Outlook, Chinese clients).
_QUOTE_START = re.compile(
    r"^(On .{1,200} wrote:|在.{1,200}写道[:：]|-{2,}\s*(Original Message|原始邮件)\s*-{2,}|"
    r"From: .{1,200}|发件人[:：].{0,200})\s*$",
    re.MULTILINE,
)


class Unreadable(Exception):
    """The bytes are not a message we can read; they are kept inert, not interpreted."""


@dataclass
class Part:
    name: str
    declared_type: str
    data: bytes


@dataclass
class Mail:
    message_id: str
    in_reply_to: str
    references: list[str]
    from_addr: str
    from_name: str
    reply_to: str
    to_addrs: list[str]
    subject: str
    text: str
    html: str  # sanitised
    attachments: list[Part] = field(default_factory=list)
    automatic: str | None = None  # why this is an auto-reply or bounce, else None
    is_bounce: bool = False
    bounced_ids: list[str] = field(default_factory=list)  # our Message-IDs a bounce names
    size: int = 0

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this mail answers, nearest first."""
        ids = ([self.in_reply_to] if self.in_reply_to else []) + list(reversed(self.references))
        return list(dict.fromkeys(ids))

    @property
    def ticket_number(self) -> int | None:
        found = _TICKET_NO.search(self.subject)
        return int(found.group(1)) if found else None


def parse(raw: bytes) -> Mail:
    try:
        msg = message_from_bytes(raw, policy=policy.default)
        return _read(msg, raw)
    except Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001 — the stdlib parser has many ways to fail on garbage
        raise Unreadable(f"{type(exc).__name__}: {exc}"[:300]) from exc


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 — a malformed header must not cost the message
        value = None
    if value is None:
        return ""
    return _one_line(str(value))


def _one_line(value: str) -> str:
    return _CONTROL.sub(" ", value).strip()


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    name = charset.strip().lower()
    try:
        name = codecs.lookup(_GB_SUPERSET.get(name, name)).name
    except (LookupError, ValueError):
        return None
    return _GB_SUPERSET.get(name, name)


def decode_text(data: bytes, charset: str | None) -> str:
    """Text in the declared charset if it reads so, else UTF-8, else GB18030 (what unlabelled
    Chinese mail mostly is), else the first of them with U+FFFD for what does not read."""
    codecs_ = list(dict.fromkeys(c for c in (_codec(charset), "utf-8", "gb18030") if c))
    for codec in codecs_:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode(codecs_[0], errors="replace")


def _raw_header(msg: Message, name: str) -> str | None:
    """The header as it came (8-bit bytes kept as surrogate escapes), not yet decoded."""
    return next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)


def _text_header(msg: Message, name: str, value: str | None = None) -> str:
    """A header meant for people (Subject, a display name) decoded from its raw form with the
    charsets Chinese clients really use; the parser's reading if the raw form is unusable."""
    if value is None:
        value = _raw_header(msg, name)
        if value is None:
            return ""
    try:
        data = value.encode("ascii", "surrogateescape")  # the bytes as they came
        if not data.isascii():  # 8-bit header: RFC 6532 UTF-8, or a client's raw GBK
            return _one_line(decode_text(data, None))
        words = decode_header(value)
        return _one_line(
            "".join(w if isinstance(w, str) else decode_text(w, cs) for w, cs in words)
        )
    except Exception:  # noqa: BLE001 — never worse than the parser's own reading
        return _header(msg, name) if name else _one_line(value)


def _ids(value: str) -> list[str]:
    return _MSGID.findall(value)[:50]


def _read(msg: Message, raw: bytes) -> Mail:
    if not isinstance(msg, EmailMessage) or not msg.keys():
        raise Unreadable("no headers")
    # The display name decoded from the raw header (its charset, one line); the address as the
    # parser reads it, or from the raw header when the parser refuses the whole From line.
    raw_name, raw_addr = parseaddr(_one_line(_raw_header(msg, "From") or ""))
    from_name, from_addr = parseaddr(_header(msg, "From"))
    if "@" not in from_addr and " " not in raw_addr.strip():
        from_name, from_addr = raw_name, raw_addr.strip()
    if "@" not in from_addr:
        raise Unreadable("no sender address")
    if raw_name and raw_addr.lower() == from_addr.lower():
        from_name = _text_header(msg, "", raw_name)
    message_id = (_ids(_header(msg, "Message-ID")) or [""])[0]
    if not message_id:
        message_id = f"<noid.{hashlib.sha256(raw).hexdigest()[:40]}@kefu.invalid>"
    in_reply_to = (_ids(_header(msg, "In-Reply-To")) or [""])[0]
    to = [a for _, a in getaddresses([_header(msg, "To"), _header(msg, "Cc")]) if "@" in a]
    parts = list(_leaves(msg))
    text, body_html, body_parts = _body(msg, parts)
    mail = Mail(
        message_id=message_id,
        in_reply_to=in_reply_to,
        # Oldest first: the ids a reply answers are the last ones.
        references=_MSGID.findall(_header(msg, "References"))[-50:],
        from_addr=from_addr.lower()[:254],
        from_name=from_name[:120],
        reply_to=_reply_to(msg),
        to_addrs=[a.lower()[:254] for a in to][:50],
        subject=_text_header(msg, "Subject")[:300],
        text=text,
        html=body_html,
        size=len(raw),
    )
    mail.attachments = [
        p for p in (_attachment(part) for part in parts if part not in body_parts) if p
    ][:MAX_ATTACHMENTS]
    mail.automatic, mail.is_bounce = _automatic(msg, mail)
    if mail.is_bounce:
        mail.bounced_ids = _bounced_ids(msg, parts, mail)
    return mail


def _reply_to(msg: Message) -> str:
    _, address = parseaddr(_header(msg, "Reply-To"))
    return address.lower()[:254] if "@" in address and " " not in address else ""


def _leaves(msg: Message) -> list[Message]:
    out = []
    for n, part in enumerate(msg.walk()):
        if n > MAX_PARTS:
            raise Unreadable("too many MIME parts")
        if not part.is_multipart():
            out.append(part)
    return out


def _decoded(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    return decode_text(data, part.get_content_charset()).replace("\x00", "")


def _body(msg: Message, parts: list[Message]) -> tuple[str, str, list[Message]]:
    """(plain text, sanitised HTML, the parts they came from); text preferred over HTML."""
    plain: Message | None = None
    html_part: Message | None = None
    if isinstance(msg, EmailMessage):
        try:
            plain = msg.get_body(preferencelist=("plain",))
            html_part = msg.get_body(preferencelist=("html",))
        except Exception:  # noqa: BLE001
            plain = html_part = None
    if plain is None and html_part is None:
        for part in parts:
            if part.get_content_disposition() == "attachment":
                continue
            if part.get_content_type() == "text/plain" and plain is None:
                plain = part
            elif part.get_content_type() == "text/html" and html_part is None:
                html_part = part
    safe_html = nh3.clean(_decoded(html_part))[: MAX_TEXT * 2] if html_part is not None else ""
    text = _decoded(plain) if plain is not None else html_to_text(safe_html)
    used = [p for p in (plain, html_part) if p is not None]
    return strip_quoted(text)[:MAX_TEXT], safe_html, used


def html_to_text(markup: str) -> str:
    """Only the words: scripts and styles go with their content, block ends become newlines."""
    kept = nh3.clean(markup, tags=_BLOCK_TAGS, attributes={})
    kept = re.sub(r"<(br|/p|/div|/li|/tr|/h\d|/blockquote)\s*/?>", "\n", kept)
    kept = re.sub(r"<[^>]*>", "", kept)
    return re.sub(r"\n{3,}", "\n\n", html.unescape(kept)).strip()


def strip_quoted(text: str) -> str:
    """The new part of a reply: the quoted previous mail ("On … wrote:", "> …") is cut."""
    found = _QUOTE_START.search(text)
    if found and found.start() > 0:
        text = text[: found.start()]
    lines = [ln for ln in text.splitlines() if not ln.startswith(">")]
    return "\n".join(lines).strip() or text.strip()


def _attachment(part: Message) -> Part | None:
    ctype = part.get_content_type()
    name = part.get_filename() if hasattr(part, "get_filename") else None
    if ctype.startswith("multipart/"):
        return None
    if not name and ctype in ("text/plain", "text/html"):
        return None  # an alternative body, not a file
    if ctype in ("message/delivery-status", "text/rfc822-headers"):
        return None
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return None
    return Part(name=str(name or "attachment"), declared_type=ctype, data=data)


def _automatic(msg: Message, mail: Mail) -> tuple[str | None, bool]:
    """Why this mail was sent by a machine (RFC 3834 and the usual conventions), and if a bounce."""
    ctype = msg.get_content_type()
    report = (msg.get_param("report-type") or "") if ctype == "multipart/report" else ""
    local = mail.from_addr.split("@", 1)[0]
    if ctype == "multipart/report" and str(report).lower() == "delivery-status":
        return "delivery status notification", True
    if local in ("mailer-daemon", "postmaster") or _header(msg, "X-Failed-Recipients"):
        return f"bounce from {local}", True
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto[:40]}", False
    for name in ("X-Autoreply", "X-Autorespond"):
        if _header(msg, name):
            return name, False
    precedence = _header(msg, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}", False
    if ctype == "multipart/report":
        return "machine report", False
    if _header(msg, "List-Id") or _header(msg, "List-Unsubscribe"):
        return "mailing list", False
    return None, False


def _bounced_ids(msg: Message, parts: list[Message], mail: Mail) -> list[str]:
    """Message-IDs of the original mail a bounce reports on (its attached headers)."""
    found: list[str] = list(mail.thread_ids)
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message):
                found += _ids(_header(inner, "Message-ID"))
        elif ctype == "text/rfc822-headers":
            found += _HEADER_MSGID.findall(_decoded(part))
    return list(dict.fromkeys(found))[:20]
