"""A person's details, defined once for every way they reach a registration: the public
sign-up and self-service forms, the organisers' add/edit form, the walk-in form at the
door and the rows of an import file.

For each field: its limit (the model's column, so nothing the database could not hold is
accepted and nothing is cut short), where it is required, how it is cleaned (stripped and
NFC-normalised; an e-mail address normalised by email-validator; a country as its ISO
code) and the messages. The forms get their fields from `string_field`, `email_field` and
`country_field`; the import checks each cell with `check_cell`.

Limits are not sent to the browser as `maxlength`: a browser silently truncates pasted
text to it. The messages next to a form's field speak to whoever fills it in; the
import's messages name the column, since they are listed per row.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from eventapp.core.folding import fold
from eventapp.core.i18n import LANGUAGES, PREFERRED_NAMES, is_country_code, regional_locale
from eventapp.models import Registration
from eventapp.web.forms import clean_text

#: Where a person's details are entered.
PUBLIC = "public"  # the sign-up form and the participant's own edit form
ORGANISER = "organiser"  # an organiser adds or edits a registration
DOOR = "door"  # someone registered at the door (walk-in)
IMPORT = "import"  # a row of an import file

__all__ = ["DOOR", "FIELDS", "IMPORT", "ORGANISER", "PUBLIC", "clean_text"]


@dataclass(frozen=True)
class PersonField:
    name: str
    #: Where the field must be filled in (PUBLIC, ORGANISER, DOOR, IMPORT).
    required_in: frozenset[str] = frozenset()
    #: One line (a name goes into e-mail subjects, file names and badges), else free text.
    one_line: bool = True
    #: The browser's autofill token on the public forms.
    autocomplete: str = ""
    #: The import's message for an empty cell where the field is required.
    missing: str = ""

    @property
    def max_length(self) -> int:
        column_type = Registration.__table__.c[self.name].type
        # Every person field is a String column with a length: a column without one
        # would accept text of any size, so fail loudly instead of leaving it unchecked.
        assert isinstance(column_type, String) and column_type.length is not None, self.name
        return column_type.length

    def required(self, where: str) -> bool:
        return where in self.required_in


_EVERYWHERE = frozenset({PUBLIC, ORGANISER, DOOR, IMPORT})

#: The text fields of a person, in the order forms and exports show them.
FIELDS: dict[str, PersonField] = {
    field.name: field
    for field in (
        PersonField("honorific"),
        PersonField(
            "given_name",
            _EVERYWHERE,
            autocomplete="given-name",
            missing=_l("The given name is missing."),
        ),
        PersonField("family_name", frozenset({PUBLIC}), autocomplete="family-name"),
        PersonField("badge_name"),
        PersonField(
            "email",
            frozenset({PUBLIC, IMPORT}),
            autocomplete="email",
            missing=_l("The e-mail address is missing."),
        ),
        PersonField("organisation", frozenset({PUBLIC}), autocomplete="organization"),
        PersonField("job_title", autocomplete="organization-title"),
        PersonField("country", frozenset({PUBLIC})),
        PersonField("dietary_other"),
        PersonField("accessibility", one_line=False),
    )
}

REQUIRED_MESSAGE = _l("Please fill in this field.")
TOO_LONG_MESSAGE = _l("Please use at most %(max)d characters (you typed %(length)d).")
INVALID_EMAIL_MESSAGE = _l("Please enter a valid e-mail address, like name@example.org.")
#: The country select speaks to the participant about their own country, and to
#: organisers about someone else's.
CHOOSE_COUNTRY = {PUBLIC: _l("Please choose your country.")}
COUNTRY_FROM_LIST = {
    PUBLIC: _l("Please choose your country from the list."),
    ORGANISER: _l("Choose a country from the list."),
}


def max_length(name: str) -> int:
    """The most characters the field holds (its column's length)."""
    return FIELDS[name].max_length


# --- Cleaning ---------------------------------------------------------------------------


class InvalidEmail(ValueError):
    """Not an e-mail address by email-validator's syntax check."""


def normalise_email(address: str) -> str:
    """email-validator's syntax check and normalised form (no DNS: a sign-up must not
    wait on it). Raises InvalidEmail."""
    # Imported where an address is checked: every process (each command) paid its import.
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidEmail(address) from exc


def has_line_break(value: str) -> bool:
    return len(value.splitlines()) > 1


_country_codes: dict[str, str] = {}


def country_code(text: str) -> str | None:
    """The ISO code of a country given by its code or its name in one of the interface's
    languages (ignoring case and accents), None when it is no country."""
    if not _country_codes:
        table: dict[str, str] = {}
        for language in LANGUAGES:
            for code, name in regional_locale(language).territories.items():
                if is_country_code(code):
                    table.setdefault(fold(code), code)
                    table.setdefault(fold(name), code)
        for code, name in PREFERRED_NAMES.items():  # "Cape Verde" and "Cabo Verde" alike
            table.setdefault(fold(name), code)
        _country_codes.update(table)
    return _country_codes.get(fold(text))


# --- Form fields ------------------------------------------------------------------------


class MaxLength(Length):
    """The column's length limit, checked on the server only (see the module docstring)."""

    def __init__(self, column: str):
        super().__init__(max=max_length(column), message=TOO_LONG_MESSAGE)
        self.field_flags = {}


def required(message=None) -> DataRequired:
    return DataRequired(message=message or REQUIRED_MESSAGE)


def validate_address(form, field) -> None:
    """An e-mail address, stored in email-validator's normalised form."""
    if not field.data:
        return
    try:
        field.data = normalise_email(field.data)
    except InvalidEmail as exc:
        raise ValidationError(str(INVALID_EMAIL_MESSAGE)) from exc


def _render_kw(field: PersonField, where: str, render_kw: dict | None) -> dict | None:
    if where == DOOR:  # a shared device: no one's details offered to the next person
        return {"autocomplete": "off", **(render_kw or {})}
    if where == PUBLIC and field.autocomplete:
        return {"autocomplete": field.autocomplete, **(render_kw or {})}
    return render_kw


def _validators(field: PersonField, where: str) -> list:
    return [required()] if field.required(where) else []


def string_field(
    name: str, where: str, label, render_kw: dict | None = None, **kwargs
) -> StringField:
    """The form field for a text detail (a text area when it may hold line breaks)."""
    field = FIELDS[name]
    kind = StringField if field.one_line else TextAreaField
    return kind(
        label,
        validators=[*_validators(field, where), MaxLength(name)],
        render_kw=_render_kw(field, where, render_kw),
        **kwargs,
    )


def email_field(where: str, label, render_kw: dict | None = None) -> EmailField:
    """The e-mail address field: normalised by email-validator once valid."""
    field = FIELDS["email"]
    return EmailField(
        label,
        validators=[*_validators(field, where), MaxLength("email"), validate_address],
        render_kw=_render_kw(field, where, render_kw),
    )


def country_field(where: str, label, **kwargs) -> SelectField:
    """The country select. Its choices (the ISO codes) are set by the form, in the
    page's language; a code it does not offer (a forged or outdated form) is refused."""
    validators = []
    if FIELDS["country"].required(where):
        validators.append(InputRequired(message=CHOOSE_COUNTRY[where]))
    message = COUNTRY_FROM_LIST[where]

    def offered_country(form, field) -> None:
        offered = {choice.value for choice in field.choices if choice.value}
        if field.data and field.data not in offered:
            raise ValidationError(str(message))

    return SelectField(
        label, validators=[*validators, offered_country], validate_choice=False, **kwargs
    )


# --- Import cells -----------------------------------------------------------------------


def check_cell(name: str, value: str, column) -> tuple[str, list[str]]:
    """A cell of an import file as the field `name` takes it: (cleaned value, errors).
    The same cleaning and limits as the forms; the messages name the `column`. A required
    cell left empty and a bad address or country are left to `check_required`,
    `check_email` and `check_country`, which come after every length check."""
    field = FIELDS[name]
    value = clean_text(value)
    errors = []
    if len(value) > field.max_length:
        errors.append(
            _("%(column)s is longer than %(num)d characters.", column=column, num=field.max_length)
        )
    if field.one_line and has_line_break(value):
        errors.append(_("%(column)s: write this on one line, without a line break.", column=column))
    return value, errors


def check_required(name: str, value: str) -> list[str]:
    """The import's message when a cell it requires is empty."""
    field = FIELDS[name]
    if field.required(IMPORT) and not value:
        return [str(field.missing)]
    return []


def check_email(address: str) -> tuple[str, list[str]]:
    """An import's e-mail cell: (normalised address or "" when invalid, errors)."""
    if not address:
        return "", []
    try:
        return normalise_email(address), []
    except InvalidEmail:
        return "", [_("“%(email)s” is not a valid e-mail address.", email=address)]


def check_country(text: str) -> tuple[str, list[str]]:
    """An import's country cell, a code or a name: (ISO code or "", errors)."""
    if not text:
        return "", []
    code = country_code(text)
    if code is None:
        return "", [_("Unknown country “%(country)s”.", country=text)]
    return code, []
