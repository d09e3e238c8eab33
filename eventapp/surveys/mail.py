"""What the survey's e-mails say beyond their templates (email/survey.* and
email/survey_reminder.*): the link to the person's survey page. Built by
mail/messages.py in the person's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _

from eventapp.surveys.services import survey_of
from eventapp.web.public_url import external_url

if TYPE_CHECKING:
    from eventapp.mail.messages import Content
    from eventapp.models import Registration

KINDS = ("survey", "survey_reminder")


def content(registration: Registration, kind: str) -> Content:
    """Subject and template values of the invitation or the reminder."""
    from eventapp.mail.messages import Content

    title = registration.event.title
    context = {
        "survey": survey_of(registration.event),
        "survey_link": external_url("registration.survey", token=registration.token),
    }
    if kind == "survey":
        return Content(_("Your opinion on %(title)s", title=title), context=context)
    return Content(_("Reminder: your opinion on %(title)s", title=title), context=context)
