"""Speaker profiles: the people on the agenda."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import Model
from eventapp.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from eventapp.models.agenda import AgendaRole
    from eventapp.models.event import Event


class Person(Model):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A profile is per event (copied with the event), so edits never leak across events.
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    honorific: Mapped[str] = mapped_column(String(40), default="")
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[str] = mapped_column(String(300), default="")
    organisation: Mapped[str] = mapped_column(String(300), default="")
    #: ISO 3166-1 alpha-2, or "" when not relevant (EU institutions).
    country: Mapped[str] = mapped_column(String(2), default="")
    #: Markdown, rendered without raw HTML.
    bio: Mapped[str] = mapped_column(Text, default="")
    #: Position and bio in the event's other languages (eventapp/core/translated.py).
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict)
    #: File name under instance/uploads/, served through a route; None shows initials.
    photo: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="people")
    roles: Mapped[list[AgendaRole]] = relationship(
        back_populates="person",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.honorific, self.full_name) if p)

    @property
    def initials(self) -> str:
        return "".join(p[0] for p in (self.given_name, self.family_name) if p).upper()

    def __repr__(self) -> str:
        return f"<Person {self.full_name}>"
