"""Who changed what, and when: the audit trail organisers read on the log pages."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import Model
from eventapp.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from eventapp.models.event import Event
    from eventapp.models.user import User


class ChangeLogEntry(Model):
    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The log belongs to the event and goes with it.
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    # Keep the entry when an account is deleted; the e-mail below still says who it was.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: The account's address at the time (None for the system or a participant).
    actor: Mapped[str] = mapped_column(String(254), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: "event", "room", "agenda_item", "agenda_role", "person", "registration", ...
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column()
    #: "create", "update", "delete" or a verb of the area ("shift", "reorder", "approve"...).
    action: Mapped[str] = mapped_column(String(40))
    #: A line for people: "Panel 2 moved to Room B".
    summary: Mapped[str] = mapped_column(String(500), default="")
    #: {"field": [old, new], ...} as JSON-safe values.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    event: Mapped[Event] = relationship()
    user: Mapped[User | None] = relationship()
