"""What each e-mail to a participant says: one kind for every change of their
registration (confirmation, waiting list, pending approval, approval, decline, promotion,
cancellation), "your link again" and the certificate of attendance, each as text and HTML
in the language the person signed up in (the organisers' texts too, where translated:
the event's title and venue, the questions, the agenda attached), with the agenda (.ics)
or the certificate (PDF) attached where it helps. Every message that says the person is
confirmed shows their e-ticket: the badge's check-in QR code, as a PNG the HTML shows by
its Content-ID.

`build` returns a Flask-Mailman message; delivery.py sends it, records.py records it.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.encoders import encode_base64
from email.header import Header
from email.headerregistry import Address
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.utils import formataddr, make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_mailman import EmailMultiAlternatives, SafeMIMEMultipart
from markupsafe import Markup

from eventapp.certificates import services as certificates
from eventapp.core.i18n import country_name, local_date, local_time
from eventapp.core.labels import DIETARY
from eventapp.core.translated import plain_text
from eventapp.feeds.calendar_cache import agenda_ics
from eventapp.mail import placeholders
from eventapp.models import Event, MessageVersion, OrganiserMessage, Registration, Status
from eventapp.printing import qr
from eventapp.printing.badges import checkin_url
from eventapp.registration import answers, services
from eventapp.surveys import mail as survey_mail
from eventapp.travel import mail as travel_mail
from eventapp.web.public_url import external_url, public_base_url

#: The sender when MAIL_FROM is not set: an address on the site's own host, so that the
#: domain a spam filter checks is the one people know (sender()).
DEFAULT_SENDER_NAME = "eventapp"

#: Names of the kinds of message, for the organisers' pages (and the list of kinds: one
#: pair of templates email/<kind>.txt and .html each).
KIND_LABELS = {
    "confirmation": _l("Confirmation"),
    "waitlisted": _l("Waiting list"),
    "pending": _l("Sign-up received"),
    "approval": _l("Approval"),
    "decline": _l("Sign-up declined"),
    "promotion": _l("Promotion from the waiting list"),
    "cancellation": _l("Cancellation"),
    "link": _l("Link sent again"),
    "certificate": _l("Certificate of attendance"),
    "reminder": _l("Reminder before the event"),
    "message": _l("Message from the organisers"),
    "support_approved": _l("Travel support approved"),
    "support_declined": _l("Travel support declined"),
    "itinerary": _l("Travel itinerary"),
    "visa_approved": _l("Visa letter approved"),
    "visa_declined": _l("Visa letter declined"),
    "visa_revoked": _l("Visa letter withdrawn"),
    "survey": _l("Feedback survey"),
    "survey_reminder": _l("Feedback survey reminder"),
}
KINDS = tuple(KIND_LABELS)

#: The messages that repeat the person's details, so a typo is noticed (and corrected
#: through the link) before the badges are printed. Not "link": it answers whoever typed
#: the address into the form.
WITH_DETAILS = frozenset({"confirmation", "waitlisted", "pending", "approval", "promotion"})

#: The agenda attached to e-mails is published, not an invitation to answer (RFC 6047);
#: the content type's method must match the calendar's METHOD property.
CALENDAR_TYPE = "text/calendar; method=PUBLISH; charset=utf-8"


def mail_domain() -> str:
    """The host of PUBLIC_BASE_URL: the domain of the default sender and of Message-IDs."""
    return urlsplit(public_base_url()).hostname or "localhost"


def sender() -> str:
    """MAIL_FROM, else `eventapp <noreply@<the site's host>>`."""
    return current_app.config.get("MAIL_FROM") or formataddr(
        (DEFAULT_SENDER_NAME, f"noreply@{mail_domain()}")
    )


@dataclass
class Content:
    subject: str
    #: (data, content type, filename)
    attachments: list[tuple[bytes, str, str]] = field(default_factory=list)
    #: For the templates, besides registration, event, link and event_url.
    context: dict[str, Any] = field(default_factory=dict)
    #: Images the HTML shows by their Content-ID: (PNG data, Content-ID without <>).
    inline: list[tuple[bytes, str]] = field(default_factory=list)


@dataclass
class Ticket:
    """The e-ticket an e-mail shows: its Content-ID and the image's size in pixels (or,
    in an organiser's preview, the image itself as a data: URI)."""

    cid: str
    width: int
    data_uri: str = ""

    @property
    def src(self) -> str:
        return self.data_uri or f"cid:{self.cid}"


