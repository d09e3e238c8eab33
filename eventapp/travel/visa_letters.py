"""Visa invitation letters: a confirmed participant asks for one, organisers with the travel
right approve or decline it, the approved letter is a PDF with a verification code.

Passport data (number, expiry, nationality, birth date) is the most sensitive data we
hold: it is stored only encrypted (eventapp/core/crypto.py), shown in full only to the
person and to those who may manage the event's travel (masked elsewhere), never put in a
general export or a log line, and erased `passport_retention_days` after the event
(`erase_expired`, run daily by the worker) or when the person erases their data.

/verify/<code> tells of a letter only its holder's name, the event and the dates of stay,
or that it was withdrawn (revoked, or the holder's data erased).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from babel import dates as babel_dates
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from eventapp.certificates.services import format_code, new_code, normalise_code
from eventapp.core import crypto
from eventapp.core.i18n import FORMAT_LOCALES, territories
from eventapp.extensions import db
from eventapp.mail.outbox import queue_mail
from eventapp.media import photos
from eventapp.models import (
    Event,
    LetterSettings,
    LetterStatus,
    Registration,
    Status,
    User,
    VisaLetter,
)
from eventapp.models.types import utcnow
from eventapp.printing import visa_letters as document
from eventapp.web.public_url import external_url

#: What the organisers may pay for, as the letter names it.
COSTS = {
    "travel": _l("international travel"),
    "accommodation": _l("accommodation"),
    "meals": _l("meals"),
    "local-transport": _l("local transport"),
    "insurance": _l("health insurance"),
}
STATUS_LABELS = {
    LetterStatus.REQUESTED.value: _l("Requested"),
    LetterStatus.APPROVED.value: _l("Approved"),
    LetterStatus.DECLINED.value: _l("Declined"),
    LetterStatus.REVOKED.value: _l("Revoked"),
}
LANGUAGES = {"en": _l("English"), "fr": _l("French")}
#: The fields of a request, as the form names them; PASSPORT_FIELDS are encrypted.
PASSPORT_FIELDS = ("passport_number", "passport_expiry", "nationality", "birth_date")
DEFAULT_RETENTION_DAYS = 30


#: The statuses a letter is approved from (the approve form's).
APPROVABLE = (LetterStatus.REQUESTED, LetterStatus.DECLINED)


class LetterError(ValueError):
    """A change the rules refuse; str() of it is a sentence for the person."""


# -- settings -----------------------------------------------------------------------------


def settings_for(event: Event) -> LetterSettings:
    """The event's letter settings, made (not committed) with the defaults when missing."""
    settings = db.session.get(LetterSettings, event.id)
    if settings is None:
        settings = LetterSettings(
            event_id=event.id,
            signatory_name="",
            signatory_title="",
            signature="",
            language="en",
            passport_retention_days=DEFAULT_RETENTION_DAYS,
        )
        db.session.add(settings)
    return settings


def has_signatory(event: Event) -> bool:
    """Whether the event's settings name who signs its letters (without, a letter ends
    with an empty signature block)."""
    settings = db.session.get(LetterSettings, event.id)
    return settings is not None and bool(settings.signatory_name.strip())


def update_settings(event: Event, data: dict[str, Any]) -> LetterSettings:
    """Signatory, language and retention of the event's letters. No commit."""
    settings = settings_for(event)
    settings.signatory_name = data["signatory_name"] or ""
    settings.signatory_title = data["signatory_title"] or ""
    settings.language = data["language"] if data["language"] in LANGUAGES else "en"
    settings.passport_retention_days = data["passport_retention_days"]
    return settings


def store_letterhead_image(stream: BinaryIO, kind: str) -> str:
    """A logo or signature upload checked and re-encoded like speaker photos, stored under
    uploads/<kind>/; returns its path under uploads/. Raises photos.PhotoError."""
    folder = Path(current_app.instance_path) / "uploads" / kind
    return f"{kind}/{photos.store_photo(stream, folder=folder)}"


def set_signature(event: Event, path: str) -> None:
    settings = settings_for(event)
    _delete_upload(settings.signature)
    settings.signature = path


