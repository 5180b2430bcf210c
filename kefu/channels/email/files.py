"""Where e-mail bytes go: attachments checked by their bytes and stored inert, raw mail we could
not read kept in quarantine. Nothing a sender wrote becomes a path; names are content hashes.

This is the one seam to the chat attachments store: should mail attachments move there, only
`store_attachment` changes.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from kefu.channels.email.parse import Part

# Magic numbers of what we accept by content, and of what we refuse outright.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
)
_EXECUTABLE = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")
_NAME_BAD = re.compile(r"[\x00-\x1f\x7f/\\]")
_TYPE_BAD = re.compile(r"[^\w/.+\-]")


def sniff(data: bytes) -> str | None:
    """The type the bytes say they are (not the name or the declared type), if we know it."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for magic, ctype in _SIGNATURES:
        if data.startswith(magic):
            return ctype
    return None


def safe_name(name: str) -> str:
    name = _NAME_BAD.sub("_", name).strip(" .") or "attachment"
    return name[-120:]


def store_attachment(data_dir: str, part: Part, *, max_bytes: int) -> dict[str, Any]:
    """Check one attachment and keep its bytes; the record says what it really is, or why not."""
    record: dict[str, Any] = {
        "name": safe_name(part.name),
        "declared_type": _TYPE_BAD.sub("", part.declared_type)[:100],
        "size": len(part.data),
        "sha256": hashlib.sha256(part.data).hexdigest(),
        "stored": False,
    }
    if len(part.data) > max_bytes:
        record["reason"] = f"too large ({len(part.data)} > {max_bytes} bytes)"
        return record
    if part.data.startswith(_EXECUTABLE):
        record["reason"] = "executable content refused"
        return record
    sniffed = sniff(part.data)
    if sniffed is None and part.declared_type.startswith("text/"):
        try:
            part.data.decode("utf-8")
            sniffed = "text/plain"
        except UnicodeDecodeError:
            sniffed = None
    # What the bytes are decides how it is served later, never the name or the declared type.
    record["content_type"] = sniffed or "application/octet-stream"
    record["mislabelled"] = sniffed is not None and sniffed != part.declared_type
    path = _dir(data_dir, "attachments") / record["sha256"]
    if not path.exists():
        path.write_bytes(part.data)
    record["stored"] = True
    return record


def quarantine(data_dir: str, raw: bytes) -> str:
    """Keep unreadable mail as opaque bytes for an admin to look at; returns the stored name."""
    digest = hashlib.sha256(raw).hexdigest()
    path = _dir(data_dir, "quarantine") / f"{digest}.eml.bin"
    if not path.exists():
        path.write_bytes(raw)
    return str(path.name)


def _dir(data_dir: str, kind: str) -> Path:
    path = Path(data_dir) / "mail" / kind
    path.mkdir(parents=True, exist_ok=True)
    return path
