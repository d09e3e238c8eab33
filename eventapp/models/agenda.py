"""The agenda: items on the day and who takes part in them."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import Model
from eventapp.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from eventapp.models.event import Event, Room
    from eventapp.models.people import Person


class ItemKind(enum.StrEnum):
    OPENING = "opening"
    KEYNOTE = "keynote"
    PANEL = "panel"
    TALK = "talk"
    BREAK = "break"
    MEAL = "meal"
    NETWORKING = "networking"
    CLOSING = "closing"
    OTHER = "other"


class RoleKind(enum.StrEnum):
    SPEAKER = "speaker"
    MODERATOR = "moderator"
    PANELLIST = "panellist"
    CHAIR = "chair"


class AgendaItem(Model):
    __tablename__ = "agenda_item"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable public identity (iCalendar UID, frab guid): survives edits, moves and exports.
    guid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    # Deleting a room keeps its items, unplaced, rather than losing agenda content.
    room_id: Mapped[int | None] = mapped_column(
        ForeignKey("room.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind, "item_kind"))
    title: Mapped[str] = mapped_column(String(300))
    #: Markdown, rendered without raw HTML.
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Tie-breaker between items that start together (parallel rooms, a break and a stand).
    position: Mapped[int] = mapped_column(default=0)
    #: Title and description in the event's other languages (eventapp/core/translated.py).
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="agenda_items")
    room: Mapped[Room | None] = relationship()
    roles: Mapped[list[AgendaRole]] = relationship(
        back_populates="item",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(AgendaRole.role, AgendaRole.position)",
    )

    def people_in(self, role: RoleKind) -> list[Person]:
        return [r.person for r in sorted(self.roles, key=lambda r: r.position) if r.role == role]

    @property
    def moderators(self) -> list[Person]:
        return self.people_in(RoleKind.MODERATOR)

    @property
    def panellists(self) -> list[Person]:
        return self.people_in(RoleKind.PANELLIST)

    @property
    def speakers(self) -> list[Person]:
        return self.people_in(RoleKind.SPEAKER)

    @property
    def chairs(self) -> list[Person]:
        return self.people_in(RoleKind.CHAIR)

    def __repr__(self) -> str:
        return f"<AgendaItem {self.kind} {self.title!r}>"


class AgendaRole(Model):
    __tablename__ = "agenda_role"
    __table_args__ = (UniqueConstraint("item_id", "person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    # Removing a speaker removes them from the items they were in.
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[RoleKind] = mapped_column(str_enum(RoleKind, "role_kind"))
    #: Order within the role: first panellist speaks first, and so on.
    position: Mapped[int] = mapped_column(default=0)

    item: Mapped[AgendaItem] = relationship(back_populates="roles")
    person: Mapped[Person] = relationship(back_populates="roles")
