"""E-mails to participants: one for every change of their registration (confirmation,
waiting list, pending approval, approval, decline, promotion, cancellation), "your
link again" and the certificate of attendance (sent when the organisers ask), each as
text and HTML in the language the person signed up in.

Delivery: over SMTP when MAIL_SERVER is set (MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD,
MAIL_USE_TLS for STARTTLS, MAIL_FROM); otherwise each message is written as an .eml file
under instance/outbox/ (MAIL_OUTBOX moves it) and logged, which is what a development
install wants.

Every message is recorded in MailRecord (kind, recipient, subject, sent / written /
failed, the error, attempts), committed at once: the organisers see on a registration's
page what it was sent, and the desk counts the failures. Callers send after the
registration is committed, so a mail server that is down never loses a sign-up; the
failed message can be resent later (`resend`, `resend_failed`, the resend-mail command),
rebuilt from the registration as it is then, so its link and details are current.
"""

from __future__ import annotations

import base64
import io
import logging
import random
import smtplib
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import formataddr, formatdate, getaddresses, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from eventapp.core.changelog import record as log_change
from eventapp.core.i18n import country_name
from eventapp.core.labels import DIETARY, STATUSES
from eventapp.extensions import db
from eventapp.feeds.calendar_cache import agenda_ics
from eventapp.models import Event, MailRecord, MailStatus, Registration, Status
from eventapp.models.types import utcnow
from eventapp.registration import answers, services
from eventapp.web.public_url import external_url, public_base_url

log = logging.getLogger(__name__)

#: The sender when MAIL_FROM is not set: an address on the site's own host, so that the
#: domain a spam filter checks is the one people know (sender()).
DEFAULT_SENDER_NAME = "eventapp"


def mail_domain() -> str:
    """The host of PUBLIC_BASE_URL: the domain of the default sender and of Message-IDs."""
    return urlsplit(public_base_url()).hostname or "localhost"


def sender() -> str:
    """MAIL_FROM, else `eventapp <noreply@<the site's host>>`."""
    return current_app.config.get("MAIL_FROM") or \
        formataddr((DEFAULT_SENDER_NAME, f"noreply@{mail_domain()}"))


def new_message_id() -> str:
    return make_msgid(domain=mail_domain())

#: Every kind of message, with the statuses in which it still tells the truth: a failed
#: message is resent only while its registration is in one of them (None: any status).
KINDS: dict[str, frozenset[Status] | None] = {
    "confirmation": frozenset({Status.CONFIRMED}),
    "waitlisted": frozenset({Status.WAITLISTED}),
    "pending": frozenset({Status.PENDING}),
    "approval": frozenset({Status.CONFIRMED, Status.WAITLISTED}),
    "decline": frozenset({Status.DECLINED}),
    "promotion": frozenset({Status.CONFIRMED}),
    "cancellation": frozenset({Status.CANCELLED}),
    "link": None,
    # Any status: whether the person still has a certificate is checked on its own
    # (resend_problem).
    "certificate": None,
}

#: Names of the kinds for the organisers' pages.
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
}

#: The messages that repeat the person's details, so a typo is noticed (and corrected
#: through the link) before the badges are printed. Not "link": it answers whoever typed
#: the address into the form.
WITH_DETAILS = frozenset({"confirmation", "waitlisted", "pending", "approval", "promotion"})

MAIL_STATUSES = {
    MailStatus.SENT: _l("Sent"),
    MailStatus.WRITTEN: _l("Written to the outbox folder"),
    MailStatus.FAILED: _l("Failed"),
}


class CannotResend(Exception):
    """A recorded message that is not to be sent again; str(error) says why, translated."""


# --- One function per message -----------------------------------------------------------

def send_signup(registration: Registration) -> bool:
    """After a sign-up: the message that matches the status it got."""
    kind = {Status.CONFIRMED: "confirmation",
            Status.WAITLISTED: "waitlisted"}.get(registration.status, "pending")
    return _delivered(registration, kind)


def send_confirmation(registration: Registration) -> bool:
    """Confirmed: the event's details, the self-service link and the agenda (.ics)."""
    return _delivered(registration, "confirmation")


def send_approval(registration: Registration) -> bool:
    """An organiser approved the sign-up: confirmed (with the agenda) or waiting list."""
    return _delivered(registration, "approval")


