"""The participant's visa letter pages, through their own link: the request form and the
approved letter."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from eventapp.extensions import db
from eventapp.models import Registration, VisaLetter
from eventapp.registration import selfservice
from eventapp.travel import visa_letters
from eventapp.travel import visa_tasks as _visa_tasks  # noqa: F401 (the daily erasure)
from eventapp.travel.visa_forms import VisaRequestForm
from eventapp.web.blueprints import registration as bp


def _registration_or_404(token: str) -> Registration:
    registration = selfservice.find_by_token(token)
    if registration is None:
        abort(404)
    return registration


@bp.route("/r/<token>/visa-letter", methods=["GET", "POST"])
def visa_letter(token: str):
    """Ask for a visa invitation letter (confirmed registrations), see where it stands."""
    registration = _registration_or_404(token)
    event = registration.event
    letter = visa_letters.letter_of(registration)
    may_request = visa_letters.may_request(registration)
    editable = may_request and visa_letters.may_change_request(letter)
    form = VisaRequestForm(event_ends=event.local(event.ends_at).date())
    if not form.is_submitted() and letter is not None and letter.passport:
        form.process(
            data={**visa_letters.passport(letter), "consulate_city": letter.consulate_city}
        )
    if form.is_submitted() and editable:
        if form.validate():
            visa_letters.request_letter(registration, form.to_data())
            db.session.commit()
            flash(_("Your request is sent. Your letter will be here once it is approved."), "info")
            return redirect(url_for(".visa_letter", token=token))
    elif form.is_submitted():
        abort(409)
    return render_template(
        "travel/visa_request.html",
        registration=registration,
        event=event,
        letter=letter,
        form=form,
        may_request=may_request,
        editable=editable,
        downloadable=letter is not None and visa_letters.may_download(letter),
    ), 422 if form.errors else 200


@bp.get("/r/<token>/visa-letter.pdf")
def visa_letter_pdf(token: str):
    """The approved letter, as a PDF; 404 until it is approved, or once revoked."""
    registration = _registration_or_404(token)
    letter = visa_letters.letter_of(registration)
    if letter is None or not visa_letters.may_download(letter):
        abort(404)
    return pdf_response(letter)


def pdf_response(letter: VisaLetter) -> Response:
    """The letter's PDF as a private download (the person's link and the organisers')."""
    return Response(
        visa_letters.render(letter),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{visa_letters.file_name(letter)}"',
            "Cache-Control": "private, no-store",
        },
    )
