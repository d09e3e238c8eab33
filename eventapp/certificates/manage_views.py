"""The organisers' certificates page: certificates of attendance for everyone checked in,
all in one PDF or one person's, and sent by e-mail.

Downloads are POSTs, like printing badges: the first certificate of a person gives them
their verification code, a change a GET (a link preview, a prefetch) must not make.
"""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.certificates import jobs as certificate_jobs
from eventapp.certificates import services as certificates
from eventapp.extensions import db
from eventapp.mail.records import send_certificate as mail_certificate
from eventapp.models import Event, Registration
from eventapp.web.blueprints import manage as bp


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
        as_job=len(people) > certificate_jobs.job_above(),
        with_email=sum(1 for r in people if r.email),
        format_code=certificates.format_code,
    )


@bp.post("/events/<slug>/certificates/all.pdf")
@organiser_required
def certificates_pdf(slug: str):
    """Every checked-in person's certificate in one PDF, a page each, by family name; for
    more than CERTIFICATE_JOB_ABOVE people, made by a job whose page is the answer."""
    event = get_managed_event_or_404(slug)
    people = certificates.attendees(event)
    if not people:
        flash(_("Nobody is checked in yet: there is no certificate to make."), "error")
        return redirect(url_for(".certificates", slug=slug))
    if len(people) > certificate_jobs.job_above():
        # Laid out by a worker: the answer is the job's page, where the PDF then waits.
        job = certificate_jobs.start_pdf(event, len(people), current_user)
        db.session.commit()
        return redirect(url_for(".job", slug=slug, job_id=job.id))
    pdf = certificates.render_certificates(event, people)
    db.session.commit()  # the codes made for this run
    return _pdf_response(pdf, certificates.file_name(event))


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
    """E-mail everyone checked in who has an address their certificate: a job queues
    one e-mail per person, delivered by the workers; the answer is the job's page."""
    event = get_managed_event_or_404(slug)
    count = len(certificates.attendees(event))
    if not count:
        flash(_("Nobody is checked in yet: there is no certificate to send."), "error")
        return redirect(url_for(".certificates", slug=slug))
    job = certificate_jobs.start_mail(event, count, current_user)
    db.session.commit()
    return redirect(url_for(".job", slug=slug, job_id=job.id))


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
