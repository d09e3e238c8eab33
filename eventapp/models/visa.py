"""Visa invitation letters and the letterhead they are printed on."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import Model
from eventapp.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from eventapp.models.event import Event
    from eventapp.models.registration import Registration


class LetterStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"
    REVOKED = "revoked"


class LetterSettings(Model):
    """An event's letterhead for visa letters (its logo is Event.logo), and how long
    passport data is kept after it."""

    __tablename__ = "letter_settings"
    __table_args__ = (
        CheckConstraint("passport_retention_days >= 0", name="retention_not_negative"),
    )

    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True
    )
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="")
    #: File name of the signature image under the uploads folder ("" for none).
    signature: Mapped[str] = mapped_column(String(200), default="")
    #: Language of the letters: "en" or "fr".
    language: Mapped[str] = mapped_column(String(10), default="en")
    #: Passport data is erased this many days after the event ends.
    passport_retention_days: Mapped[int] = mapped_column(default=30)


class VisaLetter(Model):
    """A participant's request for a visa invitation letter, and the letter once approved."""

    __tablename__ = "visa_letter"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: One request per registration; asking again updates it.
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[LetterStatus] = mapped_column(
        str_enum(LetterStatus, "letter_status"), default=LetterStatus.REQUESTED
    )
    #: Passport number, expiry, nationality and birth date: a Fernet token of their JSON
    #: (eventapp/core/crypto.py), never clear text; None once erased.
    passport: Mapped[str | None] = mapped_column(Text)
    consulate_city: Mapped[str] = mapped_column(String(120), default="")
    #: Language of the letter: "en" or "fr".
    language: Mapped[str] = mapped_column(String(10), default="en")
    #: What the organisers pay: codes of travel/visa_letters.COSTS.
    covered: Mapped[list[str]] = mapped_column(JSON, default=list)
    stay_from: Mapped[date | None] = mapped_column(Date)
    stay_until: Mapped[date | None] = mapped_column(Date)
    #: Letter number within the event, given on approval.
    number: Mapped[int | None] = mapped_column()
    #: Verification code (certificates' alphabet), given on approval.
    code: Mapped[str | None] = mapped_column(String(16), unique=True)
    decline_reason: Mapped[str] = mapped_column(String(500), default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    passport_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    registration: Mapped[Registration] = relationship()

    def __repr__(self) -> str:
        return f"<VisaLetter {self.id} {self.status}>"
