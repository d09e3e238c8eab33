"""What the travel e-mails say beyond their templates: the support decision (approved,
with what it covers, or declined) and the itinerary with its .ics attached. Built by
mail/messages.py in the person's language, from the support as it is when sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _

from eventapp.travel import services
from eventapp.travel.itinerary import itinerary_ics
from eventapp.web.public_url import external_url

if TYPE_CHECKING:
    from eventapp.mail.messages import Content
    from eventapp.models import Registration

KINDS = ("support_approved", "support_declined", "itinerary")
CALENDAR_TYPE = "text/calendar; method=PUBLISH; charset=utf-8"


def content(registration: Registration, kind: str) -> Content:
    """Subject, attachments and template values of a travel e-mail."""
    from eventapp.mail.messages import Content

    support = services.support_of(registration)
    title = registration.event.title
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
