"""What happened at the door: every check-in and every undo, by whom and when."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import Model
from eventapp.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from eventapp.models.registration import Registration
    from eventapp.models.user import User


class CheckInAction(enum.StrEnum):
    CHECK_IN = "check_in"
    UNDO = "undo"


class CheckInMethod(enum.StrEnum):
    QR = "qr"  # the badge's QR code, scanned on the check-in page
    SEARCH = "search"  # picked by name on the check-in page
    LINK = "link"  # the badge's URL opened on a volunteer's phone
    WALK_IN = "walk_in"  # registered at the door


class CheckInRecord(Model):
    """One check-in or undo. Registration.checked_in_at says who is present now; these
    rows say how they got there, for the organisers and for disputes."""

    __tablename__ = "checkin_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[CheckInAction] = mapped_column(str_enum(CheckInAction, "checkin_action"))
    method: Mapped[CheckInMethod] = mapped_column(str_enum(CheckInMethod, "checkin_method"))
    #: When it happened at the door: for a scan queued offline, the device's time of the
    #: scan, not the time it reached the server (recorded_at).
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Sent from a device's offline queue.
    queued: Mapped[bool] = mapped_column(default=False)
    # Keep the row when the account is deleted; actor still says who it was.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254), default="")

    registration: Mapped[Registration] = relationship()
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CheckInRecord {self.action} {self.registration_id}>"
