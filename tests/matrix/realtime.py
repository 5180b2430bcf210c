"""Chat attachments in the tenancy/role matrix (the WebSocket routes are not in OpenAPI)."""

from __future__ import annotations

import struct
import zlib

from sqlalchemy.orm import Session

from kefu.auth.permissions import Perm
from kefu.channels import attachments
from kefu.config import get_settings
from tests.factories import World
from tests.matrix.base import CUSTOMER, Domain, Rule, Seed, const


def tiny_png() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    body = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + body
        + struct.pack(">I", zlib.crc32(body))
    )


RULES = {
    # A JSON body is not an upload: a role that may send gets 422 (no `file`), others 403 first.
    ("POST", "/api/v1/attachments"): Rule(Perm.converse, 422, const({})),
    ("GET", "/api/v1/attachments/{attachment_id}"): Rule(Perm.read),
    ("POST", "/api/v1/widget/attachments"): CUSTOMER,
    ("GET", "/api/v1/widget/attachments/{attachment_id}"): CUSTOMER,
}


def seed(s: Session, world: World, secret: str, base: dict[str, int]) -> Seed:
    settings = get_settings()
    att = attachments.store(
        s,
        actor=world.system,
        data=tiny_png(),
        filename=f"{secret}.png",
        data_dir=settings.data_dir,
        max_bytes=settings.attachment_max_bytes,
    )
    return Seed(ids={"attachment_id": att.id})


MATRIX = Domain(rules=RULES, seed=seed)
