"""Registrations as spreadsheets (CSV and XLSX) and back: export, catering summary, and
reading an import file into checked rows.

Exported text cells that a spreadsheet would run as a formula (starting with =, +, -, @,
or a tab or carriage return) get a leading apostrophe; the import takes it off again.
The event's custom questions follow the fixed columns, one column each, headed by the
question's label: options ticked joined with "; ", a checkbox as yes or no.
An import is checked row by row here and committed all at once by the caller.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeVar
from zoneinfo import ZoneInfo

from babel import Locale
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eventapp.core.folding import fold
from eventapp.core.i18n import LANGUAGES
from eventapp.core.import_reader import ImportFileError, Limits, Table, read_table
from eventapp.core.labels import CATEGORIES, DIETARY
from eventapp.extensions import db
from eventapp.models import Category, Dietary, Event, Question, QuestionKind, Registration, Status
from eventapp.models.registration import email_key
from eventapp.registration import answers as answer_rules
from eventapp.registration import person_fields
from eventapp.registration.services import TEXT_FIELDS

__all__ = ["ImportFileError", "Limits", "Table", "read_table"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


#: (field, header) of every exported column, in order. The headers are translated;
#: the import recognises them in every language, and the field names too.
EXPORT_COLUMNS = [
    ("id", _l("ID")),
    ("status", _l("Status")),
    ("category", _l("Category")),
    ("honorific", _l("Honorific")),
    ("given_name", _l("Given name")),
    ("family_name", _l("Family name")),
    ("badge_name", _l("Badge name")),
    ("email", _l("E-mail")),
    ("organisation", _l("Organisation")),
    ("job_title", _l("Job title")),
    ("country", _l("Country code")),
    ("country_name", _l("Country")),
    ("dietary", _l("Dietary needs")),
    ("dietary_other", _l("Dietary needs (other)")),
    ("accessibility", _l("Accessibility needs")),
    ("photo_consent", _l("Photo consent")),
    ("privacy_consent_at", _l("Privacy consent given")),
    ("privacy_version", _l("Privacy notice version")),
    ("language", _l("Language")),
    ("counts_towards_capacity", _l("Public seat")),
    ("waitlisted_at", _l("On the waiting list since")),
    ("checked_in_at", _l("Checked in")),
    ("created_at", _l("Registered")),
    ("updated_at", _l("Last change")),
    ("anonymised_at", _l("Personal data erased")),
]


def neutralise(value):
    """Text a spreadsheet would run as a formula, made plain text with a leading "'"."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _export_values(registration: Registration, tz: ZoneInfo, country_name) -> list:
    """One row: enums as their codes, times as aware datetimes in the event's zone."""
    values = []
    for name, _header in EXPORT_COLUMNS:
        if name == "country_name":
            value = country_name(registration.country)
        else:
            value = getattr(registration, name)
        if isinstance(value, datetime):
            value = value.astimezone(tz)
        elif hasattr(value, "value"):  # an enum
            value = value.value
        elif value is None:
            value = ""
        values.append(value)
    return values


def _headers(event: Event) -> list[str]:
    return [str(header) for _name, header in EXPORT_COLUMNS] + [
        neutralise(question.label) for question in event.questions
    ]


def _answer_values(registration: Registration, questions: Sequence) -> list[str]:
    """The answers to the custom questions, as text, in the questions' order."""
    return [
        answer_rules.as_text(answer_rules.answer_of(registration, question))
        for question in questions
    ]


def to_csv(event: Event, registrations: Iterable[Registration], country_name=str) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads the accents and scripts right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_headers(event))
    tz = ZoneInfo(event.timezone)
    questions = list(event.questions)
    for registration in registrations:
        row = []
        for value in _export_values(registration, tz, country_name) + _answer_values(
            registration, questions
        ):
            if isinstance(value, datetime):
                value = value.isoformat(timespec="seconds")
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            row.append(neutralise(value))
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(event: Event, registrations: Iterable[Registration], country_name=str) -> bytes:
    """One sheet, times as local dates of the event (Excel has no time zones)."""
    # Imported here: openpyxl adds a quarter of a second to the start of every process.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Registrations")[:31])
    sheet.append(_headers(event))
    tz = ZoneInfo(event.timezone)
    questions = list(event.questions)
    for registration in registrations:
        row = []
        for value in _export_values(registration, tz, country_name) + _answer_values(
            registration, questions
        ):
            if isinstance(value, datetime):
                value = value.replace(tzinfo=None)
            row.append(neutralise(value))
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@dataclass
class Catering:
    by_need: list[tuple[Dietary, int]]
    #: What "other" means, as people wrote it, with how many wrote it.
    other: list[tuple[str, int]]
    total: int


