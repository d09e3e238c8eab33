"""Shared form parts: the base forms (WTForms' messages in the page's language, text
cleaned), select widgets, local times."""

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from babel import support
from flask import current_app
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateTimeLocalField, StringField, TextAreaField
from wtforms.fields import Field

# types-WTForms 3.2 does not know SelectChoice yet (new in WTForms 3.3).
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError
from wtforms.widgets import Select


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as select options."""
    return [SelectChoice(value, label) for value, label in pairs]


class LongSelect(Select):
    """wtforms' Select for long lists such as every country: each option's HTML is made
    once per process and language, not on every page (the 250 countries were half the
    time of the sign-up form's page). The selected option is made afresh."""

    _rendered: dict[tuple, Markup] = {}

    @classmethod
    def render_option(cls, choice, **kwargs):
        if choice.selected or choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        key = (choice.value, str(choice.label))
        html = cls._rendered.get(key)
        if html is None:
            if len(cls._rendered) > 20_000:  # never unbounded, whatever the choices
                cls._rendered.clear()
            html = cls._rendered[key] = super().render_option(choice)
        return html


def add_error(field: Field, message: str) -> None:
    """Show `message` under `field` like its validators' messages, for what only the view
    can check (an address or a name already taken). A new list: before validation a
    field's errors are an empty tuple."""
    field.errors = [*field.errors, message]


def clean_text(value):
    """Strip and NFC-normalise what people type, so "é" typed two ways compares equal."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.strip())
    return value


def single_line(form, field) -> None:
    """Refuses a line break in a one-line field: a title or a name goes into e-mail
    subjects, file names, calendar lines and badges, where a break does harm."""
    if isinstance(field.data, str) and len(field.data.splitlines()) > 1:
        raise ValidationError(_l("Write this on one line: remove the line break."))


def wtforms_messages() -> list[str]:
    """WTForms' own messages our forms can show, in the page's language. Written here so
    that `make extract-messages` puts them in our catalogues, which translate them in our
    words (formal Spanish, European Portuguese; WTForms' Spanish calls a time of day a
    "tiempo") and the pseudo-language check sees them. The English must stay WTForms'
    own, letter for letter: tests/test_form_messages.py compares."""
    t = get_translations()
    return [
        t.ugettext("This field is required."),
        t.ugettext("Invalid email address."),
        t.ugettext("Not a valid choice."),
        t.ugettext("Invalid Choice: could not coerce."),
        t.ungettext(
            "'%(value)s' is not a valid choice for this field.",
            "'%(value)s' are not valid choices for this field.",
            2,
        ),
        t.ugettext("Not a valid date value."),
        t.ugettext("Not a valid time value."),
        t.ugettext("Not a valid datetime value."),
        t.ugettext("Not a valid integer value."),
        t.ugettext("Not a valid decimal value."),
        t.ungettext(
            "Field must be at least %(min)d character long.",
            "Field must be at least %(min)d characters long.",
            2,
        ),
        t.ungettext(
            "Field cannot be longer than %(max)d character.",
            "Field cannot be longer than %(max)d characters.",
            2,
        ),
        t.ungettext(
            "Field must be exactly %(max)d character long.",
            "Field must be exactly %(max)d characters long.",
            2,
        ),
        t.ugettext("Field must be between %(min)d and %(max)d characters long."),
        t.ugettext("Number must be at least %(min)s."),
        t.ugettext("Number must be at most %(max)s."),
        t.ugettext("Number must be between %(min)s and %(max)s."),
    ]


#: language -> WTForms' own catalogue, read from disk once per process (Flask-WTF reads
#: it again for every request).
_wtforms_catalogues: dict[str, support.NullTranslations] = {}


class FormMessages:
    """The translations WTForms asks for its messages: our catalogue's where it has the
    message (see wtforms_messages), else WTForms' own catalogue."""

    def _theirs(self) -> support.NullTranslations:
        language = str(get_locale() or "en")
        catalogue = _wtforms_catalogues.get(language)
        if catalogue is None:
            catalogue = _wtforms_catalogues[language] = support.Translations.load(
                messages_path(), [language], domain="wtforms"
            )
        return catalogue

    def gettext(self, string: str) -> str:
        ours = get_translations().ugettext(string)
        return ours if ours != string else self._theirs().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        ours = get_translations().ungettext(singular, plural, n)
        if ours not in (singular, plural):
            return ours
        return self._theirs().ungettext(singular, plural, n)


FORM_MESSAGES = FormMessages()


class TranslatedForm(FlaskForm):
    """The base of every form: WTForms' own messages ("Not a valid date value.") in the
    page's language. Forms of text people type derive from CleanForm below."""

    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return FORM_MESSAGES


class CleanForm(TranslatedForm):
    """The base of every form of text people type: text is stripped and NFC-normalised,
    and every one-line text field (all but text areas) refuses line breaks, so no field
    is forgotten."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            # Every text field (e-mail and text areas are text fields too) is cleaned first.
            if issubclass(unbound_field.field_class, StringField):
                options = {
                    **options,
                    "filters": [clean_text, *unbound_field.kwargs.get("filters", ())],
                }
            field = unbound_field.bind(form=form, **options)
            if isinstance(field, StringField) and not isinstance(field, TextAreaField):
                field.validators = [*field.validators, single_line]
            return field


#: <input type=datetime-local> needs the "T" form; the others are accepted when typed.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def LocalTimeField(label, **kwargs) -> DateTimeLocalField:  # noqa: N802 (a field factory)
    return DateTimeLocalField(label, format=LOCAL_FORMATS, **kwargs)


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones()) if "/" in name]


def validate_timezone(form, field):
    try:
        ZoneInfo(field.data)
    except (KeyError, ValueError) as exc:
        raise ValidationError(_l("Choose a time zone from the list.")) from exc


def localize(value: datetime | None, tz: str) -> datetime | None:
    """Wall-clock time typed in the event's zone, as an aware datetime."""
    return value.replace(tzinfo=ZoneInfo(tz)) if value else None


def delocalize(value: datetime | None, tz: str) -> datetime | None:
    """A stored UTC time as the naive wall-clock time an <input type=datetime-local> shows."""
    return value.astimezone(ZoneInfo(tz)).replace(tzinfo=None) if value else None
