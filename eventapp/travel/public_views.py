"""The traveller's page at /r/<token>/travel: ask for support (when the event offers
it), then, once approved, give the name as in the passport, where from and when, and
see the itinerary booked (also as an .ics)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from eventapp.extensions import db
from eventapp.models import Registration, SupportStatus
from eventapp.registration import selfservice
from eventapp.travel import services
from eventapp.travel.forms import SupportRequestFields, TravelForm, with_support_request
from eventapp.travel.itinerary import itinerary_ics
from eventapp.web.blueprints import registration as bp
from eventapp.web.forms import CleanForm

#: Asking for support from the traveller's page: the sign-up form's fields alone.
RequestForm = with_support_request(CleanForm)


def _registration_or_404(token: str) -> Registration:
    registration = selfservice.find_by_token(token)
    if registration is None or registration.anonymised_at is not None:
        abort(404)
    return registration


def _page(registration: Registration, form=None, status: int = 200):
    support = services.support_of(registration)
    return render_template(
        "travel/traveller.html",
        registration=registration,
        event=registration.event,
        support=support,
        form=form,
    ), status


@bp.route("/r/<token>/travel", methods=["GET", "POST"])
def travel(token: str):
    """The person's travel: a request, its status, their details and their itinerary."""
    registration = _registration_or_404(token)
    event = registration.event
    support = services.support_of(registration)
    if services.may_fill_form(support):
        assert support is not None
        form = TravelForm(obj=support)
        if not form.is_submitted():
            return _page(registration, form)
        if not form.validate():
            return _page(registration, form, 422)
        services.save_form(support, form.to_data())
        db.session.commit()
        flash(
            _("Your travel details are saved. The organisers will book and send your itinerary."),
            "info",
        )
        return redirect(url_for(".travel", token=token))
    may_ask = support is None and event.support_on_signup and selfservice.can_edit(registration)
    if not may_ask:
        return _page(registration)
    request_form = RequestForm()
    if not request_form.is_submitted():
        return _page(registration, request_form)
    assert isinstance(request_form, SupportRequestFields)
    valid = request_form.validate()
    if not request_form.support_lines():
        valid = False
        request_form.support_travel.errors = [_("Tick what you need paid.")]
    if not valid:
        return _page(registration, request_form, 422)
    services.request_support(
        registration, request_form.support_lines(), request_form.support_justification.data or ""
    )
    db.session.commit()
    flash(_("Your request is sent. You will hear from the organisers by e-mail."), "info")
    return redirect(url_for(".travel", token=token))


@bp.get("/r/<token>/travel/itinerary.ics")
def travel_itinerary(token: str):
    """The person's flights and hotel nights, to add to a calendar."""
    registration = _registration_or_404(token)
    support = services.support_of(registration)
    if support is None or support.status != SupportStatus.APPROVED:
        abort(404)
    return Response(
        itinerary_ics(support),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'attachment; filename="itinerary.ics"',
            "Cache-Control": "no-store",
        },
    )
