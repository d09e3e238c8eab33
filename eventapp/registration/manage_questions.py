"""Organiser pages for an event's custom sign-up questions: list, add, edit (with the
label, help text and options in each of the event's other languages), reorder (Up/Down),
delete after a confirmation step that says how many answers go with it."""

import unicodedata
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.core import translated
from eventapp.core.labels import QUESTION_KINDS
from eventapp.extensions import db
from eventapp.models import Event, Question, QuestionKind
from eventapp.registration import questions as services
from eventapp.registration.answers import CHOICE_KINDS
from eventapp.web import translation_fields
from eventapp.web.blueprints import manage as bp
from eventapp.web.forms import CleanForm, add_error, options

#: Limits of one option of a choice, and of the number of options.
OPTION_LENGTH = 200
MAX_OPTIONS = 50
CHOICE_VALUES = frozenset(kind.value for kind in CHOICE_KINDS)
TOO_LONG = _l("Please use at most %(max)d characters (you typed %(length)d).")


class QuestionForm(CleanForm):
    label = StringField(
        _l("Question"),
        validators=[
            DataRequired(message=_l("Please write the question.")),
            Length(max=300, message=TOO_LONG),
        ],
    )
    kind = SelectField(
        _l("Kind of answer"),
        default=QuestionKind.SHORT_TEXT.value,
        choices=options((k.value, v) for k, v in QUESTION_KINDS.items()),
    )
    help_text = StringField(
        _l("Help text (optional)"), validators=[Optional(), Length(max=500, message=TOO_LONG)]
    )
    required = BooleanField(_l("An answer is required"))
    reports_gender = BooleanField(_l("This question asks for gender, as people describe it"))
    choices = TextAreaField(_l("Options, one per line"), render_kw={"rows": 6})

    def typed_options(self) -> list[str]:
        """The options typed, one per line, stripped and NFC-normalised, empty lines out."""
        lines = (
            unicodedata.normalize("NFC", line).strip()
            for line in (self.choices.data or "").splitlines()
        )
        return [line for line in lines if line]

    def validate_choices(self, field):
        if self.kind.data not in {kind.value for kind in CHOICE_KINDS}:
            return
        seen: set[str] = set()
        for option in self.typed_options():
            if len(option) > OPTION_LENGTH:
                raise ValidationError(
                    _(
                        "Each option may have at most %(max)d characters: “%(option)s…” is longer.",
                        max=OPTION_LENGTH,
                        option=option[:40],
                    )
                )
            if option.casefold() in seen:
                raise ValidationError(_("“%(option)s” is listed twice.", option=option))
            seen.add(option.casefold())
        if len(seen) < 2:
            raise ValidationError(_("Give at least two different options, one per line."))
        if len(seen) > MAX_OPTIONS:
            raise ValidationError(_("Give at most %(max)d options.", max=MAX_OPTIONS))

    def data_for_services(self) -> dict:
        kind = QuestionKind(self.kind.data)
        return {
            "label": self.label.data,
            "kind": kind,
            "help_text": self.help_text.data or "",
            "required": self.required.data,
            "reports_gender": bool(self.reports_gender.data),
            "choices": self.typed_options() if kind in CHOICE_KINDS else [],
        }


class DeleteForm(CleanForm):
    """Only the CSRF token: the confirmation step of deleting a question."""


