"""Writing an import's registrations, in the request for a small file and as a job for a
large one (IMPORT_JOB_ABOVE rows): the preview and its checks stay in the page; the job's
worker reads the stored file again, checks it again (someone may have signed up meanwhile
with one of its addresses) with the bar filling as it goes, then writes the rows.

All or nothing: the rows, their log entries and the job's "done" are one transaction, so
a failure or a cancel writes no row. A task run twice registers nobody twice: the job is
claimed once (jobs.services.claim), and the unique (event, e-mail) of registrations
refuses a second copy of any row anyway.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from eventapp.core import changelog
from eventapp.jobs import registry, services
from eventapp.models import Event, Job, User
from eventapp.registration import desk, spreadsheets
from eventapp.registration.services import AlreadyRegistered

KIND = "registrations-import"
#: Imports of more rows than this are written by a job.
JOB_ABOVE = 200


def job_above() -> int:
    return int(current_app.config.get("IMPORT_JOB_ABOVE", JOB_ABOVE))


def write(event: Event, rows: list[spreadsheets.ImportRow], by: User | None = None) -> None:
    """Register the checked rows and log the import (no commit). Raises AlreadyRegistered
    or ValueError when an address is taken meanwhile: nothing is written then."""
    desk.add_many(event, [(row.data, row.category, row.language) for row in rows], by=by)
    changelog.record(
        event,
        "event",
        event.id,
        "import",
        _("%(num)d registrations imported", num=len(rows)),
        {"registrations": len(rows)},
        by=by,
    )


def start(
    event: Event,
    upload: str,
    mapping: dict[str, int],
    skipped: set[int],
    skip_errors: bool,
    count: int,
    user: User | None,
) -> Job:
    """The import of the stored file `upload` as the preview showed it, as a job (the
    caller commits)."""
    params: dict[str, Any] = {
        "upload": upload,
        "mapping": mapping,
        "skipped": sorted(skipped),
        "skip_errors": skip_errors,
        "locale": str(get_locale() or "en"),
    }
    title = _("Import: %(num)s registrations", num=count)
    return services.start_job(event, KIND, title, params, user, total=count)


@registry.runner(KIND)
def run_import(job: Job) -> None:
    """Check the file again, then write every row with the job's end, or none."""
    event, params = job.event, job.params
    folder = spreadsheets.imports_folder()
    path = spreadsheets.load_upload(folder, event, params["upload"])
    # The reasons a failure gives are read by the organiser who started it.
    with force_locale(params.get("locale") or "en"):
        if path is None:
            raise services.JobError(
                _("The uploaded file is gone (it is kept for an hour): upload it again.")
            )
        try:
            table = spreadsheets.read_table(path)
            services.progress(job, 0, len(table.rows), force=True)

            def checked(count: int) -> None:
                services.check_cancelled(job)
                services.progress(job, count)

            rows = spreadsheets.check_rows(
                event,
                table,
                {name: int(index) for name, index in params["mapping"].items()},
                current_app.config["LANGUAGES"],
                on_rows=checked,
            )
        except spreadsheets.ImportFileError as error:
            raise services.JobError(str(error)) from error
        chosen = spreadsheets.chosen_rows(rows, set(params["skipped"]), params["skip_errors"])
        failing = next((row for row in chosen if row.errors), None)
        if failing is not None:
            raise services.JobError(
                _("Nothing was imported: the registrations changed meanwhile.")
                + " "
                + _("Row %(num)d: %(error)s", num=failing.number, error=failing.errors[0])
            )
        services.check_cancelled(job)
        try:
            write(event, chosen, job.started_by)
        except (AlreadyRegistered, ValueError, IntegrityError) as error:
            raise services.JobError(
                _("Nothing was imported: the registrations changed meanwhile.")
            ) from error
    counts = {"imported": len(chosen), "left_out": len(rows) - len(chosen)}
    job.params = {**params, "counts": counts}
    services.hold_unless_cancelled(job)
    services.finish(job)  # commits the rows with the job's end
    spreadsheets.discard_upload(path)
