"""Certificates as jobs: everyone's in one PDF, and the e-mail to everyone in one press.

The PDF: laid out by a worker, its progress told per chunk, downloadable from the job's
page (no more parts of 500 to stay inside the web server's timeout). The e-mails: one
MailRecord queued per person through the outbox (mail/outbox.py), committed as the job
goes, so the workers deliver them meanwhile; the progress counts the people done. Whoever
was sent theirs before is left out, so a second press sends only what is missing.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from eventapp.certificates import services as certificates
from eventapp.extensions import db
from eventapp.jobs import registry, services
from eventapp.mail.outbox import queue_mail
from eventapp.models import Event, Job, MailRecord, MailStatus, User

PDF, MAIL = "certificates-pdf", "certificates-mail"
#: Events with more people checked in than this get "download all" as a job.
JOB_ABOVE = 50


def job_above() -> int:
    return int(current_app.config.get("CERTIFICATE_JOB_ABOVE", JOB_ABOVE))


def start_pdf(event: Event, count: int, user: User | None) -> Job:
    """Everyone's certificates in one PDF, as a job (the caller commits)."""
    title = _("Certificates: %(num)s, one PDF", num=count)
    return services.start_job(event, PDF, title, {}, user, total=count)


def start_mail(event: Event, count: int, user: User | None) -> Job:
    """The e-mail of everyone's certificate, as a job (the caller commits)."""
    title = _("Certificates by e-mail: %(num)s people", num=count)
    return services.start_job(event, MAIL, title, {}, user, total=count)


@registry.runner(PDF)
def make_pdf(job: Job) -> None:
    """Lay out everyone's certificate into one PDF, by family name."""
    people = certificates.attendees(job.event)
    if not people:
        raise services.JobError(_("Nobody is checked in: there is no certificate to make."))
    services.progress(job, 0, len(people))
    done = 0

    def laid_out(count: int) -> None:
        nonlocal done
        done += count
        services.progress(job, done)
        services.check_cancelled(job)

    pdf = certificates.render_certificates(job.event, people, on_pages=laid_out)
    services.finish(job, pdf, certificates.file_name(job.event), "application/pdf")


@registry.runner(MAIL)
def send_all(job: Job) -> None:
    """Queue everyone's certificate e-mail once; the workers deliver them."""
    event = job.event
    people = certificates.attendees(event)
    sent_before = set(
        db.session.scalars(
            select(MailRecord.registration_id).where(
                MailRecord.event_id == event.id,
                MailRecord.kind == "certificate",
                # Sent, or on its way: queued again it would go twice.
                MailRecord.status != MailStatus.FAILED,
            )
        )
    )
    counts = {"queued": 0, "already": 0, "skipped": 0}
    services.progress(job, 0, len(people))
    for done, registration in enumerate(people, start=1):
        if not registration.email:
            counts["skipped"] += 1
        elif registration.id in sent_before:
            counts["already"] += 1
        elif queue_mail(registration, "certificate") is not None:
            counts["queued"] += 1
        # Committed with the records queued so far: the workers deliver them meanwhile,
        # and a cancelled job has sent what it had queued, no more.
        services.progress(job, done)
        if done % 20 == 0:
            services.check_cancelled(job)
    job.params = {**job.params, "counts": counts}
