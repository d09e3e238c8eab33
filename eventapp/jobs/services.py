"""Starting, running and finishing jobs (the rules; views and tasks call these).

A job's row is written in the transaction of the request that starts it (start_job) and
its task is enqueued after that commits (tasks.py), as the outbox does for e-mails: a
rolled-back request starts nothing. The runner (registry.py) reports progress with short
committed updates (progress / add_progress, at most about twice a second), checks between
chunks whether it was cancelled (check_cancelled raises JobCancelled: the task discards
its work) and ends with finish(), which writes the result file under instance/jobs/ with a
random name, served to the event's organisers for 24 hours. A runner raises JobError with
a reason an organiser can act on; any other exception fails the job with a general reason
and its traceback goes to the log.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from eventapp.extensions import db
from eventapp.jobs import registry
from eventapp.models import Event, Job, JobStatus, User
from eventapp.models.types import utcnow

log = logging.getLogger(__name__)

#: Hours a result stays downloadable after its job finished.
RESULT_HOURS = 24
#: Seconds between two committed progress updates of one job from one process.
PROGRESS_EVERY = 0.5
#: Session key of the tasks to enqueue once the session commits (tasks.py enqueues them).
PENDING = "jobs_pending"

UNEXPECTED = _l(
    "Something unexpected stopped the job. Try again; if it fails again, the "
    "administrators find the details in the server's log."
)


#: Minutes without progress after which a running job's worker is taken for dead: long
#: enough for its parts to wait behind another job's in the queue.
STALLED_MINUTES = 120
STALLED = _l(
    "The worker running this job stopped (it was restarted or ran out of memory): "
    "start the job again."
)


class JobError(Exception):
    """A job failed for a reason the organiser can read and act on (the message)."""


class JobCancelled(Exception):
    """The job was cancelled (or another part of it failed): stop, discard the work."""


# -- starting ------------------------------------------------------------------------------


def start_job(
    event: Event, kind: str, title: str, params: dict[str, Any], user: User | None, total: int = 0
) -> Job:
    """Record a queued job (flushed, in the caller's transaction); its task is enqueued once
    that transaction commits."""
    registry.get(kind)  # a KeyError here, not in a worker later
    job = Job(
        event_id=event.id,
        kind=kind,
        title=title[:200],
        status=JobStatus.QUEUED,
        done=0,
        total=total,
        params=params,
        started_by_id=user.id if user is not None else None,
    )
    db.session.add(job)
    db.session.flush()
    enqueue_after_commit("run", job.id)
    return job


def enqueue_after_commit(step: str, job_id: int, index: int | None = None) -> None:
    """Enqueue a job's task ("run", or "part" with its index) once the session commits."""
    db.session.info.setdefault(PENDING, []).append((step, job_id, index))


def recent_jobs(event: Event, limit: int = 50) -> list[Job]:
    """The event's latest jobs, newest first."""
    return list(
        db.session.scalars(
            select(Job).where(Job.event_id == event.id).order_by(Job.id.desc()).limit(limit)
        )
    )


def cancel(job: Job) -> bool:
    """Ask a job to stop: a queued one is cancelled at once, a running one stops between
    two chunks (its runner checks). False when it had already finished. Caller commits."""
    if job.status == JobStatus.QUEUED:
        job.status, job.finished_at = JobStatus.CANCELLED, utcnow()
        return True
    if job.status == JobStatus.RUNNING:
        job.cancel_requested = True
        return True
    return False


# -- running (called by the tasks and the runners) ----------------------------------------


def claim(job_id: int) -> Job | None:
    """Take a queued job for running (committed); None when it is gone, cancelled or
    already taken (its task ran twice)."""
    now = utcnow()
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(Job, job_id)


@contextmanager
def running(job: Job) -> Iterator[None]:
    """Around a runner's work: a cancellation discards it, a failure records its reason."""
    job_id = job.id
    try:
        yield
    except JobCancelled:
        db.session.rollback()
        _stop(job_id, JobStatus.CANCELLED, "")
    except JobError as error:
        db.session.rollback()
        _stop(job_id, JobStatus.FAILED, str(error))
    except Exception:
        log.exception("job %s failed", job_id)
        db.session.rollback()
        _stop(job_id, JobStatus.FAILED, str(UNEXPECTED))


def _stop(job_id: int, status: JobStatus, error: str) -> None:
    """End a running job as cancelled or failed (once: the first part to stop wins) and
    delete what its parts wrote."""
    values: dict[str, Any] = {"status": status, "error": error[:1000], "finished_at": utcnow()}
    if job_id in _latest:  # how far it got, for the page
        values["done"] = _latest.pop(job_id)
    db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.RUNNING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    _last_update.pop(job_id, None)
    _pending_done.pop(job_id, None)
    for path in parts_folder().glob(f"{job_id}-*"):
        path.unlink(missing_ok=True)


def check_cancelled(job: Job) -> None:
    """Raise JobCancelled when an organiser cancelled the job or another of its parts
    stopped it: runners call this between chunks."""
    row = db.session.execute(
        select(Job.status, Job.cancel_requested).where(Job.id == job.id)
    ).one_or_none()
    if row is None or row.status != JobStatus.RUNNING or row.cancel_requested:
        raise JobCancelled


def hold_unless_cancelled(job: Job) -> None:
    """Lock the job's row until the transaction ends, or raise JobCancelled when it was
    cancelled meanwhile: for a runner whose whole work commits with finish() (an import,
    all or nothing), so that a cancel pressed during its last step either wins, and
    nothing is kept, or waits for the commit and finds the job done."""
    held = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == JobStatus.RUNNING, Job.cancel_requested.is_(False))
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if held.rowcount != 1:  # type: ignore[attr-defined]
        raise JobCancelled


