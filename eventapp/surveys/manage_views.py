"""Organiser pages of the event's survey: set it up and write its questions (their texts
in each of the event's languages side by side), open and close it, send it to the people
checked in, and its results (page and spreadsheet, in the main language: the answers
hold its options)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.core import translated
from eventapp.extensions import db
from eventapp.models import Event, Survey, SurveyQuestion, SurveyStatus
from eventapp.registration.forms import ConfirmForm
from eventapp.registration.manage_questions import (
    CHOICE_VALUES,
    QuestionForm,
    check_translated_options,
    question_form,
    translations_of,
)
from eventapp.surveys import charts, export, sending, services
from eventapp.surveys.forms import (
    SURVEY_QUESTION_KINDS,
    SURVEY_STATUSES,
    SURVEY_TEXTS,
    SurveyQuestionForm,
    settings_form,
)
from eventapp.surveys.results import SMALL_GROUP, results
from eventapp.web import translation_fields
from eventapp.web.blueprints import manage as bp
from eventapp.web.forms import add_error


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


def _page(event: Event, survey: Survey | None, form=None, new_question=None, status=200):
    return render_template(
        "surveys/manage_survey.html",
        event=event,
        survey=survey,
        form=form or settings_form(event, survey, posted=False),
        question_form=new_question or question_form(event, None, SurveyQuestionForm, formdata=None),
        kinds=SURVEY_QUESTION_KINDS,
        answers=services.answer_count(survey) if survey else 0,
        fixed=survey is not None and services.anonymity_fixed(survey),
        recipients=len(sending.recipients(survey)) if survey else 0,
        reminder_at=sending.reminder_due_at(survey) if survey else None,
        survey_statuses=SURVEY_STATUSES,
        translated=translated.completeness_by_language(
            event, [survey, *survey.questions] if survey else []
        ),
    ), status


def _question_checked(
    event: Event, form: QuestionForm, question: SurveyQuestion | None, answers: int
) -> bool:
    """The form's checks, a translation of the options no longer than the options, and,
    once people have answered, the same kind and options: answers hold the main
    language's option, which results count (their translations may change)."""
    if not form.validate_on_submit():
        return False
    check_translated_options(event, form)
    if question is not None and answers:
        if form.kind.data != question.kind.value:
            add_error(
                form.kind,
                _(
                    "People have answered the survey: the kind of its questions can no "
                    "longer change."
                ),
            )
        elif form.kind.data in CHOICE_VALUES and form.typed_options() != question.choices:
            add_error(
                form.choices,
                _(
                    "People have answered the survey: its options can no longer change "
                    "(their translations can)."
                ),
            )
    return not form.errors


def _question_data(event: Event, form: QuestionForm) -> dict:
    return {**form.data_for_services(), "translations": translations_of(form, event)}


@bp.route("/events/<slug>/survey", methods=["GET", "POST"])
@organiser_required
def survey(slug: str):
    """The survey's settings and questions (and the form that makes it)."""
    event = get_managed_event_or_404(slug)
    survey = services.survey_of(event)
    form = settings_form(event, survey)
    if not form.is_submitted():
        return _page(event, survey, form)
    if not form.validate():
        return _page(event, survey, form, status=422)
    created = survey is None
    survey = services.save_settings(
        event,
        survey,
        {**form.for_services(), "translations": translation_fields.data(form, event, SURVEY_TEXTS)},
    )
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
    form = question_form(event, None, SurveyQuestionForm)
    if not _question_checked(event, form, None, 0):
        return _page(event, survey, new_question=form, status=422)
    services.add_question(survey, _question_data(event, form))
    db.session.commit()
    flash(_("Question added at the end of the survey."), "info")
    return redirect(url_for(".survey", slug=slug, _anchor="questions"))


@bp.route("/events/<slug>/survey/questions/<int:survey_question_id>", methods=["GET", "POST"])
@organiser_required
def survey_question(slug: str, survey_question_id: int):
    """Change a question and its texts in the event's other languages (its kind and
    options only while nobody has answered the survey)."""
    event = get_managed_event_or_404(slug)
    survey = _survey_or_404(event)
    question = _question_or_404(survey, survey_question_id)
    answers = services.answer_count(survey)
    form = question_form(event, question, SurveyQuestionForm)
    if _question_checked(event, form, question, answers):
        services.save_question(question, _question_data(event, form))
        db.session.commit()
        flash(_("Question saved."), "info")
        return redirect(url_for(".survey", slug=slug, _anchor=f"survey-question-{question.id}"))
    return render_template(
        "surveys/manage_question.html",
        event=event,
        survey=survey,
        question=question,
        form=form,
        answers=answers,
        translated=translated.completeness_by_language(event, [question]),
    ), 422 if form.errors else 200


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
