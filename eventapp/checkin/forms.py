"""The walk-in form: the least the door needs to print a badge."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField

from eventapp.core.labels import CATEGORIES
from eventapp.models import Category
from eventapp.registration.person_fields import DOOR, email_field, string_field
from eventapp.web.forms import CleanForm, options


class WalkInForm(CleanForm):
    given_name = string_field("given_name", DOOR, _l("Given name"))
    family_name = string_field("family_name", DOOR, _l("Family name"))
    organisation = string_field("organisation", DOOR, _l("Organisation"))
    category = SelectField(_l("Category"), default=Category.PARTICIPANT.value)
    email = email_field(DOOR, _l("E-mail address (optional)"))

    #: Offered when someone of the same name is registered already.
    new_person = BooleanField(_l("This is another person with the same name: register them"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = options((c.value, CATEGORIES[c]) for c in Category)

    def to_data(self) -> dict:
        return {
            "given_name": self.given_name.data,
            "family_name": self.family_name.data or "",
            "organisation": self.organisation.data or "",
            "email": self.email.data or "",
        }
