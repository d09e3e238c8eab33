"""An event's feedback survey: its questions, the agenda items it rates, the answers,
and who answered.

Anonymity is a property of the tables, not only of the pages: an answer
(SurveyResponse) holds no registration, token or time finer than its day, and its key is
a random UUID; who answered (SurveyParticipation) holds no answer. On SQLite both tables
are stored WITHOUT ROWID, so not even the hidden row id gives the order of insertion
away. Only a linked survey's participation names the answer it gave (response_id).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import Model
from eventapp.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from eventapp.models.agenda import AgendaItem
    from eventapp.models.event import Event


class SurveyStatus(enum.StrEnum):
    DRAFT = "draft"  # being written: nobody can answer
    OPEN = "open"
    CLOSED = "closed"  # answers kept, no new ones


class SurveyQuestionKind(enum.StrEnum):
    """The sign-up form's kinds (QuestionKind, same values) and two scales."""

    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    CHECKBOX = "checkbox"
    RATING = "rating"  # 1 to 5
    RECOMMENDATION = "recommendation"  # 0 to 10, "how likely to recommend"


survey_rated_item = Table(
    "survey_rated_item",
    Model.metadata,
    Column("survey_id", ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True),
    Column("agenda_item_id", ForeignKey("agenda_item.id", ondelete="CASCADE"), primary_key=True),
)


class Survey(Model):
    """The feedback form of an event (one per event)."""

    __tablename__ = "survey"
    __table_args__ = (CheckConstraint("reminder_days > 0", name="reminder_days_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Shown above the questions.
    introduction: Mapped[str] = mapped_column(Text, default="")
    #: The title and introduction in the event's other languages (core/translated.py).
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict)
    #: Answers tied to no one; fixed once the first answer exists (surveys.services).
    anonymous: Mapped[bool] = mapped_column(default=True)
    status: Mapped[SurveyStatus] = mapped_column(
        str_enum(SurveyStatus, "survey_status"), default=SurveyStatus.DRAFT
    )
    #: Days after the invitations that those who have not answered are reminded; None: never.
    reminder_days: Mapped[int | None] = mapped_column(Integer)
    #: When the invitations went to the checked-in people (once).
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the reminder went (once: claimed by an UPDATE of this column).
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(SurveyQuestion.position, SurveyQuestion.id)",
    )
    #: The agenda items people rate one by one, in the agenda's order.
    rated_items: Mapped[list[AgendaItem]] = relationship(
        secondary=survey_rated_item,
        order_by="(AgendaItem.starts_at, AgendaItem.position)",
    )

    def __repr__(self) -> str:
        return f"<Survey {self.id} {self.status}>"


class SurveyQuestion(Model):
    """A question of a survey; the sign-up questions' columns, with two more kinds."""

    __tablename__ = "survey_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[SurveyQuestionKind] = mapped_column(
        str_enum(SurveyQuestionKind, "survey_question_kind")
    )
    label: Mapped[str] = mapped_column(String(300))
    help_text: Mapped[str] = mapped_column(String(500), default="")
    required: Mapped[bool] = mapped_column(default=False)
    #: The options of a single or multiple choice, in order.
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The label, help text and options in the event's other languages; answers keep
    #: the main language's option (core/translated.py).
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict)

    survey: Mapped[Survey] = relationship(back_populates="questions")

    @property
    def event(self) -> Event:
        """The survey's event, whose languages its texts are in: like every other model
        with translated texts, a question names its event (core/translated.event_of)."""
        return self.survey.event

    def __repr__(self) -> str:
        return f"<SurveyQuestion {self.id} {self.kind}>"


class SurveyResponse(Model):
    """One person's answers. Nothing here names the person (see the module docstring)."""

    __tablename__ = "survey_response"
    __table_args__ = {"sqlite_with_rowid": False}

    #: Random: the order of the keys is not the order of the answers.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    #: {"<question id>": answer}: as Registration.answers for the sign-up kinds, an int
    #: for the two scales.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: {"<agenda item id>": 1..5} for the rated items the person rated.
    ratings: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: The day only: a finer time could be matched with the participation's insertion.
    answered_on: Mapped[date] = mapped_column(Date)


class SurveyParticipation(Model):
    """Who answered a survey (each person once), never what: for anonymous surveys there
    is no way from here to the answer. A linked survey's row names its answer."""

    __tablename__ = "survey_participation"
    __table_args__ = (
        UniqueConstraint("response_id"),
        {"sqlite_with_rowid": False},
    )

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True
    )
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: Linked surveys only; None for anonymous ones.
    response_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("survey_response.id", ondelete="CASCADE")
    )
