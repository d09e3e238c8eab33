"""The walk-in form: the least the door needs to print a badge."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField, StringField

from eventapp.core.labels import CATEGORIES
from eventapp.models import Category
from eventapp.registration.forms import MaxLength, required, validate_address
from eventapp.web.forms import CleanForm, options


class WalkInForm(CleanForm):
    given_name = StringField(_l("Given name"), validators=[required(), MaxLength("given_name")],
                             render_kw={"autocomplete": "off"})
    family_name = StringField(_l("Family name"), validators=[MaxLength("family_name")],
                              render_kw={"autocomplete": "off"})
    organisation = StringField(_l("Organisation"), validators=[MaxLength("organisation")],
                               render_kw={"autocomplete": "off"})
    category = SelectField(_l("Category"), default=Category.PARTICIPANT.value)
    email = EmailField(_l("E-mail address (optional)"),
                       validators=[MaxLength("email"), validate_address],
                       render_kw={"autocomplete": "off"})

    #: Offered when someone of the same name is registered already.
    new_person = BooleanField(_l("This is another person with the same name: register them"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = options((c.value, CATEGORIES[c]) for c in Category)

    def to_data(self) -> dict:
        return {"given_name": self.given_name.data, "family_name": self.family_name.data or "",
                "organisation": self.organisation.data or "", "email": self.email.data or ""}
