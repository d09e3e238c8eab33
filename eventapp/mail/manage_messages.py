"""Organisers' messages to participants: the list, writing one (a version per language),
how many it goes to, a preview for one recipient, a test to oneself, sending now or at a
time, cancelling a scheduled one. The copies are queued by a task (tasks.send_batch),
never in the request."""

from __future__ import annotations

import logging

from flask import (
    abort,
    flash,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.extensions import db
from eventapp.mail import organiser_messages as services
from eventapp.mail import placeholders, reminders, tasks
from eventapp.mail.forms import ScheduleForm, message_form
from eventapp.mail.messages import organiser_message
from eventapp.models import Event, MessageKind, MessageStatus, OrganiserMessage
from eventapp.registration import desk
from eventapp.web.blueprints import manage as bp
from eventapp.web.forms import add_error, delocalize, localize

log = logging.getLogger(__name__)


def get_message_or_404(event: Event, message_id: int) -> OrganiserMessage:
    """The event's message with this id; 404 for another event's."""
    message = db.session.get(OrganiserMessage, message_id)
    if message is None or message.event_id != event.id:
        abort(404)
    return message


def _count_text(n: int) -> str:
    return ngettext("%(num)d person will receive it.", "%(num)d people will receive it.", n)


@bp.get("/events/<slug>/messages")
@organiser_required
def messages(slug: str):
    """The event's messages, newest first, with their progress; the reminder's setting."""
    event = get_managed_event_or_404(slug)
    rows = db.session.scalars(
        db.select(OrganiserMessage)
        .where(OrganiserMessage.event_id == event.id)
        .order_by(OrganiserMessage.id.desc())
    ).all()
    return render_template(
        "mail/messages.html",
        event=event,
        rows=[(m, services.title(m), services.progress(m)) for m in rows],
        reminder_at=reminders.due_at(event),
    )


@bp.get("/events/<slug>/messages/count")
@organiser_required
def count_recipients(slug: str):
    """How many people a message with the filter in the query would go to (JSON, for
    the compose form's script; the form's Count button does the same without it)."""
    event = get_managed_event_or_404(slug)
    n = services.count(event, services.recipient_filter(request.args))
    return jsonify(count=n, text=_count_text(n))


@bp.route("/events/<slug>/messages/new", methods=["GET", "POST"])
@organiser_required
def new_message(slug: str):
    """Write a message: subject and body in each language, and who gets it."""
    event = get_managed_event_or_404(slug)
    return _compose(event, None)


@bp.route("/events/<slug>/messages/<int:message_id>/edit", methods=["GET", "POST"])
@organiser_required
def edit_message(slug: str, message_id: int):
    """Change a message not sent yet (a draft, a scheduled or a cancelled one)."""
    event = get_managed_event_or_404(slug)
    message = get_message_or_404(event, message_id)
    if message.status not in services.EDITABLE or message.kind != MessageKind.MESSAGE:
        flash(_("This message was sent: it cannot be changed any more."), "error")
        return redirect(url_for(".message", slug=slug, message_id=message.id))
    return _compose(event, message)


def _compose(event: Event, message: OrganiserMessage | None):
    form = message_form(desk.countries(event))
    if request.method == "GET":
        if message is not None:
            for version in message.versions:
                if version.language in form.language_codes:
                    form.subject_field(version.language).data = version.subject
                    form.body_field(version.language).data = version.body
        if message is not None:
            recipients = message.recipients
        elif any(key in request.args for key in services.FILTER_KEYS):
            recipients = services.recipient_filter(request.args)  # from the desk's filters
        else:
            recipients = {"status": "confirmed"}
        for key in services.FILTER_KEYS:
            form[key].data = recipients.get(key, "")
    elif request.form.get("action") == "count":
        form.validate()  # for the CSRF check and the values; nothing is saved
    elif form.check():
        if message is None:
            message = services.new_message(event, current_user)
        services.save(message, form.versions(), form.recipients())
        db.session.commit()
        flash(_("Message saved. Check the preview, then send it or schedule it."), "info")
        return redirect(url_for(".message", slug=event.slug, message_id=message.id))
    return render_template(
        "mail/compose.html",
        event=event,
        form=form,
        message=message,
        count=services.count(event, form.recipients()),
        count_text=_count_text,
        placeholders=placeholders.PLACEHOLDERS,
    ), 422 if form.errors else 200


@bp.get("/events/<slug>/messages/<int:message_id>")
@organiser_required
def message(slug: str, message_id: int):
    """A message: who it goes to and how many, its preview for one recipient (chosen),
    the test to oneself, send now or schedule; once sending, its progress."""
    event = get_managed_event_or_404(slug)
    message = get_message_or_404(event, message_id)
    schedule_form = ScheduleForm()
    if message.send_at is not None:
        schedule_form.send_at.data = delocalize(message.send_at, event.timezone)
    return _message_page(event, message, schedule_form)


def sending_state(message: OrganiserMessage, progress: services.Progress) -> dict:
    """How far the sending is, in the shape of a job's status.json, so that the job page's
    script (static/js/job.js) fills the message's bar too: done are the copies sent or
    failed for good; finished once every copy is queued and none waits any more."""
    return {
        "status": message.status.value,
        # The page's Status line, as text ("Being sent", then "Sent").
        "status_text": get_template_attribute("mail/_status.html", "message_status")(
            message
        ).striptags(),
        "done": progress.sent + progress.failed,
        "total": progress.recipients,
        "text": str(get_template_attribute("mail/_status.html", "progress_text")(progress)),
        "estimate": "",
        "finished": message.status == MessageStatus.SENT and not progress.queued,
        "download": False,
    }


@bp.get("/events/<slug>/messages/<int:message_id>/status.json")
@organiser_required
def message_status(slug: str, message_id: int):
    """The sending's progress for the message page's script to show without reloading."""
    event = get_managed_event_or_404(slug)
    message = get_message_or_404(event, message_id)
    response = jsonify(sending_state(message, services.progress(message)))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _message_page(event: Event, message: OrganiserMessage, schedule_form: ScheduleForm):
    ids = services.recipient_ids(event, message.recipients)
    shown = desk.load(ids[:500])
    chosen = request.values.get("recipient", type=int)
    person = next((r for r in shown if r.id == chosen), shown[0] if shown else None)
    preview = None
    progress = services.progress(message)
    if person is not None and message.kind == MessageKind.MESSAGE and message.versions:
        preview = organiser_message(person, message, preview=True)
    return render_template(
        "mail/message.html",
        event=event,
        message=message,
        title=services.title(message),
        count=len(ids),
        recipients=shown,
        person=person,
        preview=preview,
        progress=progress,
        state=sending_state(message, progress),
        editable=message.status in services.EDITABLE and message.kind == MessageKind.MESSAGE,
        schedule_form=schedule_form,
        filters=services.filters_of(message.recipients),
    ), 422 if schedule_form.errors else 200


def _back(message: OrganiserMessage, **args):
    return redirect(url_for(".message", slug=message.event.slug, message_id=message.id, **args))


@bp.post("/events/<slug>/messages/<int:message_id>/test")
@organiser_required
def test_message(slug: str, message_id: int):
    """Send oneself the message as the chosen recipient gets it."""
    event = get_managed_event_or_404(slug)
    message = get_message_or_404(event, message_id)
    ids = services.recipient_ids(event, message.recipients)
    chosen = request.form.get("recipient", type=int)
    recipient = chosen if chosen in ids else (ids[0] if ids else None)
    if recipient is None or not message.versions or message.kind != MessageKind.MESSAGE:
        flash(_("A test needs someone the message goes to: nobody matches its filter."), "error")
        return _back(message)
    try:
        tasks.send_test(message.id, recipient, current_user.email, str(get_locale() or "en"))
    except Exception:  # the queue or the mail server: the organiser may try again
        log.exception("could not send the test of message %s", message.id)
        flash(_("The test could not be sent: try again in a moment."), "error")
        return _back(message, recipient=recipient)
    flash(_("A test was sent to %(email)s.", email=current_user.email), "info")
    return _back(message, recipient=recipient)


@bp.post("/events/<slug>/messages/<int:message_id>/send")
@organiser_required
def send_message(slug: str, message_id: int):
    """Send the message now: its copies are queued by a task, batch after batch."""
    event = get_managed_event_or_404(slug)
    message = get_message_or_404(event, message_id)
    try:
        services.start(message)
    except services.CannotSend as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(message)
    db.session.commit()
    try:
        tasks.send_batch(message.id)
    except Exception:  # the queue's storage is down: the periodic task picks it up
        log.exception("could not enqueue the sending of message %s", message.id)
    flash(
        ngettext(
            "Sending to %(num)d person.", "Sending to %(num)d people.", message.recipient_count
        ),
        "info",
    )
    return _back(message)


@bp.post("/events/<slug>/messages/<int:message_id>/schedule")
@organiser_required
def schedule_message(slug: str, message_id: int):
    """Have the message sent at a date and time (the event's time zone)."""
    event = get_managed_event_or_404(slug)
    message = get_message_or_404(event, message_id)
    form = ScheduleForm()
    if not form.validate_on_submit() or form.send_at.data is None:
        if not form.send_at.errors:
            add_error(form.send_at, _("Choose the date and time it goes."))
        return _message_page(event, message, form)
    when = localize(form.send_at.data, event.timezone)
    assert when is not None
    try:
        services.schedule(message, when)
    except services.CannotSend as exc:
        db.session.rollback()
        add_error(form.send_at, str(exc))
        return _message_page(event, message, form)
    db.session.commit()
    flash(_("Scheduled."), "info")
    return _back(message)


@bp.post("/events/<slug>/messages/<int:message_id>/cancel")
@organiser_required
def cancel_message(slug: str, message_id: int):
    """A scheduled message will not go."""
    event = get_managed_event_or_404(slug)
    message = get_message_or_404(event, message_id)
    try:
        services.cancel(message)
    except services.CannotSend as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(message)
    db.session.commit()
    flash(_("The scheduled sending is cancelled."), "info")
    return _back(message)


@bp.post("/events/<slug>/messages/<int:message_id>/delete")
@organiser_required
def delete_message(slug: str, message_id: int):
    """Delete a draft (never a message scheduled or sent: its copies are on record)."""
    event = get_managed_event_or_404(slug)
    message = get_message_or_404(event, message_id)
    try:
        services.delete_draft(message)
    except services.CannotSend as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(message)
    db.session.commit()
    flash(_("Draft deleted."), "info")
    return redirect(url_for(".messages", slug=slug))
