"""What the travel e-mails say beyond their templates: the support decision (approved,
with what it covers, or declined), the itinerary with its .ics attached and the visa
letter decisions (approved, declined, withdrawn), each with the link to the person's visa
letter page. Built by mail/messages.py in the person's language, from the support or
letter as it is when sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import get_locale
from flask_babel import gettext as _

from eventapp.core.translated import plain_text
from eventapp.travel import services, visa_letters
from eventapp.travel.itinerary import itinerary_ics
from eventapp.web.public_url import external_url

if TYPE_CHECKING:
    from eventapp.mail.messages import Content
    from eventapp.models import Registration

#: The e-mail of each visa letter decision, by the letter's status it tells of.
VISA_KINDS = ("visa_approved", "visa_declined", "visa_revoked")
KINDS = ("support_approved", "support_declined", "itinerary", *VISA_KINDS)
CALENDAR_TYPE = "text/calendar; method=PUBLISH; charset=utf-8"


def content(registration: Registration, kind: str) -> Content:
    """Subject, attachments and template values of a travel e-mail."""
    from eventapp.mail.messages import Content

    title = plain_text(registration.event, "title", str(get_locale()))
    if kind in VISA_KINDS:
        return Content(
            _("Your visa invitation letter: %(title)s", title=title),
            context={
                "letter": visa_letters.letter_of(registration),
                "visa_link": external_url("registration.visa_letter", token=registration.token),
            },
        )
    support = services.support_of(registration)
    context = {
        "support": support,
        "travel_link": external_url("registration.travel", token=registration.token),
    }
    if kind == "support_approved":
        return Content(_("Travel support approved: %(title)s", title=title), context=context)
    if kind == "support_declined":
        return Content(_("Travel support: %(title)s", title=title), context=context)
    attachments = []
    if support is not None and (support.segments or support.stays):
        attachments.append((itinerary_ics(support), CALENDAR_TYPE, "itinerary.ics"))
    return Content(_("Your travel itinerary: %(title)s", title=title), attachments, context)