def _confirmed(registration: Registration, subject: str) -> Content:
    """A message saying the person is confirmed: the agenda attached, and the e-ticket
    (the check-in code the badge will carry), so that the door can scan a phone before
    the badge is printed."""
    data, width = qr.png(checkin_url(registration))
    cid = make_msgid("ticket", domain=mail_domain())[1:-1]
    return Content(
        subject,
        [_agenda(registration.event)],
        context={"ticket": Ticket(cid, width)},
        inline=[(data, cid)],
    )


def _agenda(event: Event) -> tuple[bytes, str, str]:
    # Built once per change of the agenda and language (feeds.calendar_cache).
    return (published(agenda_ics(event)), CALENDAR_TYPE, "agenda.ics")


#: The feed's bytes -> the same calendar saying METHOD:PUBLISH (kept while the feed is).
_published: dict[bytes, bytes] = {}


def published(ics: bytes) -> bytes:
    """The calendar with METHOD:PUBLISH after its VERSION line. The subscribed feed goes
    without a METHOD, which keeps its DTSTAMPs meaning "last revised" (RFC 5545)."""
    if ics not in _published:
        if len(_published) >= 16:
            _published.clear()
        _published[ics] = ics.replace(b"VERSION:2.0\r\n", b"VERSION:2.0\r\nMETHOD:PUBLISH\r\n", 1)
    return _published[ics]


def content(registration: Registration, kind: str) -> Content:
    """Subject, attachments and template values of a kind of message, from the
    registration as it is now. Call it in the person's language (see `build`)."""
    event = registration.event
    # The person's language where the organisers translated the title, else the main one.
    title = plain_text(event, "title", str(get_locale()))
    if kind == "confirmation":
        return _confirmed(registration, _("Your registration is confirmed: %(title)s", title=title))
    if kind == "waitlisted":
        return Content(
            _("On the waiting list: %(title)s", title=title),
            context={"position": services.waitlist_position(registration)},
        )
    if kind == "pending":
        return Content(_("Sign-up received: %(title)s", title=title))
    if kind == "approval":
        if registration.status == Status.CONFIRMED:
            return _confirmed(registration, _("Your sign-up is approved: %(title)s", title=title))
        return Content(
            _("Your sign-up is approved, on the waiting list: %(title)s", title=title),
            context={"position": services.waitlist_position(registration)},
        )
    if kind == "decline":
        return Content(_("Your sign-up was not accepted: %(title)s", title=title))
    if kind == "promotion":
        return _confirmed(registration, _("A seat is yours: %(title)s", title=title))
    if kind == "cancellation":
        return Content(_("Registration cancelled: %(title)s", title=title))
    if kind == "link":
        return Content(
            _("Your registration link: %(title)s", title=title),
            context={"position": services.waitlist_position(registration)},
        )
    if kind == "reminder":
        return _confirmed(
            registration,
            _(
                "Reminder: %(title)s, %(date)s",
                title=title,
                date=local_date(event.starts_at, event.timezone, "long"),
            ),
        )
    if kind == "certificate":
        pdf = certificates.render_certificates(event, [registration])
        code = certificates.ensure_code(registration)  # the one the PDF was given
        return Content(
            _("Your certificate of attendance: %(title)s", title=title),
            [(pdf, "application/pdf", certificates.file_name(event, registration))],
            context={
                "code": certificates.format_code(code),
                "verify_url": certificates.verify_url(code),
            },
        )
    if kind in travel_mail.KINDS:
        return travel_mail.content(registration, kind)
    if kind in survey_mail.KINDS:
        return survey_mail.content(registration, kind)
    raise ValueError(f"unknown kind of e-mail {kind!r}")


class Message(EmailMultiAlternatives):
    """Flask-Mailman's message with its Subject folded the way mail readers expect, and
    images the HTML shows (`related`) kept beside it in a multipart/related."""

    #: Parts the HTML alternative refers to by Content-ID (see _inline_image).
    related: Sequence[MIMEBase] = ()

    def message(self) -> SafeMIMEMultipart:
        """The MIME message the backends write and send."""
        msg = super().message()
        if self.related:
            _relate_html(msg, self.related)
        # Flask-Mailman encodes the subject without counting "Subject: " in the first
        # line's length, so a long subject that is not ASCII starts on the next line,
        # which readers show as a leading space. A Header told its name folds it right
        # (replace_header: the checks of msg["Subject"] = ... were passed already).
        msg.replace_header(
            "Subject",
            Header(
                self.subject, None if self.subject.isascii() else "utf-8", header_name="Subject"
            ),
        )
        # Boundaries chosen here, against the only parts that can hold one: the email
        # package would search the attachments' base64 as well (where none can be: "-"
        # is not a base64 character), and misses a boundary line ending in CRLF, as
        # every line does on the way to the SMTP server.
        texts = [self.body, *(content for content, _type in self.alternatives)]
        for part in msg.walk():
            if part.is_multipart():
                boundary = _boundary(*texts)
                part.set_boundary(boundary)
                texts.append(f"--{boundary}")  # nor a prefix of the one inside
        return msg


