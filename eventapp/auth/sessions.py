"""Server-side sign-ins (LoginSession) behind Flask-Login's cookies.

Flask-Login's "alternative tokens": User.get_id() gives the sign-in's random token, which
both the session cookie and the remember-me cookie carry; the user loader finds the
sign-in by the token's hash. Deleting a user's rows therefore ends every session and
every remember-me cookie of theirs, including copies someone kept. A sign-in ends after
SESSION_IDLE_MINUTES without a request (unless "keep me signed in" was ticked) and in
any case SESSION_LIFETIME_DAYS after it began.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, delete, or_, select, update

from eventapp.extensions import db
from eventapp.models import LoginSession, User
from eventapp.models.types import utcnow

#: last_seen_at is written at most this often per sign-in, not on every request.
TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _limits(now: datetime) -> tuple[datetime, datetime]:
    """(created before this: too old; last seen before this: idle too long)."""
    config = current_app.config
    return (
        now - timedelta(days=int(config["SESSION_LIFETIME_DAYS"])),
        now - timedelta(minutes=int(config["SESSION_IDLE_MINUTES"])),
    )


def start(user: User, *, remember: bool) -> str:
    """A new sign-in of `user` (a new token each time); sets user.session_token and
    returns it. Clears the user's ended sign-ins on the way. The caller commits."""
    now = utcnow()
    too_old, idle = _limits(now)
    db.session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id,
            or_(
                LoginSession.created_at < too_old,
                LoginSession.remember.is_(False) & (LoginSession.last_seen_at < idle),
            ),
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            token_hash=_hash(token),
            user_id=user.id,
            remember=remember,
            created_at=now,
            last_seen_at=now,
        )
    )
    user.session_token = token
    return token


def load(token: str) -> User | None:
    """Flask-Login's user loader: the active user of a sign-in that has not ended.

    It may commit (the once-a-minute last_seen_at), so it must run before a request
    changes anything: auth.views loads the user at the start of every request.
    """
    row = db.session.scalar(select(LoginSession).where(LoginSession.token_hash == _hash(token)))
    if row is None:
        return None
    now = utcnow()
    too_old, idle = _limits(now)
    if row.created_at < too_old or (not row.remember and row.last_seen_at < idle):
        return None
    user_id = row.user_id
    if now - row.last_seen_at >= TOUCH_EVERY:
        db.session.execute(
            update(LoginSession).where(LoginSession.id == row.id).values(last_seen_at=now)
        )
        db.session.commit()
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    user.session_token = token
    return user


def current(user: User) -> LoginSession | None:
    """The sign-in `user` was loaded through, if it still exists."""
    if user.session_token is None:
        return None
    return db.session.scalar(
        select(LoginSession).where(LoginSession.token_hash == _hash(user.session_token))
    )


def end_sessions(user: User, *, except_current: bool = False) -> int:
    """End every sign-in of `user`: their session and remember-me cookies stop working on
    every browser, copies included. `except_current` keeps the one `user` was loaded
    through (the browser making the request). The caller commits; gives how many ended."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if except_current and user.session_token is not None:
        query = query.where(LoginSession.token_hash != _hash(user.session_token))
    return cast(CursorResult, db.session.execute(query)).rowcount
