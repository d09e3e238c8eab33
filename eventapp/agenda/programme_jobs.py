"""Rebuilding the programme PDFs as a job: every language and page size laid out into the
cache (agenda/programme.py) by a worker, so that after the agenda changed the first
visitors of the public link get the new booklet at once instead of waiting for it."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from eventapp.agenda import programme as cache
from eventapp.jobs import registry, services
from eventapp.models import Event, Job, User
from eventapp.printing import programme

KIND = "programme"


def versions(event: Event) -> list[tuple[str, str]]:
    """(language, size) of every programme PDF the public link can give."""
    return [
        (language, size)
        for language in current_app.config["LANGUAGES"]
        for size in programme.SIZE_STYLESHEETS
    ]


def start(event: Event, user: User | None) -> Job:
    """Rebuild the event's programme PDFs, as a job (the caller commits)."""
    return services.start_job(
        event, KIND, _("Programme PDFs rebuilt"), {}, user, total=len(versions(event))
    )


@registry.runner(KIND)
def rebuild(job: Job) -> None:
    """Lay out each missing version into the cache; the ones already there are kept."""
    event = job.event
    for done, (language, size) in enumerate(versions(event), start=1):
        services.check_cancelled(job)
        cache.programme_pdf(event, cache.programme_version(event, language=language, size=size))
        services.progress(job, done, force=True)
