"""HMAC-SHA256 signatures between kefu and the shop, in both directions.

The signed string is `<unix timestamp>.<raw body>`; the signature header is `sha256=<hex>`
(GitHub's and Stripe's shape). A timestamp outside ±WINDOW of kefu's clock is refused, so a
captured request cannot be replayed later; the delivery id catches replays inside the window.
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
DELIVERY = "X-Kefu-Delivery"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def headers(secret: str, body: bytes, delivery_id: str) -> dict[str, str]:
    """The headers of a signed request, stamped with kefu's clock."""
    ts = int(clock.now().timestamp())
    return {
        TIMESTAMP: str(ts),
        SIGNATURE: sign(secret, ts, body),
        DELIVERY: delivery_id,
        "Content-Type": "application/json",
    }


def valid(secrets_: tuple[str, ...], timestamp: str, body: bytes, signature: str) -> bool:
    """True if `signature` is the HMAC of this timestamp and body under any of the secrets."""
    return any(hmac.compare_digest(sign(s, timestamp, body), signature) for s in secrets_ if s)


def fresh(timestamp: str) -> bool:
    """The timestamp is an integer within ±WINDOW of now."""
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(clock.now().timestamp() - int(timestamp)) <= WINDOW.total_seconds()
