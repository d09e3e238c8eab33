"""The security log: sign-ins, failed ones, sign-outs, password, role and second-factor
changes, deactivations. Admins read it at /manage/security-log."""

from __future__ import annotations

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import SecurityEvent, User

#: Every kind of event, with its name on the admins' page.
KINDS = {
    "sign_in": _l("Signed in"),
    "sign_in_failed": _l("Failed sign-in"),
    "sign_out": _l("Signed out"),
    "password_changed": _l("Password changed"),
    "password_reset_requested": _l("Password reset asked for"),
    "password_reset": _l("Password reset"),
    "role_changed": _l("Role changed"),
    "deactivated": _l("Deactivated"),
    "reactivated": _l("Reactivated"),
    "second_factor_added": _l("Second factor added"),
    "second_factor_removed": _l("Second factor removed"),
    "second_factor_reset": _l("Second factor reset"),
}

PAGE_SIZE = 100


def record(
    kind: str, *, user: User | None = None, actor: User | None = None, detail: str = ""
) -> SecurityEvent:
    """Add an event (with the client's address when there is a request); the caller
    commits. `actor` is the admin who acted on `user`, None when users act themselves."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of security event {kind!r}")
    event = SecurityEvent(
        kind=kind,
        user_id=user.id if user else None,
        actor_id=actor.id if actor else None,
        detail=detail[:500],
        ip=(request.remote_addr or "")[:45] if has_request_context() else "",
    )
    db.session.add(event)
    return event


def page(number: int) -> tuple[list[SecurityEvent], bool]:
    """The events of page `number` (1 is the newest), and whether an older page exists."""
    rows = db.session.scalars(
        select(SecurityEvent)
        .order_by(SecurityEvent.id.desc())
        .offset((number - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    return list(rows[:PAGE_SIZE]), len(rows) > PAGE_SIZE
