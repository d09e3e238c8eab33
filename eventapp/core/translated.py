"""What organisers write, in each of the event's languages.

An event has a main language (``Event.language``) and may offer others
(``Event.extra_languages``), among the interface's (``eventapp.core.i18n.LANGUAGES``).
Every model with organiser-written text keeps the main language's text in its own
columns, as before, and the other languages' in one JSON column beside them::

    item.title          "Opening of the event"
    item.translations   {"fr": {"title": "Ouverture", "description": "..."},
                         "es": {"title": "Apertura"}}

Why JSON on each row rather than a table of translations (one row per object, field and
language): a page that lists 40 agenda items reads them in one query, with no join per
translated field and no second query to batch; a new language is a new key, not a
migration; copying an event copies the dict with the row; and the main columns stay what
every query, sort, search and export already uses. pretix does the same (its
``LazyI18nString`` keeps every language of a field in one JSON-encoded column). What we
give up, searching inside translations in SQL, nothing here needs.

Reading goes through ``localized``: the text in the asked language when it has one and
the event offers that language, else the main language's, and always which of the two
it is, so pages and PDFs mark fallback text with its own ``lang`` (a screen reader then
switches voice). A language the organiser removed from the event keeps its texts (no
loss on a slip of the mouse) but they are not shown until it is offered again.

Writing goes through ``set_translation``, which drops empty texts (an empty translation
is a missing one: the main language shows) and assigns a new dict, because SQLAlchemy
does not see changes made inside a JSON value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import select

from eventapp.core.i18n import LANGUAGES, language_tag
from eventapp.core.markdown import render_markdown
from eventapp.extensions import db
from eventapp.models import AgendaItem, Event, Person, Question, Room, Survey, SurveyQuestion

#: The translatable fields of each model, in the order forms show them.
FIELDS: dict[type, tuple[str, ...]] = {
    Event: ("title", "subtitle", "venue_name", "description", "privacy_notice"),
    Room: ("name",),
    AgendaItem: ("title", "description"),
    Person: ("position", "bio"),
    Question: ("label", "help_text", "choices"),
    Survey: ("title", "introduction"),
    SurveyQuestion: ("label", "help_text", "choices"),
}
#: Fields holding a list of texts (a question's choices), translated item by item.
LIST_FIELDS = frozenset({"choices"})


@dataclass(frozen=True)
class Localized:
    """A text and the language it is really in (the asked one, or the main one)."""

    text: Any  # str; list[str] for a question's choices
    language: str

    def __str__(self) -> str:
        return self.text if isinstance(self.text, str) else ", ".join(self.text)


def event_of(obj: Any) -> Event:
    """The event an object's text belongs to (the event itself for an event)."""
    return obj if isinstance(obj, Event) else obj.event


def event_languages(event: Event) -> list[str]:
    """The event's languages, main first, then the others in the switcher's order."""
    main = event.language if event.language in LANGUAGES else LANGUAGES[0]
    extra = set(event.extra_languages or ())
    return [main, *(code for code in LANGUAGES if code in extra and code != main)]


def offers(event: Event, language: str) -> bool:
    return language in event_languages(event)


def _filled(value: Any, main: Any) -> bool:
    """Whether a stored translation stands in for the main text: non-empty, and for a
    list as long as the main one with every entry written."""
    if isinstance(main, list):
        return (
            isinstance(value, list)
            and len(value) == len(main)
            and all(isinstance(v, str) and v.strip() for v in value)
        )
    return isinstance(value, str) and bool(value.strip())


def translation(obj: Any, language: str, field: str) -> Any:
    """The stored translation of a field ("" or [] when none), for forms."""
    value = (obj.translations or {}).get(language, {}).get(field)
    if value is None:
        return [] if field in LIST_FIELDS else ""
    return value


def localized(obj: Any, field: str, language: str) -> Localized:
    """`field` of `obj` in `language` if translated (and offered), else in the main one."""
    event = event_of(obj)
    main_text = getattr(obj, field)
    main = event_languages(event)[0]
    if language != main and offers(event, language):
        value = (obj.translations or {}).get(language, {}).get(field)
        if _filled(value, main_text):
            return Localized(value, language)
    return Localized(main_text if main_text is not None else "", main)


def localized_choices(question: Question | SurveyQuestion, language: str) -> list[Localized]:
    """A question's choices in `language`, each falling back to its main-language text
    on its own: what a form shows. Answers store the main text, at the same index."""
    event = event_of(question)
    main = event_languages(event)[0]
    value = (question.translations or {}).get(language, {}).get("choices")
    translated = (
        value
        if language != main
        and offers(event, language)
        and isinstance(value, list)
        and len(value) == len(question.choices)
        else [""] * len(question.choices)
    )
    return [
        Localized(text, language) if isinstance(text, str) and text.strip() else Localized(m, main)
        for text, m in zip(translated, question.choices, strict=True)
    ]


