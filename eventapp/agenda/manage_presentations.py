"""Organiser pages for speakers' slides: upload to an agenda item, publish, remove."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from eventapp.agenda import presentations as slides
from eventapp.agenda.forms import PresentationForm
from eventapp.agenda.public_presentations import send_slides
from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.extensions import db
from eventapp.models import AgendaItem, Event, Person, Presentation
from eventapp.web.blueprints import manage as bp
from eventapp.web.forms import add_error, options

#: Room in a request for the form's other fields around the file.
FORM_OVERHEAD = 64 * 1024


def _raise_upload_limit() -> None:
    # Only the upload takes files this large; every other request keeps
    # MAX_CONTENT_LENGTH. Set before the CSRF check, which reads the form first.
    if request.endpoint == "manage.presentations" and request.method == "POST":
        request.max_content_length = current_app.config["PRESENTATION_MAX_BYTES"] + FORM_OVERHEAD


def _first_before_request(state) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _raise_upload_limit)


bp.record_once(_first_before_request)


def get_presentation_or_404(event: Event, presentation_id: int) -> Presentation:
    found = db.session.get(Presentation, presentation_id)
    if found is None or found.event_id != event.id:
        abort(404)
    return found


def _form(event: Event) -> PresentationForm:
    form = PresentationForm()
    items = sorted(event.agenda_items, key=lambda i: (i.starts_at, i.position, i.id))
    form.item_id.choices = options(
        [(i.id, f"{event.local(i.starts_at):%H:%M} {i.title}") for i in items]
    )
    people = sorted(event.people, key=lambda p: (p.family_name, p.given_name))
    form.person_id.choices = options([(0, "—"), *((p.id, p.full_name) for p in people)])
    if request.method == "GET":
        form.item_id.data = request.args.get("item_id", type=int)
    return form


@bp.route("/events/<slug>/presentations", methods=["GET", "POST"])
@organiser_required
def presentations(slug: str):
    """Every slide deck of the event by agenda item, and the form to upload one."""
    event = get_managed_event_or_404(slug)
    form = _form(event)
    if form.validate_on_submit():
        item = db.session.get(AgendaItem, form.item_id.data)
        person = db.session.get(Person, form.person_id.data) if form.person_id.data else None
        if item is None or item.event_id != event.id:
            add_error(form.item_id, _("Choose an item of this event's agenda."))
        if person is not None and person.event_id != event.id:
            add_error(form.person_id, _("Choose a speaker of this event."))
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            add_error(form.file, _("Choose the file to upload."))
        elif not form.errors:
            try:
                name, kind, size = slides.store(upload.stream, upload.mimetype or "")
            except slides.PresentationError as exc:
                add_error(form.file, str(exc))
            else:
                assert item is not None
                added = slides.add(
                    event,
                    item,
                    stored_name=name,
                    format=kind,
                    size=size,
                    title=form.title.data or "",
                    original_name=upload.filename,
                    person=person,
                )
                try:
                    db.session.commit()
                except BaseException:
                    slides.delete_file(name)
                    raise
                flash(
                    _(
                        "Slides “%(title)s” added. They stay private until you publish them.",
                        title=added.title,
                    ),
                    "info",
                )
                return redirect(url_for(".presentations", slug=slug, _anchor=f"p-{added.id}"))
    return render_template(
        "agenda/manage_presentations.html",
        event=event,
        form=form,
        by_item=slides.by_item(slides.of_event(event, published_only=False)),
        items=sorted(event.agenda_items, key=lambda i: (i.starts_at, i.position, i.id)),
        limit=slides.max_bytes(),
    ), 422 if form.errors else 200


@bp.post("/events/<slug>/presentations/<int:presentation_id>/publish")
@organiser_required
def publish_presentation(slug: str, presentation_id: int):
    """Publish slides (publish=1) or take them back (publish=0)."""
    event = get_managed_event_or_404(slug)
    found = get_presentation_or_404(event, presentation_id)
    publish = request.form.get("publish") == "1"
    slides.set_published(found, publish)
    db.session.commit()
    flash(
        _("“%(title)s” is public.", title=found.title)
        if publish
        else _("“%(title)s” is private again.", title=found.title),
        "info",
    )
    return redirect(url_for(".presentations", slug=slug, _anchor=f"p-{found.id}"))


@bp.post("/events/<slug>/presentations/<int:presentation_id>/delete")
@organiser_required
def delete_presentation(slug: str, presentation_id: int):
    """Remove slides and their file."""
    event = get_managed_event_or_404(slug)
    found = get_presentation_or_404(event, presentation_id)
    title = found.title
    name = slides.remove(found)
    db.session.commit()
    slides.delete_file(name)  # only once the record is gone
    flash(_("“%(title)s” removed.", title=title), "info")
    return redirect(url_for(".presentations", slug=slug))


@bp.get("/events/<slug>/presentations/<int:presentation_id>/file")
@organiser_required
def presentation_file(slug: str, presentation_id: int):
    """The slides as uploaded, published or not (for the organisers to check)."""
    event = get_managed_event_or_404(slug)
    response = send_slides(get_presentation_or_404(event, presentation_id))
    response.cache_control.private = True
    return response
