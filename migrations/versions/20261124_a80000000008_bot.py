"""bot: (placeholder — filled in by the bot work)

Revision ID: a80000000008
Revises: a70000000007
Create Date: 2026-11-23 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import kefu.db  # noqa: F401

revision: str = "a80000000008"
down_revision: str | None = "a70000000007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
