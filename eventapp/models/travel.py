"""Travel support: what a registration asked for and was granted, the traveller's own
details (name as in the passport, preferred dates) and what was booked for them."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import Model
from eventapp.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from eventapp.models.event import Event
    from eventapp.models.registration import Registration

#: Amounts: up to 9,999,999,999.99 in the event's currency.
Money = Numeric(12, 2)


class SupportStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"


class SegmentKind(enum.StrEnum):
    FLIGHT = "flight"
    TRAIN = "train"


class TravelSupport(Model):
    """One registration's request for support, the decision on it, and the traveller's
    form (at most one per registration)."""

    __tablename__ = "travel_support"
    __table_args__ = (
        CheckConstraint(
            "travel_estimate >= 0 AND accommodation_estimate >= 0 AND per_diem_estimate >= 0",
            name="estimates_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[SupportStatus] = mapped_column(
        str_enum(SupportStatus, "support_status"), default=SupportStatus.REQUESTED
    )
    #: The budget lines asked for (then granted).
    travel: Mapped[bool] = mapped_column(default=False)
    accommodation: Mapped[bool] = mapped_column(default=False)
    per_diem: Mapped[bool] = mapped_column(default=False)
    justification: Mapped[str] = mapped_column(String(2000), default="")
    #: What approving committed against each budget line, in the event's currency.
    travel_estimate: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    accommodation_estimate: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    per_diem_estimate: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    #: Told to the person with the decision.
    decision_note: Mapped[str] = mapped_column(String(1000), default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    # The traveller's form (/r/<token>/travel).
    passport_name: Mapped[str] = mapped_column(String(200), default="")
    departure_city: Mapped[str] = mapped_column(String(120), default="")
    #: IATA code.
    departure_airport: Mapped[str] = mapped_column(String(3), default="")
    outbound_date: Mapped[date | None] = mapped_column(Date)
    #: Free text: "morning", "after 14:00".
    outbound_time: Mapped[str] = mapped_column(String(100), default="")
    return_date: Mapped[date | None] = mapped_column(Date)
    return_time: Mapped[str] = mapped_column(String(100), default="")
    hotel_check_in: Mapped[date | None] = mapped_column(Date)
    hotel_check_out: Mapped[date | None] = mapped_column(Date)
    remarks: Mapped[str] = mapped_column(String(2000), default="")
    form_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    itinerary_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    registration: Mapped[Registration] = relationship()
    segments: Mapped[list[TravelSegment]] = relationship(
        back_populates="support",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(TravelSegment.departs_utc, TravelSegment.id)",
    )
    stays: Mapped[list[HotelStay]] = relationship(
        back_populates="support",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(HotelStay.check_in, HotelStay.id)",
    )

    @property
    def committed(self) -> Decimal:
        if self.status != SupportStatus.APPROVED:
            return Decimal("0")
        return self.travel_estimate + self.accommodation_estimate + self.per_diem_estimate

    def __repr__(self) -> str:
        return f"<TravelSupport {self.registration_id} {self.status}>"


class TravelSegment(Model):
    """A booked flight or train. Times are the local wall-clock times printed on the
    ticket, with the IANA zone of the place; the UTC departure is kept for sorting."""

    __tablename__ = "travel_segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    support_id: Mapped[int] = mapped_column(
        ForeignKey("travel_support.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[SegmentKind] = mapped_column(
        str_enum(SegmentKind, "segment_kind"), default=SegmentKind.FLIGHT
    )
    #: Flight or train number, e.g. "SN 2904".
    number: Mapped[str] = mapped_column(String(20), default="")
    #: IATA airport code (flights); empty for a station.
    from_code: Mapped[str] = mapped_column(String(3), default="")
    from_place: Mapped[str] = mapped_column(String(120), default="")
    to_code: Mapped[str] = mapped_column(String(3), default="")
    to_place: Mapped[str] = mapped_column(String(120), default="")
    departs_local: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    departs_tz: Mapped[str] = mapped_column(String(64))
    arrives_local: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    arrives_tz: Mapped[str] = mapped_column(String(64))
    departs_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    cost: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    support: Mapped[TravelSupport] = relationship(back_populates="segments")

    @property
    def departs(self) -> datetime:
        """The departure as an aware time in the place's zone."""
        return self.departs_local.replace(tzinfo=ZoneInfo(self.departs_tz))

    @property
    def arrives(self) -> datetime:
        return self.arrives_local.replace(tzinfo=ZoneInfo(self.arrives_tz))

    @property
    def arrives_utc(self) -> datetime:
        return self.arrives.astimezone(UTC)


class HotelStay(Model):
    """A booked hotel stay: nights from check-in to check-out."""

    __tablename__ = "hotel_stay"
    __table_args__ = (CheckConstraint("check_out > check_in", name="check_out_after_check_in"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    support_id: Mapped[int] = mapped_column(
        ForeignKey("travel_support.id", ondelete="CASCADE"), index=True
    )
    hotel: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    check_in: Mapped[date] = mapped_column(Date)
    check_out: Mapped[date] = mapped_column(Date)
    room_type: Mapped[str] = mapped_column(String(100), default="")
    cost: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    support: Mapped[TravelSupport] = relationship(back_populates="stays")

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days
