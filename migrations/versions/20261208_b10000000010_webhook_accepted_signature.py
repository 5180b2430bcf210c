"""webhook_deliveries.accepted_signature: a body-only signature is accepted once

Revision ID: b10000000010
Revises: de0c8a909164
Create Date: 2026-12-08 12:00:00

The shop's body-only signature (X-Kefu-Signature) does not cover X-Kefu-Delivery, so a captured
webhook replayed within the ±5 minute window under a fresh delivery id was applied again. Shops
now sign the delivery id too (X-Kefu-Signature-V2); for those still sending only the old header,
kefu remembers the signature of every accepted delivery and answers a second use `duplicate`.
Existing rows keep NULL (their timestamps are long outside the window).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b10000000010"
down_revision: str | None = "de0c8a909164"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNIQUE = "uq_webhook_deliveries_workspace_id_accepted_signature"


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("accepted_signature", sa.String(length=80), nullable=True))
        batch.create_unique_constraint(UNIQUE, ["workspace_id", "accepted_signature"])


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
        batch.drop_column("accepted_signature")
