"""A survey's results: for each question its count, average and distribution (or the
texts written), the per-session ratings side by side, and, for linked surveys, the
averages by registration category, where a category with fewer than SMALL_GROUP answers
shows no figure (a small group's answers would tell who gave them).

Plain functions over models, for the results page, the spreadsheet and the funder's
report alike. Answers are counted in Python: a survey has a few thousand at most, and
JSON keys cannot be queried the same way on SQLite and PostgreSQL.

In the event's main language, whoever reads them: answers given in any language hold the
main language's option (the form shows a translation, sends the main text), so each
option is counted once; the labels are the organisers' own, for the organisers and the
funder.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import (
    AgendaItem,
    Category,
    Registration,
    Survey,
    SurveyParticipation,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyResponse,
)
from eventapp.surveys.services import SCALES, SESSION_SCALE

#: Fewer answers than this in a category: no breakdown for it.
SMALL_GROUP = 5


@dataclass
class Distribution:
    """How many answers each option (or point of a scale) got, in the options' order."""

    #: (option as text, count)
    counts: list[tuple[str, int]]
    #: How many answered: a multiple choice's counts may add up to more.
    answered: int

    def share(self, count: int) -> float:
        """The count as a fraction of those who answered (0 when nobody did)."""
        return count / self.answered if self.answered else 0.0


@dataclass
class CategoryLine:
    category: Category
    #: None when fewer than SMALL_GROUP answered in the category (then average is None too).
    answered: int | None
    average: float | None

    @property
    def suppressed(self) -> bool:
        return self.answered is None


@dataclass
class QuestionResult:
    question: SurveyQuestion
    #: How many people answered the question.
    answered: int
    #: The scales only.
    average: float | None = None
    distribution: Distribution | None = None
    #: The text questions: what people wrote, in no particular order.
    texts: list[str] = field(default_factory=list)
    #: The recommendation scale: promoters (9-10) minus detractors (0-6), in % points.
    net_promoter_score: int | None = None
    #: Linked surveys, scales only: by registration category.
    by_category: list[CategoryLine] = field(default_factory=list)


@dataclass
class SessionResult:
    item: AgendaItem
    answered: int
    average: float | None
    distribution: Distribution


@dataclass
class Results:
    survey: Survey
    #: How many people answered the survey.
    responses: int
    questions: list[QuestionResult]
    sessions: list[SessionResult]


def average(values: list[int]) -> float | None:
    """The mean, rounded to two decimals; None for no values."""
    return round(sum(values) / len(values), 2) if values else None


def scale_distribution(values: list[int], scale: tuple[int, int]) -> Distribution:
    """Counts of each point of the scale, lowest first."""
    counter = Counter(values)
    return Distribution(
        [(str(n), counter[n]) for n in range(scale[0], scale[1] + 1)], answered=len(values)
    )


def net_promoter_score(values: list[int]) -> int | None:
    """% of 9-10 minus % of 0-6, rounded; None for no values."""
    if not values:
        return None
    promoters = sum(v >= 9 for v in values)
    detractors = sum(v <= 6 for v in values)
    return round(100 * (promoters - detractors) / len(values))


def responses_of(survey: Survey) -> list[SurveyResponse]:
    """The survey's answers, by day, then in their (random) key's order."""
    return list(
        db.session.scalars(
            select(SurveyResponse)
            .where(SurveyResponse.survey_id == survey.id)
            .order_by(SurveyResponse.answered_on, SurveyResponse.id)
        )
    )


def people_of(survey: Survey) -> dict[uuid.UUID, Registration]:
    """A linked survey's answers' authors, by answer id; empty for anonymous surveys."""
    if survey.anonymous:
        return {}
    rows = db.session.execute(
        select(SurveyParticipation.response_id, Registration)
        .join(Registration, Registration.id == SurveyParticipation.registration_id)
        .where(
            SurveyParticipation.survey_id == survey.id,
            SurveyParticipation.response_id.is_not(None),
        )
    )
    return {response_id: registration for response_id, registration in rows if response_id}


