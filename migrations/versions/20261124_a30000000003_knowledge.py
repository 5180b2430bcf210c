"""knowledge: (placeholder — filled in by the knowledge work)

Revision ID: a30000000003
Revises: a20000000002
Create Date: 2026-11-23 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import kefu.db  # noqa: F401

revision: str = "a30000000003"
down_revision: str | None = "a20000000002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