def catering(event: Event) -> Catering:
    """Counts per dietary need of the confirmed registrations: what the caterer needs."""
    rows = db.session.execute(
        select(Registration.dietary, Registration.dietary_other).where(
            Registration.event_id == event.id, Registration.status == Status.CONFIRMED
        )
    ).all()
    needs = Counter(Dietary(d) for d, _other in rows)
    others = Counter(other.strip() or "—" for d, other in rows if d == Dietary.OTHER)
    return Catering(
        by_need=[(need, needs[need]) for need in Dietary],
        other=sorted(others.items(), key=lambda p: (-p[1], fold(p[0]))),
        total=len(rows),
    )


# --- Import -----------------------------------------------------------------------------

#: Seconds an uploaded file is kept for its preview; an import left unfinished longer
#: starts again with a new upload.
UPLOAD_LIFETIME = 3600

#: Fields an import may fill, with the headers they are guessed from (folded, any language).
IMPORT_FIELDS = {
    "honorific": ("honorific", "title", "civilite", "titre", "salutation"),
    "given_name": (
        "given name",
        "first name",
        "firstname",
        "first",
        "forename",
        "prenom",
        "given_name",
        "first_name",
    ),
    "family_name": (
        "family name",
        "last name",
        "lastname",
        "last",
        "surname",
        "nom",
        "nom de famille",
        "apellido",
        "sobrenome",
        "family_name",
        "last_name",
    ),
    "badge_name": ("badge name", "badge", "nom sur le badge", "badge_name"),
    "email": (
        "e-mail",
        "email",
        "mail",
        "email address",
        "e-mail address",
        "courriel",
        "adresse e-mail",
        "adresse electronique",
        "correo",
    ),
    "organisation": (
        "organisation",
        "organization",
        "company",
        "institution",
        "organisme",
        "employer",
    ),
    "job_title": ("job title", "position", "function", "fonction", "poste", "job_title"),
    "country": ("country code", "country", "pays", "code pays"),
    "category": ("category", "categorie", "type"),
    "dietary": ("dietary needs", "dietary", "diet", "regime alimentaire", "regime"),
    "dietary_other": (
        "dietary needs (other)",
        "dietary other",
        "dietary_other",
        "regime alimentaire (autre)",
    ),
    "accessibility": (
        "accessibility needs",
        "accessibility",
        "accessibilite",
        "besoins d'accessibilite",
    ),
    "photo_consent": ("photo consent", "photos", "photo", "consentement photo", "photo_consent"),
    "language": ("language", "langue", "lang", "idioma"),
}
REQUIRED_FIELDS = ("given_name", "family_name", "email")
#: Rows checked between two reports to check_rows' on_rows.
CHECK_STEP = 100
FIELD_LABELS = {
    "honorific": _l("Honorific"),
    "given_name": _l("Given name"),
    "family_name": _l("Family name"),
    "badge_name": _l("Badge name"),
    "email": _l("E-mail"),
    "organisation": _l("Organisation"),
    "job_title": _l("Job title"),
    "country": _l("Country"),
    "category": _l("Category"),
    "dietary": _l("Dietary needs"),
    "dietary_other": _l("Dietary needs (other)"),
    "accessibility": _l("Accessibility needs"),
    "photo_consent": _l("Photo consent"),
    "language": _l("Language"),
}
#: The text fields an import fills as they are typed, checked as the forms check them
#: (the country and the diet are looked up in their lists instead).
_TEXT_FIELDS = tuple(name for name in TEXT_FIELDS if name not in ("country", "dietary"))
UPLOAD_NAME = re.compile(r"[A-Za-z0-9_-]{24}\.(csv|xlsx)")
_YES = {"yes", "y", "true", "1", "x", "oui", "o", "vrai"}
_NO = {"no", "n", "false", "0", "non", "faux", ""}


def imports_folder() -> Path:
    """Where uploaded import files wait for their preview: instance/imports/<event id>/."""
    return Path(current_app.instance_path) / "imports"


def store_upload(folder: Path, event: Event, stream: BinaryIO, filename: str) -> Path:
    """Keep an uploaded file between the preview and the import, under a random name.

    Files left by imports never finished are removed on the way once older than
    UPLOAD_LIFETIME (and the CLI's clean-imports removes them too)."""
    discard_old_uploads(folder)
    folder = folder / str(event.id)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    path = folder / (secrets.token_urlsafe(18) + suffix)
    with path.open("wb") as out:
        shutil.copyfileobj(stream, out)
    return path


def discard_old_uploads(folder: Path) -> int:
    """Remove the uploads older than UPLOAD_LIFETIME; how many."""
    removed = 0
    for old in folder.glob("*/*.*"):
        if time.time() - old.stat().st_mtime > UPLOAD_LIFETIME:
            old.unlink(missing_ok=True)
            removed += 1
    return removed


