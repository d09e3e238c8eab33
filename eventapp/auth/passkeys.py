"""Passkeys (WebAuthn) with py_webauthn: register, remove, sign in.

The relying party is the app's public address: its host name is the rp_id a passkey is
bound to, and its origin the only one whose ceremonies are accepted.
"""

from __future__ import annotations

import ipaddress
import json
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import session
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Passkey, User
from eventapp.models.types import utcnow
from eventapp.web.public_url import public_base_url

# webauthn is imported where it is used: it adds a tenth of a second to the start of every
# process (each `flask` command, each worker), and only the passkey pages need it.
if TYPE_CHECKING:
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

RP_NAME = "eventapp"
#: A ceremony's challenge is good for this long (the browser's own timeout is 60 s).
CHALLENGE_SECONDS = 300
_CHALLENGE_KEY = "webauthn_challenge"


class PasskeyError(ValueError):
    pass


def relying_party() -> tuple[str, str]:
    """(rp_id, origin) from PUBLIC_BASE_URL."""
    parts = urlsplit(public_base_url())
    assert parts.hostname  # web.public_url.configure refuses a base URL without a host
    return parts.hostname, f"{parts.scheme}://{parts.netloc}"


def available() -> bool:
    """Passkeys are bound to a host name: a site reached by IP address cannot have any."""
    rp_id, _ = relying_party()
    try:
        ipaddress.ip_address(rp_id)
    except ValueError:
        return True
    return False


def _user_handle(user: User) -> bytes:
    # The WebAuthn user.id: the same for all passkeys of a user, and no personal data.
    return str(user.id).encode()


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

    return [PublicKeyCredentialDescriptor(id=p.credential_id) for p in user.passkeys]


def _remember_challenge(purpose: str, challenge: bytes, user: User | None) -> None:
    from webauthn.helpers import bytes_to_base64url

    session[_CHALLENGE_KEY] = {
        "purpose": purpose,
        "challenge": bytes_to_base64url(challenge),
        "user_id": user.id if user else None,
        "until": time.time() + CHALLENGE_SECONDS,
    }


def _take_challenge(purpose: str, user: User | None) -> bytes:
    """The challenge this session was given for purpose, usable once."""
    from webauthn.helpers import base64url_to_bytes

    state = session.pop(_CHALLENGE_KEY, None)
    if (
        not state
        or state["purpose"] != purpose
        or state["until"] < time.time()
        or state["user_id"] != (user.id if user else None)
    ):
        raise PasskeyError("no ceremony under way")
    return base64url_to_bytes(state["challenge"])


def registration_options(user: User) -> str:
    """The options (JSON) for navigator.credentials.create(), for a new passkey of user."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    rp_id, _ = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=_user_handle(user),
        user_name=user.email,
        user_display_name=user.email,
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    _remember_challenge("register", options.challenge, user)
    return options_to_json(options)


def register(user: User, name: str, credential: dict) -> Passkey:
    """Keep the passkey the browser created from our options (the caller commits)."""
    from webauthn import verify_registration_response
    from webauthn.helpers.exceptions import WebAuthnException

    rp_id, origin = relying_party()
    challenge = _take_challenge("register", user)
    try:
        verified = verify_registration_response(
            credential=json.dumps(credential),
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise PasskeyError(str(exc)) from exc
    passkey = Passkey(
        user_id=user.id,
        name=name.strip()[:100],
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )
    db.session.add(passkey)
    db.session.expire(user, ["passkeys"])
    return passkey


def authentication_options(user: User | None) -> str:
    """Options (JSON) for navigator.credentials.get(): the passkeys of user, or with no
    user any passkey the device holds for this site (the passkey names its user)."""
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import UserVerificationRequirement

    rp_id, _ = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=_descriptors(user) if user else [],
        user_verification=UserVerificationRequirement.PREFERRED
        if user
        else UserVerificationRequirement.REQUIRED,
    )
    _remember_challenge("sign_in", options.challenge, user)
    return options_to_json(options)


def authenticate(credential: dict, user: User | None) -> Passkey:
    """The passkey that signed our challenge; of user, if given. Alone (no password
    before it) the device must have verified the person (PIN, fingerprint): the passkey
    is then both factors."""
    from webauthn import verify_authentication_response
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.exceptions import WebAuthnException

    rp_id, origin = relying_party()
    challenge = _take_challenge("sign_in", user)

    try:
        credential_id = base64url_to_bytes(credential["rawId"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PasskeyError("malformed credential") from exc
    passkey = db.session.scalar(select(Passkey).where(Passkey.credential_id == credential_id))
    if passkey is None or (user is not None and passkey.user_id != user.id):
        raise PasskeyError("unknown passkey")
    try:
        verified = verify_authentication_response(
            credential=json.dumps(credential),
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=user is None,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise PasskeyError(str(exc)) from exc
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = utcnow()
    return passkey


def remove(user: User, passkey_id: int) -> Passkey | None:
    """Delete one of the user's passkeys; None if they have no such passkey."""
    passkey = db.session.get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user.id:
        return None
    db.session.delete(passkey)
    db.session.expire(user, ["passkeys"])
    return passkey
