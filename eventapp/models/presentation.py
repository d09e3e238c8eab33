"""Speakers' slides attached to agenda items, public once organisers publish them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import Model
from eventapp.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from eventapp.models.agenda import AgendaItem
    from eventapp.models.people import Person


class SlideFormat(enum.StrEnum):
    PDF = "pdf"
    PPTX = "pptx"
    ODP = "odp"


#: The type each format is stored, checked and served as.
MIMETYPES = {
    SlideFormat.PDF: "application/pdf",
    SlideFormat.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    SlideFormat.ODP: "application/vnd.oasis.opendocument.presentation",
}
#: What people read beside a file (format names, the same in every language).
FORMAT_LABELS = {SlideFormat.PDF: "PDF", SlideFormat.PPTX: "PowerPoint", SlideFormat.ODP: "ODP"}


class Presentation(Model):
    __tablename__ = "presentation"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    #: The speaker whose slides these are (None: the item's, e.g. a panel's joint deck).
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    #: Random name under <instance>/uploads/presentations/ (agenda/presentations.py).
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    #: The name it was uploaded as, for the organisers only.
    original_name: Mapped[str] = mapped_column(String(255), default="")
    format: Mapped[SlideFormat] = mapped_column(str_enum(SlideFormat, "slide_format"))
    size: Mapped[int] = mapped_column()
    #: Public on the agenda and speaker pages (and in the ZIP) only once published.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[AgendaItem] = relationship()
    person: Mapped[Person | None] = relationship()

    @property
    def published(self) -> bool:
        return self.published_at is not None

    def __repr__(self) -> str:
        return f"<Presentation {self.id} {self.format}>"
