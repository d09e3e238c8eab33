"""Organisers' and travel agents' pages: the supported people, one person's support and
bookings, the arrivals and departures board, the rooming list and the cost summary.

Organisers decide support (it commits budget); travel agents, on the event's team, see
these pages and enter bookings, nothing else (auth/access.get_travel_event_or_404).
"""

from __future__ import annotations

from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from eventapp.auth.access import (
    get_managed_event_or_404,
    get_travel_event_or_404,
    organiser_required,
    travel_staff_required,
)
from eventapp.extensions import db
from eventapp.models import Event, Registration, SupportStatus, User, UserRole
from eventapp.travel import board, exports, services
from eventapp.travel.forms import DecisionForm, SegmentForm, StayForm
from eventapp.web.blueprints import manage as bp
from eventapp.web.forms import timezone_choices


def _registration_or_404(event: Event, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def _person_url(event: Event, registration: Registration) -> str:
    return url_for(".travel_person", slug=event.slug, registration_id=registration.id)


@bp.get("/travel/")
@travel_staff_required
def travel_events():
    """Where travel agents land: the events whose travel they book."""
    query = select(Event).order_by(Event.starts_at.desc())
    if current_user.role != UserRole.ADMIN:
        query = query.where(Event.managers.any(User.id == current_user.id))
    return render_template("travel/events.html", events=list(db.session.scalars(query)))


@bp.get("/events/<slug>/travel")
@travel_staff_required
def travel(slug: str):
    """Supported people, their status and bookings, and committed against budget."""
    event = get_travel_event_or_404(slug)
    rows = services.supports(event)
    return render_template(
        "travel/manage_travel.html",
        event=event,
        supports=rows,
        lines=services.budget_lines(event, rows),
    )


@bp.get("/events/<slug>/travel/board")
@travel_staff_required
def travel_board(slug: str):
    """Arrivals and departures by day and hour in the event's time zone, for pick-ups."""
    event = get_travel_event_or_404(slug)
    days = board.by_day(board.movements(event, services.supports(event)))
    return render_template("travel/board.html", event=event, days=days)


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # personal data
    return response


@bp.get("/events/<slug>/travel/rooming-list.xlsx")
@travel_staff_required
def travel_rooming_list(slug: str):
    """The rooming list for the hotel, as an Excel workbook."""
    event = get_travel_event_or_404(slug)
    return _download(
        exports.rooming_list_xlsx(event, services.supports(event)),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{event.slug}-rooming-list.xlsx",
    )


@bp.get("/events/<slug>/travel/costs.csv")
@travel_staff_required
def travel_costs(slug: str):
    """The cost summary per budget line, as CSV for finance."""
    event = get_travel_event_or_404(slug)
    return _download(
        exports.costs_csv(event, services.supports(event)),
        "text/csv",
        f"{event.slug}-travel-costs.csv",
    )


# --- One person -------------------------------------------------------------------------


def decision_form(support) -> DecisionForm:
    """The decision form, filled with what was asked (or granted) so far."""
    form = DecisionForm()
    if "seen" not in request.form:
        form.seen.data = support.status.value if support is not None else ""
    if request.method == "GET" and support is not None:
        for line in services.LINES:
            form[line].data = getattr(support, line)
            form[f"{line}_estimate"].data = getattr(support, f"{line}_estimate") or None
        form.decision.data = "declined" if support.status == SupportStatus.DECLINED else "approved"
        form.note.data = support.decision_note
    return form


def _person_page(
    event: Event,
    registration: Registration,
    *,
    segment_form: SegmentForm | None = None,
    stay_form: StayForm | None = None,
    decision: DecisionForm | None = None,
    status: int = 200,
):
    support = services.support_of(registration)
    if segment_form is None:
        segment_form = SegmentForm(formdata=None)
        segment_form.departs_tz.data = event.timezone
        segment_form.arrives_tz.data = event.timezone
    return render_template(
        "travel/manage_person.html",
        event=event,
        registration=registration,
        support=support,
        segment_form=segment_form,
        stay_form=stay_form or StayForm(formdata=None),
        decision_form=decision or decision_form(support),
        may_decide=current_user.manages(event),
        timezones=timezone_choices(),
    ), status


@bp.get("/events/<slug>/travel/<int:registration_id>")
@travel_staff_required
def travel_person(slug: str, registration_id: int):
    """One person's request, decision, travel details and bookings."""
    event = get_travel_event_or_404(slug)
    return _person_page(event, _registration_or_404(event, registration_id))


@bp.post("/events/<slug>/travel/<int:registration_id>/decision")
@organiser_required
def travel_decision(slug: str, registration_id: int):
    """Approve (committing the estimates) or decline support; the person is told."""
    event = get_managed_event_or_404(slug)
    registration = _registration_or_404(event, registration_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _person_page(event, registration, decision=form, status=422)
    status = SupportStatus(form.decision.data)
    try:
        services.decide(
            registration,
            status,
            lines=form.lines(),
            estimates={
                line: form[f"{line}_estimate"].data or Decimal("0") for line in services.LINES
            },
            note=form.note.data or "",
            seen=form.seen.data if "seen" in request.form else None,
        )
    except services.AlreadyDecided as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back_after_decision(event, registration)
    db.session.commit()
    if status == SupportStatus.APPROVED:
        flash(_("Support approved."), "info")
    else:
        flash(_("Support declined."), "info")
    if registration.email:
        flash(_("%(name)s is told by e-mail.", name=registration.full_name), "info")
    return _back_after_decision(event, registration)


def _back_after_decision(event: Event, registration: Registration):
    """To the page the decision was made on: the registration's, or the travel page."""
    if request.form.get("back") == "registration":
        return redirect(
            url_for(".registration", slug=event.slug, registration_id=registration.id) + "#support"
        )
    return redirect(_person_url(event, registration))


def _approved_support_or_redirect(event: Event, registration: Registration):
    support = services.support_of(registration)
    if not services.may_fill_form(support):
        flash(_("Book travel once support is approved."), "error")
        return None
    return support


@bp.post("/events/<slug>/travel/<int:registration_id>/segments")
@travel_staff_required
def travel_add_segment(slug: str, registration_id: int):
    """Add a booked flight or train."""
    event = get_travel_event_or_404(slug)
    registration = _registration_or_404(event, registration_id)
    support = _approved_support_or_redirect(event, registration)
    if support is None:
        return redirect(_person_url(event, registration))
    form = SegmentForm()
    if not form.validate_on_submit():
        return _person_page(event, registration, segment_form=form, status=422)
    services.add_segment(support, form.to_data())
    db.session.commit()
    flash(_("Journey added."), "info")
    return redirect(_person_url(event, registration) + "#bookings")


@bp.post("/events/<slug>/travel/<int:registration_id>/stays")
@travel_staff_required
def travel_add_stay(slug: str, registration_id: int):
    """Add a booked hotel stay."""
    event = get_travel_event_or_404(slug)
    registration = _registration_or_404(event, registration_id)
    support = _approved_support_or_redirect(event, registration)
    if support is None:
        return redirect(_person_url(event, registration))
    form = StayForm()
    if not form.validate_on_submit():
        return _person_page(event, registration, stay_form=form, status=422)
    services.add_stay(support, form.to_data())
    db.session.commit()
    flash(_("Hotel stay added."), "info")
    return redirect(_person_url(event, registration) + "#bookings")


@bp.post("/events/<slug>/travel/<int:registration_id>/bookings/remove")
@travel_staff_required
def travel_remove_booking(slug: str, registration_id: int):
    """Remove a flight, train or hotel stay from the person's bookings."""
    event = get_travel_event_or_404(slug)
    registration = _registration_or_404(event, registration_id)
    support = services.support_of(registration)
    kind, _sep, booking_id = request.form.get("booking", "").partition("-")
    if support is not None and booking_id.isdigit():
        if services.remove_booking(support, kind, int(booking_id)):
            db.session.commit()
            flash(_("Booking removed."), "info")
    return redirect(_person_url(event, registration) + "#bookings")


@bp.post("/events/<slug>/travel/<int:registration_id>/itinerary")
@travel_staff_required
def travel_send_itinerary(slug: str, registration_id: int):
    """E-mail the person their itinerary, with its .ics."""
    event = get_travel_event_or_404(slug)
    registration = _registration_or_404(event, registration_id)
    support = services.support_of(registration)
    if support is not None and services.send_itinerary(support):
        db.session.commit()
        flash(_("Itinerary sent to %(email)s.", email=registration.email), "info")
    else:
        flash(_("Nothing to send: no booking yet, or no e-mail address."), "error")
    return redirect(_person_url(event, registration))
