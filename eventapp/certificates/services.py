"""Certificates of attendance: who has one, their verification codes, and the PDF.

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
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup
from sqlalchemy import func, select, update

from eventapp.core.i18n import local_date, local_time
from eventapp.extensions import db
from eventapp.models import Event, Registration
from eventapp.printing.badges import text_direction
from eventapp.printing.textfit import fit_text
from eventapp.web.public_url import public_base_url

TEMPLATE = "print/certificate.html"
PAGE_TEMPLATE = "print/_certificate.html"
STYLESHEET = "css/print/certificate.css"
#: Certificates per WeasyPrint document (see badges.CHUNK).
CHUNK = 100
#: Width of the sentence on the page (certificate.css: .certificate__text), in mm, and
#: the largest and smallest sizes of the name and the event's title in it, in pt: a long
#: name or title gets smaller, in at most two lines, so the text never reaches the foot.
TEXT_WIDTH_MM = 215.0
NAME_PT = (26.0, 14.0)
EVENT_PT = (17.0, 11.0)

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
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


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
    if registration.certificate_code:
        return registration.certificate_code
    db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.certificate_code.is_(None))
        .values(certificate_code=new_code())
        .execution_options(synchronize_session=False))
    db.session.refresh(registration, ["certificate_code"])
    return registration.certificate_code


def verify_url(code: str) -> str:
    """Where a certificate is checked: <public base>/verify/<code, grouped>."""
    return f"{public_base_url()}/verify/{format_code(code)}"


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
    return db.session.scalar(select(Registration).where(
        Registration.certificate_code == code, *_valid()))


def _fold(text: str) -> str:
    # Accents do not move a name in the list: "Ávila" sorts with "Avila".
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def attendees(event: Event) -> list[Registration]:
    """Everyone of the event with a certificate, by family name then given name."""
    registrations = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, *_valid()))
    return sorted(registrations, key=lambda r: (_fold(r.family_name or r.given_name),
                                                _fold(r.given_name), r.id))


def count_attendees(event: Event) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, *_valid())) or 0


def attendee(event: Event, registration_id: int) -> Registration | None:
    """One person of the event with a certificate, or None."""
    return db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.id == registration_id, *_valid()))


# -- what a certificate says ---------------------------------------------------------------

@dataclass(frozen=True)
class Certificate:
    """One page, in its holder's language (texts are escaped by the template)."""

    name: str
    organisation: str
    #: Direction of the name and of the organisation ("rtl" for Arabic or Hebrew).
    dir: str
    organisation_dir: str
    name_pt: float
    event_pt: float
    language: str
    #: "Tuesday 14 May 2030" (a one-day event) or None.
    date: str | None
    #: A multi-day event's first and last days, else None.
    first_day: str | None
    last_day: str | None
    #: "09:00–18:00 (Europe/Brussels)": the hours of a one-day event, else "".
    hours: str
    code: str
    url: str
    qr: str


def certificate_for(registration: Registration) -> Certificate:
    """The content of a registration's certificate, in the current language. Gives the
    registration its code if it has none (no commit)."""
    from eventapp.printing import qr

    event = registration.event
    code = ensure_code(registration)
    url = verify_url(code)
    tz = event.timezone
    starts, ends = event.local(event.starts_at), event.local(event.ends_at)
    one_day = starts.date() == ends.date()
    name = registration.full_name
    return Certificate(
        name=name, organisation=registration.organisation, dir=text_direction(name),
        organisation_dir=text_direction(registration.organisation),
        name_pt=fit_text(name, width_mm=TEXT_WIDTH_MM, max_lines=2, max_pt=NAME_PT[0],
                         min_pt=NAME_PT[1], bold=True).size_pt,
        event_pt=fit_text(event.title, width_mm=TEXT_WIDTH_MM, max_lines=2,
                          max_pt=EVENT_PT[0], min_pt=EVENT_PT[1], bold=True).size_pt,
        language=registration.language or "en",
        date=local_date(event.starts_at, tz, "long") if one_day else None,
        first_day=None if one_day else local_date(event.starts_at, tz, "long"),
        last_day=None if one_day else local_date(event.ends_at, tz, "long"),
        hours=f"{local_time(event.starts_at, tz)}–{local_time(event.ends_at, tz)} ({tz})"
        if one_day else "",
        code=format_code(code), url=url, qr=qr.data_uri(url))


def certificates_html(event: Event, registrations: Sequence[Registration]) -> str:
    """One HTML document, a page per registration, each in its holder's language."""
    logo = _logo_url(event)
    pages = []
    for registration in registrations:
        with force_locale(registration.language or "en"):
            pages.append(Markup(render_template(
                PAGE_TEMPLATE, event=event, certificate=certificate_for(registration),
                venue=", ".join(p for p in (event.venue_name, event.venue_address) if p),
                logo=logo)))
    return render_template(TEMPLATE, event=event, pages=pages,
                           language=registrations[0].language or "en")


def _logo_url(event: Event) -> str:
    """The logo's URL for WeasyPrint, or "" when there is none or its file is gone."""
    if not event.logo:
        return ""
    from eventapp.printing.fetcher import app_fetcher, upload_url

    url = upload_url(event.logo)
    return url if app_fetcher().resolve(url) else ""


def render_certificates(event: Event, registrations: Sequence[Registration]) -> bytes:
    """The PDF of these people's certificates, one page each, in the order given. Gives
    codes to those who have none: the caller commits once the PDF is handed over."""
    if not registrations:
        raise ValueError("no certificates to print")
    from eventapp.printing import render

    # In chunks, like badges: a large event's run is laid out on two cores.
    starts = range(0, len(registrations), CHUNK)
    chunks = (certificates_html(event, registrations[i:i + CHUNK]) for i in starts)
    pdf = render.render_chunks(chunks, stylesheets=[STYLESHEET], count=len(starts),
                               variant=render.ARCHIVED)
    return render.mark_pdfua(pdf)


def parts(people: list[Registration], size: int) -> list[list[Registration]]:
    """The people in consecutive parts of at most `size`, in their order."""
    return [people[start:start + size] for start in range(0, len(people), size)]


def file_name(event: Event, registration: Registration | None = None) -> str:
    """certificate-<slug>-<id>.pdf for one person, certificates-<slug>.pdf for all."""
    if registration is None:
        return f"certificates-{event.slug}.pdf"
    return f"certificate-{event.slug}-{registration.id}.pdf"
