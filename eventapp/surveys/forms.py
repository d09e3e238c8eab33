"""The survey's forms: its settings, a question (the sign-up question form with two more
kinds), each with its texts in the event's other languages side by side, and the form a
person answers, whose text, choice and checkbox fields are the sign-up form's own
(registration.forms.question_field), in the page's language where translated."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import BooleanField, Field, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from eventapp.core.i18n import local_time
from eventapp.core.labels import QUESTION_KINDS
from eventapp.core.translated import localized
from eventapp.models import (
    AgendaItem,
    Event,
    Survey,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyStatus,
)
from eventapp.registration.forms import (
    MultiCheckboxField,
    OneChoiceField,
    in_page_language,
    offered_option,
    question_field,
)
from eventapp.registration.manage_questions import TOO_LONG, QuestionForm
from eventapp.surveys.services import SCALES, SESSION_SCALE, signup_question
from eventapp.web import translation_fields
from eventapp.web.forms import CleanForm, options

#: Every kind a survey question can be, as the organisers' form names them.
SURVEY_QUESTION_KINDS = {
    **{kind.value: label for kind, label in QUESTION_KINDS.items()},
    SurveyQuestionKind.RATING.value: _l("A rating from 1 to 5"),
    SurveyQuestionKind.RECOMMENDATION.value: _l("How likely to recommend, from 0 to 10"),
}
SURVEY_STATUSES = {
    SurveyStatus.DRAFT.value: _l("Draft"),
    SurveyStatus.OPEN.value: _l("Open for answers"),
    SurveyStatus.CLOSED.value: _l("Closed to answers"),
}
CHOICE_KINDS = {SurveyQuestionKind.SINGLE_CHOICE.value, SurveyQuestionKind.MULTIPLE_CHOICE.value}


class SettingsForm(CleanForm):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("Please give the survey a title.")),
            Length(max=200, message=TOO_LONG),
        ],
    )
    introduction = TextAreaField(
        _l("Introduction (optional)"),
        validators=[Optional(), Length(max=2000, message=TOO_LONG)],
        render_kw={"rows": 3},
    )
    anonymous = BooleanField(_l("Anonymous answers"))
    reminder_days = IntegerField(
        _l("Remind those who have not answered after (days)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=60, message=_l("Please give a number from 1 to 60.")),
        ],
    )
    rated_items = MultiCheckboxField(_l("Sessions rated one by one"), coerce=int, choices=[])

    def for_services(self) -> dict[str, Any]:
        return {
            "title": self.title.data,
            "introduction": self.introduction.data or "",
            "anonymous": self.anonymous.data,
            "reminder_days": self.reminder_days.data,
        }


#: What organisers translate of the survey, side by side with the main language's.
SURVEY_TEXTS = ("title", "introduction")


def settings_form(event: Event, survey: Survey | None, *, posted: bool = True) -> SettingsForm:
    """The settings form, with the title and introduction in the event's other languages
    and the rated sessions offered from the event's agenda items. Not `posted`: as saved,
    whatever the request holds (another form of the page was sent)."""
    more: dict[str, Any] = {} if posted else {"formdata": None}
    if survey is None:
        more.update(anonymous=True, reminder_days=7)
    else:
        # `data`: the items' ids, not the items the survey's attribute holds.
        more.update(obj=survey, data={"rated_items": [item.id for item in survey.rated_items]})
    form = translation_fields.translations_form(SettingsForm, event, SURVEY_TEXTS, **more)
    if survey is not None and (not posted or request.method == "GET"):
        translation_fields.fill(form, survey, SURVEY_TEXTS)
    form.rated_items.choices = [
        (item.id, f"{local_time(item.starts_at, event.timezone)} {item.title}")
        for item in event.agenda_items
    ]
    return form


class SurveyQuestionForm(QuestionForm):
    """The sign-up questions' form (checks of the options included), with the scales."""

    kind = SelectField(
        _l("Kind of answer"),
        default=SurveyQuestionKind.RATING.value,
        choices=options(SURVEY_QUESTION_KINDS.items()),
    )

    def data_for_services(self) -> dict:
        kind = SurveyQuestionKind(self.kind.data)
        return {
            "label": self.label.data,
            "kind": kind,
            "help_text": self.help_text.data or "",
            "required": self.required.data,
            "choices": self.typed_options() if kind.value in CHOICE_KINDS else [],
        }


