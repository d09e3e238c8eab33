"""Accounts: creating users, checking credentials, the rule for new passwords."""

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from eventapp.auth.sessions import end_sessions
from eventapp.extensions import db
from eventapp.models import User, UserRole

MIN_PASSWORD_LENGTH = 12
#: zxcvbn's score runs from 0 (too guessable) to 4; NIST SP 800-63B asks to refuse
#: guessable passwords rather than impose composition rules.
MIN_PASSWORD_SCORE = 3
#: zxcvbn only looks at the first characters (its matching is slow on long input).
ZXCVBN_MAX_LENGTH = 100


class AccountError(ValueError):
    pass


class WeakPassword(AccountError):
    """The password breaks the rule of password_problem; str() says why (translated)."""


@cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of leaked sets that zxcvbn ships."""
    # zxcvbn is imported where a password is set: every process paid its lists' import.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, user_inputs: Iterable[str] = ()) -> str | None:
    """Why a new password is refused, or None: fewer than 12 characters, in the list of
    common passwords, or guessable (zxcvbn score below 3, told the e-mail address and
    the like through `user_inputs`). One rule for every way a password is set."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password needs at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)
    if password.lower() in _common_passwords():
        return _("This password is on the list of the most common passwords.")
    from zxcvbn import zxcvbn  # see _common_passwords

    inputs = [part for value in user_inputs for part in (value, *value.split("@"))]
    if zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=inputs)["score"] < MIN_PASSWORD_SCORE:
        return _(
            "This password is too easy to guess (common words, names, dates, keyboard "
            "patterns or your address): add a few uncommon words."
        )
    return None


def normalise_login_email(email: str) -> str:
    # Imported where an address is checked: every process (each command) paid its import.
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(str(exc)) from exc


def create_user(email: str, password: str, role: UserRole) -> User:
    """A new account; the caller commits. Raises WeakPassword (see password_problem)."""
    email = normalise_login_email(email)
    problem = password_problem(password, [email])
    if problem:
        raise WeakPassword(problem)
    if db.session.scalar(select(User).where(User.email == email)):
        raise AccountError(f"a user with the address {email} exists already")
    user = User(email=email, role=role)
    user.set_password(password)
    db.session.add(user)
    return user


def random_password() -> str:
    """About 115 bits, readable aloud and typeable: no look-alike characters."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    groups = ["".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4)]
    return "-".join(groups)


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Same work whether or not the
    address exists, so timing does not tell which addresses have accounts."""
    try:
        key = normalise_login_email(email)
    except AccountError:
        key = None
    user = db.session.scalar(select(User).where(User.email == key)) if key else None
    if user is None:
        generate_password_hash(password)  # burn the time a real check would take
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = datetime.now(UTC)
    return user


def change_password(user: User, password: str) -> None:
    """Set a new password (the caller checked password_problem). Every sign-in of the
    user ends (auth.signin.renew_session keeps the current browser signed in)."""
    user.set_password(password)
    end_sessions(user)