def by_category(
    values: list[tuple[Category, int]], small_group: int = SMALL_GROUP
) -> list[CategoryLine]:
    """Average by category, in the categories' order, each with fewer than `small_group`
    answers suppressed."""
    grouped: dict[Category, list[int]] = defaultdict(list)
    for category, value in values:
        grouped[category].append(value)
    lines = []
    for category in Category:
        if category not in grouped:
            continue
        found = grouped[category]
        if len(found) < small_group:
            lines.append(CategoryLine(category, None, None))
        else:
            lines.append(CategoryLine(category, len(found), average(found)))
    return lines


def question_result(
    question: SurveyQuestion,
    responses: list[SurveyResponse],
    people: dict[uuid.UUID, Registration],
) -> QuestionResult:
    """One question's figures (see QuestionResult)."""
    key = str(question.id)
    given = [(r, r.answers[key]) for r in responses if r.answers.get(key) not in (None, "", [])]
    result = QuestionResult(question, answered=len(given))
    kind = question.kind
    if kind in SCALES:
        values = [int(v) for _r, v in given]
        result.average = average(values)
        result.distribution = scale_distribution(values, SCALES[kind])
        if kind == SurveyQuestionKind.RECOMMENDATION:
            result.net_promoter_score = net_promoter_score(values)
        if people:
            result.by_category = by_category(
                [(people[r.id].category, int(v)) for r, v in given if r.id in people]
            )
    elif kind in (SurveyQuestionKind.SINGLE_CHOICE, SurveyQuestionKind.MULTIPLE_CHOICE):
        counter: Counter = Counter()
        for _r, value in given:
            counter.update(value if isinstance(value, list) else [value])
        # Options no longer offered, but chosen before, come last.
        order = list(question.choices) + sorted(set(counter) - set(question.choices))
        result.distribution = Distribution([(o, counter[o]) for o in order], len(given))
    elif kind == SurveyQuestionKind.CHECKBOX:
        ticked = sum(bool(v) for _r, v in given)
        result.answered = len(responses)  # not ticked is an answer: "no"
        result.distribution = Distribution(
            [(_("Yes"), ticked), (_("No"), len(responses) - ticked)], len(responses)
        )
    else:
        result.texts = [str(v) for _r, v in given]
    return result


def session_result(item: AgendaItem, responses: list[SurveyResponse]) -> SessionResult:
    """One rated agenda item's ratings."""
    values = [int(r.ratings[str(item.id)]) for r in responses if str(item.id) in r.ratings]
    return SessionResult(
        item, len(values), average(values), scale_distribution(values, SESSION_SCALE)
    )


def results(survey: Survey) -> Results:
    """Every figure of the survey (see the module docstring)."""
    responses = responses_of(survey)
    people = people_of(survey)
    return Results(
        survey=survey,
        responses=len(responses),
        questions=[question_result(q, responses, people) for q in survey.questions],
        sessions=[session_result(item, responses) for item in survey.rated_items],
    )


def answer_rows(survey: Survey) -> tuple[list[str], list[list[Any]]]:
    """Every answer as a row of values (the spreadsheet's): the day, for linked surveys
    the person's name and category, then one column per question and rated session.
    Scales are numbers, checkboxes booleans, multiple choices joined with "; "."""
    people = people_of(survey)
    header = [_("Answered on")]
    if not survey.anonymous:
        header += [_("Name"), _("Category")]
    header += [q.label for q in survey.questions] + [i.title for i in survey.rated_items]
    rows = []
    for response in responses_of(survey):
        row: list[Any] = [response.answered_on]
        if not survey.anonymous:
            person = people.get(response.id)
            row += [person.full_name, person.category.value] if person else ["", ""]
        for question in survey.questions:
            value = response.answers.get(str(question.id))
            if isinstance(value, list):
                value = "; ".join(value)
            elif question.kind == SurveyQuestionKind.CHECKBOX:
                value = bool(value)
            row.append(value)
        row += [response.ratings.get(str(item.id)) for item in survey.rated_items]
        rows.append(row)
    return header, rows