_last_update: dict[int, float] = {}
#: The latest progress of a job done in one piece, written when it stops.
_latest: dict[int, int] = {}
_pending_done: dict[int, int] = {}


def progress(job: Job, done: int, total: int | None = None, *, force: bool = False) -> None:
    """Record how far the job is (committed, with the session's other changes), at most
    every PROGRESS_EVERY seconds unless forced or the total changes."""
    now = time.monotonic()
    _latest[job.id] = done
    if not force and total is None and now - _last_update.get(job.id, 0.0) < PROGRESS_EVERY:
        return
    _last_update[job.id] = now
    values: dict[str, Any] = {"done": done, "updated_at": utcnow()}
    if total is not None:
        values["total"] = total
    db.session.execute(
        update(Job)
        .where(Job.id == job.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    for key, value in values.items():  # the loaded job in step, without reading it again
        set_committed_value(job, key, value)


def add_progress(job: Job, count: int, *, force: bool = False) -> None:
    """Add `count` to the job's done (parts running side by side each add theirs)."""
    _pending_done[job.id] = _pending_done.get(job.id, 0) + count
    now = time.monotonic()
    if not force and now - _last_update.get(job.id, 0.0) < PROGRESS_EVERY:
        return
    _last_update[job.id] = now
    pending = _pending_done.pop(job.id, 0)
    if pending:
        db.session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(done=Job.done + pending, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def split(job: Job, parts: int, total: int) -> None:
    """Run the job as `parts` tasks that any free worker takes (registered `part`), then
    `join` once the last one is done. Commits the plan (the job's params too)."""
    job.parts, job.parts_done, job.total, job.done = parts, 0, total, 0
    for index in range(parts):
        enqueue_after_commit("part", job.id, index)
    db.session.commit()


def part_done(job: Job) -> bool:
    """Count a finished part (committed); True for the caller that finished the last one."""
    add_progress(job, 0, force=True)
    counted = db.session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == JobStatus.RUNNING)
        .values(parts_done=Job.parts_done + 1)
        .returning(Job.parts_done, Job.parts)
    ).one_or_none()
    db.session.commit()
    return counted is not None and counted.parts_done == counted.parts


def part_path(job: Job, index: int, suffix: str = "") -> Path:
    """Where part `index` of a split job keeps what it made until the join."""
    folder = parts_folder()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{job.id}-{index:05d}{suffix}"


def finish(job: Job, data: bytes | None = None, name: str = "", mimetype: str = "") -> None:
    """End the job as done (committed, with the session's other changes), with its result
    file when there is one."""
    if data is not None:
        folder = results_folder()
        folder.mkdir(parents=True, exist_ok=True)
        filename = secrets.token_urlsafe(24) + Path(name).suffix.lower()[:10]
        (folder / filename).write_bytes(data)
        job.result_file, job.result_name, job.result_type = filename, name[:200], mimetype
    now = utcnow()
    db.session.refresh(job, ["done", "total"])  # parts add to done in the database
    job.status, job.finished_at = JobStatus.DONE, now
    job.done = max(job.done, job.total)
    job.expires_at = now + timedelta(hours=result_hours())
    db.session.commit()
    _last_update.pop(job.id, None)
    _latest.pop(job.id, None)


# -- reading ----------------------------------------------------------------------------


def result_path(job: Job, now: datetime | None = None) -> Path | None:
    """The result file while it may be downloaded, else None."""
    if job.status != JobStatus.DONE or not job.result_file:
        return None
    if job.expires_at is not None and job.expires_at <= (now or utcnow()):
        return None
    path = results_folder() / job.result_file
    return path if path.is_file() else None


def expired(job: Job, now: datetime | None = None) -> bool:
    """Whether the job had a result that is no longer kept."""
    return (
        job.status == JobStatus.DONE
        and job.expires_at is not None
        and job.expires_at <= (now or utcnow())
    )


def seconds_left(job: Job, now: datetime | None = None) -> int | None:
    """An estimate of the seconds until a running job is done, from its pace so far; None
    before there is a pace to go by."""
    if job.status != JobStatus.RUNNING or not job.started_at or job.done <= 0 or not job.total:
        return None
    elapsed = ((now or utcnow()) - job.started_at).total_seconds()
    if elapsed <= 0:
        return None
    return max(0, round((job.total - job.done) * elapsed / job.done))


def delete_expired(now: datetime | None = None) -> int:
    """Delete the result files past their 24 hours and parts left by a stopped worker;
    how many results were deleted (committed)."""
    now = now or utcnow()
    jobs = db.session.scalars(select(Job).where(Job.result_file != "", Job.expires_at <= now)).all()
    for job in jobs:
        (results_folder() / job.result_file).unlink(missing_ok=True)
        job.result_file = ""
    db.session.commit()
    stale = time.time() - result_hours() * 3600
    if parts_folder().is_dir():
        for path in parts_folder().iterdir():
            if path.stat().st_mtime < stale:
                path.unlink(missing_ok=True)
    return len(jobs)


def fail_stalled(now: datetime | None = None) -> int:
    """Mark failed the running jobs that showed no sign of life for STALLED_MINUTES (their
    worker was killed or restarted); how many (committed)."""
    now = now or utcnow()
    minutes = int(current_app.config.get("JOB_STALLED_MINUTES", STALLED_MINUTES))
    ids = db.session.scalars(
        select(Job.id).where(
            Job.status == JobStatus.RUNNING, Job.updated_at < now - timedelta(minutes=minutes)
        )
    ).all()
    db.session.rollback()
    for job_id in ids:
        _stop(job_id, JobStatus.FAILED, str(STALLED))
    return len(ids)


def results_folder() -> Path:
    return Path(current_app.instance_path) / "jobs"


def parts_folder() -> Path:
    return results_folder() / "parts"


def result_hours() -> int:
    return int(current_app.config.get("JOB_RESULT_HOURS", RESULT_HOURS))
