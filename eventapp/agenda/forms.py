"""Organisers' forms for the agenda: items, rooms, speaker profiles, people in roles."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from eventapp.core.labels import ITEM_KINDS, ROLES
from eventapp.models import ItemKind, RoleKind
from eventapp.web.forms import CleanForm, LocalTimeField, options


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
    email = EmailField(
        _l("E-mail (not shown publicly)"), validators=[Optional(), Email(), Length(max=254)]
    )
    bio = TextAreaField(
        _l("Biography (Markdown)"),
        validators=[Optional(), Length(max=20_000)],
        render_kw={"rows": 8},
    )
    photo = FileField(_l("Photo (JPEG, PNG or WebP, up to 5 MB)"))
    remove_photo = BooleanField(_l("Remove the photo"))

    def validate_country(self, field):
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose a country from the list."))


class ItemForm(CleanForm):
    kind = SelectField(
        _l("Kind"),
        choices=options((k.value, v) for k, v in ITEM_KINDS.items()),
        default=ItemKind.TALK.value,
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    starts_at = LocalTimeField(_l("Starts"), validators=[InputRequired()])
    ends_at = LocalTimeField(_l("Ends"), validators=[InputRequired()])
    room_id = SelectField(_l("Room"), coerce=int, default=0)
    description = TextAreaField(
        _l("Description (Markdown)"),
        validators=[Optional(), Length(max=20_000)],
        render_kw={"rows": 5},
    )

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must come after the start."))


class AddPersonForm(CleanForm):
    """Add someone to an item: an existing speaker by name, or a new one created inline."""

    role = SelectField(
        _l("Role"),
        choices=options((r.value, v) for r, v in ROLES.items()),
        default=RoleKind.PANELLIST.value,
    )
    person = StringField(
        _l("Speaker"),
        validators=[DataRequired(), Length(max=250)],
        render_kw={"list": "event-people", "autocomplete": "off"},
    )
    organisation = StringField(
        _l("Organisation (for a new speaker)"), validators=[Optional(), Length(max=300)]
    )


class ShiftForm(CleanForm):
    minutes = IntegerField(
        _l("Minutes"), default=15, validators=[InputRequired(), NumberRange(min=-720, max=720)]
    )


class PresentationForm(CleanForm):
    """Slides for an agenda item; the file is checked by agenda/presentations.py."""

    # No `required`: HTML wants a placeholder first in a required select; the view checks it.
    item_id = SelectField(_l("Agenda item"), coerce=int)
    person_id = SelectField(_l("Speaker (optional)"), coerce=int, default=0)
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=300)])
    file = FileField(_l("File (PDF, PPTX or ODP)"))
