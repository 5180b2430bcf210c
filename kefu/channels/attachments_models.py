"""Files customers and staff attach to chat messages (images), stored outside the database."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, BigId
from kefu.models_base import WorkspaceScoped


class Attachment(WorkspaceScoped, Base):
    """An uploaded file: its checked type and size, where it is stored, the message it went with.

    `storage_key` is a random name the server chose; nothing the uploader sent becomes a path.
    `message_id` is set once, when a message carrying the attachment is stored.
    """

    __tablename__ = "attachments"

    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Shown to people only (escaped like any text); never used to build a path.
    filename: Mapped[str] = mapped_column(String(255), default="")
    uploader_customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL"), default=None, index=True
    )
    uploader_staff_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("staff.id", ondelete="SET NULL"), default=None
    )
    message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("messages.id", ondelete="SET NULL"), default=None, index=True
    )
