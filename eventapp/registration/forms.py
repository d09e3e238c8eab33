"""The public sign-up form and the participant's own edit form.

Limits come from the model's columns, so the form refuses exactly what the database could
not hold, with a message next to the field; nothing is ever cut short. The limits are not
sent to the browser as `maxlength`: a browser silently truncates pasted text to it.
"""

from email_validator import EmailNotValidError, validate_email
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..i18n import country_choices
from ..manage.forms import CleanForm, options
from ..models import Dietary, Event, Registration
from . import services

DIETARY_LABELS = {
    Dietary.NONE: _l("No special needs"),
    Dietary.VEGETARIAN: _l("Vegetarian"),
    Dietary.VEGAN: _l("Vegan"),
    Dietary.HALAL: _l("Halal"),
    Dietary.KOSHER: _l("Kosher"),
    Dietary.GLUTEN_FREE: _l("Gluten-free"),
    Dietary.OTHER: _l("Other (please say)"),
}


class MaxLength(Length):
    """A length limit checked on the server only (see the module docstring)."""

    def __init__(self, column: str):
        limit = Registration.__table__.c[column].type.length
        super().__init__(max=limit, message=_l(
            "Please use at most %(max)d characters (you typed %(length)d)."))
        self.field_flags = {}


def required(message=None):
    return DataRequired(message=message or _l("Please fill in this field."))


def validate_address(form, field):
    """email-validator's syntax check (no DNS: sign-ups must not wait on it)."""
    if not field.data:
        return
    try:
        result = validate_email(field.data, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(_("Please enter a valid e-mail address, like "
                                "name@example.org.")) from exc
    field.data = result.normalized


class DetailsForm(CleanForm):
    """What a participant tells about themselves: the sign-up form minus consent."""

    honorific = StringField(_l("Title (optional)"), validators=[Optional(),
                                                                MaxLength("honorific")])
    given_name = StringField(_l("Given name"), validators=[required(), MaxLength("given_name")],
                             render_kw={"autocomplete": "given-name"})
    family_name = StringField(_l("Family name"),
                              validators=[required(), MaxLength("family_name")],
                              render_kw={"autocomplete": "family-name"})
    badge_name = StringField(_l("Name on your badge (optional)"),
                             validators=[Optional(), MaxLength("badge_name")])
    email = EmailField(_l("E-mail address"),
                       validators=[required(), MaxLength("email"), validate_address],
                       render_kw={"autocomplete": "email"})
    organisation = StringField(_l("Organisation"),
                               validators=[required(), MaxLength("organisation")],
                               render_kw={"autocomplete": "organization"})
    job_title = StringField(_l("Job title (optional)"),
                            validators=[Optional(), MaxLength("job_title")],
                            render_kw={"autocomplete": "organization-title"})
    country = SelectField(_l("Country"), validators=[InputRequired(
        message=_l("Please choose your country."))], validate_choice=False)
    dietary = SelectField(_l("Dietary needs"), default=Dietary.NONE.value,
                          choices=options((d.value, label) for d, label in
                                          DIETARY_LABELS.items()))
    dietary_other = StringField(_l("Other dietary needs"),
                                validators=[MaxLength("dietary_other")])
    accessibility = TextAreaField(_l("Accessibility needs (optional)"),
                                  validators=[Optional(), MaxLength("accessibility")],
                                  render_kw={"rows": 3})
    photo_consent = BooleanField(_l("You may publish photos of the event in which I appear"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.country.choices = options([("", _("Choose a country")), *country_choices()])

    def validate_country(self, field):
        if field.data not in {code for code, _name in country_choices()}:
            raise ValidationError(_("Please choose your country from the list."))

    def validate_dietary_other(self, field):
        if self.dietary.data == Dietary.OTHER.value and not field.data:
            raise ValidationError(_("Please tell us your dietary needs."))

    def to_data(self) -> dict:
        """The fields as services.register and desk.update_details take them."""
        return {name: self[name].data for name in services.TEXT_FIELDS + ("photo_consent",)}


class RegistrationForm(DetailsForm):
    """The public sign-up form."""

    privacy_consent = BooleanField(validators=[DataRequired(
        message=_l("Please accept the privacy notice to register."))])

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, event=event, **kwargs)
        url = url_for("registration.privacy", slug=event.slug)
        self.privacy_consent.label.text = Markup(_(
            'I accept the <a href="%(url)s" target="_blank">privacy notice</a> '
            "(opens in a new tab).", url=escape(url)))

    def to_data(self) -> dict:
        return {**super().to_data(), "privacy_consent": self.privacy_consent.data}


class ConfirmForm(CleanForm):
    """Only the CSRF token: the "are you sure?" step of cancelling and erasing."""


def details_form(registration: Registration) -> DetailsForm:
    """The edit form: what was posted, else the registration as it is."""
    return DetailsForm(obj=registration, event=registration.event)
