"""A person's registration for an event."""

from __future__ import annotations

import enum
import secrets
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from eventapp.extensions import Model
from eventapp.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from eventapp.models.event import Event
    from eventapp.models.message import OrganiserMessage
    from eventapp.models.people import Person


class Category(enum.StrEnum):
    PARTICIPANT = "participant"
    SPEAKER = "speaker"
    ORGANISER = "organiser"
    PRESS = "press"
    STAFF = "staff"


class Dietary(enum.StrEnum):
    NONE = "none"
    VEGETARIAN = "vegetarian"
    VEGAN = "vegan"
    HALAL = "halal"
    KOSHER = "kosher"
    GLUTEN_FREE = "gluten-free"
    OTHER = "other"


#: Categories a public sign-up may have; the others (speakers, organisers, staff) are
#: added by organisers and never take a public seat.
PUBLIC_CATEGORIES = frozenset({Category.PARTICIPANT, Category.PRESS})


class Status(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    DECLINED = "declined"


def new_token() -> str:
    """256 random bits, URL-safe: the key to a participant's self-service link."""
    return secrets.token_urlsafe(32)


def new_checkin_code() -> str:
    """128 random bits for the badge's QR code. It only marks its holder present; it is
    not the self-service token, so a photographed badge opens nothing else."""
    return secrets.token_urlsafe(16)


def email_key(email: str | None) -> str | None:
    """The form of an address that duplicates are detected on.

    Python's casefold() handles every script; SQL lower() on SQLite only folds ASCII,
    so the key is computed here and the database enforces uniqueness on it. NFC on both
    sides, so "é" typed as one character or as "e" + accent gives the same key.
    """
    if not email:
        return None
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", email.strip()).casefold())


class Registration(Model):
    __tablename__ = "registration"
    __table_args__ = (
        # One registration per address and event, whatever the letter case.
        UniqueConstraint("event_id", "email_key"),
        CheckConstraint(
            "email_key IS NULL OR email_key = lower(email_key)", name="email_key_lower"
        ),
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
    #: Printed in the badge's QR code; see new_checkin_code.
    checkin_code: Mapped[str] = mapped_column(String(32), unique=True, default=new_checkin_code)
    #: Language the person signed up in: e-mails to them use it.
    language: Mapped[str] = mapped_column(String(10), default="en")
    # The speaker profile this registration belongs to, if any; the registration outlives it.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    dietary: Mapped[Dietary] = mapped_column(str_enum(Dietary, "dietary"), default=Dietary.NONE)
    #: What "other" means; empty unless dietary is "other".
    dietary_other: Mapped[str] = mapped_column(String(200), default="")
    accessibility: Mapped[str] = mapped_column(String(1000), default="")
    photo_consent: Mapped[bool] = mapped_column(default=False)
    privacy_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: SHA-256 (hex) of the event's privacy notice as the person saw it when consenting.
    privacy_version: Mapped[str] = mapped_column(String(64), default="")
    #: Whether this registration takes one of the event's public seats (Event.capacity).
    #: Set once by the path that created it: a public sign-up of a participant or press
    #: person does, speakers, organisers, staff and anyone added by hand do not. A later
    #: change of category leaves it as it is.
    counts_towards_capacity: Mapped[bool] = mapped_column(default=False)
    #: When the person joined the waiting list: its order (then id).
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Printed on the certificate of attendance and checked at /verify/<code>; made
    #: when the first certificate is. 128 random bits, like the check-in code.
    certificate_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    #: Personal data erased (GDPR); the row stays for the counts.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Answers to the event's custom questions: {"<question id>": str | list[str] | bool}.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="registrations")
    person: Mapped[Person | None] = relationship()

    def __init__(self, **kwargs) -> None:
        # The token exists from the start, so a link can be built before the first flush.
        kwargs.setdefault("token", new_token())
        kwargs.setdefault("checkin_code", new_checkin_code())
        kwargs.setdefault("answers", {})
        # Public categories take a seat unless the creating path says otherwise
        # (registration.services.add_by_hand does).
        kwargs.setdefault(
            "counts_towards_capacity",
            kwargs.get("category", Category.PARTICIPANT) in PUBLIC_CATEGORIES,
        )
        # Applied after the status, whose validator would otherwise stamp its own time.
        waitlisted_at = kwargs.pop("waitlisted_at", None)
        super().__init__(**kwargs)
        if waitlisted_at is not None:
            self.waitlisted_at = waitlisted_at

    @validates("status")
    def _stamp_waitlisted_at(self, _key: str, value: Status) -> Status:
        # Joining the waiting list by any path (desk, import, test data) puts the person
        # at its end; staying on it keeps their place.
        if value == Status.WAITLISTED and self.status != Status.WAITLISTED:
            self.waitlisted_at = utcnow()
        return value

    @validates("email")
    def _keep_email_key(self, _key: str, value: str | None) -> str | None:
        self.email_key = email_key(value)
        return value

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"


class QuestionKind(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    CHECKBOX = "checkbox"


class Question(Model):
    """A question an organiser adds to an event's sign-up form."""

    __tablename__ = "registration_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "question_kind"))
    label: Mapped[str] = mapped_column(String(300))
    help_text: Mapped[str] = mapped_column(String(500), default="")
    required: Mapped[bool] = mapped_column(default=False)
    #: The options of a single or multiple choice, in order.
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Label, help text and choices in the event's other languages
    #: (eventapp/core/translated.py); translated choices are a list as long as `choices`,
    #: and answers keep storing the main language's choice.
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="questions")

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.kind}>"


class MailStatus(enum.StrEnum):
    # Waiting in the outbox: the worker delivers it (mail/outbox.py).
    QUEUED = "queued"
    SENDING = "sending"  # a worker claimed it until next_try_at (its lease)
    RETRYING = "retrying"  # the last attempt failed; tried again at next_try_at
    SENT = "sent"  # handed to the SMTP server
    WRITTEN = "written"  # written to instance/outbox (no mail server configured)
    FAILED = "failed"  # the server refused or could not be reached: can be resent


class MailRecord(Model):
    """Every e-mail sent to a participant, so a failed one is visible and can be resent."""

    __tablename__ = "mail_record"
    __table_args__ = (
        # One copy of an organiser's message per person, however often its task runs.
        UniqueConstraint("message_id", "registration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )
    #: One of mail.messages.KINDS: "confirmation", "waitlisted", "pending",
    #: "approval", "decline", "promotion", "cancellation", "link", "certificate",
    #: "message" (an organiser's), "reminder" (the automatic one before the event).
    kind: Mapped[str] = mapped_column(String(30))
    recipient: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus, "mail_status"), index=True)
    error: Mapped[str] = mapped_column(String(1000), default="")
    attempts: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: SENDING: when the worker's claim (lease) ends, after which another may try;
    #: RETRYING: when the next attempt is due. None otherwise.
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The organiser's message (or reminder) this is the person's copy of.
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser_message.id", ondelete="SET NULL")
    )

    registration: Mapped[Registration | None] = relationship()
    message: Mapped[OrganiserMessage | None] = relationship()