def load_upload(folder: Path, event: Event, name: str) -> Path | None:
    """The stored file, None when the name is wrong or it is gone (or too old)."""
    if not UPLOAD_NAME.fullmatch(name or ""):
        return None
    path = folder / str(event.id) / name
    try:
        if time.time() - path.stat().st_mtime <= UPLOAD_LIFETIME:
            return path
    except FileNotFoundError:
        return None
    path.unlink(missing_ok=True)
    return None


def discard_upload(path: Path) -> None:
    path.unlink(missing_ok=True)


def guess_mapping(headers: Sequence[str]) -> dict[str, int]:
    """{field: column index} guessed from the headers (field names, their labels in each
    interface language, usual synonyms); each column is used once."""
    known: dict[str, str] = {}
    for name, synonyms in IMPORT_FIELDS.items():
        for synonym in synonyms:
            known.setdefault(fold(synonym), name)
    # Our export's headers in every language; a country may come as its name ("País").
    exported = [(name, label) for name, label in EXPORT_COLUMNS if name in IMPORT_FIELDS]
    exported += [("country", label) for name, label in EXPORT_COLUMNS if name == "country_name"]
    for language in LANGUAGES:
        for name, label in exported:
            known.setdefault(fold(_translated(label, language)), name)
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = known.get(fold(header).strip(" :*"))
        if field and field not in mapping:
            mapping[field] = index
    return mapping


def _translated(label, language: str) -> str:
    from flask_babel import force_locale

    with force_locale(language):
        return str(label)


@dataclass
class ImportRow:
    number: int
    data: dict[str, object]
    category: Category
    language: str
    errors: list[str]


def question_columns(
    event: Event, headers: Sequence[str], mapping: dict[str, int]
) -> dict[int, Question]:
    """{column index: question} for the columns headed by a custom question's label
    (ignoring case and accents, and our export's apostrophe), among the columns the
    mapping leaves free."""
    by_label = {fold(question.label): question for question in event.questions}
    columns: dict[int, Question] = {}
    for index, header in enumerate(headers):
        if header[:1] == "'" and header[1:2] in FORMULA_STARTS:
            header = header[1:]
        question = by_label.get(fold(header))
        if (
            question is not None
            and index not in mapping.values()
            and question not in columns.values()
        ):
            columns[index] = question
    return columns


def _import_answer(question: Question, value: str, errors: list[str]):
    """A cell's text as the answer to `question` (None when empty), or an error."""
    if not value:
        return None
    kind = question.kind
    if kind == QuestionKind.CHECKBOX:
        if fold(value) in _YES:
            return True
        if fold(value) in _NO:
            return False
        errors.append(_("“%(question)s” must be yes or no.", question=question.label))
        return None
    if kind in answer_rules.CHOICE_KINDS:
        options = {fold(choice): choice for choice in question.choices}
        parts = (
            [value]
            if kind == QuestionKind.SINGLE_CHOICE
            else [part.strip() for part in value.split(";") if part.strip()]
        )
        chosen = []
        for part in parts:
            if fold(part) not in options:
                errors.append(
                    _(
                        "“%(value)s” is not an option of “%(question)s”.",
                        value=part,
                        question=question.label,
                    )
                )
                return None
            chosen.append(options[fold(part)])
        return chosen[0] if kind == QuestionKind.SINGLE_CHOICE else chosen
    limit = answer_rules.TEXT_LIMITS[kind]
    if len(value) > limit:
        errors.append(
            _("%(column)s is longer than %(num)d characters.", column=question.label, num=limit)
        )
        return None
    return value


