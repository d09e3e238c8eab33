"""Expense claims of supported participants, after the event."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import Model
from eventapp.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from eventapp.models.event import Event
    from eventapp.models.registration import Registration


class ExpenseCategory(enum.StrEnum):
    TRAVEL = "travel"
    ACCOMMODATION = "accommodation"
    MEALS = "meals"
    LOCAL_TRANSPORT = "local-transport"
    VISA = "visa"
    OTHER = "other"


class LineStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ExpenseClaim(Model):
    """One person's claim for an event: their bank details and the lines they submit."""

    __tablename__ = "expense_claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), unique=True
    )
    #: Account holder, IBAN, BIC, bank: a Fernet token of their JSON (core/crypto.py).
    bank_details: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    registration: Mapped[Registration] = relationship()
    lines: Mapped[list[ClaimLine]] = relationship(
        back_populates="claim",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ClaimLine.id",
    )


class ClaimLine(Model):
    """One expense with its receipt; organisers approve or reject each."""

    __tablename__ = "claim_line"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        ForeignKey("expense_claim.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[ExpenseCategory] = mapped_column(str_enum(ExpenseCategory, "expense_category"))
    description: Mapped[str] = mapped_column(String(300), default="")
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    #: ISO 4217, e.g. "EUR".
    currency: Mapped[str] = mapped_column(String(3))
    #: File name of the receipt under uploads/receipts (travel/receipts.py).
    receipt: Mapped[str] = mapped_column(String(200))
    status: Mapped[LineStatus] = mapped_column(
        str_enum(LineStatus, "claim_line_status"), default=LineStatus.PENDING
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    claim: Mapped[ExpenseClaim] = relationship(back_populates="lines")
