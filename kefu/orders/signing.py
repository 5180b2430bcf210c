"""HMAC-SHA256 signatures between kefu and the shop, in both directions.

Two signatures, as GitHub sent X-Hub-Signature and X-Hub-Signature-256 side by side while its
receivers moved over; both headers are `sha256=<hex>`:

- `X-Kefu-Signature-V2` signs `<unix timestamp>.<delivery id>.<raw body>`. The delivery id is what
  replays are recognised by (and, for kefu's calls to the shop, the Idempotency-Key), so it must
  be signed: otherwise a captured request with a fresh id is a new delivery.
- `X-Kefu-Signature` signs `<unix timestamp>.<raw body>` only; kept so that shops verifying or
  sending it keep working (deprecated). kefu accepts it alone, but then each such signature is
  accepted once (shop.py), whatever delivery id comes with it.

A timestamp outside ±WINDOW of kefu's clock is refused, so a captured request cannot be replayed
later; inside the window the (signed) delivery id — or the remembered signature — catches it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from kefu import clock

WINDOW = timedelta(minutes=5)
TIMESTAMP = "X-Kefu-Timestamp"
SIGNATURE = "X-Kefu-Signature"
SIGNATURE_V2 = "X-Kefu-Signature-V2"
DELIVERY = "X-Kefu-Delivery"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The body-only signature (`X-Kefu-Signature`, deprecated)."""
    return _mac(secret, f"{timestamp}.".encode() + body)


def sign_v2(secret: str, timestamp: int | str, delivery_id: str, body: bytes) -> str:
    """The signature over timestamp, delivery id and body (`X-Kefu-Signature-V2`)."""
    # "." cannot make two (id, body) pairs alike here: a JSON body split at a "." leaves no JSON.
    return _mac(secret, f"{timestamp}.{delivery_id}.".encode() + body)


def _mac(secret: str, message: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(secret: str, body: bytes, delivery_id: str) -> dict[str, str]:
    """The headers of a signed request, stamped with kefu's clock: both signatures."""
    ts = int(clock.now().timestamp())
    return {
        TIMESTAMP: str(ts),
        SIGNATURE: sign(secret, ts, body),
        SIGNATURE_V2: sign_v2(secret, ts, delivery_id, body),
        DELIVERY: delivery_id,
        "Content-Type": "application/json",
    }


def valid(secrets_: tuple[str, ...], timestamp: str, body: bytes, signature: str) -> bool:
    """True if `signature` is the body-only HMAC of this timestamp and body under any secret."""
    if not signature.isascii():
        return False  # compare_digest refuses non-ASCII text: not a 500, just not a signature
    return any(hmac.compare_digest(sign(s, timestamp, body), signature) for s in secrets_ if s)


def valid_v2(
    secrets_: tuple[str, ...], timestamp: str, delivery_id: str, body: bytes, signature: str
) -> bool:
    """True if `signature` is the HMAC of this timestamp, delivery id and body under any secret.

    Delivery ids are ASCII (a UUID, say): the bytes signed are then the bytes sent."""
    if not (signature.isascii() and delivery_id.isascii()):
        return False
    return any(
        hmac.compare_digest(sign_v2(s, timestamp, delivery_id, body), signature)
        for s in secrets_
        if s
    )


def fresh(timestamp: str) -> bool:
    """The timestamp is an integer within ±WINDOW of now."""
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(clock.now().timestamp() - int(timestamp)) <= WINDOW.total_seconds()
