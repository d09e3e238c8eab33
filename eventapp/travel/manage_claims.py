"""Organisers' expense claim pages: every line with its receipt, a decision per line, and
the export of the approved lines for finance. For those with the event's travel right."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from eventapp.auth.access import (
    get_managed_event_or_404,
    get_travel_event_or_404,
    organiser_required,
    travel_staff_required,
)
from eventapp.extensions import db
from eventapp.travel import claims
from eventapp.travel.claims_views import receipt_response
from eventapp.web.blueprints import manage as bp


@bp.get("/events/<slug>/expense-claims")
@travel_staff_required
def expense_claims(slug: str):
    """Every claim of the event, line by line, with the bank details masked."""
    event = get_travel_event_or_404(slug)
    rows = [
        (claim, claims.mask_iban(claims.bank_details(claim).get("iban", "")))
        for claim in claims.claims(event)
    ]
    return render_template(
        "travel/manage_claims.html",
        event=event,
        rows=rows,
        categories=claims.CATEGORIES,
        statuses=claims.LINE_STATUSES,
    )


@bp.post("/events/<slug>/expense-claims/lines/<int:line_id>")
@organiser_required
def decide_expense(slug: str, line_id: int):
    """Approve or reject one line."""
    event = get_managed_event_or_404(slug)
    line = claims.get_line(event, line_id)
    if line is None:
        abort(404)
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        abort(400)
    claims.decide(line, decision == "approve")
    db.session.commit()
    flash(_("Expense approved.") if decision == "approve" else _("Expense rejected."), "info")
    return redirect(url_for(".expense_claims", slug=slug) + f"#line-{line.id}")


@bp.get("/events/<slug>/expense-claims/lines/<int:line_id>/receipt")
@travel_staff_required
def expense_receipt(slug: str, line_id: int):
    """A line's receipt."""
    event = get_travel_event_or_404(slug)
    line = claims.get_line(event, line_id)
    if line is None:
        abort(404)
    return receipt_response(line)


@bp.get("/events/<slug>/expense-claims/approved.csv")
@travel_staff_required
def export_expenses_csv(slug: str):
    """The approved lines for finance, as CSV."""
    return _export(get_travel_event_or_404(slug), "csv")


@bp.get("/events/<slug>/expense-claims/approved.xlsx")
@travel_staff_required
def export_expenses_xlsx(slug: str):
    """The approved lines for finance, as a workbook."""
    return _export(get_travel_event_or_404(slug), "xlsx")


def _export(event, fmt: str) -> Response:
    """The approved lines with the bank details to pay them to."""
    if fmt == "csv":
        body, mimetype = claims.export_csv(event), "text/csv"
    else:
        body = claims.export_xlsx(event)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="approved-claims-{event.slug}.{fmt}"',
            "Cache-Control": "private, no-store",
        },
    )
