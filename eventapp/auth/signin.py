"""Signing in and out: the steps around Flask-Login's login_user and logout_user."""

from __future__ import annotations

from flask_login import login_user, logout_user
from sqlalchemy import select

from eventapp.auth import audit, sessions, throttle
from eventapp.auth.services import (
    AccountError,
    authenticate,
    change_password,
    normalise_login_email,
)
from eventapp.extensions import db
from eventapp.models import User


def account_key(email: str) -> str:
    """The address as the throttle counts it: normalised when it is one."""
    try:
        return normalise_login_email(email)
    except AccountError:
        return email.strip().lower()


def attempt(email: str, password: str) -> User | None:
    """The user these credentials belong to, or None (the failure is counted and logged,
    committed). Raises throttle.Throttled, without checking the password or writing
    anything, while the account must wait: so hammering it costs the server little and
    cannot flood the security log."""
    key = account_key(email)
    throttle.check(key)
    user = authenticate(email, password)
    if user is None:
        db.session.rollback()
        wait = throttle.failed(key)
        detail = f"{key}; next attempt allowed in {wait} s" if wait else key
        audit.record("sign_in_failed", user=_user_with(key), detail=detail)
        db.session.commit()
        return None
    throttle.succeeded(key)
    return user


def _user_with(key: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == key))


def complete_sign_in(user: User, remember: bool) -> None:
    """The last step of every successful sign-in (after the password, or after the second
    factor): a new server-side sign-in with a new token (so a new remember-me cookie),
    the security log, Flask-Login's session. Commits."""
    sessions.start(user, remember=remember)
    audit.record("sign_in", user=user)
    db.session.commit()
    login_user(user, remember=remember)


def change_own_password(user: User, password: str) -> None:
    """The signed-in user's new password (checked by the form): every sign-in of theirs
    ends, copies of this browser's cookies included; this browser gets a new sign-in, as
    remembered as before. Commits."""
    current = sessions.current(user)
    remember = bool(current and current.remember)
    change_password(user, password)
    sessions.start(user, remember=remember)
    audit.record("password_changed", user=user)
    db.session.commit()
    login_user(user, remember=remember)


def sign_out(user: User) -> None:
    """End every sign-in of the user (every browser, every remember-me cookie), log it,
    and clear this browser's cookies. Commits."""
    sessions.end_sessions(user)
    audit.record("sign_out", user=user)
    db.session.commit()
    logout_user()
