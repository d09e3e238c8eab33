"""The participant's survey page, reached by their own link's token (as self-service):
the form, or why it cannot be answered (not open, closed, answered already)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from eventapp.extensions import db
from eventapp.models import Registration, Survey, SurveyStatus
from eventapp.registration import selfservice
from eventapp.surveys import services
from eventapp.surveys.forms import AnswerForm, answer_form
from eventapp.web.blueprints import registration as bp


def _page(registration: Registration, survey: Survey, state: str, form=None, status: int = 200):
    return render_template(
        "surveys/survey.html",
        registration=registration,
        event=registration.event,
        survey=survey,
        state=state,
        form=form,
        # Just answered (the redirect after the form), rather than trying again.
        thanks=state == "answered" and status == 200 and request.args.get("thanks") == "1",
    ), status


def _state(survey: Survey, registration: Registration) -> str | None:
    """Why the person cannot answer now, or None when they can."""
    if survey.status == SurveyStatus.DRAFT:
        return "not_open"
    if survey.status == SurveyStatus.CLOSED:
        return "closed"
    if not services.may_answer(registration):
        return "not_allowed"
    if services.has_answered(survey, registration):
        return "answered"
    return None


@bp.route("/r/<token>/survey", methods=["GET", "POST"])
def survey(token: str):
    """The event's feedback survey for the person whose link this is; once each."""
    registration = selfservice.find_by_token(token)
    if registration is None:
        abort(404)
    survey = services.survey_of(registration.event)
    if survey is None:
        abort(404)
    form: AnswerForm = answer_form(survey)
    state = _state(survey, registration)
    if state is not None:
        # A second answer (or one after closing) is refused, with a page that says why.
        return _page(registration, survey, state, status=409 if form.is_submitted() else 200)
    if not form.validate_on_submit():
        return _page(registration, survey, "form", form, 422 if form.is_submitted() else 200)
    try:
        services.submit(
            survey,
            registration,
            services.clean_answers(survey, form.answers()),
            services.clean_ratings(survey, form.ratings()),
        )
        db.session.commit()
    except (services.AlreadyAnswered, IntegrityError):
        db.session.rollback()
        return _page(registration, survey, "answered", status=409)
    except ValueError:
        # Only a forged form gets here: the form's own checks come first.
        db.session.rollback()
        abort(400)
    return redirect(url_for(".survey", token=token, thanks=1))
