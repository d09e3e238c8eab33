"""Jobs: long runs (badge runs, certificates, exports, imports, bulk e-mails) done by the
task queue's workers while the organiser watches a progress bar (eventapp/jobs/)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.extensions import Model
from eventapp.models.event import Event
from eventapp.models.types import UTCDateTime, str_enum, utcnow
from eventapp.models.user import User


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: A job in one of these has stopped for good.
FINISHED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


class Job(Model):
    """One long run of an event, its progress and its result file."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: The runner's name in jobs.registry ("badges", "certificates-pdf", ...).
    kind: Mapped[str] = mapped_column(String(40))
    #: What the organiser sees in the list ("Badges: all confirmed, A6 sheets").
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus, "job_status"), index=True)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: Why it failed, in words an organiser can act on (the traceback goes to the log).
    error: Mapped[str] = mapped_column(String(1000), default="")
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last sign of life of a running job (each progress update): a job whose worker
    #: was killed stops showing any, and the sweep marks it failed (jobs.services).
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What the runner needs (JSON-safe): the form's choices, the plan it made.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Parts of a run split over several workers, and how many are finished.
    parts: Mapped[int] = mapped_column(default=0)
    parts_done: Mapped[int] = mapped_column(default=0)
    #: The result's file name under instance/jobs/ (random), "" when there is none.
    result_file: Mapped[str] = mapped_column(String(100), default="")
    #: The name the browser saves it under, and its MIME type.
    result_name: Mapped[str] = mapped_column(String(200), default="")
    result_type: Mapped[str] = mapped_column(String(100), default="")
    #: When the result file is deleted (24 h after the job finished).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set by an organiser; the runner stops between chunks and discards its work.
    cancel_requested: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship()
    started_by: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in FINISHED
