"""The funder report's figures: who came, from where, in which capacity, who spoke.

Definitions (the report prints them too):

* registered: confirmed registrations, erased ones included (retention keeps their
  country, category and check-in time for exactly this); pending, waitlisted, cancelled
  and declined people are not counted.
* attended: of those, the ones checked in (Registration.checked_in_at: an undone
  check-in does not count), as on the attendance page.
* organisation type: eventapp records none, so the registration category (participant,
  speaker, organiser, press, staff) stands in for it. Organisations are also listed by
  name (erased registrations have none: counted apart).
* region: the UN M.49 continent of the country (reports/regions.py).
* gender: only when the event asked for it (a sign-up question the organisers marked
  with reports_gender; the first one if several) and only in aggregate, over the
  confirmed people whose data is not erased: an answer given by fewer than 5 people is
  merged into "other answers or no answer" with those who did not answer; when that
  group is under 5, the smallest shown group joins it (else it could be worked out
  from the total), and the number of answers is not printed. No figure at all below 5
  answers. Answers are grouped as search compares text (core/folding.py), shown in
  their most common spelling.
* speakers: the speaker profiles on the agenda (any role); panels: panel items and
  any item with panellists, as in the programme.
* survey results: survey_section() (below), the surveys feature's figures
  (surveys/results.py): answers and response rate (out of those attended), the average
  of each rating and recommendation question (and the latter's net promoter score), the
  rated sessions' averages. A figure from fewer than 5 answers is not given; nothing is
  printed for an event without a survey or without answers. The survey's title and
  questions are the main language's, as the results page's (translations are for the
  people who answer).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventapp.core.folding import fold
from eventapp.core.i18n import country_name, local_datetime, territories
from eventapp.core.labels import CATEGORIES
from eventapp.extensions import db
from eventapp.models import (
    AgendaItem,
    AgendaRole,
    Category,
    Event,
    ItemKind,
    Question,
    Registration,
    RoleKind,
    Status,
)
from eventapp.models.types import utcnow
from eventapp.reports.regions import ORDER as REGION_ORDER
from eventapp.reports.regions import region_of
from eventapp.surveys.charts import number
from eventapp.surveys.results import results as survey_results
from eventapp.surveys.services import SCALES, survey_of

#: Smallest group reported by gender; fewest answers a survey figure is given for.
SMALLEST_GROUP = 5


@dataclass
class Line:
    """One row of a breakdown: registered and attended."""

    label: str
    registered: int = 0
    attended: int = 0
    #: A stable key for tests and anchors (country code, region code, category).
    key: str = ""

    @property
    def percent(self) -> int | None:
        return self.attended * 100 // self.registered if self.registered else None


@dataclass
class Speaker:
    name: str
    organisation: str
    country: str
    sessions: int


@dataclass
class Panel:
    title: str
    when: str
    #: (name, country name) of its moderators, chairs and panellists, in order.
    people: list[tuple[str, str]]


@dataclass
class GenderLine:
    label: str
    #: None: fewer than SMALLEST_GROUP, printed as such.
    count: int | None


@dataclass
class Gender:
    question: str
    answered: int
    lines: list[GenderLine]


@dataclass
class SurveySection:
    """What the surveys feature gives the report: a title, lines of (label, value) and
    optional notes. Kept minimal so either side can change without the other."""

    title: str
    lines: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Rated sessions: (title, average out of 5, number of ratings), as text.
    sessions: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Report:
    event: Event
    language: str
    generated: str
    total: Line
    by_country: list[Line]
    by_region: list[Line]
    by_category: list[Line]
    by_organisation: list[Line]
    #: Registrations counted above whose organisation was erased.
    erased: int
    speakers: list[Speaker]
    panels: list[Panel]
    key_figures: list[dict[str, Any]]
    gender: Gender | None
    survey: SurveySection | None


class Counted(NamedTuple):
    """What the report reads of a confirmed registration."""

    country: str
    category: Category
    organisation: str
    checked_in_at: datetime | None
    anonymised_at: datetime | None
    answers: dict[str, Any]


def _registered(event: Event) -> list[Counted]:
    # Columns, not Registration objects: at 2,000 people the objects' other columns
    # (dates, enums, JSON) took most of the report's time, and a figure added later
    # cannot lazy-load anything per person from a tuple.
    rows = db.session.execute(
        select(*(getattr(Registration, name) for name in Counted._fields)).where(
            Registration.event_id == event.id, Registration.status == Status.CONFIRMED
        )
    )
    return [Counted(*row) for row in rows]


def breakdown(
    people: Iterable[Counted],
    key: Callable[[Counted], str],
    label: Callable[[str], str],
    order: Callable[[Line], Any] | None = None,
) -> list[Line]:
    """Registered and attended per key, most attended first (then by label)."""
    lines: dict[str, Line] = {}
    for person in people:
        k = key(person)
        line = lines.get(k) or lines.setdefault(k, Line(label=label(k), key=k))
        line.registered += 1
        line.attended += person.checked_in_at is not None
    return sorted(
        lines.values(),
        key=order or (lambda line: (-line.attended, -line.registered, fold(line.label))),
    )


def _organisations(people: list[Counted]) -> list[Line]:
    """By organisation name as typed, grouped without case or accents; the most common
    spelling names the group."""
    spellings: dict[str, Counter] = {}
    for person in people:
        name = " ".join(person.organisation.split())
        spellings.setdefault(fold(name), Counter())[name] += 1
    names = {k: c.most_common(1)[0][0] for k, c in spellings.items()}
    return breakdown(
        people,
        lambda p: fold(" ".join(p.organisation.split())),
        lambda k: names[k] or _("Not given"),
    )


def gender_question(event: Event) -> Question | None:
    """The sign-up question the organisers marked as asking for gender, if any."""
    return db.session.scalar(
        select(Question)
        .where(Question.event_id == event.id, Question.reports_gender.is_(True))
        .order_by(Question.position, Question.id)
        .limit(1)
    )


def gender_figures(question: Question, people: list[Counted]) -> Gender | None:
    """Answers in aggregate, groups under SMALLEST_GROUP merged (see the module's
    docstring); None when fewer than SMALLEST_GROUP people answered at all."""
    key = str(question.id)
    spellings: dict[str, Counter] = {}
    unanswered = 0
    for person in people:
        if person.anonymised_at is not None:
            continue  # answers are erased with the rest
        value = (person.answers or {}).get(key)
        if isinstance(value, list):
            value = ", ".join(value)
        text = " ".join(str(value).split()) if value not in (None, "", False) else ""
        if not text:
            unanswered += 1
            continue
        spellings.setdefault(fold(text), Counter())[text] += 1
    answered = sum(sum(c.values()) for c in spellings.values())
    if answered < SMALLEST_GROUP:
        return None
    groups = sorted(
        ((counts.most_common(1)[0][0], sum(counts.values())) for counts in spellings.values()),
        key=lambda group: (-group[1], fold(group[0])),
    )
    shown = [group for group in groups if group[1] >= SMALLEST_GROUP]
    rest = unanswered + sum(count for label, count in groups if count < SMALLEST_GROUP)
    # A merged group under 5 could be worked out from the total: merge the smallest
    # shown group into it too, until it is 5 or more (or holds everyone).
    while 0 < rest < SMALLEST_GROUP and shown:
        rest += shown.pop()[1]
    lines = [GenderLine(label, count) for label, count in shown]
    if rest:
        lines.append(
            GenderLine(_("Other answers, or no answer"), rest if rest >= SMALLEST_GROUP else None)
        )
    return Gender(question=question.label, answered=answered, lines=lines)


def survey_section(event: Event, attended: int | None = None) -> SurveySection | None:
    """The survey results for the report, None when the event has no survey or nobody
    answered it. The figures are the results page's (surveys/results.py); any figure
    based on fewer than SMALLEST_GROUP answers is replaced by "fewer than 5 answers".
    `attended`: the report's count of people checked in, when it has it already."""
    survey = survey_of(event)
    if survey is None:
        return None
    found = survey_results(survey)
    if not found.responses:
        return None
    # The denominator of the rate: attended as above (the survey goes to them).
    if attended is None:
        attended = sum(p.checked_in_at is not None for p in _registered(event))
    few = _("fewer than 5 answers")

    def answers(num: int) -> str:
        return ngettext("%(num)d answer", "%(num)d answers", num)

    section = SurveySection(title=_("Survey results"))
    section.lines += [
        (_("Answers"), str(found.responses)),
        (_("People checked in"), str(attended)),
        (
            _("Response rate"),
            _("%(percent)d%%", percent=found.responses * 100 // attended) if attended else "–",
        ),
    ]
    for result in found.questions:
        if result.question.kind not in SCALES:
            continue  # texts and choices do not sum up in a figure
        top = SCALES[result.question.kind][1]
        shown = result.answered >= SMALLEST_GROUP
        section.lines.append(
            (
                _(
                    "%(question)s (average, out of %(top)d)",
                    question=result.question.label,
                    top=top,
                ),
                f"{number(result.average)} ({answers(result.answered)})" if shown else few,
            )
        )
        if result.net_promoter_score is not None:
            section.lines.append(
                (
                    _("%(question)s (net promoter score)", question=result.question.label),
                    f"{result.net_promoter_score:+d}" if shown else few,
                )
            )
    for session in found.sessions:
        shown = session.answered >= SMALLEST_GROUP
        section.sessions.append(
            (
                session.item.title,
                number(session.average) if shown else few,
                str(session.answered) if shown else "–",
            )
        )
    section.notes += [
        _(
            "From the survey “%(title)s”. Response rate: answers out of the people checked in.",
            title=survey.title,
        ),
        _(
            "Net promoter score: the share of answers of 9 or 10 minus the share of 0 to 6,"
            " in percentage points, from -100 to +100."
        ),
        _("A figure based on fewer than 5 answers is not given."),
    ]
    return section


def _speakers_and_panels(event: Event) -> tuple[list[Speaker], list[Panel]]:
    items = list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.event_id == event.id)
            .options(selectinload(AgendaItem.roles).selectinload(AgendaRole.person))
            .order_by(AgendaItem.starts_at, AgendaItem.position, AgendaItem.id)
        )
    )
    sessions: Counter = Counter()
    people = {}
    for item in items:
        for role in item.roles:
            people[role.person_id] = role.person
        sessions.update({person_id for person_id in (r.person_id for r in item.roles)})
    ordered = sorted(
        people.items(),
        key=lambda pair: (
            fold(pair[1].family_name or pair[1].given_name),
            fold(pair[1].given_name),
            pair[0],
        ),
    )
    speakers = [
        Speaker(
            name=person.full_name,
            organisation=person.organisation,
            country=country_name(person.country),
            sessions=sessions[person_id],
        )
        for person_id, person in ordered
    ]
    panels = []
    for item in items:
        if item.kind != ItemKind.PANEL and not item.panellists:
            continue
        names = [
            (person.full_name, country_name(person.country))
            for kind in (RoleKind.CHAIR, RoleKind.MODERATOR, RoleKind.PANELLIST, RoleKind.SPEAKER)
            for person in item.people_in(kind)
        ]
        when = local_datetime(item.starts_at, event.timezone, "medium")
        panels.append(Panel(title=item.title, when=when, people=names))
    return speakers, panels


