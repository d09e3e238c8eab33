"""The public sign-up form and the participant's own edit form.

A person's fields come from person_fields, shared with the organisers' form, the door
and the import. Limits are those of the model's columns, checked on the server only,
custom questions' included: a browser silently truncates pasted text to a `maxlength`.
"""

from typing import TYPE_CHECKING

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    Field,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from eventapp.core.i18n import country_choices, language_tag
from eventapp.core.labels import DIETARY
from eventapp.core.translated import Localized, localized, localized_choices
from eventapp.models import Dietary, Event, Question, QuestionKind, Registration
from eventapp.registration import answers, services
from eventapp.registration.person_fields import (
    PUBLIC,
    TOO_LONG_MESSAGE,
    country_field,
    email_field,
    string_field,
)
from eventapp.travel.forms import with_support_request
from eventapp.web.forms import CleanForm, LongSelect, clean_text, options

#: The choices as the form offers them: "Other" asks for the details.
DIETARY_LABELS = {**DIETARY, Dietary.OTHER: _l("Other (please say)")}


# --- What every form of a language shares ------------------------------------------------
# Built once per process and language rather than for each form: two forms per sign-up
# (the page, then the post) each sorted the 250 countries and made an option of each.
# (WTForms' own messages are read once too: web/forms.py, FormMessages.)

#: language -> the country select's options
_countries: dict[str, list] = {}


def _country_options() -> list:
    language = str(get_locale())
    cached = _countries.get(language)
    if cached is None:
        cached = _countries[language] = options([("", _("Choose a country")), *country_choices()])
    return cached


class DetailsForm(CleanForm):
    """What a participant tells about themselves: the sign-up form minus consent."""

    honorific = string_field("honorific", PUBLIC, _l("Title (optional)"))
    given_name = string_field("given_name", PUBLIC, _l("Given name"))
    family_name = string_field("family_name", PUBLIC, _l("Family name"))
    badge_name = string_field("badge_name", PUBLIC, _l("Name on your badge (optional)"))
    email = email_field(PUBLIC, _l("E-mail address"))
    organisation = string_field("organisation", PUBLIC, _l("Organisation"))
    job_title = string_field("job_title", PUBLIC, _l("Job title (optional)"))
    country = country_field(PUBLIC, _l("Country"), widget=LongSelect())
    dietary = SelectField(
        _l("Dietary needs"),
        default=Dietary.NONE.value,
        choices=options((d.value, label) for d, label in DIETARY_LABELS.items()),
        widget=LongSelect(),
    )
    dietary_other = string_field("dietary_other", PUBLIC, _l("Other dietary needs"))
    accessibility = string_field(
        "accessibility", PUBLIC, _l("Accessibility needs (optional)"), render_kw={"rows": 3}
    )
    photo_consent = BooleanField(_l("You may publish photos of the event in which I appear"))

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.country.choices = _country_options()

    def validate_dietary_other(self, field):
        if self.dietary.data == Dietary.OTHER.value and not field.data:
            raise ValidationError(_("Please tell us your dietary needs."))

    def to_data(self) -> dict:
        """The fields as services.register and desk.update_details take them."""
        return {name: self[name].data for name in services.TEXT_FIELDS + ("photo_consent",)}


class RegistrationForm(DetailsForm):
    """The public sign-up form."""

    privacy_consent = BooleanField(
        validators=[DataRequired(message=_l("Please accept the privacy notice to register."))]
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, event=event, **kwargs)
        url = url_for("registration.privacy", slug=event.slug)
        # The translations are text; the link is the only markup.
        link = Markup('<a href="{}" target="_blank">{}</a>').format(url, _("privacy notice"))
        self.privacy_consent.label.text = escape(
            _("I accept the %(privacy_notice)s (opens in a new tab).")
        ) % {"privacy_notice": link}

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
        super().__init__(max=limit, message=TOO_LONG_MESSAGE)
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


def in_page_language(text: Localized, language: str) -> Markup:
    """Organiser-written text, escaped, in a `<span lang>` when it is not in `language`
    (a translation missing: the main language's text shows)."""
    if text.language == language:
        return escape(str(text))
    return Markup('<span lang="{}">{}</span>').format(language_tag(text.language), str(text))


def question_field(question: Question, *, public: bool):
    """The form field asking `question`. On public forms a required question must be
    answered and the others say "(optional)"; organisers may leave any answer empty.
    On public forms the label, help text and choices are in the page's language where
    translated; a choice's value stays the main language's, which the answer stores."""
    kind = question.kind
    must = public and question.required
    language = str(get_locale())
    shown: list[str]  # Markup on public forms (a fallback carries its lang)
    if public:
        label = in_page_language(localized(question, "label", language), language)
        help_text = localized(question, "help_text", language)
        description = in_page_language(help_text, language) if help_text.text else ""
        shown = [in_page_language(c, language) for c in localized_choices(question, language)]
    else:
        label, description = escape(question.label), question.help_text
        shown = list(question.choices)
    if public and not question.required and kind != QuestionKind.CHECKBOX:
        label = escape(_("%(label)s (optional)")) % {"label": label}
    validators = [DataRequired(message=REQUIRED_MESSAGES[kind]) if must else Optional()]
    options_ = list(zip(question.choices, shown, strict=True))
    if kind == QuestionKind.CHECKBOX:
        return BooleanField(label, validators=validators if must else [], description=description)
    if kind == QuestionKind.SINGLE_CHOICE:
        return OneChoiceField(
            label,
            choices=options(options_),
            validate_choice=False,
            validators=[*validators, offered_option],
            filters=[clean_text],
            description=description,
        )
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return MultiCheckboxField(
            label,
            choices=options(options_),
            validate_choice=False,
            validators=[*validators, offered_option],
            filters=[clean_texts],
            description=description,
        )
    limit = TextLimit(answers.TEXT_LIMITS[kind])
    if kind == QuestionKind.LONG_TEXT:
        return TextAreaField(
            label, validators=[*validators, limit], render_kw={"rows": 4}, description=description
        )
    return StringField(label, validators=[*validators, limit], description=description)


class QuestionFields:
    """What with_questions adds to a form: the questions, their fields, their answers."""

    questions: list[Question] = []

    if TYPE_CHECKING:
        # Mixed into a Form (see with_questions), which gives its fields by name.
        def __getitem__(self, name: str) -> Field: ...

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
    return type(base)(base.__name__, (QuestionFields, base), {**namespace, "questions": questions})


def answers_data(registration: Registration) -> dict[str, object]:
    """The stored answers as the fields' initial values (keyword arguments of the form)."""
    return {field_name(q): answers.answer_of(registration, q) for q in registration.event.questions}


def signup_form(event: Event) -> RegistrationForm:
    """The public sign-up form of the event, its custom questions included, and the
    request for travel support when the event offers it."""
    form_class = with_questions(RegistrationForm, event, public=True)
    if event.support_on_signup:
        form_class = with_support_request(form_class)
    return form_class(event=event)


class ConfirmForm(CleanForm):
    """Only the CSRF token: the "are you sure?" step of cancelling and erasing."""


def details_form(registration: Registration) -> DetailsForm:
    """The edit form: what was posted, else the registration as it is."""
    form_class = with_questions(DetailsForm, registration.event, public=True)
    return form_class(obj=registration, event=registration.event, **answers_data(registration))
