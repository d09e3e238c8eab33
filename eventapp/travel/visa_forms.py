"""Forms of visa letters: the participant's request, the organisers' decision."""

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from eventapp.core.i18n import country_choices
from eventapp.registration.forms import MultiCheckboxField
from eventapp.travel.visa_letters import COSTS, LANGUAGES
from eventapp.web.forms import CleanForm, options

REQUIRED = _l("Please fill in this field.")


class VisaRequestForm(CleanForm):
    passport_number = StringField(
        _l("Passport number"),
        validators=[DataRequired(REQUIRED), Length(min=5, max=20)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )
    passport_expiry = DateField(_l("Passport valid until"), validators=[InputRequired(REQUIRED)])
    nationality = SelectField(_l("Nationality"), validators=[DataRequired(REQUIRED)])
    birth_date = DateField(
        _l("Date of birth"),
        validators=[InputRequired(REQUIRED)],
        render_kw={"autocomplete": "bday"},
    )
    consulate_city = StringField(
        _l("City of the consulate or embassy where you apply"),
        validators=[DataRequired(REQUIRED), Length(max=120)],
    )

    def __init__(self, *args, event_ends: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event_ends = event_ends
        self.nationality.choices = options([("", _l("Choose a country")), *country_choices()])

    def validate_passport_number(self, field):
        value = (field.data or "").replace(" ", "").upper()
        if not value.isalnum() or not value.isascii():
            raise ValidationError(_l("Use only the letters and digits printed in your passport."))
        field.data = value

    def validate_passport_expiry(self, field):
        if self.event_ends and field.data and field.data <= self.event_ends:
            raise ValidationError(_l("Your passport must be valid beyond the end of the event."))

    def validate_birth_date(self, field):
        if field.data and not date(1900, 1, 1) <= field.data < date.today():
            raise ValidationError(_l("Please give a real date of birth."))

    def to_data(self) -> dict:
        return {
            name: self[name].data
            for name in (
                "passport_number",
                "passport_expiry",
                "nationality",
                "birth_date",
                "consulate_city",
            )
        }


class ApproveForm(CleanForm):
    stay_from = DateField(_l("Stay from"), validators=[InputRequired(REQUIRED)])
    stay_until = DateField(_l("Stay until"), validators=[InputRequired(REQUIRED)])
    covered = MultiCheckboxField(
        _l("The organisers pay for"), choices=options(COSTS.items()), validators=[Optional()]
    )
    language = SelectField(_l("Language of the letter"), choices=options(LANGUAGES.items()))

    def validate_stay_until(self, field):
        if self.stay_from.data and field.data and field.data < self.stay_from.data:
            raise ValidationError(_l("The stay must end after it starts."))


class DeclineForm(CleanForm):
    reason = TextAreaField(
        _l("Reason, shown to the person"), validators=[Optional(), Length(max=500)]
    )