def send_decline(registration: Registration) -> bool:
    """An organiser declined the sign-up."""
    return _delivered(registration, "decline")


def send_promotion(registration: Registration) -> bool:
    """A seat opened: the person moved from the waiting list to confirmed."""
    return _delivered(registration, "promotion")


def send_cancellation(registration: Registration) -> bool:
    """The person (or an organiser) cancelled."""
    return _delivered(registration, "cancellation")


def send_link_again(registration: Registration) -> bool:
    """Someone tried to sign up again with this address: the link to the registration."""
    return _delivered(registration, "link")


def send_certificate(registration: Registration) -> bool:
    """The certificate of attendance as a PDF, with its verification code; for people
    who have one (printing.certificates.is_valid). Gives them their code if they have
    none yet (committed with the record)."""
    return _delivered(registration, "certificate")


def _delivered(registration: Registration, kind: str) -> bool:
    """`send`, and whether the message went (told before the commit expires the record,
    which would cost a query)."""
    mail = _record(registration, kind)
    if mail is None:
        return False
    delivered = mail.status != MailStatus.FAILED
    db.session.commit()
    return delivered


# --- What each message says -------------------------------------------------------------

@dataclass
class Content:
    subject: str
    #: (data, content type, filename)
    attachments: list[tuple[bytes, str, str]] = field(default_factory=list)
    #: For the templates, besides registration, event, link and event_url.
    context: dict[str, Any] = field(default_factory=dict)


#: The agenda attached to e-mails is published, not an invitation to answer (RFC 6047);
#: the content type's method must match the calendar's METHOD property.
CALENDAR_TYPE = "text/calendar; method=PUBLISH; charset=utf-8"


def _agenda(event: Event) -> tuple[bytes, str, str]:
    # Built once per change of the agenda and language (exports.calendar_cache).
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
    title = event.title
    if kind == "confirmation":
        return Content(_("Your registration is confirmed: %(title)s", title=title),
                       [_agenda(event)])
    if kind == "waitlisted":
        return Content(_("On the waiting list: %(title)s", title=title),
                       context={"position": services.waitlist_position(registration)})
    if kind == "pending":
        return Content(_("Sign-up received: %(title)s", title=title))
    if kind == "approval":
        if registration.status == Status.CONFIRMED:
            return Content(_("Your sign-up is approved: %(title)s", title=title),
                           [_agenda(event)])
        return Content(_("Your sign-up is approved, on the waiting list: %(title)s",
                         title=title),
                       context={"position": services.waitlist_position(registration)})
    if kind == "decline":
        return Content(_("Your sign-up was not accepted: %(title)s", title=title))
    if kind == "promotion":
        return Content(_("A seat is yours: %(title)s", title=title), [_agenda(event)])
    if kind == "cancellation":
        return Content(_("Registration cancelled: %(title)s", title=title))
    if kind == "link":
        return Content(_("Your registration link: %(title)s", title=title),
                       context={"position": services.waitlist_position(registration)})
    if kind == "certificate":
        from eventapp.certificates import services as certificates

        pdf = certificates.render_certificates(event, [registration])
        code = registration.certificate_code
        return Content(_("Your certificate of attendance: %(title)s", title=title),
                       [(pdf, "application/pdf", certificates.file_name(event, registration))],
                       context={"code": certificates.format_code(code),
                                "verify_url": certificates.verify_url(code)})
    raise ValueError(f"unknown kind of e-mail {kind!r}")


# --- Building, delivering, recording ----------------------------------------------------

