"""Accounts: creating users and checking credentials."""

import secrets
from datetime import UTC, datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from ..extensions import db
from ..models import User, UserRole

MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    pass


def normalise_login_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(str(exc)) from exc


def create_user(email: str, password: str, role: UserRole) -> User:
    """A new account; the caller commits."""
    email = normalise_login_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
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