def check_rows(
    event: Event,
    table: Table,
    mapping: dict[str, int],
    languages: Sequence[str],
    on_rows: Callable[[int], None] | None = None,
) -> list[ImportRow]:
    """Every row, read through the mapping and checked: per-row errors (missing name, bad
    e-mail, unknown country or category, too long, formula, duplicate in the file or in
    the event, an answer that is not one of its question's options). Columns headed by a
    custom question's label become answers (see question_columns). Raises ImportFileError
    when a required column is not mapped. `on_rows(count)` is told every CHECK_STEP rows
    how many were checked (an import job's progress)."""
    missing = [str(FIELD_LABELS[name]) for name in REQUIRED_FIELDS if name not in mapping]
    if missing:
        raise ImportFileError(
            _(
                "Required columns are missing: %(columns)s. Choose which "
                "column holds each of them.",
                columns=", ".join(missing),
            )
        )
    categories = _lookup({c: c for c in Category}, CATEGORIES)
    diets = _lookup({d: d for d in Dietary}, DIETARY)
    taken = set(
        db.session.scalars(
            select(Registration.email_key).where(
                Registration.event_id == event.id, Registration.email_key.is_not(None)
            )
        )
    )
    seen: dict[str, int] = {}
    questions = question_columns(event, table.headers, mapping)
    checked = []
    for number, cells in zip(table.numbers, table.rows, strict=True):
        errors: list[str] = []
        values = {}
        for name, index in mapping.items():
            value = cells[index].strip() if index < len(cells) else ""
            if value[:1] == "'" and value[1:2] in FORMULA_STARTS:
                value = value[1:]  # our own export's protection against formulas
            if table.holds_formula(number, index):
                errors.append(
                    _(
                        "%(column)s holds a formula: put its value instead.",
                        column=FIELD_LABELS[name],
                    )
                )
            values[name] = value
        data: dict[str, object] = {}
        for name in _TEXT_FIELDS:
            data[name], cell_errors = person_fields.check_cell(
                name, str(values.get(name, "")), FIELD_LABELS[name]
            )
            errors += cell_errors
        for name in _TEXT_FIELDS:
            errors += person_fields.check_required(name, str(data[name]))
        address, email_errors = person_fields.check_email(str(data["email"]))
        errors += email_errors
        if address:
            data["email"] = address
            key = email_key(address)
            assert key is not None  # the key of an address, which is not empty
            if key in taken:
                errors.append(_("%(email)s is already registered for this event.", email=address))
            elif key in seen:
                errors.append(_("%(email)s is also on row %(row)d.", email=address, row=seen[key]))
            else:
                seen[key] = number
        data["country"], country_errors = person_fields.check_country(
            person_fields.clean_text(str(values.get("country", "")))
        )
        errors += country_errors
        category = Category.PARTICIPANT
        if values.get("category"):
            named = categories.get(fold(str(values["category"])))
            if named is None:
                errors.append(_("Unknown category “%(category)s”.", category=values["category"]))
            else:
                category = named
        diet = str(values.get("dietary", ""))
        data["dietary"] = Dietary.NONE
        if diet:
            data["dietary"] = diets.get(fold(diet))
            if data["dietary"] is None:  # written out in words: keep what they wrote
                data["dietary"] = Dietary.OTHER
                data["dietary_other"] = (
                    data["dietary_other"] or diet[: person_fields.max_length("dietary_other")]
                )
        consent = fold(str(values.get("photo_consent", "")))
        if consent not in _YES and consent not in _NO:
            errors.append(_("Photo consent must be yes or no."))
        data["photo_consent"] = consent in _YES
        written = str(values.get("language", "")).strip()
        language = _language_code(written, languages) if written else languages[0]
        if language is None:
            errors.append(_("Unknown language “%(language)s”.", language=written))
            language = languages[0]
        answers = {}
        for index, question in questions.items():
            value = cells[index].strip() if index < len(cells) else ""
            if value[:1] == "'" and value[1:2] in FORMULA_STARTS:
                value = value[1:]
            if table.holds_formula(number, index):
                errors.append(
                    _("%(column)s holds a formula: put its value instead.", column=question.label)
                )
            answer = _import_answer(question, value, errors)
            if answer is not None:
                answers[str(question.id)] = answer
        data["answers"] = answers
        checked.append(
            ImportRow(number=number, data=data, category=category, language=language, errors=errors)
        )
        if on_rows is not None and len(checked) % CHECK_STEP == 0:
            on_rows(len(checked))
    return checked


def chosen_rows(rows: Sequence[ImportRow], skipped: set[int], skip_errors: bool) -> list[ImportRow]:
    """The rows to import: all but those with errors the organiser chose to leave out (the
    ones ticked, or every one with an error)."""
    return [row for row in rows if not (row.errors and (skip_errors or row.number in skipped))]


def _language_code(text: str, languages: Sequence[str]) -> str | None:
    """The interface language `text` names: its code ("pt"), a regional tag ("pt-PT",
    "es_ES") or its name in one of the languages ("Portuguese", "portugués")."""
    code = text.lower().replace("_", "-")
    for candidate in (code, code.split("-")[0]):
        if candidate in languages:
            return candidate
    for language in languages:
        names = {fold(Locale.parse(language).get_display_name(other)) for other in languages}
        if fold(text) in names:
            return language
    return None


_Value = TypeVar("_Value")


def _lookup(codes: Mapping[Any, _Value], labels: Mapping[_Value, Any]) -> dict[str, _Value]:
    """Folded code or label (in any interface language) -> value."""
    table = {fold(str(code)): value for code, value in codes.items()}
    for language in LANGUAGES:
        for value, label in labels.items():
            table.setdefault(fold(_translated(label, language)), value)
    return table
