"""E-mails to participants: confirmation, waiting list, pending approval, promotion,
cancellation and "your link again", each as text and HTML in the language the person
signed up in.

Delivery: over SMTP when MAIL_SERVER is set (MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD,
MAIL_USE_TLS for STARTTLS, MAIL_FROM); otherwise each message is written as an .eml file
under instance/outbox/ (MAIL_OUTBOX moves it) and logged, which is what a development
install wants.

Callers send after the registration is committed: a mail server that is down never loses
a sign-up. The failure is logged and recorded in the event's change log (action
"email_failed"); resending from a queue is not done here.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..changelog import record
from ..exports.ical import agenda_calendar
from ..extensions import db
from ..models import Registration, Status
from ..public import queries
from . import services

log = logging.getLogger(__name__)

DEFAULT_FROM = "eventapp <noreply@localhost>"


# --- One function per message -----------------------------------------------------------

def send_signup(registration: Registration) -> bool:
    """After a sign-up: the message that matches the status it got."""
    if registration.status == Status.CONFIRMED:
        return send_confirmation(registration)
    if registration.status == Status.WAITLISTED:
        return _send(registration, "waitlisted",
                     lambda: _("On the waiting list: %(title)s",
                               title=registration.event.title),
                     position=services.waitlist_position(registration))
    return _send(registration, "pending",
                 lambda: _("Sign-up received: %(title)s", title=registration.event.title))


def send_confirmation(registration: Registration) -> bool:
    """Confirmed: the event's details, the self-service link and the agenda (.ics)."""
    event = registration.event
    calendar = agenda_calendar(event, queries.agenda(event))
    return _send(registration, "confirmation",
                 lambda: _("Your registration is confirmed: %(title)s", title=event.title),
                 attachments=[(calendar, "text", "calendar", "agenda.ics")])


def send_promotion(registration: Registration) -> bool:
    """A seat opened: the person moved from the waiting list to confirmed."""
    event = registration.event
    calendar = agenda_calendar(event, queries.agenda(event))
    return _send(registration, "promotion",
                 lambda: _("A seat is yours: %(title)s", title=event.title),
                 attachments=[(calendar, "text", "calendar", "agenda.ics")])


def send_cancellation(registration: Registration) -> bool:
    """The person (or an organiser) cancelled."""
    return _send(registration, "cancellation",
                 lambda: _("Registration cancelled: %(title)s",
                           title=registration.event.title))


def send_link_again(registration: Registration) -> bool:
    """Someone tried to sign up again with this address: the link to the registration."""
    return _send(registration, "link",
                 lambda: _("Your registration link: %(title)s", title=registration.event.title),
                 position=services.waitlist_position(registration))


# --- Building and delivering ------------------------------------------------------------

def build(registration: Registration, kind: str, subject, attachments=(),
          **context) -> EmailMessage:
    """The message in the person's language: text part, HTML part, attachments."""
    event = registration.event
    with force_locale(registration.language or "en"):
        context = {
            "registration": registration, "event": event,
            "link": url_for("registration.selfservice", token=registration.token,
                            _external=True),
            "event_url": url_for("public.event", slug=event.slug, _external=True),
            **context,
        }
        text = render_template(f"email/{kind}.txt", **context)
        html = render_template(f"email/{kind}.html", **context)
        subject_text = subject()
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = subject_text
    message["From"] = config.get("MAIL_FROM") or DEFAULT_FROM
    message["To"] = registration.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="eventapp")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for data, maintype, subtype, filename in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def _send(registration: Registration, kind: str, subject, attachments=(), **context) -> bool:
    """Build and deliver; on failure log and record it, and return False."""
    if not registration.email:
        return False  # anonymised, or added by hand without an address
    message = build(registration, kind, subject, attachments, **context)
    try:
        deliver(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.exception("could not send the %s e-mail of registration %s", kind, registration.id)
        record(registration.event, "registration", registration.id, "email_failed",
               _("E-mail not sent (%(kind)s): %(error)s", kind=kind, error=str(exc)),
               {"email": kind, "error": f"{type(exc).__name__}: {exc}"})
        db.session.commit()
        return False
    return True


def deliver(message: EmailMessage) -> None:
    """Over SMTP when MAIL_SERVER is set, else into the outbox folder."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25),
                          timeout=float(config.get("MAIL_TIMEOUT") or 10)) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
        return
    outbox = Path(config.get("MAIL_OUTBOX") or Path(current_app.instance_path) / "outbox")
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    log.info("e-mail to %s (%s) written to %s", message["To"], message["Subject"], path)
