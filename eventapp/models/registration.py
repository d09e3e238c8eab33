"""A person's registration for an event."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .event import Event
    from .people import Person


class Category(enum.StrEnum):
    PARTICIPANT = "participant"
    SPEAKER = "speaker"
    ORGANISER = "organiser"
    PRESS = "press"
    STAFF = "staff"


class Status(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    DECLINED = "declined"


def new_token() -> str:
    """256 random bits, URL-safe: the key to a participant's self-service link."""
    return secrets.token_urlsafe(32)


def email_key(email: str | None) -> str | None:
    """The form of an address that duplicates are detected on.

    Python's casefold() handles every script; SQL lower() on SQLite only folds ASCII,
    so the key is computed here and the database enforces uniqueness on it.
    """
    return email.strip().casefold() if email else None


class Registration(db.Model):
    __tablename__ = "registration"
    __table_args__ = (
        # One registration per address and event, whatever the letter case.
        UniqueConstraint("event_id", "email_key"),
        CheckConstraint("email_key IS NULL OR email_key = lower(email_key)",
                        name="email_key_lower"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    honorific: Mapped[str] = mapped_column(String(40), default="")
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100), default="")
    #: Name printed on the badge when it differs from given + family name.
    badge_name: Mapped[str] = mapped_column(String(120), default="")
    #: As the person typed it (normalised by email-validator); None once anonymised.
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(300), default="")
    job_title: Mapped[str] = mapped_column(String(300), default="")
    #: ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(String(2), default="")
    category: Mapped[Category] = mapped_column(
        str_enum(Category, "registration_category"), default=Category.PARTICIPANT
    )
    status: Mapped[Status] = mapped_column(
        str_enum(Status, "registration_status"), default=Status.PENDING, index=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    #: Language the person signed up in: e-mails to them use it.
    language: Mapped[str] = mapped_column(String(10), default="en")
    # The speaker profile this registration belongs to, if any; the registration outlives it.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="registrations")
    person: Mapped[Person | None] = relationship()

    def __init__(self, **kwargs) -> None:
        # The token exists from the start, so a link can be built before the first flush.
        kwargs.setdefault("token", new_token())
        super().__init__(**kwargs)

    @validates("email")
    def _keep_email_key(self, _key: str, value: str | None) -> str | None:
        self.email_key = email_key(value)
        return value

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"
