"""An organiser's message to participants: one subject and Markdown body per language,
who it goes to (the desk's filters), and when (now, or at a time)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import Model
from eventapp.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from eventapp.models.event import Event
    from eventapp.models.user import User


class MessageStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # goes at send_at (mail/tasks.py: send_due)
    SENDING = "sending"  # its recipients' copies are being queued, a batch at a time
    SENT = "sent"  # every recipient's copy is queued (the outbox delivers them)
    CANCELLED = "cancelled"


class MessageKind(enum.StrEnum):
    MESSAGE = "message"  # written by an organiser
    REMINDER = "reminder"  # the automatic reminder before the event (its text is ours)


class OrganiserMessage(Model):
    """A message organisers send to some of the event's registrations."""

    __tablename__ = "organiser_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MessageKind] = mapped_column(
        str_enum(MessageKind, "message_kind"), default=MessageKind.MESSAGE
    )
    status: Mapped[MessageStatus] = mapped_column(
        str_enum(MessageStatus, "message_status"), default=MessageStatus.DRAFT, index=True
    )
    #: Who receives it, as the desk's filter arguments (registration.desk.Filters.args):
    #: {"status": "confirmed", "category": "speaker", "country": "GE", "checked_in": "no"}.
    recipients: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: SCHEDULED: when it goes.
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: When sending began and ended (every copy queued).
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: SENDING: when the last batch was queued; a message sending with no batch for a
    #: while lost its task, and the periodic task enqueues it again.
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How many matched the filter when sending began.
    recipient_count: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship()
    created_by: Mapped[User | None] = relationship()
    versions: Mapped[list[MessageVersion]] = relationship(
        back_populates="message",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="MessageVersion.id",
    )

    def __repr__(self) -> str:
        return f"<OrganiserMessage {self.id} {self.status}>"


class MessageVersion(Model):
    """The message in one language (a code of LANGUAGES: more languages, more rows)."""

    __tablename__ = "organiser_message_version"
    __table_args__ = (UniqueConstraint("message_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("organiser_message.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300))
    #: Markdown with placeholders ({given_name}, {link}, {ticket}...: mail/placeholders.py).
    body: Mapped[str] = mapped_column(Text)

    message: Mapped[OrganiserMessage] = relationship(back_populates="versions")
