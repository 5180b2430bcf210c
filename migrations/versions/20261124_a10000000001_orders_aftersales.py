"""orders_aftersales: (placeholder — filled in by the orders_aftersales work)

Revision ID: a10000000001
Revises: 08680b9b221f
Create Date: 2026-11-23 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import kefu.db  # noqa: F401

revision: str = "a10000000001"
down_revision: str | None = "08680b9b221f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
