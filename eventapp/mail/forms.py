"""The organisers' form for a message: a subject and a body per language, and who gets it."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from eventapp.core.i18n import country_name, language_name
from eventapp.core.labels import CATEGORIES, STATUSES
from eventapp.mail import organiser_messages
from eventapp.web.forms import CleanForm, LocalTimeField, add_error, options


class MessageForm(CleanForm):
    """Recipients; the per-language fields are added by `message_form`."""

    status = SelectField(_l("Status"), default="confirmed")
    category = SelectField(_l("Category"), default="")
    country = SelectField(_l("Country"), default="")
    checked_in = SelectField(_l("Checked in"), default="")

    language_codes: tuple[str, ...] = ()

    def subject_field(self, language: str):
        """The subject field of a language."""
        return self[f"subject_{language}"]

    def body_field(self, language: str):
        """The body field of a language."""
        return self[f"body_{language}"]

    def versions(self) -> dict[str, tuple[str, str]]:
        """{language: (subject, body)} as typed."""
        return {
            code: (self.subject_field(code).data or "", self.body_field(code).data or "")
            for code in self.language_codes
        }

    def recipients(self) -> dict[str, str]:
        """The filters chosen, as query arguments."""
        return {key: self[key].data or "" for key in organiser_messages.FILTER_KEYS}

    def check(self) -> bool:
        """Validate, then the rules of a message: each language whole or empty, known
        placeholders, one language at least. Errors go next to their field."""
        valid = self.validate()
        for code, (subject, body) in self.versions().items():
            subject_problem, body_problem = organiser_messages.problems(subject, body)
            if subject_problem:
                add_error(self.subject_field(code), subject_problem)
            if body_problem:
                add_error(self.body_field(code), body_problem)
            valid = valid and not subject_problem and not body_problem
        if valid and not any(s and b for s, b in self.versions().values()):
            add_error(
                self.subject_field(self.language_codes[0]),
                _("Write the message in one language at least."),
            )
            valid = False
        return valid


def message_form(countries: list[str], **kwargs) -> MessageForm:
    """The form with a subject and a body for each of the site's languages (more
    languages, more fields), and the event's countries to choose from."""
    codes = organiser_messages.languages()
    fields: dict[str, object] = {"language_codes": codes}
    for code in codes:
        name = language_name(code)
        fields[f"subject_{code}"] = StringField(
            _("Subject (%(language)s)", language=name),
            validators=[Optional(), Length(max=300)],
            render_kw={"lang": code},
        )
        fields[f"body_{code}"] = TextAreaField(
            _("Message (%(language)s)", language=name),
            validators=[Optional(), Length(max=50_000)],
            render_kw={"rows": 14, "lang": code},
        )
    form = type("MessageFormWithLanguages", (MessageForm,), fields)(**kwargs)
    form.status.choices = options(
        [("", _("Any")), *((s.value, label) for s, label in STATUSES.items())]
    )
    form.category.choices = options(
        [("", _("Any")), *((c.value, label) for c, label in CATEGORIES.items())]
    )
    form.country.choices = options([("", _("Any")), *((c, country_name(c)) for c in countries)])
    form.checked_in.choices = options([("", _("Either")), ("yes", _("Yes")), ("no", _("Not yet"))])
    return form


class ScheduleForm(CleanForm):
    send_at = LocalTimeField(_l("Send on"), validators=[Optional()])