def set_logo(event: Event, path: str) -> None:
    _delete_upload(event.logo)
    event.logo = path


def _delete_upload(path: str) -> None:
    """Remove a replaced logo or signature (only files of the folders we write)."""
    if not path or not path.startswith(("logos/", "signatures/")):
        return
    uploads = (Path(current_app.instance_path) / "uploads").resolve()
    target = (uploads / path).resolve()
    if target.is_relative_to(uploads):
        target.unlink(missing_ok=True)


# -- the person's request -----------------------------------------------------------------


def letter_of(registration: Registration) -> VisaLetter | None:
    return db.session.scalar(
        select(VisaLetter).where(VisaLetter.registration_id == registration.id)
    )


def may_request(registration: Registration, now: datetime | None = None) -> bool:
    """Letters are for confirmed registrations, asked for before the event ends."""
    now = now or utcnow()
    return (
        registration.status == Status.CONFIRMED
        and registration.anonymised_at is None
        and now < registration.event.ends_at
    )


def request_letter(registration: Registration, data: dict[str, Any]) -> VisaLetter:
    """Record (or correct) the person's request. No commit.

    `data` holds PASSPORT_FIELDS (dates as dates) and consulate_city. An approved letter
    is not changed: its text is on paper already (ask the organisers to revoke it)."""
    if not may_request(registration):
        raise LetterError(_("Visa letters are issued only to confirmed registrations."))
    letter = letter_of(registration)
    if not may_change_request(letter):
        # An approved letter's text is on paper already; a revoked one's code must keep
        # verifying as withdrawn. The organisers decide what comes next.
        raise LetterError(_("Your letter is approved already and can no longer be changed."))
    if letter is None:
        letter = VisaLetter(event=registration.event, registration=registration)
        db.session.add(letter)
    passport = {
        name: data[name].isoformat() if isinstance(data[name], date) else data[name]
        for name in PASSPORT_FIELDS
    }
    passport["nationality"] = passport["nationality"].upper()
    letter.passport = crypto.encrypt_json(passport)
    letter.passport_erased_at = None
    letter.consulate_city = data["consulate_city"]
    letter.status = LetterStatus.REQUESTED
    letter.requested_at = utcnow()
    letter.decline_reason = ""
    letter.decided_at = None
    if letter.stay_from is None:
        letter.stay_from, letter.stay_until = default_stay(registration.event)
    if not letter.language:
        letter.language = registration.language if registration.language in LANGUAGES else "en"
    db.session.flush()
    return letter


def may_change_request(letter: VisaLetter | None) -> bool:
    """A request may be sent or corrected until it is approved (or once declined)."""
    return letter is None or letter.status in (LetterStatus.REQUESTED, LetterStatus.DECLINED)


def default_stay(event: Event) -> tuple[date, date]:
    """The day before the event to the day after, at the event."""
    return (
        event.local(event.starts_at).date() - timedelta(days=1),
        event.local(event.ends_at).date() + timedelta(days=1),
    )


def passport(letter: VisaLetter) -> dict[str, Any]:
    """The passport data in clear ({} once erased): only for the person and for those who
    may manage the event's travel. Dates as dates."""
    values = crypto.decrypt_json(letter.passport)
    for name in ("passport_expiry", "birth_date"):
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    return values


def mask(number: str) -> str:
    """A passport number as shown to others: all but the last two characters hidden."""
    if not number:
        return ""
    return "•" * max(len(number) - 2, 3) + number[-2:]


# -- organisers ---------------------------------------------------------------------------


def letters(event: Event) -> list[VisaLetter]:
    """Every request of the event, newest first."""
    return list(
        db.session.scalars(
            select(VisaLetter)
            .where(VisaLetter.event_id == event.id)
            .options(selectinload(VisaLetter.registration))  # the list shows each name
            .order_by(VisaLetter.requested_at.desc(), VisaLetter.id.desc())
        )
    )


def get_letter(event: Event, letter_id: int) -> VisaLetter | None:
    return db.session.scalar(
        select(VisaLetter).where(VisaLetter.event_id == event.id, VisaLetter.id == letter_id)
    )


