"""The jobs' tasks: run a job, run one part of a split job (then the join after the
last), and delete expired results. Enqueued once the starting transaction commits."""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from eventapp.extensions import db
from eventapp.jobs import registry, services
from eventapp.models import Job, JobStatus
from eventapp.queue.tasks import periodic_task, task

log = logging.getLogger(__name__)


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    for step, job_id, index in session.info.pop(services.PENDING, []):
        try:
            if step == "run":
                run_job(job_id)
            else:
                run_job_part(job_id, index)
        except Exception:  # the queue's storage is down: the job stays queued, visibly
            log.exception("could not enqueue job %s", job_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(services.PENDING, None)


@task()
def run_job(job_id: int) -> None:
    """Run a queued job with its kind's runner (see jobs.registry)."""
    # A runner commits as it goes (progress, records queued): what it has loaded stays
    # loaded rather than being read again row by row after each commit.
    db.session().expire_on_commit = False
    job = services.claim(job_id)
    if job is None:
        return
    runner = registry.get(job.kind)
    with services.running(job):
        runner.run(job)
        db.session.flush()  # what the runner changed last (its params), before reading
        db.session.refresh(job)
        # A job done in one piece whose runner made no file is done when it returns; a
        # split one is finished by its last part.
        if job.status == JobStatus.RUNNING and not job.parts:
            services.finish(job)


@task()
def run_job_part(job_id: int, index: int) -> None:
    """Run one part of a split job; the worker that finishes the last part joins them."""
    db.session().expire_on_commit = False
    job = db.session.get(Job, job_id)
    if job is None or job.status != JobStatus.RUNNING:
        return  # cancelled, or another part failed: nothing to do
    runner = registry.get(job.kind)
    assert runner.part is not None and runner.join is not None
    with services.running(job):
        services.check_cancelled(job)
        runner.part(job, index)
        if services.part_done(job):
            db.session.refresh(job)
            services.check_cancelled(job)
            runner.join(job)
            db.session.refresh(job)
            if job.status == JobStatus.RUNNING:
                services.finish(job)


@periodic_task(minute="*/10")
def delete_expired_results() -> None:
    """Delete job results past their 24 hours; fail the jobs whose worker died."""
    services.delete_expired()
    services.fail_stalled()
