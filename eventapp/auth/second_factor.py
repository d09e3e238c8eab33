"""Whose accounts need a second factor, the half-finished sign-in waiting for it, and
the one place every change of a user's factors is reported.

SECOND_FACTOR_REQUIRED: "admins" (default), "staff" (every account) or "none".
"""

import time

from flask import Flask, current_app, redirect, request, session, url_for
from flask_login import current_user

from eventapp.auth import audit, passkeys, recovery_codes, sessions, totp
from eventapp.extensions import db
from eventapp.models import User, UserRole

REQUIRED_ROLES = {
    "admins": {UserRole.ADMIN},
    "staff": set(UserRole),
    "none": set(),
}
#: Between the password and the second factor: after this long, start again.
PENDING_SECONDS = 300
#: Wrong codes allowed in one pending sign-in before the password is asked again.
PENDING_TRIES = 5
_PENDING_KEY = "second_factor_pending"
#: Where a user who must enrol may still go.
_OPEN_ENDPOINTS = {"static", "auth.logout", "auth.login"}


def required_for(user: User) -> bool:
    setting = current_app.config["SECOND_FACTOR_REQUIRED"]
    if setting not in REQUIRED_ROLES:
        raise RuntimeError(f"SECOND_FACTOR_REQUIRED must be one of {', '.join(REQUIRED_ROLES)}")
    return user.role in REQUIRED_ROLES[setting]


def has_second_factor(user: User) -> bool:
    return user.totp_secret is not None or bool(user.passkeys)


#: The security log's kind for each change (the change itself goes in its detail).
_AUDIT_KINDS = {
    "totp_added": "second_factor_added",
    "passkey_added": "second_factor_added",
    "recovery_codes_renewed": "second_factor_added",
    "totp_removed": "second_factor_removed",
    "passkey_removed": "second_factor_removed",
    "reset": "second_factor_reset",
}


def changed(user: User, kind: str, actor: User) -> None:
    """A second factor of user was added, removed or reset by actor (kind says which):
    logged for admins, and every other sign-in of user ends, as after a password change
    (a thief's copy of a session cannot keep using a factor it just added or removed).
    Commits."""
    # current_user is a proxy: compare the users themselves.
    actor, user = (getattr(u, "_get_current_object", lambda u=u: u)() for u in (actor, user))
    audit.record(_AUDIT_KINDS[kind], user=user, actor=None if actor is user else actor, detail=kind)
    # The user's own change keeps the browser they made it in; an admin's reset ends all.
    sessions.end_sessions(user, except_current=actor is user)
    db.session.commit()


def reset(user: User) -> None:
    """Remove every second factor of user (an admin's reset; the caller commits)."""
    totp.disable(user)
    for passkey in list(user.passkeys):
        passkeys.remove(user, passkey.id)
    recovery_codes.remove_all(user)


# --- Between the password and the second factor -------------------------------------------


def start_pending(user: User, remember: bool, next_url: str | None) -> None:
    """The password was right: remember who is signing in, for a few minutes."""
    session[_PENDING_KEY] = {
        "user_id": user.id,
        "remember": bool(remember),
        "next": next_url,
        "until": time.time() + PENDING_SECONDS,
        "tries": 0,
    }


def pending_user() -> User | None:
    """The active user whose password this browser gave in the last minutes, if any."""
    state = session.get(_PENDING_KEY)
    if not state or state["until"] < time.time():
        session.pop(_PENDING_KEY, None)
        return None
    user = db.session.get(User, state["user_id"])
    return user if user is not None and user.active else None


def pending_failed() -> bool:
    """Count a wrong code; True when the tries are used up and the sign-in is dropped."""
    state = session[_PENDING_KEY]
    state["tries"] += 1
    if state["tries"] >= PENDING_TRIES:
        session.pop(_PENDING_KEY)
        return True
    session[_PENDING_KEY] = state
    return False


def drop_pending() -> None:
    session.pop(_PENDING_KEY, None)


def finish_pending() -> tuple[bool, str | None]:
    """End the pending sign-in: (remember, next) as the password step was given them."""
    state = session.pop(_PENDING_KEY)
    return state["remember"], state["next"]


def verify_code(user: User, code: str) -> str | None:
    """Which kind of code proved the user ("totp", "recovery_code"), or None."""
    compact = "".join(code.split())
    if compact.isdigit():
        return "totp" if totp.verify(user, compact) else None
    return "recovery_code" if recovery_codes.use(user, compact) else None


# --- A user who must have a second factor and has none enrols before anything else --------


def _enrol_first():
    if not current_user.is_authenticated or request.endpoint is None:
        return None
    if request.endpoint in _OPEN_ENDPOINTS or request.blueprint in {"account", "health"}:
        return None
    if required_for(current_user) and not has_second_factor(current_user):
        return redirect(url_for("account.index"))
    return None


def init_app(app: Flask) -> None:
    app.before_request(_enrol_first)
    app.jinja_env.globals["passkeys_available"] = passkeys.available
