"""TOTP codes from an authenticator app (RFC 6238: 6 digits, 30-second steps).

The secret is stored encrypted (Fernet) with a key derived from SECRET_KEY, so a copy of
the database alone does not give the codes. Changing SECRET_KEY therefore makes stored
secrets unreadable: those users need an admin's "Reset second factor".
"""

import base64
import hashlib
import hmac
import time
from typing import cast

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from markupsafe import Markup
from sqlalchemy import CursorResult, or_, update

from eventapp.extensions import db
from eventapp.models import User

ISSUER = "eventapp"


def new_secret() -> str:
    return pyotp.random_base32()


def _fernet() -> Fernet:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    derived = hashlib.sha256(b"eventapp TOTP secrets\0" + key).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str | None:
    """The secret, or None when it was encrypted under another SECRET_KEY."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// link an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The QR code of uri as inline SVG (no image request, nothing for a CSP to block)."""
    svg = segno.make_qr(uri, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", omitsize=True
    )
    return Markup(svg)


def matching_step(
    secret: str, code: str, after_step: int | None, now: float | None = None
) -> int | None:
    """The time step the code belongs to, if it is newer than after_step. The step before
    and after the current one count too, for a phone whose clock is a little off."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // totp.interval)
    for step in (current - 1, current, current + 1):
        if (after_step is None or step > after_step) and hmac.compare_digest(
            totp.generate_otp(step), code
        ):
            return step
    return None


def verify(user: User, code: str) -> bool:
    """Is code the user's current TOTP code, not used before? Marks it used.

    The UPDATE only succeeds for a step newer than the last one used, so the same code
    sent twice at once is accepted once (the caller commits)."""
    secret = decrypt(user.totp_secret) if user.totp_secret else None
    if secret is None:
        return False
    step = matching_step(secret, code, user.totp_last_step)
    if step is None:
        return False
    result = cast(
        CursorResult,
        db.session.execute(
            update(User)
            .where(
                User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step)
            )
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def enable(user: User, secret: str, code: str) -> bool:
    """Turn TOTP on for the user if code proves their app holds secret (the caller commits)."""
    step = matching_step(secret, code, None)
    if step is None:
        return False
    user.totp_secret = encrypt(secret)
    user.totp_last_step = step
    return True


def disable(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
