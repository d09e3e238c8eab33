"""Who may open which page.

- anonymous visitors are sent to the login page;
- admins manage users and every event;
- organisers manage the events they are managers of (admins assign them);
- check-in volunteers reach only the check-in pages;
- travel agents reach only the travel pages of the events they are on the team of.
A signed-in user without the right gets 403.
"""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from eventapp.auth import sessions
from eventapp.extensions import db, login_manager
from eventapp.models import Event, User, UserRole


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The cookies hold a sign-in's token, not the user's id (auth.sessions)."""
    return sessions.load(token)


def role_required(*roles: UserRole) -> Callable:
    """Anonymous visitors go to the login page; a signed-in user without the role gets 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


organiser_required = role_required(UserRole.ADMIN, UserRole.ORGANISER)
admin_required = role_required(UserRole.ADMIN)
travel_staff_required = role_required(UserRole.ADMIN, UserRole.ORGANISER, UserRole.TRAVEL)


def _event_or_404(slug: str, allowed: Callable[[Event], bool]) -> Event:
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        abort(404)
    if not allowed(event):
        abort(403)
    return event


def get_managed_event_or_404(slug: str) -> Event:
    """The event, if it exists (404) and the signed-in user manages it (403).

    Call it from views already behind @organiser_required.
    """
    return _event_or_404(slug, current_user.manages)


def get_checkin_event_or_404(slug: str) -> Event:
    """The event, if it exists (404) and the signed-in user may check people in at it
    (403): its managers and the volunteers on its team."""
    return _event_or_404(slug, current_user.may_check_in)


login_manager.login_view = "auth.login"
login_manager.login_message_category = "info"
login_manager.login_message = _l("Please sign in to open that page.")


def get_travel_event_or_404(slug: str) -> Event:
    """The event, if it exists (404) and the signed-in user may manage its travel support
    (403): its managers and the travel agents on its team.

    Call it from views behind @travel_staff_required.
    """
    return _event_or_404(slug, current_user.may_manage_travel)
