"""Forgotten passwords: a link valid RESET_MINUTES, mailed to the account's address.

The link carries a signed token (user id and a fingerprint of the current password hash)
rather than a stored one: it dies when its time is up and as soon as the password
changes, so it works once. The page that asks for it answers the same whether an account
has the address or not, and as fast: a task of the queue builds and delivers the message
(mail.delivery.deliver), so SMTP's delay never shows. The link is made by the worker
rather than stored in the queue, and a failed delivery is tried again a few times.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse_many
from sqlalchemy import select

from eventapp.auth import audit, throttle
from eventapp.auth.services import change_password
from eventapp.extensions import db, limiter
from eventapp.mail.delivery import deliver
from eventapp.mail.messages import Message, compose
from eventapp.models import User
from eventapp.queue.tasks import task
from eventapp.web.public_url import external_url

log = logging.getLogger(__name__)

RESET_MINUTES = 30


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]


def make_token(user: User) -> str:
    return _serializer().dumps([user.id, _fingerprint(user)])


def user_for_token(token: str) -> User | None:
    """The active user a token was made for, while it is fresh and unused; else None."""
    try:
        user_id, fingerprint = _serializer().loads(token, max_age=RESET_MINUTES * 60)
    except (BadSignature, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if (
        user is None
        or not user.active
        or not isinstance(fingerprint, str)
        or not hmac.compare_digest(fingerprint, _fingerprint(user))
    ):
        return None
    return user


def reset_url(token: str) -> str:
    """The link, from PUBLIC_BASE_URL, never from the request's Host header (which would
    let anyone have a victim mailed a link to their own site)."""
    return external_url("auth.reset_password", token=token)


def request_reset(email: str) -> None:
    """Mail a reset link if an active account has this (normalised) address and it was
    not sent too many already (PASSWORD_RESET_RATE_LIMIT); nothing tells the caller
    which happened. Commits the security log."""
    user = db.session.scalar(select(User).where(User.email == email, User.active.is_(True)))
    if user is None or not _allowed(email):
        return
    audit.record("password_reset_requested", user=user)
    db.session.commit()
    try:
        send_reset_link(user.id, str(get_locale() or "en"))
    except Exception:  # the queue's storage is down: the person can ask again
        log.exception("could not enqueue the password reset e-mail of user %s", user.id)


#: A link lives RESET_MINUTES: retried within that time only (delays in seconds).
@task(retries=3, retry_delay=60)
def send_reset_link(user_id: int, locale: str) -> None:
    """Build the reset message of the user, in the language of the request that asked for
    it, and deliver it; raises (so the queue tries again) when it could not be sent."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return
    with force_locale(locale):
        message = _message(user, reset_url(make_token(user)))
    try:
        deliver(message)
    except Exception:
        log.exception("could not send the password reset e-mail of user %s", user_id)
        raise


def _allowed(email: str) -> bool:
    """Count a message to this address; whether one more may go (no mailbox flooding)."""
    limit = current_app.config.get("PASSWORD_RESET_RATE_LIMIT", "")
    if not limiter.enabled or not limit:
        return True
    key = hmac.new(
        str(current_app.config["SECRET_KEY"]).encode(), email.encode(), hashlib.sha256
    ).hexdigest()
    try:
        return all(limiter.limiter.hit(item, "password-reset", key) for item in parse_many(limit))
    except Exception:  # the storage (Redis) is down: let the message go
        log.exception("rate limit storage unavailable; password reset not limited")
        return True


def _message(user: User, link: str) -> Message:
    context = {"user": user, "link": link, "minutes": RESET_MINUTES}
    return compose(
        _("Choose a new password"),
        user.email,
        render_template("email/password_reset.txt", **context),
        render_template("email/password_reset.html", **context),
    )


def reset_password(user: User, password: str) -> None:
    """Set the new password (checked by the form): the link dies, every sign-in of the
    user ends, the account's failed sign-ins are forgotten. Commits."""
    change_password(user, password)
    audit.record("password_reset", user=user)
    db.session.commit()
    throttle.succeeded(user.email)