def figure_label(event: Event, figure: dict[str, Any], language: str) -> Localized:
    """A key figure's label (Event.key_figures: {"value", "label", "translations":
    {"fr": "..."}}) in `language`, else in the main language. Figures come with the
    event's data (the demo), not from a form, so they keep their translations inline."""
    main = event_languages(event)[0]
    text = (figure.get("translations") or {}).get(language)
    if language != main and offers(event, language) and isinstance(text, str) and text.strip():
        return Localized(text, language)
    return Localized(figure.get("label", ""), main)


def completeness(
    objects: Iterable[Any], fields: Sequence[str] | None, language: str
) -> tuple[int, int]:
    """(translated, to translate) among the non-empty main texts of `objects`' `fields`
    (None: each object's translatable FIELDS) in `language`."""
    done = total = 0
    for obj in objects:
        for field in fields if fields is not None else FIELDS[type(obj)]:
            main = getattr(obj, field)
            if not main or (isinstance(main, str) and not main.strip()):
                continue  # nothing written: nothing to translate
            total += 1
            value = (obj.translations or {}).get(language, {}).get(field)
            done += _filled(value, main)
    return done, total


def completeness_by_language(
    event: Event, objects: Sequence[Any], fields: Sequence[str] | None = None
) -> list[tuple[str, int, int]]:
    """(language, translated, to translate) for each of the event's other languages."""
    return [
        (language, *completeness(objects, fields, language))
        for language in event_languages(event)[1:]
    ]


def event_content(event: Event) -> list[Any]:
    """Everything of an event organisers write text in: the event, rooms, agenda items,
    speakers, sign-up questions, and the feedback survey and its questions."""
    survey = db.session.scalar(select(Survey).where(Survey.event_id == event.id))
    surveys: list[Any] = [survey, *survey.questions] if survey is not None else []
    return [event, *event.rooms, *event.agenda_items, *event.people, *event.questions, *surveys]


def set_translation(obj: Any, language: str, field: str, text: Any) -> bool:
    """Store `text` as `field` of `obj` in `language`; an empty one removes it. Returns
    whether anything changed. The main language's text is the column itself."""
    if field not in FIELDS[type(obj)]:
        raise ValueError(f"{type(obj).__name__}.{field} is not translatable")
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    if language == event_languages(event_of(obj))[0]:
        raise ValueError("the main language's text is the column itself")
    if isinstance(text, list):
        text = [str(t or "").strip() for t in text]
        empty = not any(text)
    else:
        text = (text or "").strip()
        empty = not text
    current = obj.translations or {}
    fields = dict(current.get(language, {}))
    if empty:
        if field not in fields:
            return False
        del fields[field]
    else:
        if fields.get(field) == text:
            return False
        fields[field] = text
    # A new dict (not a change inside the old one): SQLAlchemy compares the attribute.
    updated = {**current, language: fields}
    if not fields:
        del updated[language]
    obj.translations = updated
    return True


# --- Templates -------------------------------------------------------------------------


def _wrapped(html: Markup, language: str, page_language: str, element: str) -> Markup:
    if language == page_language:
        return html
    return Markup('<{0} lang="{1}">{2}</{0}>').format(Markup(element), language_tag(language), html)


def text_html(obj: Any, field: str, page_language: str) -> Markup:
    """The field's text, escaped, in a `<span lang>` when not in the page's language."""
    if obj is None:
        return Markup("")
    value = localized(obj, field, page_language)
    return _wrapped(escape(str(value)), value.language, page_language, "span")


def markdown_html(obj: Any, field: str, page_language: str) -> Markup:
    """A Markdown field rendered, in a `<div lang>` when not in the page's language."""
    if obj is None:
        return Markup("")
    value = localized(obj, field, page_language)
    if not value.text:
        return Markup("")
    return _wrapped(render_markdown(value.text), value.language, page_language, "div")


def figure_html(event: Event, figure: dict[str, Any], page_language: str) -> Markup:
    """A key figure's label, escaped, in a `<span lang>` when not in the page's language."""
    value = figure_label(event, figure, page_language)
    return _wrapped(escape(value.text), value.language, page_language, "span")


def plain_text(obj: Any, field: str, page_language: str) -> str:
    """The field's text alone, for where no element may go (`<title>`, attributes)."""
    if obj is None:
        return ""
    return str(localized(obj, field, page_language))


def set_translations(obj: Any, texts: dict[str, dict[str, Any]]) -> dict[str, list[Any]]:
    """Store {language: {field: text}} (what a form posted) on `obj`; returns the changes
    as the change log records them: {"title__fr": [before, after]}."""
    changes: dict[str, list[Any]] = {}
    main = event_languages(event_of(obj))[0]
    for language, fields in texts.items():
        if language == main:
            # The main language changed in the same form: its text is the columns'.
            continue
        for field, text in fields.items():
            before = translation(obj, language, field)
            if set_translation(obj, language, field, text):
                changes[f"{field}__{language}"] = [before, translation(obj, language, field)]
    return changes
