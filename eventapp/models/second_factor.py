"""Second factors of staff accounts besides the TOTP secret on the user: recovery codes
and passkeys (WebAuthn credentials)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from eventapp.extensions import Model
from eventapp.models.types import UTCDateTime, utcnow


class RecoveryCode(Model):
    """One unused recovery code; using it deletes the row."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the code: codes are random (60 bits), so a fast hash is enough.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)


class Passkey(Model):
    """A WebAuthn credential a user registered, with the name they gave it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    #: WebAuthn allows up to 1023 bytes.
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
