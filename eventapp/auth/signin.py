"""The last step of every sign-in, whatever proved who the person is."""

from flask_login import login_user

from ..models import User


def complete_sign_in(user: User, remember: bool) -> None:
    """Open the session of a user whose password and second factor (if any) were checked."""
    login_user(user, remember=remember)
