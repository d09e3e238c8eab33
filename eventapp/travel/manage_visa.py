"""Organisers' visa letter pages: the requests, one request with its passport data, and
the decisions (approve, decline, revoke). Open to the event's managers, admins and the
travel agents on its team (the travel right)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventapp.auth.access import (
    get_managed_event_or_404,
    get_travel_event_or_404,
    organiser_required,
    travel_staff_required,
)
from eventapp.core.i18n import country_name
from eventapp.core.labels import STATUSES
from eventapp.extensions import db
from eventapp.models import Event, LetterStatus, VisaLetter
from eventapp.travel import visa_letters
from eventapp.travel.visa_forms import ApproveForm, DeclineForm
from eventapp.travel.visa_views import pdf_response
from eventapp.web.blueprints import manage as bp


def _letter_or_404(event: Event, letter_id: int) -> VisaLetter:
    letter = visa_letters.get_letter(event, letter_id)
    if letter is None:
        abort(404)
    return letter


@bp.get("/events/<slug>/visa-letters", endpoint="visa_letters")
@travel_staff_required
def visa_letters_page(slug: str):
    """Every visa letter request of the event, passport numbers masked."""
    event = get_travel_event_or_404(slug)
    rows = [
        (letter, visa_letters.mask(visa_letters.passport(letter).get("passport_number", "")))
        for letter in visa_letters.letters(event)
    ]
    return render_template(
        "travel/manage_visa_letters.html",
        event=event,
        rows=rows,
        status_labels=visa_letters.STATUS_LABELS,
        has_signatory=visa_letters.has_signatory(event),
    )


@bp.get("/events/<slug>/visa-letters/<int:letter_id>")
@travel_staff_required
def visa_letter(slug: str, letter_id: int):
    """One request: the person, their passport data in full, and the decision forms."""
    event = get_travel_event_or_404(slug)
    letter = _letter_or_404(event, letter_id)
    return _letter_page(event, letter)


def _letter_page(event, letter, approve=None, decline=None, status=200):
    passport = visa_letters.passport(letter)
    if approve is None:
        approve = ApproveForm(
            data={
                "stay_from": letter.stay_from,
                "stay_until": letter.stay_until,
                "covered": letter.covered,
                "language": letter.language,
            }
        )
    return render_template(
        "travel/manage_visa_letter.html",
        event=event,
        letter=letter,
        passport=passport,
        nationality=country_name(passport.get("nationality")),
        reference=visa_letters.reference(letter) if letter.number else "",
        approve=approve,
        decline=decline or DeclineForm(),
        downloadable=visa_letters.may_download(letter),
        has_signatory=visa_letters.has_signatory(event),
        status_labels=visa_letters.STATUS_LABELS,
        registration_status=STATUSES[letter.registration.status],
    ), status


@bp.post("/events/<slug>/visa-letters/<int:letter_id>/approve")
@organiser_required
def approve_visa_letter(slug: str, letter_id: int):
    """Approve: the letter gets its number and verification code."""
    event = get_managed_event_or_404(slug)
    letter = _letter_or_404(event, letter_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _letter_page(event, letter, approve=form, status=422)
    assert form.stay_from.data and form.stay_until.data  # InputRequired
    try:
        visa_letters.approve(
            letter,
            current_user,
            stay_from=form.stay_from.data,
            stay_until=form.stay_until.data,
            covered=form.covered.data or [],
            language=form.language.data or "en",
        )
    except visa_letters.LetterError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".visa_letter", slug=slug, letter_id=letter_id))
    db.session.commit()
    flash(_("Letter approved."), "info")
    return redirect(url_for(".visa_letter", slug=slug, letter_id=letter_id))


@bp.post("/events/<slug>/visa-letters/<int:letter_id>/decline")
@organiser_required
def decline_visa_letter(slug: str, letter_id: int):
    """Decline a request, with a reason the person sees."""
    event = get_managed_event_or_404(slug)
    letter = _letter_or_404(event, letter_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _letter_page(event, letter, decline=form, status=422)
    try:
        visa_letters.decline(letter, current_user, form.reason.data or "")
    except visa_letters.LetterError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".visa_letter", slug=slug, letter_id=letter_id))
    db.session.commit()
    flash(_("Request declined."), "info")
    return redirect(url_for(".visa_letter", slug=slug, letter_id=letter_id))


@bp.post("/events/<slug>/visa-letters/<int:letter_id>/revoke")
@organiser_required
def revoke_visa_letter(slug: str, letter_id: int):
    """Revoke an approved letter: its code verifies as withdrawn from now on."""
    event = get_managed_event_or_404(slug)
    letter = _letter_or_404(event, letter_id)
    if request.form.get("confirm") != "yes" or letter.status != LetterStatus.APPROVED:
        flash(_("Tick the box to confirm, then revoke."), "error")
        return redirect(url_for(".visa_letter", slug=slug, letter_id=letter_id))
    visa_letters.revoke(letter, current_user)
    db.session.commit()
    flash(_("Letter revoked: its code now verifies as withdrawn."), "info")
    return redirect(url_for(".visa_letter", slug=slug, letter_id=letter_id))


@bp.get("/events/<slug>/visa-letters/<int:letter_id>/letter.pdf")
@travel_staff_required
def visa_letter_pdf(slug: str, letter_id: int):
    """The approved letter as a PDF."""
    event = get_travel_event_or_404(slug)
    letter = _letter_or_404(event, letter_id)
    if not visa_letters.may_download(letter):
        abort(404)
    return pdf_response(letter)
