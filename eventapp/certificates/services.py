"""Certificates of attendance: who has one, their verification codes, and the PDF.

The page itself is laid out by eventapp/printing/certificates.py.

A certificate exists for every registration currently checked in and not erased
(`is_valid`): undoing a check-in or erasing the person's data withdraws it, and its code
then verifies as unknown. The code is made when the person's first certificate is (the
organisers' downloads, the e-mail or the participant's own link), kept for later copies,
and printed with the address that checks it: <base>/verify/<code>.

Codes are 16 characters of Crockford's base32 (digits and capitals without I, L, O, U:
nothing to misread on paper), 80 random bits, printed in groups of four
(ABCD-EFGH-JKMN-PQRS). Looking one up forgives case, dashes, spaces and the letters
people type for the digits they resemble (O for 0, I and L for 1).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence

from sqlalchemy import select, update

from eventapp.core.folding import fold
from eventapp.extensions import db
from eventapp.models import Event, Registration
from eventapp.printing import certificates as document
from eventapp.web.public_url import external_url

#: Crockford's base32: 32 symbols, so each is 5 bits and 16 of them 80 bits.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
GROUP = 4
#: What people type for the symbols they mean (Crockford's decoding rules).
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1"})


# -- codes -------------------------------------------------------------------------------


def new_code() -> str:
    """A new verification code as stored: 16 symbols, no dashes."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """The code as printed and linked: ABCD-EFGH-JKMN-PQRS."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise_code(typed: str) -> str | None:
    """The stored form of a code as someone typed or scanned it, or None when it cannot
    be one (checked before any query)."""
    text = "".join(c for c in str(typed or "")[:64].upper() if c.isalnum()).translate(_TYPED)
    if len(text) != CODE_LENGTH or any(c not in ALPHABET for c in text):
        return None
    return text


def ensure_code(registration: Registration) -> str:
    """The registration's verification code, made now if it has none. No commit.

    The database decides: the code is written only `WHERE certificate_code IS NULL`, so
    two certificates made at once for the same person (the organisers' e-mail and the
    participant's download) end up with the one code that was written first.
    """
    if not registration.certificate_code:
        db.session.execute(
            update(Registration)
            .where(Registration.id == registration.id, Registration.certificate_code.is_(None))
            .values(certificate_code=new_code())
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(registration, ["certificate_code"])
    code = registration.certificate_code
    assert code is not None  # set by the UPDATE above, or by a request that came first
    return code


def verify_url(code: str) -> str:
    """Where a certificate is checked: <public base>/verify/<code, grouped>."""
    return external_url("public.verify", code=format_code(code))


# -- who has a certificate -----------------------------------------------------------------


def is_valid(registration: Registration) -> bool:
    """Whether the person has a certificate: checked in now (not undone), data not erased."""
    return registration.checked_in_at is not None and registration.anonymised_at is None


def _valid() -> tuple:
    return (Registration.checked_in_at.is_not(None), Registration.anonymised_at.is_(None))


def find_by_code(typed: str) -> Registration | None:
    """The registration a code belongs to, if its certificate is still valid."""
    code = normalise_code(typed)
    if code is None:
        return None
    return db.session.scalar(
        select(Registration).where(Registration.certificate_code == code, *_valid())
    )


def attendees(event: Event) -> list[Registration]:
    """Everyone of the event with a certificate, by family name then given name."""
    registrations = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id, *_valid())
    )
    return sorted(
        registrations, key=lambda r: (fold(r.family_name or r.given_name), fold(r.given_name), r.id)
    )


def attendee(event: Event, registration_id: int) -> Registration | None:
    """One person of the event with a certificate, or None."""
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.id == registration_id, *_valid()
        )
    )


# -- the PDF ------------------------------------------------------------------------------


def holders(registrations: Sequence[Registration]) -> list[document.Holder]:
    """Each registration with its code as printed and its /verify address; gives a code
    to those who have none (no commit)."""
    coded = [(registration, ensure_code(registration)) for registration in registrations]
    return [(registration, format_code(code), verify_url(code)) for registration, code in coded]


def render_certificates(
    event: Event,
    registrations: Sequence[Registration],
    on_pages: Callable[[int], None] | None = None,
) -> bytes:
    """The PDF of these people's certificates, one page each, in the order given. Gives
    codes to those who have none: the caller commits once the PDF is handed over.
    ``on_pages(n)``: told as each n more are laid out (a job's progress)."""
    return document.render_certificates(event, holders(registrations), on_pages)


def parts(people: list[Registration], size: int) -> list[list[Registration]]:
    """The people in consecutive parts of at most `size`, in their order."""
    return [people[start : start + size] for start in range(0, len(people), size)]


def file_name(event: Event, registration: Registration | None = None) -> str:
    """certificate-<slug>-<id>.pdf for one person, certificates-<slug>.pdf for all."""
    if registration is None:
        return f"certificates-{event.slug}.pdf"
    return f"certificate-{event.slug}-{registration.id}.pdf"
