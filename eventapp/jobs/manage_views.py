"""The organisers' job pages: an event's recent jobs, one job's progress (a bar that a
small script keeps up to date from status.json), cancelling it and downloading its result."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from flask import Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.extensions import db
from eventapp.jobs import services
from eventapp.jobs import tasks as _tasks  # noqa: F401  (enqueues jobs after commits)
from eventapp.models import Event, Job, JobStatus
from eventapp.web.blueprints import manage as bp


def _job_or_404(event: Event, job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.event_id != event.id:
        abort(404)
    return job


def status_text(job: Job) -> str:
    """What the job is doing, in a sentence (the page and its live region)."""
    if job.status == JobStatus.QUEUED:
        return _("Waiting for a worker to start.")
    if job.status == JobStatus.RUNNING:
        if job.cancel_requested:
            return _("Stopping…")
        if not job.total:
            return _("Preparing…")
        return _("%(done)s of %(total)s done.", done=job.done, total=job.total)
    if job.status == JobStatus.DONE:
        return _("Done: %(done)s of %(total)s.", done=job.done, total=job.total)
    if job.status == JobStatus.CANCELLED:
        return _("Cancelled.")
    return _("Failed: %(reason)s", reason=job.error or _("no reason was recorded."))


def estimate_text(job: Job) -> str:
    """ "About 2 minutes left", or "" without an estimate yet."""
    seconds = services.seconds_left(job)
    if seconds is None:
        return ""
    if seconds < 5:
        return _("Almost done.")
    return _("About %(time)s left.", time=format_timedelta(timedelta(seconds=seconds)))


#: What a runner may count in its params["counts"], in words.
COUNTS = {
    "queued": _l("E-mails queued for delivery"),
    "already": _l("Sent before: not sent again"),
    "skipped": _l("Without an e-mail address"),
    "imported": _l("Registrations imported"),
    "left_out": _l("Rows left out"),
}


def job_counts(job: Job) -> list[tuple[str, int]]:
    """The runner's counts (e-mails queued, people left out...) with their labels."""
    counts = (job.params or {}).get("counts") or {}
    return [(str(label), int(counts[key])) for key, label in COUNTS.items() if key in counts]


def job_state(event: Event, job: Job) -> dict:
    """The job's state for the page and for status.json."""
    return {
        "status": job.status.value,
        "done": job.done,
        "total": job.total,
        "text": status_text(job),
        "estimate": estimate_text(job),
        "finished": job.finished,
        "download": bool(services.result_path(job)),
        "expired": services.expired(job) and bool(job.result_name),
    }


@bp.get("/events/<slug>/jobs")
@organiser_required
def jobs(slug: str):
    """The event's recent jobs (badge runs, certificates, exports...), newest first."""
    event = get_managed_event_or_404(slug)
    listed = services.recent_jobs(event)
    return render_template(
        "jobs/list.html",
        event=event,
        jobs=listed,
        states={job.id: job_state(event, job) for job in listed},
    )


@bp.get("/events/<slug>/jobs/<int:job_id>")
@organiser_required
def job(slug: str, job_id: int):
    """One job: its progress bar, status, estimate, cancel button and result."""
    event = get_managed_event_or_404(slug)
    job = _job_or_404(event, job_id)
    return render_template(
        "jobs/job.html", event=event, job=job, state=job_state(event, job), counts=job_counts(job)
    )


@bp.get("/events/<slug>/jobs/<int:job_id>/status.json")
@organiser_required
def job_status(slug: str, job_id: int):
    """The job's progress for the page's script to show without reloading."""
    event = get_managed_event_or_404(slug)
    response = jsonify(job_state(event, _job_or_404(event, job_id)))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/events/<slug>/jobs/<int:job_id>/cancel")
@organiser_required
def cancel_job(slug: str, job_id: int):
    """Stop a queued or running job; its partial result is discarded."""
    event = get_managed_event_or_404(slug)
    job = _job_or_404(event, job_id)
    if services.cancel(job):
        db.session.commit()
        flash(_("The job is being cancelled."), "info")
    else:
        flash(_("The job had already finished."), "error")
    return redirect(url_for(".job", slug=slug, job_id=job.id))


@bp.get("/events/<slug>/jobs/<int:job_id>/result")
@organiser_required
def job_result(slug: str, job_id: int):
    """The job's result file (PDF, spreadsheet), for 24 hours after it finished."""
    event = get_managed_event_or_404(slug)
    job = _job_or_404(event, job_id)
    if services.expired(job):
        abort(410)
    path = services.result_path(job)
    if path is None:
        abort(404)
    name = secure_filename(job.result_name) or path.name
    return Response(
        _read(path),
        mimetype=job.result_type or "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Length": str(path.stat().st_size),
            "Cache-Control": "private, no-store",
        },
    )


def _read(path: Path) -> Iterator[bytes]:
    # Streamed (a run of thousands of badges is tens of MB), and the file closed as soon
    # as it is read, whoever reads the answer.
    with path.open("rb") as file:
        while chunk := file.read(256 * 1024):
            yield chunk
