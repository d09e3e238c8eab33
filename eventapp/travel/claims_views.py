"""The person's expense claim, through their own link: lines with receipts, bank details."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from eventapp.extensions import db
from eventapp.models import ClaimLine, Registration
from eventapp.registration import selfservice
from eventapp.travel import claims
from eventapp.travel.claims_forms import BankForm, ClaimLineForm
from eventapp.web.blueprints import registration as bp
from eventapp.web.forms import add_error


def _registration_or_404(token: str) -> Registration:
    registration = selfservice.find_by_token(token)
    if registration is None:
        abort(404)
    return registration


def _page(registration, line_form=None, bank_form=None, status=200):
    claim = claims.claim_of(registration)
    bank = claims.bank_details(claim) if claim else {}
    if bank_form is None:
        bank_form = BankForm(data=bank)
    return render_template(
        "travel/claim.html",
        registration=registration,
        event=registration.event,
        claim=claim,
        may_claim=claims.may_claim(registration),
        line_form=line_form or ClaimLineForm(),
        bank_form=bank_form,
        categories=claims.CATEGORIES,
        statuses=claims.LINE_STATUSES,
    ), status


@bp.get("/r/<token>/expenses")
def expenses(token: str):
    """The person's claim: what they sent, and the forms to add an expense."""
    return _page(_registration_or_404(token))


@bp.post("/r/<token>/expenses")
def add_expense(token: str):
    """Add one expense with its receipt."""
    registration = _registration_or_404(token)
    if not claims.may_claim(registration):
        abort(409)
    form = ClaimLineForm()
    if not form.validate_on_submit():
        return _page(registration, line_form=form, status=422)
    upload = form.receipt.data
    if not upload or not getattr(upload, "filename", ""):
        add_error(form.receipt, _("Please add the receipt."))
        return _page(registration, line_form=form, status=422)
    try:
        claims.add_line(
            registration,
            {
                "category": form.category.data,
                "description": form.description.data,
                "amount": form.amount.data,
                "currency": form.currency.data,
            },
            upload.stream,
        )
    except claims.ClaimError as exc:
        db.session.rollback()
        add_error(form.receipt, str(exc))
        return _page(_registration_or_404(token), line_form=form, status=422)
    db.session.commit()
    flash(_("Expense added."), "info")
    return redirect(url_for(".expenses", token=token))


@bp.post("/r/<token>/expenses/bank")
def expense_bank(token: str):
    """The bank account the expenses are paid to (stored encrypted)."""
    registration = _registration_or_404(token)
    if not claims.may_claim(registration):
        abort(409)
    form = BankForm()
    if not form.validate_on_submit():
        return _page(registration, bank_form=form, status=422)
    claims.set_bank_details(registration, {k: form[k].data or "" for k in claims.BANK_FIELDS})
    db.session.commit()
    flash(_("Bank details saved."), "info")
    return redirect(url_for(".expenses", token=token))


@bp.get("/r/<token>/expenses/<int:line_id>/receipt")
def expense_receipt(token: str, line_id: int):
    """One of the person's own receipts."""
    registration = _registration_or_404(token)
    line = db.session.get(ClaimLine, line_id)
    if line is None or line.claim.registration_id != registration.id:
        abort(404)
    return receipt_response(line)


def receipt_response(line: ClaimLine):
    """A stored receipt as a private download."""
    path = claims.receipt_path(line.receipt)
    if path is None:
        abort(404)
    # Read whole (at most MAX_RECEIPT_BYTES): no file handle outlives the request.
    return Response(
        path.read_bytes(),
        mimetype=claims.RECEIPT_TYPES[path.suffix],
        headers={
            "Content-Disposition": f'attachment; filename="receipt-{line.id}{path.suffix}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
