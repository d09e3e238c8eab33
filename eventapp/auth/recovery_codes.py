"""Single-use recovery codes, for a person whose phone or passkey is gone."""

import hashlib
import secrets
from typing import cast

from sqlalchemy import CursorResult, delete

from eventapp.extensions import db
from eventapp.models import RecoveryCode, User

COUNT = 10
#: No look-alike characters (0/o, 1/l/i): codes are typed from paper.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
LENGTH = 12  # about 59 bits


def _hash(code: str) -> str:
    normalised = "".join(c for c in code.lower() if c.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def regenerate(user: User) -> list[str]:
    """Ten new codes for the user, replacing any left; only their hashes are kept, so
    the caller shows the codes once (and commits)."""
    remove_all(user)
    codes = [_new_code() for _ in range(COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    db.session.expire(user, ["recovery_codes"])
    return codes


def remove_all(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.expire(user, ["recovery_codes"])


def use(user: User, code: str) -> bool:
    """Is code one of the user's unused codes? Deleting it is what uses it, so the same
    code sent twice at once is accepted once (the caller commits)."""
    result = cast(
        CursorResult,
        db.session.execute(
            delete(RecoveryCode).where(
                RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code)
            )
        ),
    )
    db.session.expire(user, ["recovery_codes"])
    return result.rowcount == 1


def left(user: User) -> int:
    return len(user.recovery_codes)