def get_question_or_404(event: Event, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.event_id != event.id:
        abort(404)
    return question


#: What organisers translate of a question, side by side with the main language's.
QUESTION_TEXTS = ("label", "help_text", "choices")


def question_form(
    event: Event, question: Any, form_cls: type[QuestionForm] = QuestionForm, **kwargs: Any
) -> QuestionForm:
    """The question's form, with its texts in each of the event's other languages (the
    feedback survey's questions use it too, with their own form class)."""
    form = translation_fields.translations_form(
        form_cls, event, QUESTION_TEXTS, obj=question, **kwargs
    )
    if request.method == "GET" and question is not None:
        form.kind.data = question.kind.value
        form.choices.data = "\n".join(question.choices)
        translation_fields.fill(form, question, QUESTION_TEXTS)
        for language in translated.event_languages(event)[1:]:
            field = form[translation_fields.field_name("choices", language)]
            field.data = "\n".join(field.data or [])
    return form


def translated_options(text: str | None) -> list[str]:
    """A translation of the options, a line each in the options' order; an empty line
    leaves that option in the main language (trailing ones need not be typed)."""
    lines = [unicodedata.normalize("NFC", line).strip() for line in (text or "").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def translations_of(form: QuestionForm, event: Event) -> dict[str, dict]:
    """The posted translations, the options as a list as long as the main one's."""
    texts = translation_fields.data(form, event, QUESTION_TEXTS)
    count = len(form.typed_options()) if form.kind.data in CHOICE_VALUES else 0
    for fields in texts.values():
        if "choices" in fields:
            lines = translated_options(fields["choices"])
            fields["choices"] = [*lines, *[""] * (count - len(lines))] if count else []
    return texts


def check_translated_options(event: Event, form: QuestionForm) -> None:
    """A translation of the options has no more lines than there are options."""
    if form.kind.data not in CHOICE_VALUES:
        return
    count = len(form.typed_options())
    for language in translated.event_languages(event)[1:]:
        field = form[translation_fields.field_name("choices", language)]
        if len(translated_options(field.data)) > count:
            add_error(
                field,
                _(
                    "Write one line per option, in the options' order: %(num)d lines at most.",
                    num=count,
                ),
            )


def _checked(event: Event, form: QuestionForm, question: Question | None, answered: int) -> bool:
    """The checks that need the event: a unique label, and no change of kind once
    people have answered (their answers would no longer fit the question)."""
    if not form.validate_on_submit():
        return False
    assert form.label.data is not None  # DataRequired
    check_translated_options(event, form)
    if services.question_label_taken(event, form.label.data, exclude=question):
        add_error(form.label, _("Another question of this event has this label."))
    if question is not None and answered and form.kind.data != question.kind.value:
        add_error(
            form.kind,
            _(
                "%(num)d people have answered this question: its kind can no longer change. "
                "Add a new question instead.",
                num=answered,
            ),
        )
    return not form.errors


@bp.route("/events/<slug>/questions", methods=["GET", "POST"])
@organiser_required
def questions(slug: str):
    """The questions of the sign-up form in their order, and a form to add one."""
    event = get_managed_event_or_404(slug)
    form = question_form(event, None)
    if _checked(event, form, None, 0):
        services.save_question(
            event, None, {**form.data_for_services(), "translations": translations_of(form, event)}
        )
        db.session.commit()
        flash(_("Question added at the end of the form."), "info")
        return redirect(url_for(".questions", slug=slug))
    return render_template(
        "registration/questions.html",
        event=event,
        form=form,
        kinds=QUESTION_KINDS,
        question=None,
        counts=services.answer_counts(event),
        translated=translated.completeness_by_language(event, event.questions),
    ), 422 if form.errors else 200


@bp.route("/events/<slug>/questions/<int:question_id>", methods=["GET", "POST"])
@organiser_required
def question(slug: str, question_id: int):
    """Change a question (its kind only while nobody has answered it)."""
    event = get_managed_event_or_404(slug)
    question = get_question_or_404(event, question_id)
    answered = services.answer_counts(event)[question.id]
    form = question_form(event, question)
    if _checked(event, form, question, answered):
        services.save_question(
            event,
            question,
            {**form.data_for_services(), "translations": translations_of(form, event)},
        )
        db.session.commit()
        flash(_("Question saved."), "info")
        return redirect(url_for(".questions", slug=slug))
    return render_template(
        "registration/question_form.html",
        event=event,
        question=question,
        form=form,
        answered=answered,
        translated=translated.completeness_by_language(event, [question]),
    ), 422 if form.errors else 200


@bp.post("/events/<slug>/questions/<int:question_id>/move")
@organiser_required
def move_question(slug: str, question_id: int):
    """Move a question up or down on the form (the keyboard way to reorder)."""
    event = get_managed_event_or_404(slug)
    question = get_question_or_404(event, question_id)
    services.move_question(question, request.form.get("offset", type=int) or 0)
    db.session.commit()
    return redirect(url_for(".questions", slug=slug) + f"#question-{question.id}")


@bp.route("/events/<slug>/questions/<int:question_id>/delete", methods=["GET", "POST"])
@organiser_required
def delete_question(slug: str, question_id: int):
    """Delete a question, after a step that says how many answers are lost with it."""
    event = get_managed_event_or_404(slug)
    question = get_question_or_404(event, question_id)
    form = DeleteForm()
    if not form.validate_on_submit():
        return render_template(
            "registration/question_delete.html",
            event=event,
            question=question,
            form=form,
            answered=services.answer_counts(event)[question.id],
        )
    label = question.label
    removed = services.delete_question(question)
    db.session.commit()
    flash(
        _("Question “%(label)s” deleted, with %(num)d answers.", label=label, num=removed), "info"
    )
    return redirect(url_for(".questions", slug=slug))
