"""Large exports of the registrations (CSV, XLSX) as a job: the desk's filters and order
are kept in the job, a worker writes the file while the bar fills, and it downloads from
the job's page for 24 hours. Small exports stay a plain download (EXPORT_JOB_ABOVE)."""

from __future__ import annotations

from collections.abc import Iterator

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from eventapp.core.i18n import country_name
from eventapp.jobs import registry, services
from eventapp.models import Event, Job, Registration, User
from eventapp.registration import desk, spreadsheets

KIND = "registrations-export"
#: Exports of more registrations than this are a job.
JOB_ABOVE = 1000
FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: Rows read and written between two looks at the cancel button.
ROWS_PER_STEP = 200


def job_above() -> int:
    return int(current_app.config.get("EXPORT_JOB_ABOVE", JOB_ABOVE))


def file_name(event: Event, extension: str) -> str:
    return f"{event.slug}-registrations.{extension}"


def start(event: Event, extension: str, args: dict[str, str], count: int, user: User | None) -> Job:
    """An export of the registrations the desk's filters `args` give, as a job."""
    title = _("Export: %(num)s registrations, %(format)s", num=count, format=extension.upper())
    params = {"format": extension, "args": args, "locale": str(get_locale())}
    return services.start_job(event, KIND, title, params, user, total=count)


@registry.runner(KIND)
def export(job: Job) -> None:
    """Write the file in the organiser's language (country names, headers)."""
    event, extension = job.event, job.params["format"]
    with force_locale(job.params.get("locale") or "en"):
        ids = desk.matching_ids(event, desk.Filters.parse(job.params["args"]), country_name)
        services.progress(job, 0, len(ids))
        write = spreadsheets.to_xlsx if extension == "xlsx" else spreadsheets.to_csv
        body = write(event, _rows(job, ids), country_name)
    services.finish(job, body, file_name(event, extension), FORMATS[extension])


def _rows(job: Job, ids: list[int]) -> Iterator[Registration]:
    """The registrations in order, loaded a step at a time, the progress told as they go."""
    for start in range(0, len(ids), ROWS_PER_STEP):
        services.check_cancelled(job)
        yield from desk.load(ids[start : start + ROWS_PER_STEP])
        services.progress(job, min(len(ids), start + ROWS_PER_STEP))
