"""Large badge runs as a job: the badges page answers at once with the job's page, and
the badges are laid out by the task queue's workers, in parts that run side by side on
several worker processes (`flask --app eventapp worker -k process -w 2`), then joined into
one PDF. A single reprint and small runs stay immediate (BADGE_JOB_ABOVE).

plan (run): who is printed, in print order, frozen in the job's params with the settings,
    so a part printed later prints the same run; split into parts of a few chunks.
part: lays out its badges (one WeasyPrint process each), reporting progress per chunk
    and stopping between chunks when cancelled; writes its PDF beside the job.
join: merges the parts in order (printing.render.merge_pdfs), keeps the file for 24 h
    and stamps the badges printed; a cancelled or failed run stamps nobody.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.jobs import registry, services
from eventapp.models import Event, Job, Registration, User
from eventapp.printing import badges

KIND = "badges"
#: Runs of more badges than this go through a job.
JOB_ABOVE = 50


def job_above() -> int:
    return int(current_app.config.get("BADGE_JOB_ABOVE", JOB_ABOVE))


def start(event: Event, options: dict[str, Any], count: int, user: User | None) -> Job:
    """Record a badge run as a job (the caller commits; the worker starts after)."""
    layout = options.get("layout") or badges.badge_settings(event)["layout"]
    title = _("Badges: %(num)s, %(layout)s", num=count, layout=str(badges.LAYOUTS[layout].label))
    return services.start_job(event, KIND, title, {"options": options}, user, total=count)


def plan(job: Job) -> None:
    """Choose the registrations now (in print order) and split the run into parts."""
    event = job.event
    settings = badges.badge_settings(event)
    options = dict(job.params.get("options") or {})
    options["layout"] = options.get("layout") or settings["layout"]
    options["sort"] = options.get("sort") or settings["sort"]
    registrations = badges.select_registrations(
        event, **{k: v for k, v in options.items() if k != "layout"}
    )
    if not registrations:
        raise services.JobError(_("No confirmed registration matches: nothing to print."))
    layout = badges.LAYOUTS[options["layout"]]
    per_chunk = badges.chunk_size(layout.face or layout)
    chunks = -(-len(registrations) // per_chunk)
    from eventapp.printing import render  # WeasyPrint: only the worker needs it

    sizes = render.part_sizes(chunks, int(current_app.config.get("JOB_WORKERS", 2)))
    bounds, start = [], 0
    for size in sizes:
        end = min(len(registrations), start + size * per_chunk)
        bounds.append([start, end])
        start = end
    job.params = {
        **job.params,
        "layout": layout.name,
        "settings": settings,
        "ids": [r.id for r in registrations],
        "bounds": bounds,
    }
    services.split(job, len(bounds), len(registrations))


def part(job: Job, index: int) -> None:
    """Lay out one part's badges into a PDF of its own."""
    start, end = job.params["bounds"][index]
    ids = job.params["ids"][start:end]
    found = {
        r.id: r for r in db.session.scalars(select(Registration).where(Registration.id.in_(ids)))
    }
    registrations = [found[i] for i in ids if i in found]
    if not registrations:
        raise services.JobError(_("The registrations of this run were deleted meanwhile."))

    def laid_out(count: int) -> None:
        services.add_progress(job, count)
        services.check_cancelled(job)

    pdf = badges.render_badges(
        job.event,
        registrations,
        job.params["layout"],
        settings=job.params["settings"],
        workers=1,
        on_badges=laid_out,
    )
    services.part_path(job, index, ".pdf").write_bytes(pdf)


def join(job: Job) -> None:
    """Merge the parts in order, keep the PDF and stamp the badges printed."""
    paths = [services.part_path(job, i, ".pdf") for i in range(job.parts)]
    from eventapp.printing import render  # WeasyPrint: only the worker needs it

    pdf = render.merge_pdfs([path.read_bytes() for path in paths])
    ids = job.params["ids"]
    printed = list(db.session.scalars(select(Registration).where(Registration.id.in_(ids))))
    badges.mark_printed(printed)
    name = f"badges-{job.event.slug}-{job.params['layout']}.pdf"
    services.finish(job, pdf, name, "application/pdf")
    for path in paths:
        path.unlink(missing_ok=True)


registry.register(KIND, plan, part=part, join=join)