def build(registration: Registration, kind: str) -> EmailMessage:
    """The message in the person's language: text part, HTML part, attachments."""
    event = registration.event
    with force_locale(registration.language or "en"):
        what = content(registration, kind)
        context = {
            "registration": registration, "event": event,
            "link": external_url("registration.selfservice", token=registration.token),
            "event_url": external_url("public.event", slug=event.slug),
            "details": details(registration) if kind in WITH_DETAILS else [],
            **what.context,
        }
        text = render_template(f"email/{kind}.txt", **context)
        html = render_template(f"email/{kind}.html", **context)
    message = EmailMessage()
    message["Subject"] = one_line(what.subject)
    message["From"] = sender()
    message["To"] = registration.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = new_message_id()
    message.set_content(text)
    if what.attachments:
        # Boundaries chosen here, against the only parts that can hold one: the generator
        # would search the attachments' base64 as well (1.5 ms for the agenda), where
        # none can be ("-" is not a base64 character).
        alternative = _boundary(text, html)
        message.make_alternative(boundary=alternative)
        message.add_alternative(html, subtype="html")
        message.make_mixed(boundary=_boundary(text, html, f"--{alternative}"))
        for data, content_type, filename in what.attachments:
            message.attach(_attachment(data, content_type, filename))
    else:
        message.add_alternative(html, subtype="html")
    return message


def one_line(text: str) -> str:
    """A header value on one line: a title stored with a line break (before the forms
    refused them, or imported) must not make the message impossible to build."""
    return " ".join(text.splitlines()).strip()


def details(registration: Registration) -> list[tuple[str, str]]:
    """(label, value) of what the person told us, as the e-mails list it (in the current
    language); empty fields and unanswered questions left out."""
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
        *((question.label, answer) for question, answer in
          (answers.listed(registration) if registration.answers else ())),
    ]
    return [(label, value) for label, value in rows if value]


def _boundary(*texts: str) -> str:
    """A MIME boundary like the email package's, found nowhere in `texts`."""
    token = "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="
    boundary, n = token, 0
    while any(f"--{boundary}" in text for text in texts):
        boundary, n = f"{token}.{n}", n + 1
    return boundary


# --- Attachments, encoded once ----------------------------------------------------------
# The agenda (.ics, 100 kB for 200 items) is the same bytes object in every message until
# it changes (exports.calendar_cache). Encoding it to base64 and writing it out line by
# line through the email package took more time than the rest of a sign-up's message, so
# its base64 is kept by the bytes it encodes, and written out in one piece.

class _Base64Part(EmailMessage):
    """An attachment whose payload is base64 already, lines ending in "\\n"."""


#: base64 of recent attachments, by their bytes (hashed once per bytes object).
_encoded: dict[bytes, str] = {}
#: (content type, file name) -> the parsed headers of such a part.
_headers: dict[tuple[str, str], list] = {}


def _attachment(data: bytes, content_type: str, filename: str) -> EmailMessage:
    """The part `add_attachment` would make of `data`, with the base64 and the headers
    of earlier calls (parsing a header takes the email package longer than one thinks)."""
    body = _encoded.get(data)
    if body is None:
        if len(_encoded) >= 16:  # the agenda of a few events in a few languages
            _encoded.clear()
        # 76 characters a line, as add_attachment writes it.
        body = _encoded[data] = base64.encodebytes(data).decode("ascii")
    headers = _headers.get((content_type, filename))
    if headers is None:
        model = EmailMessage()
        model["Content-Type"] = content_type
        model["Content-Transfer-Encoding"] = "base64"
        model.add_header("Content-Disposition", "attachment", filename=filename)
        model["MIME-Version"] = "1.0"
        headers = _headers[content_type, filename] = list(model.raw_items())
    part = _Base64Part()
    for name, value in headers:
        part.set_raw(name, value)  # header objects are immutable: shared safely
    part.set_payload(body)
    return part


class _Generator(BytesGenerator):
    """BytesGenerator writing a _Base64Part's payload in one piece rather than line by
    line (the same bytes)."""

    def _handle_text(self, msg):
        if isinstance(msg, _Base64Part):
            self._fp.write(msg.get_payload().replace("\n", self._NL).encode("ascii"))
        else:
            super()._handle_text(msg)


def as_bytes(message: EmailMessage, *, smtp: bool = False) -> bytes:
    """The message as `bytes(message)` gives it, or with `smtp` as smtplib's
    send_message sends it (CRLF, "From " lines quoted), only quicker."""
    buffer = io.BytesIO()
    if smtp:
        _Generator(buffer).flatten(message, linesep="\r\n")
    else:
        _Generator(buffer, mangle_from_=False, policy=message.policy).flatten(message)
    return buffer.getvalue()


def send(registration: Registration, kind: str) -> MailRecord | None:
    """Build, deliver and record a message; commits the record. None when the person has
    no address (anonymised, or added by hand without one).

    Call it after committing the change the message tells about: it commits.
    """
    mail = _record(registration, kind)
    if mail is not None:
        db.session.commit()
    return mail


