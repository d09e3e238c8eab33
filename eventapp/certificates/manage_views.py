"""The organisers' certificates page: certificates of attendance for everyone checked in,
all in one PDF or one person's, and sent by e-mail.

Downloads are POSTs, like printing badges: the first certificate of a person gives them
their verification code, a change a GET (a link preview, a prefetch) must not make.
"""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.certificates import services as certificates
from eventapp.certificates.mailing import SEND_SECONDS
from eventapp.certificates.mailing import send_certificates as mail_certificates
from eventapp.extensions import db
from eventapp.mail.records import send_certificate as mail_certificate
from eventapp.models import Event, Registration
from eventapp.web.blueprints import manage as bp

#: People per PDF of "download all": a part stays well inside gunicorn's 30 s timeout,
#: which a large event's run in one PDF would not.
PART_SIZE = 500


def _pdf_response(pdf: bytes, name: str) -> Response:
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def _attendee_or_404(event: Event, registration_id: int) -> Registration:
    registration = certificates.attendee(event, registration_id)
    if registration is None:
        abort(404)
    return registration


# The endpoint is "manage.certificates", the name the organisers' menu links to.
@bp.get("/events/<slug>/certificates", endpoint="certificates")
@organiser_required
def certificates_page(slug: str):
    """Everyone checked in, with their certificate and verification code; downloads and
    the e-mail to everyone."""
    event = get_managed_event_or_404(slug)
    people = certificates.attendees(event)
    return render_template(
        "certificates/manage.html",
        event=event,
        people=people,
        parts=certificates.parts(people, PART_SIZE),
        with_email=sum(1 for r in people if r.email),
        format_code=certificates.format_code,
    )


@bp.post("/events/<slug>/certificates/all.pdf")
@organiser_required
def certificates_pdf(slug: str):
    """Every checked-in person's certificate in one PDF, a page each, by family name; for
    a large event, one part of PART_SIZE people (form field `part`, from 1)."""
    event = get_managed_event_or_404(slug)
    people = certificates.attendees(event)
    if not people:
        flash(_("Nobody is checked in yet: there is no certificate to make."), "error")
        return redirect(url_for(".certificates", slug=slug))
    parts = certificates.parts(people, PART_SIZE)
    part = request.form.get("part", type=int) or 1
    if not 1 <= part <= len(parts):
        abort(404)
    pdf = certificates.render_certificates(event, parts[part - 1])
    db.session.commit()  # the codes made for this run
    name = certificates.file_name(event)
    if len(parts) > 1:
        name = name.replace(".pdf", f"-part{part}.pdf")
    return _pdf_response(pdf, name)


@bp.post("/events/<slug>/certificates/<int:registration_id>.pdf")
@organiser_required
def certificate_pdf(slug: str, registration_id: int):
    """One person's certificate (a one-page PDF); 404 unless they are checked in."""
    event = get_managed_event_or_404(slug)
    registration = _attendee_or_404(event, registration_id)
    pdf = certificates.render_certificates(event, [registration])
    db.session.commit()
    return _pdf_response(pdf, certificates.file_name(event, registration))


@bp.post("/events/<slug>/certificates/send")
@organiser_required
def send_certificates(slug: str):
    """E-mail everyone checked in who has an address their certificate."""
    event = get_managed_event_or_404(slug)
    result = mail_certificates(event, seconds=SEND_SECONDS)
    if result.delivered:
        flash(
            ngettext(
                "%(num)d certificate sent by e-mail.",
                "%(num)d certificates sent by e-mail.",
                result.delivered,
            ),
            "info",
        )
    if result.skipped:
        flash(
            ngettext(
                "%(num)d person checked in has no e-mail address: download their "
                "certificate instead.",
                "%(num)d people checked in have no e-mail address: download their "
                "certificates instead.",
                result.skipped,
            ),
            "info",
        )
    if result.failed:
        flash(
            ngettext(
                "%(num)d e-mail could not be sent: see the failed e-mails on the "
                "registrations page.",
                "%(num)d e-mails could not be sent: see the failed e-mails on the "
                "registrations page.",
                result.failed,
            ),
            "error",
        )
    if result.already:
        flash(
            ngettext(
                "%(num)d person had been sent theirs already: not sent again.",
                "%(num)d people had been sent theirs already: not sent again.",
                result.already,
            ),
            "info",
        )
    if result.remaining:
        flash(
            ngettext(
                "%(num)d certificate is still to send: press the button again.",
                "%(num)d certificates are still to send: press the button again.",
                result.remaining,
            ),
            "error",
        )
    if not (
        result.delivered or result.skipped or result.failed or result.already or result.remaining
    ):
        flash(_("Nobody is checked in yet: there is no certificate to send."), "error")
    return redirect(url_for(".certificates", slug=slug))


@bp.post("/events/<slug>/certificates/<int:registration_id>/send")
@organiser_required
def send_certificate(slug: str, registration_id: int):
    """E-mail one checked-in person their certificate."""
    event = get_managed_event_or_404(slug)
    registration = _attendee_or_404(event, registration_id)
    name = registration.full_name
    if not registration.email:
        flash(_("%(name)s has no e-mail address.", name=name), "error")
    elif mail_certificate(registration):
        flash(_("Certificate sent to %(name)s.", name=name), "info")
    else:
        flash(
            _("The certificate could not be sent to %(name)s: is the mail server up?", name=name),
            "error",
        )
    return redirect(url_for(".certificates", slug=slug))
