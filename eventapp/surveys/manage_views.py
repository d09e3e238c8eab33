"""Organiser pages of the event's survey: set it up and write its questions, open and
close it, send it to the people checked in, and its results (page and spreadsheet)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.extensions import db
from eventapp.models import Event, Survey, SurveyQuestion, SurveyStatus
from eventapp.registration.forms import ConfirmForm
from eventapp.surveys import charts, export, sending, services
from eventapp.surveys.forms import (
    SURVEY_QUESTION_KINDS,
    SURVEY_STATUSES,
    SurveyQuestionForm,
    settings_form,
)
from eventapp.surveys.results import SMALL_GROUP, results
from eventapp.web.blueprints import manage as bp


def _survey_or_404(event: Event) -> Survey:
    survey = services.survey_of(event)
    if survey is None:
        abort(404)
    return survey


def _question_or_404(survey: Survey, question_id: int) -> SurveyQuestion:
    question = db.session.get(SurveyQuestion, question_id)
    if question is None or question.survey_id != survey.id:
        abort(404)
    return question


def _page(event: Event, survey: Survey | None, form=None, question_form=None, status=200):
    items = list(event.agenda_items)
    return render_template(
        "surveys/manage_survey.html",
        event=event,
        survey=survey,
        form=form or settings_form(survey, items, event.timezone, posted=False),
        question_form=question_form or SurveyQuestionForm(formdata=None),
        kinds=SURVEY_QUESTION_KINDS,
        answers=services.answer_count(survey) if survey else 0,
        fixed=survey is not None and services.anonymity_fixed(survey),
        recipients=len(sending.recipients(survey)) if survey else 0,
        reminder_at=sending.reminder_due_at(survey) if survey else None,
        survey_statuses=SURVEY_STATUSES,
    ), status


@bp.route("/events/<slug>/survey", methods=["GET", "POST"])
@organiser_required
def survey(slug: str):
    """The survey's settings and questions (and the form that makes it)."""
    event = get_managed_event_or_404(slug)
    survey = services.survey_of(event)
    form = settings_form(survey, list(event.agenda_items), event.timezone)
    if not form.is_submitted():
        return _page(event, survey, form)
    if not form.validate():
        return _page(event, survey, form, status=422)
    created = survey is None
    survey = services.save_settings(event, survey, form.for_services())
    db.session.flush()
    services.set_rated_items(survey, form.rated_items.data or [])
    db.session.commit()
    flash(_("Survey created: add its questions.") if created else _("Survey saved."), "info")
    return redirect(url_for(".survey", slug=slug))


@bp.post("/events/<slug>/survey/questions")
@organiser_required
def add_survey_question(slug: str):
    """Add a question at the end of the survey."""
    event = get_managed_event_or_404(slug)
    survey = _survey_or_404(event)
    form = SurveyQuestionForm()
    if not form.validate_on_submit():
        return _page(event, survey, question_form=form, status=422)
    services.add_question(survey, form.data_for_services())
    db.session.commit()
    flash(_("Question added at the end of the survey."), "info")
    return redirect(url_for(".survey", slug=slug, _anchor="questions"))


@bp.post("/events/<slug>/survey/questions/<int:survey_question_id>/move")
@organiser_required
def move_survey_question(slug: str, survey_question_id: int):
    """Move a question up or down."""
    event = get_managed_event_or_404(slug)
    question = _question_or_404(_survey_or_404(event), survey_question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.move_question(question, -1 if request.form.get("offset") == "-1" else 1)
    db.session.commit()
    return redirect(url_for(".survey", slug=slug, _anchor="questions"))


@bp.post("/events/<slug>/survey/questions/<int:survey_question_id>/delete")
@organiser_required
def delete_survey_question(slug: str, survey_question_id: int):
    """Delete a question, while nobody has answered the survey."""
    event = get_managed_event_or_404(slug)
    survey = _survey_or_404(event)
    question = _question_or_404(survey, survey_question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if services.answer_count(survey):
        flash(_("People have answered: the survey's questions can no longer be deleted."), "error")
    else:
        services.delete_question(question)
        db.session.commit()
        flash(_("Question deleted."), "info")
    return redirect(url_for(".survey", slug=slug, _anchor="questions"))


@bp.post("/events/<slug>/survey/status")
@organiser_required
def survey_status(slug: str):
    """Open, close or reopen the survey."""
    event = get_managed_event_or_404(slug)
    survey = _survey_or_404(event)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("status", "")
    if wanted not in (SurveyStatus.OPEN.value, SurveyStatus.CLOSED.value):
        abort(400)
    if wanted == SurveyStatus.OPEN.value and not survey.questions and not survey.rated_items:
        flash(_("Add a question or a session to rate before opening the survey."), "error")
        return redirect(url_for(".survey", slug=slug))
    services.set_status(survey, SurveyStatus(wanted))
    db.session.commit()
    flash(
        _("The survey is open.")
        if wanted == SurveyStatus.OPEN.value
        else _("The survey is closed."),
        "info",
    )
    return redirect(url_for(".survey", slug=slug))


@bp.post("/events/<slug>/survey/send")
@organiser_required
def send_survey(slug: str):
    """Send the survey's link to everyone checked in (once)."""
    event = get_managed_event_or_404(slug)
    survey = _survey_or_404(event)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sent = sending.send_invitations(survey)
    if sent is None:
        flash(
            _(
                "Nothing was sent: the survey was sent before, is not open, "
                "or nobody is checked in."
            ),
            "error",
        )
        return redirect(url_for(".survey", slug=slug))
    db.session.commit()
    flash(
        ngettext(
            "The survey's link is on its way to %(num)d person checked in.",
            "The survey's link is on its way to %(num)d people checked in.",
            sent,
        ),
        "info",
    )
    return redirect(url_for(".survey", slug=slug))


@bp.get("/events/<slug>/survey/results")
@organiser_required
def survey_results(slug: str):
    """The survey's figures, charts and written answers."""
    event = get_managed_event_or_404(slug)
    survey = services.survey_of(event)
    if survey is None:
        return redirect(url_for(".survey", slug=slug))
    return render_template(
        "surveys/manage_results.html",
        event=event,
        survey=survey,
        results=results(survey),
        number=charts.number,
        distribution_chart=charts.distribution_chart,
        sessions_chart=charts.sessions_chart,
        small_group=SMALL_GROUP,
        kinds=SURVEY_QUESTION_KINDS,
        recipients=len(sending.recipients(survey)),
    )


@bp.get("/events/<slug>/survey/results.xlsx")
@organiser_required
def survey_results_xlsx(slug: str):
    """Every answer and the summary, as a spreadsheet."""
    event = get_managed_event_or_404(slug)
    survey = _survey_or_404(event)
    return Response(
        export.to_xlsx(survey),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="{event.slug}-survey.xlsx"',
            "Cache-Control": "no-store",
        },
    )