def _record(registration: Registration, kind: str) -> MailRecord | None:
    """`send` without the commit."""
    if not registration.email:
        return None
    mail = MailRecord(event_id=registration.event_id, registration_id=registration.id,
                      kind=kind, attempts=1)
    _attempt(mail, registration)
    db.session.add(mail)
    return mail


def _attempt(mail: MailRecord, registration: Registration) -> None:
    """Build and deliver, and write the outcome into the record (not committed).

    Whatever goes wrong is the message's failure, recorded to be resent, never the
    caller's: the change the message tells about is saved already, and the person must
    get its page rather than an error."""
    mail.recipient = registration.email[:254]
    try:
        message = build(registration, mail.kind)
        mail.subject = str(message["Subject"])[:300]
        mail.status = deliver(message)
    except Exception as exc:  # noqa: BLE001 (any failure: see the docstring)
        log.exception("could not send the %s e-mail of registration %s", mail.kind,
                      mail.registration_id)
        mail.status = MailStatus.FAILED
        mail.error = f"{type(exc).__name__}: {exc}"[:1000]
    else:
        mail.error = ""
        mail.sent_at = utcnow()


def deliver(message: EmailMessage) -> MailStatus:
    """Over SMTP when MAIL_SERVER is set (SENT), else into the outbox folder (WRITTEN)."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25),
                          timeout=float(config.get("MAIL_TIMEOUT") or 10)) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            _send_smtp(smtp, message)
        return MailStatus.SENT
    outbox = Path(config.get("MAIL_OUTBOX") or Path(current_app.instance_path) / "outbox")
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(as_bytes(message))
    log.info("e-mail to %s (%s) written to %s", message["To"], message["Subject"], path)
    return MailStatus.WRITTEN


def _send_smtp(smtp: smtplib.SMTP, message: EmailMessage) -> None:
    """smtp.send_message(message) for our messages (one From, To only, no Bcc), with the
    message flattened by `as_bytes`."""
    sender = getaddresses([str(message["From"])])[0][1]
    recipients = [address for _name, address in getaddresses(
        [str(value) for value in message.get_all("To", [])])]
    if not (sender + "".join(recipients)).isascii():
        smtp.send_message(message)  # SMTPUTF8: smtplib knows how
        return
    smtp.sendmail(sender, recipients, as_bytes(message, smtp=True))


# --- The record and resending -----------------------------------------------------------

def records_of(registration: Registration) -> list[MailRecord]:
    """The messages sent to a registration, newest first."""
    return list(db.session.scalars(select(MailRecord).where(
        MailRecord.registration_id == registration.id).order_by(MailRecord.id.desc())))


def _newest_ids(event_id: int, registration_ids: list[int] | None = None) -> dict:
    """{(registration id, kind): id of the newest message of that kind}."""
    query = (select(MailRecord.registration_id, MailRecord.kind, func.max(MailRecord.id))
             .where(MailRecord.event_id == event_id)
             .group_by(MailRecord.registration_id, MailRecord.kind))
    if registration_ids is not None:
        query = query.where(MailRecord.registration_id.in_(registration_ids))
    return {(rid, kind): newest for rid, kind, newest in db.session.execute(query)}


def resend_problem(mail: MailRecord, newest: dict | None = None) -> str | None:
    """Why this message is not to be resent (translated), or None when it can be.

    Only a failed message, only the newest of its kind for the registration (a newer one
    was sent or tried since), only while the person has an address and the registration
    is still in a status the message is true of (a failed confirmation of someone who
    has cancelled since says nothing true any more).
    """
    if mail.status != MailStatus.FAILED:
        return _("This e-mail was delivered.")
    registration = mail.registration
    if registration is None or registration.anonymised_at is not None \
            or not registration.email:
        return _("The registration has no e-mail address any more.")
    if newest is None:
        newest = _newest_ids(mail.event_id, [registration.id])
    if newest.get((registration.id, mail.kind), mail.id) != mail.id:
        return _("A newer e-mail of this kind was sent since.")
    if mail.kind == "certificate":
        from eventapp.certificates.services import is_valid

        if not is_valid(registration):
            return _("Out of date: the person is no longer checked in.")
    statuses = KINDS.get(mail.kind, frozenset())
    if statuses is not None and registration.status not in statuses:
        return _("Out of date: the registration is %(status)s now.",
                 status=str(STATUSES[registration.status]).lower())
    return None


def resendable(registration: Registration) -> set[int]:
    """Ids of the registration's failed messages that can be resent."""
    records = records_of(registration)
    newest = _newest_ids(registration.event_id, [registration.id])
    return {m.id for m in records if m.status == MailStatus.FAILED
            and resend_problem(m, newest) is None}


