"""Accounts of organisers, administrators and check-in volunteers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from eventapp.extensions import Model, db
from eventapp.models.second_factor import Passkey, RecoveryCode
from eventapp.models.types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from eventapp.models.event import Event


#: Which organisers manage which events (admins manage every event without a row here).
event_manager = Table(
    "event_manager",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class UserRole(enum.StrEnum):
    ADMIN = "admin"
    ORGANISER = "organiser"
    CHECKIN = "checkin"
    #: A travel agent on an event's team: support, bookings, visa letters, claims.
    TRAVEL = "travel"


class User(UserMixin, Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-case: log-in ignores the case of the address.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(str_enum(UserRole, "user_role"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The TOTP secret, encrypted with a key derived from SECRET_KEY (auth/totp.py).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    #: The time step of the last TOTP code accepted: that code and older ones are refused.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    managed_events: Mapped[list[Event]] = relationship(
        secondary=event_manager, back_populates="managers"
    )
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    passkeys: Mapped[list[Passkey]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="Passkey.created_at"
    )

    #: The token of the sign-in (LoginSession) this object was loaded through or signed
    #: in with; not a column. Set by auth.sessions.
    if TYPE_CHECKING:  # the type for mypy only: the ORM would map an annotated attribute
        session_token: str | None
    session_token = None

    # UserMixin compares users by get_id(), which is now a sign-in's token: compare
    # them as SQLAlchemy does (one object per row in a session) instead.
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and remember-me cookies: the sign-in's
        token rather than the user's id, so that ending the sign-in ends the cookies."""
        if self.session_token is None:
            raise RuntimeError("sign in through auth.signin.complete_sign_in")
        return self.session_token

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt: slow on purpose.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot log in
        return self.active

    def manages(self, event: Event) -> bool:
        """May this user change the event (its agenda, speakers, registrations)?"""
        if self.role == UserRole.ADMIN:
            return True
        return self.role == UserRole.ORGANISER and event in self.managed_events

    def may_check_in(self, event: Event) -> bool:
        """May this user check people in at the event? Its managers may, and the check-in
        volunteers an admin put on its team (event_manager holds both)."""
        if self.role == UserRole.CHECKIN:
            return event in self.managed_events
        return self.manages(event)

    def may_manage_travel(self, event: Event) -> bool:
        """May this user handle the event's travel (support, bookings, visa letters, claims,
        passport data)? Its managers may, and the travel agents an admin put on its team."""
        if self.role == UserRole.TRAVEL:
            return event in self.managed_events
        return self.manages(event)

    @property
    def is_organiser(self) -> bool:
        return self.role in (UserRole.ADMIN, UserRole.ORGANISER)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