def build(
    registration: Registration, kind: str, message: OrganiserMessage | None = None
) -> Message:
    """The message of a kind in the person's language: text, HTML, attachments; for an
    organiser's ("message"), their copy of `message`."""
    # Only people with an address are sent anything (records._delivered, resend_problem).
    assert registration.email is not None
    if kind == "message":
        assert message is not None, "an organiser's message is built from the message"
        written = organiser_message(registration, message)
        return compose(
            written.subject, registration.email, written.text, written.html, (), written.inline
        )
    event = registration.event
    with force_locale(registration.language or "en"):
        what = content(registration, kind)
        context = {
            "registration": registration,
            "event": event,
            "link": external_url("registration.selfservice", token=registration.token),
            "event_url": external_url("public.event", slug=event.slug),
            "details": details(registration) if kind in WITH_DETAILS else [],
            **what.context,
        }
        text = render_template(f"email/{kind}.txt", **context)
        html = render_template(f"email/{kind}.html", **context)
    # To with the person's name (any script: RFC 2047-encoded on the wire, or as written
    # to an SMTPUTF8 server): mail programs show it, and spam filters score a bare address
    # beside an image (TO_NO_BRKTS_HTML_IMG). Address, not formataddr, which refuses an
    # address beyond ASCII (айнура@пример.кг).
    username, _, domain = registration.email.rpartition("@")
    to = str(Address(registration.full_name, username, domain))
    return compose(what.subject, to, text, html, what.attachments, what.inline)


@dataclass
class Written:
    """An organiser's message as one person gets it."""

    subject: str
    text: str
    html: str
    #: The body alone, as HTML (the organisers' preview shows it).
    body: Markup
    language: str
    inline: list[tuple[bytes, str]] = field(default_factory=list)


def placeholder_values(registration: Registration) -> dict[str, str]:
    """What each placeholder becomes for this person (in the current language)."""
    event = registration.event
    language = str(get_locale())
    when = (
        f"{local_date(event.starts_at, event.timezone)}, "
        f"{local_time(event.starts_at, event.timezone)}–{local_time(event.ends_at, event.timezone)}"
        f" ({event.timezone})"
    )
    return {
        "given_name": registration.given_name,
        "family_name": registration.family_name,
        "full_name": registration.full_name,
        "organisation": registration.organisation,
        "event_title": plain_text(event, "title", language),
        "event_date": when,
        "venue": ", ".join(
            p for p in (plain_text(event, "venue_name", language), event.venue_address) if p
        ),
        "link": external_url("registration.selfservice", token=registration.token),
    }


def version_for(message: OrganiserMessage, language: str) -> MessageVersion:
    """The version in `language`, else the first of the site's languages (LANGUAGES, in
    order) the message has, else whichever it has."""
    by_language = {v.language: v for v in message.versions}
    for code in (language, *current_app.config["LANGUAGES"]):
        if code in by_language:
            return by_language[code]
    return message.versions[0]


def organiser_message(
    registration: Registration, message: OrganiserMessage, *, preview: bool = False
) -> Written:
    """An organiser's message for one person, in their language (or the fallback
    version's), their placeholders filled; the e-ticket only for confirmed people. For
    the `preview`, the ticket is a data: URI rather than an attached image."""
    version = version_for(message, registration.language or "en")
    with force_locale(version.language):
        values = placeholder_values(registration)
        ticket, inline = None, []
        if "ticket" in placeholders.used(version.body) and registration.status == Status.CONFIRMED:
            url = checkin_url(registration)
            data, width = qr.png(url)
            cid = make_msgid("ticket", domain=mail_domain())[1:-1]
            ticket = Ticket(cid, width, qr.data_uri(url) if preview else "")
            inline = [(data, cid)]
        context: dict[str, Any] = {"registration": registration, "ticket": ticket}
        # The preview is shown in an organiser's page, whose policy refuses inline styles.
        ticket_template = "mail/_preview_ticket.html" if preview else "email/_ticket.html"
        ticket_html = Markup(render_template(ticket_template, **context)) if ticket else Markup()
        ticket_text = render_template("email/_ticket.txt", **context) if ticket else ""
        body = placeholders.fill_html(version.body, values, ticket_html)
        context = {
            **context,
            "event": registration.event,
            "link": values["link"],
            "event_url": external_url("public.event", slug=registration.event.slug),
            "body": body,
            "text_body": placeholders.fill_text(version.body, values, ticket_text),
        }
        return Written(
            subject=placeholders.fill_subject(version.subject, values),
            text=render_template("email/message.txt", **context),
            html=render_template("email/message.html", **context),
            body=body,
            language=version.language,
            inline=inline,
        )