def failed_to_resend(event: Event) -> list[MailRecord]:
    """The event's failed messages that can be resent (see resend_problem), oldest first."""
    failed = list(db.session.scalars(
        select(MailRecord)
        .where(MailRecord.event_id == event.id, MailRecord.status == MailStatus.FAILED)
        .options(selectinload(MailRecord.registration))
        .order_by(MailRecord.id)))
    if not failed:
        return []
    newest = _newest_ids(event.id)
    return [m for m in failed if resend_problem(m, newest) is None]


def resend(mail: MailRecord) -> bool:
    """Send a failed message again, rebuilt from the registration as it is now (current
    link, details, waiting-list position and address); whether it was delivered.

    The same record counts the attempt and takes the new outcome; the registration's
    change log says who resent it. Raises CannotResend (see resend_problem). Commits.
    """
    problem = resend_problem(mail)
    if problem is not None:
        raise CannotResend(problem)
    registration = mail.registration
    mail.attempts += 1
    _attempt(mail, registration)
    kind = KIND_LABELS.get(mail.kind, mail.kind)
    log_change(registration.event, "registration", registration.id, "email_resend",
               _("E-mail sent again: %(kind)s", kind=kind) if mail.status != MailStatus.FAILED
               else _("E-mail could not be sent again: %(kind)s", kind=kind),
               {"email": mail.kind, "status": mail.status.value})
    db.session.commit()
    return mail.status != MailStatus.FAILED


@dataclass
class ResendResult:
    delivered: int = 0
    failed: int = 0


def resend_failed(event: Event, on_each: Callable[[MailRecord], None] | None = None
                  ) -> ResendResult:
    """Resend every failed message of the event that can be (after the mail server was
    down during a rush, say), oldest first; commits after each. `on_each` is told of each
    record once tried."""
    result = ResendResult()
    for mail in failed_to_resend(event):
        if resend(mail):
            result.delivered += 1
        else:
            result.failed += 1
        if on_each is not None:
            on_each(mail)
    return result


@dataclass
class CertificateMailResult:
    delivered: int = 0
    failed: int = 0
    #: Checked in but without an e-mail address (added by hand, a walk-in without one).
    skipped: int = 0
    #: Sent a certificate before (sent or written): not sent again.
    already: int = 0
    #: Left for another round because the time given ran out.
    remaining: int = 0


def send_certificates(event: Event, *, seconds: float | None = None) -> CertificateMailResult:
    """E-mail every person with a certificate (printing.certificates.attendees) theirs,
    once: whoever was sent one already is left out, so pressing the button again after a
    timeout or for late arrivals sends only what is missing. Commits after each message,
    so a failure halfway loses nothing sent before it.

    `seconds` bounds the time spent (a request must end before the server's timeout, and
    a certificate takes about 50 ms): the rest is counted in `remaining`.
    """
    from eventapp.certificates.services import attendees

    result = CertificateMailResult()
    sent_before = set(db.session.scalars(
        select(MailRecord.registration_id).where(
            MailRecord.event_id == event.id, MailRecord.kind == "certificate",
            MailRecord.status.in_([MailStatus.SENT, MailStatus.WRITTEN]))))
    deadline = None if seconds is None else time.monotonic() + seconds
    for registration in attendees(event):
        if not registration.email:
            result.skipped += 1
        elif registration.id in sent_before:
            result.already += 1
        elif deadline is not None and (result.delivered or result.failed) \
                and time.monotonic() > deadline:  # one at least, so every round moves on
            result.remaining += 1
        elif send_certificate(registration):
            result.delivered += 1
        else:
            result.failed += 1
    return result
