"""The event and its rooms."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import Model
from eventapp.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from eventapp.models.agenda import AgendaItem
    from eventapp.models.people import Person
    from eventapp.models.registration import Question, Registration
    from eventapp.models.user import User


class Event(Model):
    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint(
            "reminder_days IS NULL OR reminder_days BETWEEN 1 AND 60", name="reminder_days_range"
        ),
        CheckConstraint(
            "registration_closes_at IS NULL OR registration_opens_at IS NULL"
            " OR registration_closes_at > registration_opens_at",
            name="registration_window_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    subtitle: Mapped[str] = mapped_column(String(300), default="")
    #: Markdown, rendered without raw HTML.
    description: Mapped[str] = mapped_column(Text, default="")
    #: IANA time zone name, e.g. "Europe/Brussels": every time is shown in it.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_address: Mapped[str] = mapped_column(String(500), default="")
    #: Public seats; speakers, organisers and hand-added guests are outside it.
    capacity: Mapped[int] = mapped_column(default=0)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published: Mapped[bool] = mapped_column(default=False)
    #: Sign-ups wait as "pending" until an organiser approves them.
    moderation: Mapped[bool] = mapped_column(default=False)
    #: Markdown; the sign-up form links to it and consent records which version was shown.
    privacy_notice: Mapped[str] = mapped_column(Text, default="")
    #: The main language (one of eventapp.core.i18n.LANGUAGES): the text columns hold it.
    language: Mapped[str] = mapped_column(String(5), default="en")
    #: The other languages the event's content is offered in, e.g. ["fr", "es"].
    extra_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Organiser-written text in the extra languages: {"fr": {"title": "..."}}
    #: (eventapp/core/translated.py); the columns keep the main language's.
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict)
    #: [{"value": "465", "label": "migration experts deployed"}, ...]
    key_figures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Badge and programme settings (layout, badge size, fields shown, category colours,
    #: programme page size); eventapp.printing fills in defaults for missing keys.
    print_settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: File name of the event's logo under the uploads folder ("" for none).
    logo: Mapped[str] = mapped_column(String(200), default="")
    #: Goes up by one with every change to what the agenda, the feeds or the programme
    #: show (eventapp.models.revision); the caches and ETags of those are keyed on it.
    agenda_revision: Mapped[int] = mapped_column(default=0)
    #: Days before the start the automatic reminder goes to confirmed people (None: no
    #: reminder); reminder_sent_at says it went (mail/reminders.py), once.
    reminder_days: Mapped[int | None] = mapped_column()
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Days after the event's end after which its registrations are anonymised (the
    #: retention period; registration/retention.py); None keeps them.
    retention_days: Mapped[int | None] = mapped_column()
    #: When registrations of the event were last anonymised, and how many in all.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_count: Mapped[int] = mapped_column(default=0)
    # Travel support (eventapp/travel): the currency of its amounts (ISO 4217), whether
    # the sign-up form offers to ask for support, and the budget of each line.
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    support_on_signup: Mapped[bool] = mapped_column(default=False)
    budget_travel: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    budget_accommodation: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    budget_per_diem: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    rooms: Mapped[list[Room]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Room.position",
    )
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(AgendaItem.starts_at, AgendaItem.position)",
    )
    people: Mapped[list[Person]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(Question.position, Question.id)",
    )
    managers: Mapped[list[User]] = relationship(
        secondary="event_manager", back_populates="managed_events"
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """A stored UTC time as wall-clock time at the event."""
        return moment.astimezone(self.tz)

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class Room(Model):
    __tablename__ = "room"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Rooms belong to one event and go with it.
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int | None] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)
    #: The name in the event's other languages (eventapp/core/translated.py).
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict)

    event: Mapped[Event] = relationship(back_populates="rooms")

    def __repr__(self) -> str:
        return f"<Room {self.name}>"