def compose(
    subject: str,
    to: str,
    text: str,
    html: str,
    attachments: Sequence[tuple[bytes, str, str]] = (),
    inline: Sequence[tuple[bytes, str]] = (),
) -> Message:
    """A message from the site to one address: text and HTML alternatives (the HTML with
    the `inline` images it shows by Content-ID), then the attachments; From is sender()
    and the Message-ID on the site's domain, for every message the site sends
    (participants' and staff's alike)."""
    message = Message(
        one_line(subject),
        text,
        sender(),
        [to],
        # Flask-Mailman would take the machine's host name, which spam filters check
        # against the sender's domain.
        headers={"Message-ID": make_msgid(domain=mail_domain())},
    )
    message.attach_alternative(html, "text/html")
    for data, content_type, filename in attachments:
        message.attach(_attachment(data, content_type, filename))
    message.related = [_inline_image(data, cid) for data, cid in inline]
    return message


def _inline_image(data: bytes, cid: str) -> MIMEImage:
    """A PNG part the HTML shows with <img src="cid:...">: inline, not an attachment."""
    part = MIMEImage(data, "png")
    part.add_header("Content-ID", f"<{cid}>")
    part.add_header("Content-Disposition", "inline", filename="e-ticket.png")
    return part


def _relate_html(msg: SafeMIMEMultipart, parts: Sequence[MIMEBase]) -> None:
    """Put the HTML alternative and the parts it shows into a multipart/related (RFC 2387),
    in the HTML's place: readers that show the text alternative leave the images out, and
    none lists them as attachments."""
    for container in msg.walk():
        if container.get_content_type() != "multipart/alternative":
            continue
        children = container.get_payload()
        assert isinstance(children, list)
        for index, child in enumerate(children):
            if child.get_content_type() == "text/html":
                related = MIMEMultipart("related", type="text/html")
                related.attach(child)
                for part in parts:
                    related.attach(part)
                container.set_payload([*children[:index], related, *children[index + 1 :]])
                return


def _boundary(*texts: str) -> str:
    """A MIME boundary like the email package's, found nowhere in `texts`."""
    token = "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="
    boundary, n = token, 0
    while any(f"--{boundary}" in text for text in texts):
        boundary, n = f"{token}.{n}", n + 1
    return boundary


def _attachment(data: bytes, content_type: str, filename: str) -> MIMEBase:
    """A base64 part of `data` as it is. Flask-Mailman would turn a text/* attachment into
    8-bit text: the .ics's bytes (CRLF line ends) would not arrive as they left, and its
    content type would lose method=PUBLISH."""
    maintype, subtype = content_type.split(";")[0].strip().split("/")
    part = MIMEBase(maintype, subtype)
    part.replace_header("Content-Type", content_type)
    part.set_payload(data)
    encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def one_line(text: str) -> str:
    """A header value on one line: a title stored with a line break (before the forms
    refused them, or imported) must not make the message impossible to build."""
    return " ".join(text.splitlines()).strip()


def details(registration: Registration) -> list[tuple[str, str]]:
    """(label, value) of what the person told us, as the e-mails list it (in the current
    language, the questions too where translated); empty fields and unanswered questions
    left out."""
    language = str(get_locale())
    dietary = str(DIETARY.get(registration.dietary, registration.dietary))
    if registration.dietary == "other" and registration.dietary_other:
        dietary = registration.dietary_other
    name = " ".join(p for p in (registration.honorific, registration.full_name) if p)
    rows = [
        (_("Name"), name),
        (_("Name on the badge"), registration.badge_name),
        (_("Organisation"), registration.organisation),
        (_("Job title"), registration.job_title),
        (_("Country"), country_name(registration.country)),
        (_("Dietary needs"), dietary if registration.dietary != "none" else ""),
        (_("Accessibility needs"), registration.accessibility),
        # No answers, no need to read the event's questions (a query per message).
        *(
            (plain_text(question, "label", language), answer)
            for question, answer in (
                answers.listed(registration, language) if registration.answers else ()
            )
        ),
    ]
    return [(label, value) for label, value in rows if value]
