"""The event's own sign-up questions: add, change, reorder, delete with their answers."""

from collections import Counter
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from eventapp.core.changelog import record, save_logged, snapshot
from eventapp.extensions import db
from eventapp.models import Event, Question, Registration

QUESTION_FIELDS = ("kind", "label", "help_text", "required", "choices", "reports_gender")


def save_question(event: Event, question: Question | None, data: dict[str, Any]) -> Question:
    """Add a question at the end of the form, or change one."""
    return save_logged(
        event,
        question,
        data,
        QUESTION_FIELDS,
        entity="question",
        new=lambda: Question(
            event=event, position=max((q.position + 1 for q in event.questions), default=0)
        ),
        created=lambda q: _("Question “%(label)s” added", label=q.label),
        changed=lambda q: _("Question “%(label)s” changed", label=q.label),
    )


def question_label_taken(event: Event, label: str, exclude: Question | None = None) -> bool:
    """Labels are unique per event, whatever the letter case: they head the export's
    columns, and an import finds the answers by them."""
    return any(q.label.casefold() == label.casefold() and q is not exclude for q in event.questions)


def answer_counts(event: Event) -> Counter:
    """{question id: how many registrations hold an answer to it}. JSON keys cannot be
    queried the same way on SQLite and PostgreSQL, and an event has a few thousand
    registrations at most: they are counted here."""
    counts: Counter = Counter()
    for answers in db.session.scalars(
        select(Registration.answers).where(Registration.event_id == event.id)
    ):
        counts.update(int(key) for key in (answers or {}) if key.isdigit())
    return counts


def delete_question(question: Question) -> int:
    """Delete the question and the answers given to it (the export loses its column);
    how many answers went. The answers are personal data nobody could see any more."""
    event, key = question.event, str(question.id)
    removed = 0
    for registration in db.session.scalars(
        select(Registration).where(Registration.event_id == event.id)
    ):
        if key in (registration.answers or {}):
            registration.answers = {k: v for k, v in registration.answers.items() if k != key}
            removed += 1
    record(
        event,
        "question",
        question.id,
        "delete",
        _(
            "Question “%(label)s” deleted with its %(num)d answers",
            label=question.label,
            num=removed,
        ),
        {**snapshot(question, QUESTION_FIELDS), "answers": removed},
    )
    event.questions.remove(question)
    db.session.delete(question)
    return removed


def move_question(question: Question, offset: int) -> None:
    """Move a question up (offset < 0) or down (offset > 0) on the form; past the top or
    the bottom is the top or the bottom. Positions are renumbered 0..n-1."""
    order = sorted(question.event.questions, key=lambda q: (q.position, q.id))
    before = [q.label for q in order]
    index = order.index(question)
    order.remove(question)
    order.insert(max(0, min(len(order), index + offset)), question)
    for position, q in enumerate(order):
        q.position = position
    after = [q.label for q in order]
    if after != before:
        record(
            question.event,
            "question",
            question.id,
            "reorder",
            _("Questions reordered"),
            {"order": [before, after]},
        )