def approve(
    letter: VisaLetter,
    user: User,
    *,
    stay_from: date,
    stay_until: date,
    covered: list[str],
    language: str,
) -> VisaLetter:
    """Approve the letter: it gets its number and its verification code; queues the
    e-mail telling the person it can be downloaded. No commit.

    Only for a confirmed registration whose passport data is there."""
    if letter.registration.status != Status.CONFIRMED or letter.registration.anonymised_at:
        raise LetterError(_("Letters are issued only to confirmed registrations."))
    if not letter.passport:
        raise LetterError(_("The passport data has been erased: ask the person to send it again."))
    if stay_until < stay_from:
        raise LetterError(_("The stay must end after it starts."))
    now = utcnow()
    # One UPDATE decides, as the messages' "send" does: of two organisers approving at
    # once, the second finds the letter decided and issues no number.
    decided = db.session.execute(
        update(VisaLetter)
        .where(VisaLetter.id == letter.id, VisaLetter.status.in_(APPROVABLE))
        .values(status=LetterStatus.APPROVED, decided_at=now, decided_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if decided.rowcount != 1:  # type: ignore[attr-defined]
        raise LetterError(_("This request was decided meanwhile by another organiser."))
    letter.stay_from, letter.stay_until = stay_from, stay_until
    letter.covered = [c for c in COSTS if c in covered]
    letter.language = language if language in LANGUAGES else "en"
    if letter.number is None:
        _number(letter)
    if letter.code is None:
        letter.code = new_code()
    letter.status = LetterStatus.APPROVED  # as the UPDATE wrote: the loaded letter in step
    letter.decline_reason = ""
    letter.decided_at = now
    letter.decided_by_id = user.id
    db.session.flush()
    queue_mail(letter.registration, "visa_approved")
    return letter


def _number(letter: VisaLetter, attempts: int = 5) -> None:
    """The event's next letter number. The unique (event_id, number) constraint refuses a
    number a concurrent approval took first: then the next one is tried, in a savepoint."""
    for attempt in range(attempts):
        try:
            with db.session.begin_nested():
                highest = db.session.scalar(
                    select(func.max(VisaLetter.number)).where(
                        VisaLetter.event_id == letter.event_id
                    )
                )
                letter.number = (highest or 0) + 1
                db.session.flush()
            return
        except IntegrityError:
            if attempt == attempts - 1:
                raise


def decline(letter: VisaLetter, user: User, reason: str) -> VisaLetter:
    """Decline a request (the person may correct it and ask again); queues the e-mail
    telling them why. No commit."""
    if letter.status == LetterStatus.APPROVED:
        raise LetterError(_("Revoke an approved letter instead."))
    letter.status = LetterStatus.DECLINED
    letter.decline_reason = reason
    letter.decided_at = utcnow()
    letter.decided_by_id = user.id
    queue_mail(letter.registration, "visa_declined")
    return letter


def revoke(letter: VisaLetter, user: User) -> VisaLetter:
    """Withdraw an approved letter: its code then verifies as withdrawn; queues the
    e-mail telling the person. No commit."""
    if letter.status != LetterStatus.APPROVED:
        raise LetterError(_("Only an approved letter can be revoked."))
    letter.status = LetterStatus.REVOKED
    letter.decided_at = utcnow()
    letter.decided_by_id = user.id
    queue_mail(letter.registration, "visa_revoked")
    return letter


# -- the letter ---------------------------------------------------------------------------


def reference(letter: VisaLetter) -> str:
    """The letter's number as printed: MIEUX-IMPACT-2024/007."""
    return f"{letter.event.slug.upper()}/{letter.number or 0:03d}"


def verify_url(letter: VisaLetter) -> str:
    assert letter.code is not None
    return external_url("public.verify", code=format_code(letter.code))


def may_download(letter: VisaLetter) -> bool:
    """Only an approved letter of a confirmed registration with its passport data."""
    return (
        letter.status == LetterStatus.APPROVED
        and letter.registration.status == Status.CONFIRMED
        and letter.registration.anonymised_at is None
        and letter.passport is not None
    )


def _date(value: date, language: str) -> str:
    return babel_dates.format_date(value, "long", locale=FORMAT_LOCALES.get(language, language))


def content(letter: VisaLetter) -> document.Letter:
    """What the letter says, in its language."""
    event, registration = letter.event, letter.registration
    settings = settings_for(event)
    language = letter.language or settings.language
    data = passport(letter)
    first, last = event.local(event.starts_at).date(), event.local(event.ends_at).date()
    assert letter.stay_from and letter.stay_until and letter.decided_at and letter.code
    with force_locale(language):
        if first == last:
            event_dates = _("on %(date)s", date=_date(first, language))
        else:
            event_dates = _(
                "from %(first)s to %(last)s",
                first=_date(first, language),
                last=_date(last, language),
            )
        covered = [str(COSTS[c]) for c in letter.covered if c in COSTS]
    nationality = data["nationality"]
    return document.Letter(
        language=language,
        reference=reference(letter),
        issued_on=_date(event.local(letter.decided_at).date(), language),
        consulate_city=letter.consulate_city,
        name=registration.full_name,
        organisation=registration.organisation,
        birth_date=_date(data["birth_date"], language),
        nationality=territories(language).get(nationality, nationality),
        passport_number=data["passport_number"],
        passport_expiry=_date(data["passport_expiry"], language),
        event_dates=event_dates,
        venue=", ".join(p for p in (event.venue_name, event.venue_address) if p),
        stay_from=_date(letter.stay_from, language),
        stay_until=_date(letter.stay_until, language),
        covered=covered,
        signatory_name=settings.signatory_name,
        signatory_title=settings.signatory_title,
        code=format_code(letter.code),
        url=verify_url(letter),
    )


def render(letter: VisaLetter) -> bytes:
    """The approved letter as a PDF."""
    if not may_download(letter):
        raise LetterError(_("This letter is not approved."))
    settings = settings_for(letter.event)
    return document.render_letter(
        letter.event, content(letter), logo=letter.event.logo, signature=settings.signature
    )


def file_name(letter: VisaLetter) -> str:
    return f"visa-letter-{letter.event.slug}-{letter.number or 0:03d}.pdf"


# -- /verify -------------------------------------------------------------------------------


def find_by_code(typed: str) -> VisaLetter | None:
    """The letter a code belongs to, approved or withdrawn; None for any other code."""
    code = normalise_code(typed)
    if code is None:
        return None
    return db.session.scalar(
        select(VisaLetter).where(
            VisaLetter.code == code,
            VisaLetter.status.in_([LetterStatus.APPROVED, LetterStatus.REVOKED]),
        )
    )


def is_withdrawn(letter: VisaLetter) -> bool:
    """Revoked, or its holder's data erased (the name it would confirm is gone)."""
    return letter.status != LetterStatus.APPROVED or letter.registration.anonymised_at is not None


# -- erasure -------------------------------------------------------------------------------


def erase_passport(letter: VisaLetter, now: datetime | None = None) -> None:
    """Forget the passport data of one letter (the request stays, for the counts)."""
    if letter.passport is not None:
        letter.passport = None
        letter.passport_erased_at = now or utcnow()


def erase_for_registration(registration: Registration) -> None:
    """The person erased their data: their passport data goes too. No commit."""
    letter = letter_of(registration)
    if letter is not None:
        erase_passport(letter)


def erase_expired(now: datetime | None = None) -> int:
    """Erase the passport data of every event ended more than its retention period ago
    (LetterSettings.passport_retention_days, 30 days by default); returns how many. No commit."""
    now = now or utcnow()
    rows = db.session.execute(
        select(VisaLetter, Event.ends_at, LetterSettings.passport_retention_days)
        .join(Event, Event.id == VisaLetter.event_id)
        .outerjoin(LetterSettings, LetterSettings.event_id == VisaLetter.event_id)
        .where(VisaLetter.passport.is_not(None), Event.ends_at < now)
    ).all()
    erased = 0
    for letter, ends_at, days in rows:
        if ends_at + timedelta(days=DEFAULT_RETENTION_DAYS if days is None else days) <= now:
            erase_passport(letter, now)
            erased += 1
    return erased
