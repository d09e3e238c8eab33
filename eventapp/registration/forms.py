"""The public sign-up form and the participant's own edit form.

Limits come from the model's columns, so the form refuses exactly what the database could
not hold, with a message next to the field; nothing is ever cut short. The limits are not
sent to the browser as `maxlength`: a browser silently truncates pasted text to it.
"""

from babel import support
from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from eventapp.core.i18n import country_choices
from eventapp.core.labels import DIETARY
from eventapp.models import Dietary, Event, Question, QuestionKind, Registration
from eventapp.registration import answers, services
from eventapp.web.forms import CleanForm, LongSelect, clean_text, options

#: The choices as the form offers them: "Other" asks for the details.
DIETARY_LABELS = {**DIETARY, Dietary.OTHER: _l("Other (please say)")}


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


# --- What every form of a language shares ------------------------------------------------
# Built once per process and language rather than for each form: two forms per sign-up
# (the page, then the post) each sorted the 250 countries, made an option of each, and read
# WTForms' message catalogue from disk (Flask-WTF keeps it for one request only).

#: language -> (the country select's options, the codes it offers)
_countries: dict[str, tuple[list, frozenset[str]]] = {}
#: language -> WTForms' own messages ("Not a valid choice.")
_wtforms_messages: dict[str, support.NullTranslations] = {}


def _country_options() -> tuple[list, frozenset[str]]:
    language = str(get_locale())
    cached = _countries.get(language)
    if cached is None:
        choices = country_choices()
        cached = _countries[language] = (
            options([("", _("Choose a country")), *choices]),
            frozenset(code for code, _name in choices))
    return cached


class DetailsForm(CleanForm):
    """What a participant tells about themselves: the sign-up form minus consent."""

    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            language = str(get_locale())
            translations = _wtforms_messages.get(language)
            if translations is None:
                translations = _wtforms_messages[language] = support.Translations.load(
                    messages_path(), [language], domain="wtforms")
            return translations

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
        message=_l("Please choose your country."))], validate_choice=False,
        widget=LongSelect())
    dietary = SelectField(_l("Dietary needs"), default=Dietary.NONE.value,
                          choices=options((d.value, label) for d, label in
                                          DIETARY_LABELS.items()), widget=LongSelect())
    dietary_other = StringField(_l("Other dietary needs"),
                                validators=[MaxLength("dietary_other")])
    accessibility = TextAreaField(_l("Accessibility needs (optional)"),
                                  validators=[Optional(), MaxLength("accessibility")],
                                  render_kw={"rows": 3})
    photo_consent = BooleanField(_l("You may publish photos of the event in which I appear"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.country.choices = _country_options()[0]

    def validate_country(self, field):
        if field.data not in _country_options()[1]:
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
        # The translations are text; the link is the only markup.
        link = Markup('<a href="{}" target="_blank">{}</a>').format(url, _("privacy notice"))
        self.privacy_consent.label.text = escape(
            _("I accept the %(privacy_notice)s (opens in a new tab).")) % {
                "privacy_notice": link}

    def to_data(self) -> dict:
        return {**super().to_data(), "privacy_consent": self.privacy_consent.data}


# --- Custom questions -------------------------------------------------------------------

class OneChoiceField(RadioField):
    """A single choice as radio buttons (the field macro prints a fieldset). A form sent
    without any of them ticked has no answer, not the one shown before."""

    def process_formdata(self, valuelist):
        if valuelist:
            super().process_formdata(valuelist)
        else:
            self.data = None


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice as a group of checkboxes (the field macro prints a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def clean_texts(values):
    """clean_text for each option ticked."""
    return [clean_text(value) for value in values] if values else values


class TextLimit(Length):
    """A custom question's length limit, checked on the server only (see the module
    docstring)."""

    def __init__(self, limit: int):
        super().__init__(max=limit, message=_l(
            "Please use at most %(max)d characters (you typed %(length)d)."))
        self.field_flags = {}


def offered_option(form, field):
    """A choice outside the question's options (a forged or outdated form) is refused."""
    offered = {choice.value for choice in field.choices}
    chosen = field.data if isinstance(field.data, list) else [field.data]
    if any(value not in offered for value in chosen if value):
        raise ValidationError(_("Please choose one of the options offered."))


REQUIRED_MESSAGES = {
    QuestionKind.SHORT_TEXT: _l("Please answer this question."),
    QuestionKind.LONG_TEXT: _l("Please answer this question."),
    QuestionKind.SINGLE_CHOICE: _l("Please choose an option."),
    QuestionKind.MULTIPLE_CHOICE: _l("Please choose at least one option."),
    QuestionKind.CHECKBOX: _l("Please tick this box."),
}


def field_name(question: Question) -> str:
    return f"q_{question.id}"


def question_field(question: Question, *, public: bool):
    """The form field asking `question`. On public forms a required question must be
    answered and the others say "(optional)"; organisers may leave any answer empty."""
    kind = question.kind
    must = public and question.required
    label = question.label
    if public and not question.required and kind != QuestionKind.CHECKBOX:
        label = _("%(label)s (optional)", label=question.label)
    validators = [DataRequired(message=REQUIRED_MESSAGES[kind]) if must else Optional()]
    options_ = [(choice, choice) for choice in question.choices]
    kwargs = {"description": question.help_text}
    if kind == QuestionKind.CHECKBOX:
        return BooleanField(label, validators=validators if must else [], **kwargs)
    if kind == QuestionKind.SINGLE_CHOICE:
        return OneChoiceField(label, choices=options(options_), validate_choice=False,
                              validators=[*validators, offered_option],
                              filters=[clean_text], **kwargs)
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return MultiCheckboxField(label, choices=options(options_), validate_choice=False,
                                  validators=[*validators, offered_option],
                                  filters=[clean_texts], **kwargs)
    limit = TextLimit(answers.TEXT_LIMITS[kind])
    if kind == QuestionKind.LONG_TEXT:
        return TextAreaField(label, validators=[*validators, limit],
                             render_kw={"rows": 4}, **kwargs)
    return StringField(label, validators=[*validators, limit], **kwargs)


class QuestionFields:
    """What with_questions adds to a form: the questions, their fields, their answers."""

    questions: list[Question] = []

    @property
    def question_fields(self) -> list:
        return [self[field_name(q)] for q in self.questions]

    def answers(self) -> dict[str, object]:
        """The answers as services.register and answers.update take them."""
        return {str(q.id): self[field_name(q)].data for q in self.questions}


def with_questions(base: type, event: Event, *, public: bool) -> type:
    """`base` with one more field per custom question of the event, in their order."""
    questions = list(event.questions)
    namespace = {field_name(q): question_field(q, public=public) for q in questions}
    return type(base)(base.__name__, (QuestionFields, base),
                      {**namespace, "questions": questions})


def answers_data(registration: Registration) -> dict[str, object]:
    """The stored answers as the fields' initial values (keyword arguments of the form)."""
    return {field_name(q): answers.answer_of(registration, q)
            for q in registration.event.questions}


def signup_form(event: Event) -> RegistrationForm:
    """The public sign-up form of the event, its custom questions included."""
    return with_questions(RegistrationForm, event, public=True)(event=event)


class ConfirmForm(CleanForm):
    """Only the CSRF token: the "are you sure?" step of cancelling and erasing."""


def details_form(registration: Registration) -> DetailsForm:
    """The edit form: what was posted, else the registration as it is."""
    form_class = with_questions(DetailsForm, registration.event, public=True)
    return form_class(obj=registration, event=registration.event,
                      **answers_data(registration))
