"""An event's survey: make it, set it up, its questions, open and close it, and record a
person's answers once.

Plain functions over models, no request: the views commit (`submit` too: its unique key
is what makes "once" hold when two answers arrive together).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from eventapp.core.changelog import record
from eventapp.core.translated import set_translations
from eventapp.extensions import db
from eventapp.models import (
    AgendaItem,
    Event,
    Question,
    QuestionKind,
    Registration,
    Status,
    Survey,
    SurveyParticipation,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyResponse,
    SurveyStatus,
)
from eventapp.models.types import utcnow
from eventapp.registration import answers as signup_answers

#: The settings an organiser changes on the survey's page.
SETTINGS = ("title", "introduction", "anonymous", "reminder_days")


class AlreadyAnswered(Exception):
    """The person has answered this survey."""


def survey_of(event: Event) -> Survey | None:
    """The event's survey, if it has one."""
    return db.session.scalar(select(Survey).where(Survey.event_id == event.id))


def answer_count(survey: Survey) -> int:
    """How many people have answered."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.survey_id == survey.id)
        )
        or 0
    )


def anonymity_fixed(survey: Survey) -> bool:
    """Whether the anonymous setting can no longer change: once someone has answered,
    people answered under the promise it made."""
    return answer_count(survey) > 0


def save_settings(event: Event, survey: Survey | None, data: dict[str, Any]) -> Survey:
    """Make the event's survey, or change its settings. `anonymous` is left as it is
    once anonymity_fixed (the form does not offer it then either). `data["translations"]`
    holds the title and introduction in the event's other languages ({language: {field:
    text}})."""
    if survey is None:
        survey = Survey(event=event, status=SurveyStatus.DRAFT)
        db.session.add(survey)
        record(
            event, "survey", None, "create", _("Survey “%(title)s” created", title=data["title"])
        )
    elif anonymity_fixed(survey):
        data = {**data, "anonymous": survey.anonymous}
    for name in SETTINGS:
        if name in data:
            setattr(survey, name, data[name])
    set_translations(survey, data.get("translations") or {})
    return survey


def set_rated_items(survey: Survey, item_ids: list[int]) -> None:
    """The agenda items people rate one by one (ids of the event's items)."""
    items = db.session.scalars(
        select(AgendaItem).where(
            AgendaItem.event_id == survey.event_id, AgendaItem.id.in_(item_ids)
        )
    ).all()
    survey.rated_items = sorted(items, key=lambda i: (i.starts_at, i.position, i.id))


#: What an organiser sets of a question (its translations apart).
QUESTION_FIELDS = ("label", "kind", "help_text", "required", "choices")


def add_question(survey: Survey, data: dict[str, Any]) -> SurveyQuestion:
    """A question at the end of the survey (with its translations, if any)."""
    question = SurveyQuestion(
        survey=survey, position=max((q.position + 1 for q in survey.questions), default=0)
    )
    db.session.add(question)
    return save_question(question, data)


def save_question(question: SurveyQuestion, data: dict[str, Any]) -> SurveyQuestion:
    """Change a question: its texts and, in `data["translations"]`, their versions in the
    event's other languages. The view keeps the kind and options once people answered
    (answers hold the main language's option: results count by it)."""
    for name in QUESTION_FIELDS:
        if name in data:
            setattr(question, name, data[name])
    set_translations(question, data.get("translations") or {})
    return question


def delete_question(question: SurveyQuestion) -> None:
    """Delete a question; answers already given to it are no longer shown (they stay in
    the answers' JSON, tied to no question)."""
    survey = question.survey
    survey.questions.remove(question)
    db.session.delete(question)


def move_question(question: SurveyQuestion, offset: int) -> None:
    """Up (offset < 0) or down (> 0) the survey, renumbering positions 0..n-1."""
    order = sorted(question.survey.questions, key=lambda q: (q.position, q.id))
    index = order.index(question)
    order.remove(question)
    order.insert(max(0, min(len(order), index + offset)), question)
    for position, q in enumerate(order):
        q.position = position


def set_status(survey: Survey, status: SurveyStatus) -> None:
    """Open (people can answer), close (no new answers, results kept) or reopen."""
    if status == survey.status:
        return
    survey.status = status
    summary = {
        SurveyStatus.OPEN: _("Survey opened"),
        SurveyStatus.CLOSED: _("Survey closed"),
        SurveyStatus.DRAFT: _("Survey back to draft"),
    }[status]
    record(survey.event, "survey", survey.id, "status", summary)


def may_answer(registration: Registration) -> bool:
    """Who may answer: confirmed people and whoever was checked in (their link is on
    their own page; the e-mail goes to those checked in)."""
    return registration.status == Status.CONFIRMED or registration.checked_in_at is not None


def open_survey_for(registration: Registration) -> Survey | None:
    """The survey the person can answer now (for their own page), or None."""
    survey = survey_of(registration.event)
    if survey is None or survey.status != SurveyStatus.OPEN or not may_answer(registration):
        return None
    return survey


def has_answered(survey: Survey, registration: Registration) -> bool:
    return db.session.get(SurveyParticipation, (survey.id, registration.id)) is not None


def submit(
    survey: Survey,
    registration: Registration,
    answers: dict[str, Any],
    ratings: dict[str, int],
    today: datetime | None = None,
) -> SurveyResponse:
    """Record the person's answers and that they answered (flushed, not committed).
    AlreadyAnswered when they had; the table's key refuses a second answer sent at the
    same moment (IntegrityError at the flush, for the view to treat the same way).

    Anonymous: the answer and the participation share nothing but the survey."""
    if has_answered(survey, registration):
        raise AlreadyAnswered
    response = SurveyResponse(
        id=uuid.uuid4(),
        survey_id=survey.id,
        answers=answers,
        ratings=ratings,
        answered_on=(today or utcnow()).date(),
    )
    db.session.add(response)
    db.session.flush()
    db.session.add(
        SurveyParticipation(
            survey_id=survey.id,
            registration_id=registration.id,
            response_id=None if survey.anonymous else response.id,
        )
    )
    db.session.flush()
    return response


def answered_ids(survey: Survey) -> set[int]:
    """Registration ids of the people who answered."""
    return set(
        db.session.scalars(
            select(SurveyParticipation.registration_id).where(
                SurveyParticipation.survey_id == survey.id
            )
        )
    )


# --- Answers -----------------------------------------------------------------------------

#: The two scales: (lowest, highest).
SCALES = {SurveyQuestionKind.RATING: (1, 5), SurveyQuestionKind.RECOMMENDATION: (0, 10)}
#: Per-session ratings are on the rating scale.
SESSION_SCALE = SCALES[SurveyQuestionKind.RATING]


def signup_question(question: SurveyQuestion) -> Question:
    """The sign-up form's question of the same kind, never saved: a survey's text,
    choice and checkbox questions are asked and checked by the sign-up form's own code
    (registration.forms.question_field, registration.answers.clean_one)."""
    assert question.kind not in SCALES
    asked = Question(
        id=question.id,
        kind=QuestionKind(question.kind.value),
        label=question.label,
        help_text=question.help_text,
        required=question.required,
        choices=list(question.choices),
        # The texts in the event's other languages: the form shows the page's language.
        translations=dict(question.translations or {}),
    )
    # The event, for the form's languages and which of them are offered, set
    # without the relationship's events: `event=` would add the question to
    # event.questions, and the session would save it with the event.
    set_committed_value(asked, "event", question.survey.event)
    return asked


def clean_scale(value: Any, scale: tuple[int, int]) -> int | None:
    """A point of the scale as an int, None when empty; ValueError outside it."""
    if value in (None, ""):
        return None
    number = int(value)
    if not scale[0] <= number <= scale[1]:
        raise ValueError(f"{number} is outside {scale}")
    return number


def clean_answers(survey: Survey, raw: dict[str, Any]) -> dict[str, Any]:
    """The answers as stored, keyed by question id (str), empty ones left out:
    ValueError for an answer a question does not accept."""
    cleaned = {}
    for question in survey.questions:
        value = raw.get(str(question.id))
        if question.kind in SCALES:
            stored = clean_scale(value, SCALES[question.kind])
        else:
            stored = signup_answers.clean_one(signup_question(question), value)
        if stored is not None:
            cleaned[str(question.id)] = stored
    return cleaned


def clean_ratings(survey: Survey, raw: dict[str, Any]) -> dict[str, int]:
    """Per-session ratings keyed by agenda item id (str), for the items rated only."""
    cleaned = {}
    for item in survey.rated_items:
        stored = clean_scale(raw.get(str(item.id)), SESSION_SCALE)
        if stored is not None:
            cleaned[str(item.id)] = stored
    return cleaned


def personal_answers(registration: Registration) -> dict[str, Any]:
    """For the person's copy of their data: their answers to a linked survey, by
    question label (and session title). An anonymous survey's answers are nobody's:
    nothing finds them from the person, which is the point."""
    survey = survey_of(registration.event)
    if survey is None or survey.anonymous:
        return {}
    participation = db.session.get(SurveyParticipation, (survey.id, registration.id))
    if participation is None or participation.response_id is None:
        return {}
    response = db.session.get(SurveyResponse, participation.response_id)
    if response is None:
        return {}
    answers = {
        q.label: response.answers[str(q.id)]
        for q in survey.questions
        if str(q.id) in response.answers
    }
    ratings = {
        item.title: response.ratings[str(item.id)]
        for item in survey.rated_items
        if str(item.id) in response.ratings
    }
    return {"survey_answers": {**answers, **ratings}}
