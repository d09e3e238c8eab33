"""Organiser pages after the event: the funder report (page and PDF) and the attendance
sheets (to sign, and from the check-ins)."""

from flask import Response, abort, render_template, request
from flask_babel import get_locale

from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.printing.attendance_sheet import SIGN, VARIANTS
from eventapp.reports import attendance_sheet, funder
from eventapp.web.blueprints import manage as bp


def _pdf(pdf: bytes, name: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    # Names of people: for the organiser who asked, not for shared caches.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/events/<slug>/report")
@organiser_required
def report(slug: str):
    """The funder report's figures, with the report and the attendance sheets to download."""
    event = get_managed_event_or_404(slug)
    response = Response(
        render_template(
            "reports/report.html",
            event=event,
            r=funder.build_report(event, str(get_locale())),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/events/<slug>/report.pdf")
@organiser_required
def report_pdf(slug: str):
    """The funder report as a tagged PDF, in the page's language."""
    event = get_managed_event_or_404(slug)
    return _pdf(funder.report_pdf(event, str(get_locale())), funder.file_name(event))


@bp.get("/events/<slug>/attendance-sheet.pdf")
@organiser_required
def attendance_sheet_pdf(slug: str):
    """The attendance sheet, per day: ?variant=sign (to sign) or checkins (from the door)."""
    event = get_managed_event_or_404(slug)
    variant = request.args.get("variant", SIGN)
    if variant not in VARIANTS:
        abort(404)
    pdf = attendance_sheet.attendance_sheet_pdf(event, variant, str(get_locale()))
    return _pdf(pdf, attendance_sheet.file_name(event, variant))
