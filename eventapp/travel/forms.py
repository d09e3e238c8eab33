"""Travel forms: asking for support (sign-up form), the organisers' decision, the
traveller's own details, a booked flight or train, a hotel stay, the event's settings."""

from __future__ import annotations

import re
from datetime import UTC
from zoneinfo import ZoneInfo

from babel.numbers import list_currencies
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from eventapp.core.labels import SEGMENT_KINDS
from eventapp.models import SegmentKind
from eventapp.web.forms import CleanForm, LocalTimeField, options, validate_timezone

IATA = re.compile(r"^[A-Z]{3}$")
#: As on the sign-up form (registration.person_fields).
REQUIRED = _l("Please fill in this field.")
AMOUNT = [Optional(), NumberRange(min=0, max=9_999_999_999)]


def upper(value):
    return value.upper() if isinstance(value, str) else value


def iata(form, field) -> None:
    if field.data and not IATA.fullmatch(field.data):
        raise ValidationError(_l("Write the airport's three-letter code, e.g. BRU."))


def amount_field(label) -> DecimalField:
    return DecimalField(label, places=2, validators=AMOUNT)


# --- Asking for support -------------------------------------------------------------------


class SupportRequestFields:
    """What the sign-up form asks when the event offers support (mixed into it)."""

    support_travel = BooleanField(_l("My travel"))
    support_accommodation = BooleanField(_l("My accommodation"))
    support_per_diem = BooleanField(_l("A per diem"))
    support_justification = TextAreaField(
        _l("Why you need support (optional unless you ask for it)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )

    def support_lines(self) -> list[str]:
        return [
            line
            for line in ("travel", "accommodation", "per_diem")
            if getattr(self, f"support_{line}").data
        ]

    def validate(self, extra_validators=None) -> bool:
        # Not an inline validator: Optional() ends the field's chain when it is empty.
        valid = super().validate(extra_validators)  # type: ignore[misc]
        field = self.support_justification
        if self.support_lines() and not field.data:
            field.errors = [*field.errors, _l("Say in a few words why you need support.")]
            return False
        return valid


def with_support_request(base: type) -> type:
    """The sign-up form with the support request added."""
    return type(base)(base.__name__, (SupportRequestFields, base), {})


# --- The organisers' decision -------------------------------------------------------------


class DecisionForm(CleanForm):
    decision = RadioField(
        _l("Decision"),
        choices=options([("approved", _l("Approve")), ("declined", _l("Decline"))]),
        default="approved",
        validators=[InputRequired(message=REQUIRED)],
    )
    travel = BooleanField(_l("Travel"))
    accommodation = BooleanField(_l("Accommodation"))
    per_diem = BooleanField(_l("Per diem"))
    travel_estimate = amount_field(_l("Travel estimate"))
    accommodation_estimate = amount_field(_l("Accommodation estimate"))
    per_diem_estimate = amount_field(_l("Per diem estimate"))
    note = TextAreaField(
        _l("Note to the person (optional)"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 2},
    )
    #: The support's status when the form was shown ("" for none): a decision made by
    #: another organiser since is not overwritten (services.decide).
    seen = HiddenField()

    def lines(self) -> list[str]:
        return [line for line in ("travel", "accommodation", "per_diem") if self[line].data]

    def validate_travel(self, field) -> None:
        if self.decision.data == "approved" and not self.lines():
            raise ValidationError(_l("Tick at least one line to approve."))


# --- The traveller's form -----------------------------------------------------------------


class TravelForm(CleanForm):
    passport_name = StringField(
        _l("Name exactly as in your passport"),
        validators=[DataRequired(message=REQUIRED), Length(max=200)],
    )
    departure_city = StringField(
        _l("City you travel from"), validators=[DataRequired(message=REQUIRED), Length(max=120)]
    )
    departure_airport = StringField(
        _l("Airport code"), validators=[DataRequired(message=REQUIRED), iata], filters=[upper]
    )
    outbound_date = DateField(_l("Preferred day of arrival"), validators=[Optional()])
    outbound_time = StringField(
        _l("Preferred time of arrival (optional)"), validators=[Optional(), Length(max=100)]
    )
    return_date = DateField(_l("Preferred day of return"), validators=[Optional()])
    return_time = StringField(
        _l("Preferred time of return (optional)"), validators=[Optional(), Length(max=100)]
    )
    hotel_check_in = DateField(_l("First hotel night"), validators=[Optional()])
    hotel_check_out = DateField(_l("Hotel check-out day"), validators=[Optional()])
    remarks = TextAreaField(
        _l("Remarks (optional)"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3}
    )

    def validate_return_date(self, field) -> None:
        if field.data and self.outbound_date.data and field.data < self.outbound_date.data:
            raise ValidationError(_l("The return cannot come before the arrival."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Here rather than inline: Optional() ends an empty field's chain.
        first, last = self.hotel_check_in.data, self.hotel_check_out.data
        message = None
        if bool(first) != bool(last) and not self.hotel_check_in.errors:
            message = _l("Give both the first night and the check-out day, or neither.")
        elif first and last and last <= first:
            message = _l("Check-out comes at least one day after the first night.")
        if message is not None:
            self.hotel_check_out.errors = [*self.hotel_check_out.errors, message]
            return False
        return valid

    def to_data(self) -> dict:
        return {
            name: (self[name].data if self[name].data is not None else None)
            if name.endswith(("_date", "check_in", "check_out"))
            else self[name].data or ""
            for name in (
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
            )
        }


# --- Bookings -----------------------------------------------------------------------------


class SegmentForm(CleanForm):
    kind = SelectField(
        _l("Kind"),
        choices=options((k.value, label) for k, label in SEGMENT_KINDS.items()),
        default=SegmentKind.FLIGHT.value,
    )
    number = StringField(
        _l("Flight or train number"), validators=[DataRequired(message=REQUIRED), Length(max=20)]
    )
    from_code = StringField(
        _l("From (airport code)"), validators=[Optional(), iata], filters=[upper]
    )
    from_place = StringField(
        _l("From (city or station)"), validators=[DataRequired(message=REQUIRED), Length(max=120)]
    )
    departs_local = LocalTimeField(
        _l("Departs (local time)"), validators=[InputRequired(message=REQUIRED)]
    )
    departs_tz = StringField(
        _l("Time zone of departure"),
        validators=[DataRequired(message=REQUIRED), validate_timezone],
        render_kw={"list": "timezones"},
    )
    to_code = StringField(_l("To (airport code)"), validators=[Optional(), iata], filters=[upper])
    to_place = StringField(
        _l("To (city or station)"), validators=[DataRequired(message=REQUIRED), Length(max=120)]
    )
    arrives_local = LocalTimeField(
        _l("Arrives (local time)"), validators=[InputRequired(message=REQUIRED)]
    )
    arrives_tz = StringField(
        _l("Time zone of arrival"),
        validators=[DataRequired(message=REQUIRED), validate_timezone],
        render_kw={"list": "timezones"},
    )
    cost = amount_field(_l("Cost (optional)"))

    def validate_from_code(self, field) -> None:
        if self.kind.data == SegmentKind.FLIGHT and not field.data:
            raise ValidationError(_l("A flight needs the airport's code."))

    def validate_to_code(self, field) -> None:
        if self.kind.data == SegmentKind.FLIGHT and not field.data:
            raise ValidationError(_l("A flight needs the airport's code."))

    def validate_arrives_local(self, field) -> None:
        if self.departs_tz.errors or self.arrives_tz.errors:
            return
        departs, arrives = self.departs_local.data, field.data
        if not (departs and arrives and self.departs_tz.data and self.arrives_tz.data):
            return
        try:
            start = departs.replace(tzinfo=ZoneInfo(self.departs_tz.data)).astimezone(UTC)
            end = arrives.replace(tzinfo=ZoneInfo(self.arrives_tz.data)).astimezone(UTC)
        except (KeyError, ValueError):
            return  # the zone's own error says it
        if end <= start:
            raise ValidationError(
                _l("The arrival must come after the departure (mind the time zones).")
            )

    def to_data(self) -> dict:
        return {
            "kind": SegmentKind(self.kind.data),
            "number": self.number.data,
            "from_code": self.from_code.data or "",
            "from_place": self.from_place.data,
            "departs_local": self.departs_local.data,
            "departs_tz": self.departs_tz.data,
            "to_code": self.to_code.data or "",
            "to_place": self.to_place.data,
            "arrives_local": self.arrives_local.data,
            "arrives_tz": self.arrives_tz.data,
            "cost": self.cost.data,
        }


class StayForm(CleanForm):
    hotel = StringField(_l("Hotel"), validators=[DataRequired(message=REQUIRED), Length(max=200)])
    address = StringField(_l("Hotel address"), validators=[Optional(), Length(max=500)])
    check_in = DateField(_l("Check-in"), validators=[InputRequired(message=REQUIRED)])
    check_out = DateField(_l("Check-out"), validators=[InputRequired(message=REQUIRED)])
    room_type = StringField(_l("Room type"), validators=[Optional(), Length(max=100)])
    stay_cost = amount_field(_l("Cost (optional)"))

    def validate_check_out(self, field) -> None:
        if field.data and self.check_in.data and field.data <= self.check_in.data:
            raise ValidationError(_l("Check-out comes at least one day after check-in."))

    def to_data(self) -> dict:
        return {
            "hotel": self.hotel.data,
            "address": self.address.data or "",
            "check_in": self.check_in.data,
            "check_out": self.check_out.data,
            "room_type": self.room_type.data or "",
            "cost": self.stay_cost.data,
        }


# --- The event's settings -----------------------------------------------------------------


class TravelSettingsFields:
    """The travel support fieldset at the end of the event's settings form."""

    currency = StringField(
        _l("Currency"),
        default="EUR",
        validators=[DataRequired(message=REQUIRED), Length(min=3, max=3)],
        filters=[upper],
    )
    support_on_signup = BooleanField(_l("The sign-up form offers to ask for travel support"))
    budget_travel = amount_field(_l("Travel budget"))
    budget_accommodation = amount_field(_l("Accommodation budget"))
    budget_per_diem = amount_field(_l("Per diem budget"))

    def validate_currency(self, field) -> None:
        if field.data and field.data not in list_currencies():
            raise ValidationError(_l("Write an ISO 4217 currency code, e.g. EUR or USD."))

    def travel_settings(self) -> dict:
        return {
            "currency": self.currency.data,
            "support_on_signup": bool(self.support_on_signup.data),
            "budget_travel": self.budget_travel.data,
            "budget_accommodation": self.budget_accommodation.data,
            "budget_per_diem": self.budget_per_diem.data,
        }
