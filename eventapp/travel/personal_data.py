"""The travel part of the person's copy of their data (the data.json their link gives):
their support request and decision, their travel details and bookings, their visa letter
request with the passport data in clear, and their expense claim with the bank details in
full. All of it is theirs, and their link shows each in full already (the visa letter and
expense pages fill their forms with it); the download is `no-store`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from eventapp.models import Registration
from eventapp.travel import claims, services, visa_letters


def _value(value: Any) -> Any:
    """A column's value as JSON: dates and times in ISO 8601, amounts as strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value"):  # an enum
        return value.value
    return value


def _columns(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _value(getattr(row, name)) for name in names}


SUPPORT = (
    "status",
    *services.LINES,
    "justification",
    "travel_estimate",
    "accommodation_estimate",
    "per_diem_estimate",
    "decision_note",
    "requested_at",
    "decided_at",
    "passport_name",
    "departure_city",
    "departure_airport",
    "outbound_date",
    "outbound_time",
    "return_date",
    "return_time",
    "hotel_check_in",
    "hotel_check_out",
    "remarks",
    "form_saved_at",
    "itinerary_sent_at",
)
SEGMENT = (
    "kind",
    "number",
    "from_code",
    "from_place",
    "departs_local",
    "departs_tz",
    "to_code",
    "to_place",
    "arrives_local",
    "arrives_tz",
    "cost",
)
STAY = ("hotel", "address", "check_in", "check_out", "room_type", "cost")
LETTER = (
    "status",
    "consulate_city",
    "language",
    "covered",
    "stay_from",
    "stay_until",
    "decline_reason",
    "requested_at",
    "decided_at",
    "passport_erased_at",
)
CLAIM_LINE = (
    "category",
    "description",
    "amount",
    "currency",
    "status",
    "submitted_at",
    "decided_at",
)


def personal_data(registration: Registration) -> dict[str, Any]:
    """{"travel_support", "visa_letter", "expense_claim"}: each None when there is none."""
    support = services.support_of(registration)
    letter = visa_letters.letter_of(registration)
    claim = claims.claim_of(registration)
    return {
        "travel_support": None
        if support is None
        else {
            **_columns(support, SUPPORT),
            "segments": [_columns(s, SEGMENT) for s in support.segments],
            "stays": [_columns(s, STAY) for s in support.stays],
        },
        "visa_letter": None
        if letter is None
        else {
            **_columns(letter, LETTER),
            "reference": visa_letters.reference(letter) if letter.number else None,
            "passport": {k: _value(v) for k, v in visa_letters.passport(letter).items()},
        },
        "expense_claim": None
        if claim is None
        else {
            "bank_details": claims.bank_details(claim) if claim.bank_details else {},
            "lines": [_columns(line, CLAIM_LINE) for line in claim.lines],
        },
    }
