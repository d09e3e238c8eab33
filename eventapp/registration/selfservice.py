"""What a participant does through their own link: find the registration by its token,
correct details, take a copy of their data, erase it, download their certificate of
attendance once checked in.

Plain functions over models, no request: the views parse, these act, the views commit
(cancelling goes through services.cancel, which commits itself).
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Registration, Status
from eventapp.models.types import utcnow
from eventapp.printing import qr
from eventapp.printing.badges import checkin_url
from eventapp.registration import answers, services
from eventapp.surveys import services as surveys
from eventapp.travel import personal_data as travel_data

#: Tokens are 43 characters (new_token); anything much longer is not worth a query.
MAX_TOKEN_LENGTH = 64


def ticket(registration: Registration) -> Markup | None:
    """The e-ticket of a confirmed registration: the badge's check-in QR code as inline
    SVG, for the door to scan from a phone before the badge is printed."""
    if registration.status != Status.CONFIRMED:
        return None
    return qr.svg(
        checkin_url(registration), _("Check-in code for %(name)s", name=registration.full_name)
    )


def find_by_token(token: str) -> Registration | None:
    """The registration this link belongs to, or None.

    The row is looked up by its unique token, then the token is compared again in
    constant time, so the answer never depends on how much of a guess was right.
    Erased registrations have a new token nobody was given: their old links find nothing.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    registration = db.session.scalar(select(Registration).where(Registration.token == token))
    if registration is None or not hmac.compare_digest(registration.token.encode(), token.encode()):
        return None
    if registration.anonymised_at is not None:
        return None
    return registration


def can_edit(registration: Registration, now: datetime | None = None) -> bool:
    """Details can be corrected until the event starts, while the registration stands."""
    now = now or utcnow()
    return (
        registration.status not in (Status.CANCELLED, Status.DECLINED)
        and now < registration.event.starts_at
    )


def can_cancel(registration: Registration, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        registration.status not in (Status.CANCELLED, Status.DECLINED)
        and now < registration.event.ends_at
    )


def personal_data(registration: Registration) -> dict[str, Any]:
    """Everything we hold about the person for this event, as JSON-ready values."""
    event = registration.event

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "event": {
            "slug": event.slug,
            "title": event.title,
            "starts_at": iso(event.starts_at),
            "ends_at": iso(event.ends_at),
        },
        "registration": {
            "honorific": registration.honorific,
            "given_name": registration.given_name,
            "family_name": registration.family_name,
            "badge_name": registration.badge_name,
            "email": registration.email,
            "organisation": registration.organisation,
            "job_title": registration.job_title,
            "country": registration.country,
            "dietary": registration.dietary.value,
            "dietary_other": registration.dietary_other,
            "accessibility": registration.accessibility,
            "photo_consent": registration.photo_consent,
            "privacy_consent_at": iso(registration.privacy_consent_at),
            "privacy_version": registration.privacy_version,
            "language": registration.language,
            "category": registration.category.value,
            "status": registration.status.value,
            "waitlist_position": services.waitlist_position(registration),
            "checked_in_at": iso(registration.checked_in_at),
            "created_at": iso(registration.created_at),
            "updated_at": iso(registration.updated_at),
        },
        # By the question as the person read it; only the questions they answered.
        "answers": {
            question.label: answers.answer_of(registration, question)
            for question in event.questions
            if answers.answer_of(registration, question) is not None
        },
        # Travel support and bookings, the visa letter request (passport data in clear)
        # and the expense claim (bank details in full): theirs, as their link shows it.
        **travel_data.personal_data(registration),
        # Answers to a linked feedback survey (an anonymous one's are no one's).
        **surveys.personal_answers(registration),
    }


def erase(registration: Registration) -> list[Registration]:
    """Cancel (freeing the seat) and erase the person's data; commits.

    Returns the registrations promoted into the freed seat, to be told by e-mail.
    """
    promoted = services.cancel(registration)
    registration = db.session.get_one(Registration, registration.id)
    services.anonymise(registration)
    db.session.commit()
    return promoted
