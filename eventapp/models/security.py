"""Sign-ins that can be ended, and the security log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import Model
from eventapp.models.types import UTCDateTime, utcnow
from eventapp.models.user import User


class LoginSession(Model):
    """One sign-in on one browser. Its token (kept hashed here) is what the session cookie
    and the remember-me cookie hold instead of the user's id, so deleting the row ends
    both, copies included."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the token, hex.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: "Keep me signed in": no idle timeout, only the absolute lifetime.
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Updated at most once a minute, not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SecurityEvent(Model):
    """A sign-in, a failed one, a sign-out, a password or role change... (auth.audit)."""

    __tablename__ = "security_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: One of auth.audit.KINDS.
    kind: Mapped[str] = mapped_column(String(40))
    #: The account concerned (None for a failed sign-in with an unknown address).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    #: Who did it, when not the user themselves (an admin).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    ip: Mapped[str] = mapped_column(String(45), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