def build_report(event: Event, language: str | None = None) -> Report:
    """Every figure of the report, labels in `language` (default: the site's first)."""
    language = language or current_app.config["LANGUAGES"][0]
    people = _registered(event)
    with force_locale(language):
        names = territories(language)
        region_names = {code: names.get(code, code) for code in REGION_ORDER}
        not_given = _("Not given")
        by_region = breakdown(
            people,
            lambda p: region_of(p.country) or "",
            lambda k: region_names.get(k) or not_given,
        )
        listed = [p for p in people if p.anonymised_at is None]
        speakers, panels = _speakers_and_panels(event)
        question = gender_question(event)
        total = Line(
            label=_("All"),
            registered=len(people),
            attended=sum(p.checked_in_at is not None for p in people),
        )
        return Report(
            event=event,
            language=language,
            generated=local_datetime(utcnow(), event.timezone, "medium"),
            total=total,
            by_country=breakdown(
                people, lambda p: p.country.upper(), lambda k: country_name(k) or not_given
            ),
            by_region=by_region,
            by_category=breakdown(
                people,
                lambda p: p.category.value,
                lambda k: str(CATEGORIES[Category(k)]),
                order=lambda line: list(Category).index(Category(line.key)),
            ),
            by_organisation=_organisations(listed),
            erased=len(people) - len(listed),
            speakers=speakers,
            panels=panels,
            key_figures=list(event.key_figures or []),
            gender=gender_figures(question, people) if question is not None else None,
            survey=survey_section(event, total.attended),
        )


def report_pdf(event: Event, language: str | None = None) -> bytes:
    """The funder report as a tagged PDF (PDF/UA)."""
    from eventapp.printing.funder_report import render_report

    return render_report(build_report(event, language))


def file_name(event: Event) -> str:
    return f"{event.slug}-report.pdf"
