"""Organiser forms. Times are entered as wall-clock time in the event's time zone."""

import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import Markup
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import Select

from eventapp.core.labels import ITEM_KINDS, ROLES, USER_ROLES
from eventapp.models import ItemKind, RoleKind, UserRole


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
                options = {**options,
                           "filters": [clean_text, *unbound_field.kwargs.get("filters", ())]}
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


class EventForm(CleanForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    subtitle = StringField(_l("Subtitle"), validators=[Optional(), Length(max=300)])
    slug = StringField(_l("Address (slug)"), validators=[
        DataRequired(), Length(max=80),
        Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
               message=_l("Use lower-case letters, digits and hyphens, e.g. forum-2025.")),
    ])
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), validate_timezone],
                           render_kw={"list": "timezones"})
    starts_at = LocalTimeField(_l("Starts"), validators=[InputRequired()])
    ends_at = LocalTimeField(_l("Ends"), validators=[InputRequired()])
    venue_name = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    venue_address = StringField(_l("Venue address"), validators=[Optional(), Length(max=500)])
    capacity = IntegerField(_l("Public seats"), validators=[InputRequired(),
                                                           NumberRange(min=0, max=1_000_000)])
    registration_opens_at = LocalTimeField(_l("Registration opens"),
                                               validators=[Optional()])
    registration_closes_at = LocalTimeField(_l("Registration closes"),
                                                validators=[Optional()])
    moderation = BooleanField(_l("Organisers approve each sign-up"))
    published = BooleanField(_l("Published (visible to the public)"))
    description = TextAreaField(_l("Description (Markdown)"),
                                validators=[Optional(), Length(max=50_000)],
                                render_kw={"rows": 10})
    privacy_notice = TextAreaField(_l("Privacy notice (Markdown)"),
                                   validators=[Optional(), Length(max=50_000)],
                                   render_kw={"rows": 6})
    programme_size = SelectField(_l("Printed programme"), default="A5", choices=options([
        ("A5", _l("A5 booklet (folded A4 sheets)")), ("A4", _l("A4, printed on both sides"))]))

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must come after the start."))

    def validate_registration_closes_at(self, field):
        opens = self.registration_opens_at.data
        if opens and field.data and field.data <= opens:
            raise ValidationError(_l("Registration must close after it opens."))


class NewEventForm(EventForm):
    copy_from = SelectField(_l("Start from"), coerce=int, default=0)


class RoomForm(CleanForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    capacity = IntegerField(_l("Seats"), validators=[Optional(), NumberRange(min=0)])


class PersonForm(CleanForm):
    honorific = StringField(_l("Honorific"), validators=[Optional(), Length(max=40)])
    given_name = StringField(_l("Given name"), validators=[DataRequired(), Length(max=100)])
    family_name = StringField(_l("Family name"), validators=[Optional(), Length(max=100)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=300)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=300)])
    country = SelectField(_l("Country"), validators=[Optional()], validate_choice=False)
    email = EmailField(_l("E-mail (not shown publicly)"),
                       validators=[Optional(), Email(), Length(max=254)])
    bio = TextAreaField(_l("Biography (Markdown)"), validators=[Optional(), Length(max=20_000)],
                        render_kw={"rows": 8})
    photo = FileField(_l("Photo (JPEG, PNG or WebP, up to 5 MB)"))
    remove_photo = BooleanField(_l("Remove the photo"))

    def validate_country(self, field):
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose a country from the list."))


class ItemForm(CleanForm):
    kind = SelectField(_l("Kind"), choices=options((k.value, v) for k, v in ITEM_KINDS.items()),
                       default=ItemKind.TALK.value)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    starts_at = LocalTimeField(_l("Starts"), validators=[InputRequired()])
    ends_at = LocalTimeField(_l("Ends"), validators=[InputRequired()])
    room_id = SelectField(_l("Room"), coerce=int, default=0)
    description = TextAreaField(_l("Description (Markdown)"),
                                validators=[Optional(), Length(max=20_000)],
                                render_kw={"rows": 5})

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must come after the start."))


class AddPersonForm(CleanForm):
    """Add someone to an item: an existing speaker by name, or a new one created inline."""

    role = SelectField(_l("Role"), choices=options((r.value, v) for r, v in ROLES.items()),
                       default=RoleKind.PANELLIST.value)
    person = StringField(_l("Speaker"), validators=[DataRequired(), Length(max=250)],
                         render_kw={"list": "event-people", "autocomplete": "off"})
    organisation = StringField(_l("Organisation (for a new speaker)"),
                               validators=[Optional(), Length(max=300)])


class ShiftForm(CleanForm):
    minutes = IntegerField(_l("Minutes"), default=15,
                           validators=[InputRequired(), NumberRange(min=-720, max=720)])


class UserForm(CleanForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(),
                                                         Length(max=254)])
    role = SelectField(_l("Role"), choices=options((r.value, v) for r, v in USER_ROLES.items()),
                       default=UserRole.ORGANISER.value)
    password = StringField(_l("Password (at least 12 characters)"),
                           validators=[DataRequired(), Length(min=12, max=1000)],
                           render_kw={"autocomplete": "new-password"})


class ManagerForm(CleanForm):
    user_id = SelectField(_l("Organiser or check-in volunteer"), coerce=int)


def localize(value: datetime | None, tz: str) -> datetime | None:
    """Wall-clock time typed in the event's zone, as an aware datetime."""
    return value.replace(tzinfo=ZoneInfo(tz)) if value else None


def delocalize(value: datetime | None, tz: str) -> datetime | None:
    """A stored UTC time as the naive wall-clock time an <input type=datetime-local> shows."""
    return value.astimezone(ZoneInfo(tz)).replace(tzinfo=None) if value else None

