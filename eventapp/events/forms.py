"""Organisers' forms for events: settings, a new event (blank or copied), managers."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from eventapp.core.i18n import LANGUAGES
from eventapp.core.labels import LANGUAGE_NAMES
from eventapp.registration.forms import MultiCheckboxField
from eventapp.web.forms import CleanForm, LocalTimeField, options, validate_timezone

OFFERED_LANGUAGE = _l("Choose one of the languages offered.")


def languages_offered(form, field):
    if any(code not in LANGUAGES for code in field.data or ()):
        raise ValidationError(OFFERED_LANGUAGE)


class EventForm(CleanForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    subtitle = StringField(_l("Subtitle"), validators=[Optional(), Length(max=300)])
    slug = StringField(
        _l("Address (slug)"),
        validators=[
            DataRequired(),
            Length(max=80),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message=_l("Use lower-case letters, digits and hyphens, e.g. forum-2025."),
            ),
        ],
    )
    timezone = StringField(
        _l("Time zone"),
        validators=[DataRequired(), validate_timezone],
        render_kw={"list": "timezones"},
    )
    starts_at = LocalTimeField(_l("Starts"), validators=[InputRequired()])
    ends_at = LocalTimeField(_l("Ends"), validators=[InputRequired()])
    venue_name = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    venue_address = StringField(_l("Venue address"), validators=[Optional(), Length(max=500)])
    capacity = IntegerField(
        _l("Public seats"), validators=[InputRequired(), NumberRange(min=0, max=1_000_000)]
    )
    registration_opens_at = LocalTimeField(_l("Registration opens"), validators=[Optional()])
    registration_closes_at = LocalTimeField(_l("Registration closes"), validators=[Optional()])
    moderation = BooleanField(_l("Organisers approve each sign-up"))
    reminder_days = IntegerField(
        _l("Automatic reminder, days before the start"),
        validators=[Optional(), NumberRange(min=1, max=60)],
    )
    published = BooleanField(_l("Published (visible to the public)"))
    description = TextAreaField(
        _l("Description (Markdown)"),
        validators=[Optional(), Length(max=50_000)],
        render_kw={"rows": 10},
    )
    privacy_notice = TextAreaField(
        _l("Privacy notice (Markdown)"),
        validators=[Optional(), Length(max=50_000)],
        render_kw={"rows": 6},
    )
    programme_size = SelectField(
        _l("Printed programme"),
        default="A5",
        choices=options(
            [("A5", _l("A5 booklet (folded A4 sheets)")), ("A4", _l("A4, printed on both sides"))]
        ),
    )

    language = SelectField(
        _l("Main language"),
        choices=options([(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]),
        default=LANGUAGES[0],
        # Our message rather than WTForms' "Not a valid choice", which it does not
        # translate into every language we offer.
        validate_choice=False,
        # Left out of a post (the new-event form, a script written before languages): the
        # event's language as it is.
        validators=[AnyOf(LANGUAGES, message=OFFERED_LANGUAGE)],
    )
    extra_languages = MultiCheckboxField(
        _l("Other languages of the content"),
        choices=options([(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]),
        default=(),
        validate_choice=False,
        validators=[languages_offered],
    )

    retention_days = IntegerField(
        _l("Anonymise the registrations, days after the event's end"),
        validators=[Optional(), NumberRange(min=0, max=3650)],
    )

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must come after the start."))

    def validate_registration_closes_at(self, field):
        opens = self.registration_opens_at.data
        if opens and field.data and field.data <= opens:
            raise ValidationError(_l("Registration must close after it opens."))


class EventSettingsForm(EventForm):
    """The settings of an existing event: EventForm, then the letterhead of visa letters."""

    logo = FileField(_l("Logo (JPEG or PNG, up to 5 MB)"))
    remove_logo = BooleanField(_l("Remove the logo"))
    letter_signatory_name = StringField(
        _l("Signatory's name"), validators=[Optional(), Length(max=200)]
    )
    letter_signatory_title = StringField(
        _l("Signatory's title"), validators=[Optional(), Length(max=200)]
    )
    letter_signature = FileField(_l("Signature image (JPEG or PNG, up to 5 MB)"))
    letter_language = SelectField(
        _l("Language of the letters"),
        choices=options([("en", _l("English")), ("fr", _l("French"))]),
        default="en",
        # Left out of a post (a script written before these settings): kept as they are.
        validators=[Optional()],
    )
    passport_retention_days = IntegerField(
        _l("Days after the event before passport data is erased"),
        default=30,
        validators=[Optional(), NumberRange(min=0, max=365)],
    )


class NewEventForm(EventForm):
    copy_from = SelectField(_l("Start from"), coerce=int, default=0)


class ManagerForm(CleanForm):
    user_id = SelectField(_l("Organiser, check-in volunteer or travel agent"), coerce=int)
