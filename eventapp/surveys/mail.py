"""What the survey's e-mails say beyond their templates (email/survey.* and
email/survey_reminder.*): the subject, the survey's title in the person's language (where
the organisers translated it), and the link to the person's survey page. Built by
mail/messages.py in the person's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import get_locale
from flask_babel import gettext as _

from eventapp.core.translated import plain_text
from eventapp.surveys.services import survey_of
from eventapp.web.public_url import external_url

if TYPE_CHECKING:
    from eventapp.mail.messages import Content
    from eventapp.models import Registration

KINDS = ("survey", "survey_reminder")


def content(registration: Registration, kind: str) -> Content:
    """Subject and template values of the invitation or the reminder."""
    from eventapp.mail.messages import Content

    survey = survey_of(registration.event)
    context = {
        "survey": survey,
        "survey_link": external_url("registration.survey", token=registration.token),
    }
    language = str(get_locale())
    if survey is None:  # deleted meanwhile (a resend): the link's page says so
        title = plain_text(registration.event, "title", language)
        return Content(_("Your opinion on %(title)s", title=title), context=context)
    # The organisers' own words ("How was the forum?"); the message's heading names the event.
    title = plain_text(survey, "title", language)
    if kind == "survey":
        return Content(title, context=context)
    return Content(_("Reminder: %(title)s", title=title), context=context)
