"""Shared form parts: the base form that cleans text, select widgets, local times."""

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateTimeLocalField, StringField, TextAreaField
from wtforms.fields import Field

# types-WTForms 3.2 does not know SelectChoice yet (new in WTForms 3.3).
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
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


class CleanForm(FlaskForm):
    """The base of every form: text is stripped and NFC-normalised, and every one-line
    text field (all but text areas) refuses line breaks, so no field is forgotten."""

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