# --- Answering --------------------------------------------------------------------------

SCALE_HELP = {
    SurveyQuestionKind.RATING: _l("1 is very poor, 5 is excellent."),
    SurveyQuestionKind.RECOMMENDATION: _l("0 is not at all likely, 10 is extremely likely."),
}


def scale_field(
    label: Markup, scale: tuple[int, int], *, required: bool, description: Markup | str = ""
):
    """A scale as a group of radio buttons (a fieldset with the question as its legend:
    arrow keys move along it). The label is Markup: a fallback text carries its lang."""
    if not required:
        label = escape(_("%(label)s (optional)")) % {"label": label}
    must = DataRequired(message=_l("Please choose a point of the scale."))
    return OneChoiceField(
        label,
        choices=options((str(n), str(n)) for n in range(scale[0], scale[1] + 1)),
        validate_choice=False,
        validators=[must if required else Optional(), offered_option],
        description=description,
    )


def question_name(question: SurveyQuestion) -> str:
    return f"q_{question.id}"


def item_name(item: AgendaItem) -> str:
    return f"item_{item.id}"


class AnswerForm(CleanForm):
    """A person's answers; with_fields gives it the survey's fields."""

    survey_questions: list[SurveyQuestion] = []
    survey_items: list[AgendaItem] = []

    if TYPE_CHECKING:

        def __getitem__(self, name: str) -> Field: ...

    @property
    def question_fields(self) -> list[tuple[SurveyQuestion, Field]]:
        return [(q, self[question_name(q)]) for q in self.survey_questions]

    @property
    def item_fields(self) -> list[tuple[AgendaItem, Field]]:
        return [(item, self[item_name(item)]) for item in self.survey_items]

    def answers(self) -> dict[str, Any]:
        """{question id: the field's data}, for services.clean_answers."""
        return {str(q.id): field.data for q, field in self.question_fields}

    def ratings(self) -> dict[str, Any]:
        """{agenda item id: the field's data}, for services.clean_ratings."""
        return {str(item.id): field.data for item, field in self.item_fields}


def answer_form(survey: Survey) -> AnswerForm:
    """The survey's form: its questions in order, then the sessions to rate, their texts
    in the page's language where translated (a choice's value stays the main language's,
    which the answer stores, so results count one option whatever the language)."""
    language = str(get_locale())
    namespace: dict[str, Any] = {}
    for question in survey.questions:
        if question.kind in SCALES:
            help_text = localized(question, "help_text", language)
            namespace[question_name(question)] = scale_field(
                in_page_language(localized(question, "label", language), language),
                SCALES[question.kind],
                required=question.required,
                description=(
                    in_page_language(help_text, language)
                    if help_text.text
                    else str(SCALE_HELP[question.kind])
                ),
            )
        else:
            namespace[question_name(question)] = question_field(
                signup_question(question), public=True
            )
    for item in survey.rated_items:
        namespace[item_name(item)] = scale_field(
            in_page_language(localized(item, "title", language), language),
            SESSION_SCALE,
            required=False,
            description=str(SCALE_HELP[SurveyQuestionKind.RATING]),
        )
    # The metaclass of WTForms' forms makes the class, as registration.forms does.
    metaclass: Any = type(AnswerForm)
    form_class: type[AnswerForm] = metaclass(
        "AnswerForm",
        (AnswerForm,),
        {
            **namespace,
            "survey_questions": list(survey.questions),
            "survey_items": list(survey.rated_items),
        },
    )
    return form_class()
