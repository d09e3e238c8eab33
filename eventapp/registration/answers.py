"""Answers to an event's custom sign-up questions: checking them, showing them as text,
and changing them with a log entry.

`Registration.answers` maps the question's id (as a string, JSON keys are strings) to
the answer: the text for a short or long text and for a single choice, the options
ticked (in the question's order) for a multiple choice, a boolean for a checkbox.
An empty answer is not stored; a checkbox always is, since unticked means "no".
Choices are stored by their text, so an export reads without the question at hand.

Whether a question must be answered is the form's rule, not this module's: the public
forms require it, organisers may leave an answer empty (they add people who never saw
the form). Plain functions over models, no request: the views commit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _

from eventapp.core.changelog import record
from eventapp.core.translated import localized_choices
from eventapp.models import Question, QuestionKind, Registration

#: Longest answer accepted for each kind of text question, in characters.
TEXT_LIMITS = {QuestionKind.SHORT_TEXT: 300, QuestionKind.LONG_TEXT: 4000}
CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
#: How lists of options are joined in exports, the change log and the pages.
SEPARATOR = "; "


def _nfc(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value)).strip()


def clean_one(question: Question, value: Any) -> Any:
    """One answer as it is stored, None when empty; ValueError for a text longer than
    its limit or an option the question does not offer. Never truncates."""
    kind = question.kind
    if kind == QuestionKind.CHECKBOX:
        return bool(value)
    if kind == QuestionKind.MULTIPLE_CHOICE:
        values = [value] if isinstance(value, str) else list(value or [])
        chosen = {_nfc(v) for v in values} - {""}
        unknown = chosen - set(question.choices)
        if unknown:
            raise ValueError(f"question {question.id}: not an option: {sorted(unknown)}")
        return [choice for choice in question.choices if choice in chosen] or None
    if value is None:
        return None
    text = _nfc(value)
    if not text:
        return None
    if kind == QuestionKind.SINGLE_CHOICE:
        if text not in question.choices:
            raise ValueError(f"question {question.id}: not an option: {text!r}")
        return text
    if len(text) > TEXT_LIMITS[kind]:
        raise ValueError(f"question {question.id}: longer than {TEXT_LIMITS[kind]} characters")
    return text


def clean(questions: Iterable[Question], raw: Mapping[Any, Any]) -> dict[str, Any]:
    """Answers keyed by question id (int or str), checked by clean_one; empty ones are
    left out. ValueError for an id that is not one of `questions`."""
    by_id = {str(q.id): q for q in questions}
    unknown = {str(k) for k in raw} - set(by_id)
    if unknown:
        raise ValueError(f"unknown questions: {sorted(unknown)}")
    answers = {}
    for key, question in by_id.items():
        value = clean_one(question, raw.get(key, raw.get(question.id)))
        if value is not None:
            answers[key] = value
    return answers


def as_text(value: Any, yes: str = "yes", no: str = "no") -> str:
    """An answer as one line of text: options joined with "; ", a checkbox as yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes if value else no
    if isinstance(value, list):
        return SEPARATOR.join(str(v) for v in value)
    return str(value)


def answer_of(registration: Registration, question: Question) -> Any:
    return (registration.answers or {}).get(str(question.id))


def update(registration: Registration, raw: Mapping[Any, Any]) -> dict[str, list]:
    """Replace the registration's answers with `raw` (checked by `clean`) and log what
    changed, by question label; {label: [old, new]} as text. Answers to questions that
    no longer exist are dropped. No commit."""
    questions = list(registration.event.questions)
    new = clean(questions, raw)
    old = dict(registration.answers or {})
    changes = {}
    for question in questions:
        key = str(question.id)
        if old.get(key) != new.get(key):
            changes[question.label] = [as_text(old.get(key)), as_text(new.get(key))]
    if new != old:
        registration.answers = new  # a new dict: the JSON column sees the change
    if changes:
        record(
            registration.event,
            "registration",
            registration.id,
            "answers",
            _("Answers changed: %(questions)s", questions=", ".join(changes)),
            changes,
        )
    return changes


def listed(registration: Registration, language: str | None = None) -> list[tuple[Question, str]]:
    """Every question of the event with the registration's answer as text, for pages;
    with a `language`, the options chosen read in it where translated (what is stored
    stays the main language's option)."""
    return [
        (
            question,
            as_text(
                shown_in(question, answer_of(registration, question), language), _("Yes"), _("No")
            ),
        )
        for question in registration.event.questions
    ]


def shown_in(question: Question, value: Any, language: str | None) -> Any:
    """An answer with its options (stored in the main language) in `language`."""
    if language is None or not question.choices or not value:
        return value
    names = {
        main: str(text)
        for main, text in zip(question.choices, localized_choices(question, language), strict=True)
    }
    if isinstance(value, list):
        return [names.get(v, v) for v in value]
    return names.get(value, value) if isinstance(value, str) else value
