"""Public sign-up and the participant's self-service link."""

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from eventapp.certificates import services as certificates
from eventapp.extensions import db
from eventapp.mail import records as mail_records
from eventapp.models import Registration
from eventapp.models.queries import get_published_event_or_404
from eventapp.models.types import utcnow
from eventapp.registration import answers, desk, form_page, selfservice, services, throttle
from eventapp.registration.forms import ConfirmForm, DetailsForm, details_form, signup_form
from eventapp.surveys import services as surveys
from eventapp.travel import services as travel
from eventapp.travel.forms import SupportRequestFields
from eventapp.web.blueprints import registration as bp
from eventapp.web.public_url import external_url


def _closed_page(event, state, status=200):
    return render_template("registration/closed.html", event=event, state=state), status


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
def register(slug: str):
    """Public sign-up form."""
    event = get_published_event_or_404(slug)
    now = utcnow()
    state = services.window(event, now)
    if state != services.OPEN:
        return _closed_page(event, state)
    if form_page.applies():
        return form_page.page(
            event,
            lambda: render_template("registration/form.html", event=event, form=signup_form(event)),
        )
    form = signup_form(event)
    if request.method == "POST":
        retry_after = throttle.signup_retry_after()
        if retry_after is not None:
            # The answers stay in the form: nothing typed is lost.
            flash(
                _(
                    "Too many sign-ups from your network in a short time. Your answers are "
                    "kept below: please wait a minute, then send the form again."
                ),
                "error",
            )
            return (
                render_template("registration/form.html", event=event, form=form),
                429,
                {"Retry-After": str(retry_after)},
            )
    if not form.validate_on_submit():
        return (
            render_template("registration/form.html", event=event, form=form),
            422 if form.is_submitted() else 200,
        )
    support_lines = form.support_lines() if isinstance(form, SupportRequestFields) else []

    def ask_for_support(registration: Registration) -> None:
        # In the sign-up's transaction: both are recorded, or neither.
        assert isinstance(form, SupportRequestFields)
        travel.request_support(registration, support_lines, form.support_justification.data or "")

    try:
        registration = services.register(
            event,
            form.to_data(),
            language=str(get_locale()),
            now=now,
            answers=form.answers(),
            then=ask_for_support if support_lines else None,
        )
    except services.AlreadyRegistered as exc:
        # The same page whether the message goes or the address had enough of them.
        if throttle.link_again_allowed(exc.existing):
            mail_records.send_link_again(exc.existing)
        form.email.errors = [
            _(
                "This e-mail address is already registered for this event. "
                "We have sent the link to your registration to it again."
            )
        ]
        event = get_published_event_or_404(slug)
        return render_template("registration/form.html", event=event, form=form), 422
    except services.RegistrationClosed as exc:
        return _closed_page(exc.event, exc.state, 409)
    # register() queued the e-mail with the registration.
    return redirect(url_for(".done", token=registration.token))


@bp.get("/events/<slug>/privacy")
def privacy(slug: str):
    """The event's privacy notice, which the sign-up form links to."""
    event = get_published_event_or_404(slug)
    return render_template("registration/privacy.html", event=event)


# --- Self-service -----------------------------------------------------------------------


def _registration_or_404(token: str) -> Registration:
    registration = selfservice.find_by_token(token)
    if registration is None:
        abort(404)
    return registration


def _page(registration: Registration, template: str, status: int = 200, **context):
    return render_template(
        f"registration/{template}",
        registration=registration,
        event=registration.event,
        position=services.waitlist_position(registration),
        link=external_url("registration.selfservice", token=registration.token),
        can_edit=selfservice.can_edit(registration),
        can_cancel=selfservice.can_cancel(registration),
        has_certificate=certificates.is_valid(registration),
        answers=answers.listed(registration, str(get_locale())),
        support=travel.support_of(registration),
        **context,
    ), status


@bp.get("/r/<token>/done")
def done(token: str):
    """Right after signing up: the status, and the link to keep."""
    return _page(_registration_or_404(token), "done.html")


@bp.route("/r/<token>", methods=["GET", "POST"], endpoint="selfservice")
def selfservice_page(token: str):
    """The participant's own page: status, details to correct, and the other actions."""
    registration = _registration_or_404(token)
    form = details_form(registration)
    if not form.is_submitted():
        return _selfservice(registration, form)
    if not selfservice.can_edit(registration):
        flash(_("Your details can no longer be changed here."), "error")
        return redirect(url_for(".selfservice", token=token))
    if not form.validate():
        return _selfservice(registration, form, 422)
    try:
        desk.update_details(registration, form.to_data())
        answers.update(registration, form.answers())
        db.session.commit()
    except (services.AlreadyRegistered, IntegrityError):
        db.session.rollback()
        registration = _registration_or_404(token)
        form.email.errors = [_("Another registration for this event uses this e-mail address.")]
        return _selfservice(registration, form, 422)
    flash(_("Your details are saved."), "info")
    return redirect(url_for(".selfservice", token=registration.token))


def _selfservice(registration: Registration, form: DetailsForm, status: int = 200):
    # The e-ticket only here: the page after signing up has the link to this one.
    survey = surveys.open_survey_for(registration)
    return _page(
        registration,
        "selfservice.html",
        status,
        form=form,
        ticket=selfservice.ticket(registration),
        survey=survey,
        survey_answered=survey is not None and surveys.has_answered(survey, registration),
    )


@bp.get("/r/<token>/data.json")
def data(token: str):
    """A copy of everything held about the person, as a JSON download."""
    registration = _registration_or_404(token)
    body = json.dumps(selfservice.personal_data(registration), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="registration-{registration.id}.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    """Cancel, after a confirmation step; whoever gets the seat is told."""
    registration = _registration_or_404(token)
    if not selfservice.can_cancel(registration):
        return redirect(url_for(".selfservice", token=token))
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(registration, "cancel.html", form=form)
    promoted = services.cancel(registration)
    registration = _registration_or_404(token)
    mail_records.send_cancellation(registration)
    for person in promoted:
        mail_records.send_promotion(person)
    flash(_("Your registration is cancelled."), "info")
    return redirect(url_for(".selfservice", token=token))


@bp.route("/r/<token>/erase", methods=["GET", "POST"])
def erase(token: str):
    """Erase the person's data, after a confirmation step; the link stops working."""
    registration = _registration_or_404(token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(registration, "erase.html", form=form)
    event = registration.event
    for person in selfservice.erase(registration):
        mail_records.send_promotion(person)
    flash(_("Your personal data has been erased."), "info")
    return redirect(
        url_for("public.event", slug=event.slug) if event.published else url_for("public.home")
    )
