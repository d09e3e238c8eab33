"""Organiser pages for speakers: profiles, bios, photos."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from eventapp.agenda import speakers as services
from eventapp.agenda.forms import PersonForm
from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.core.i18n import country_choices
from eventapp.extensions import db
from eventapp.media.photos import PhotoError, delete_photo, store_photo
from eventapp.models import Event, Person
from eventapp.web import translation_fields
from eventapp.web.blueprints import manage as bp
from eventapp.web.forms import add_error, options

#: What of a speaker's profile its form edits in the event's other languages.
PERSON_TEXTS = ("position", "bio")


def get_person_or_404(event: Event, person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None or person.event_id != event.id:
        abort(404)
    return person


@bp.get("/events/<slug>/speakers")
@organiser_required
def speakers(slug: str):
    """Every speaker profile of the event, by family name."""
    event = get_managed_event_or_404(slug)
    people = db.session.scalars(
        select(Person)
        .where(Person.event_id == event.id)
        .order_by(Person.family_name, Person.given_name)
    ).all()
    return render_template("agenda/manage_speakers.html", event=event, people=people)


def _edit(event: Event, person: Person | None):
    form = translation_fields.translations_form(PersonForm, event, PERSON_TEXTS, obj=person)
    form.country.choices = options([("", "—"), *country_choices()])
    if request.method == "GET" and person is not None:
        translation_fields.fill(form, person, PERSON_TEXTS)
    if form.validate_on_submit():
        data = {
            name: form[name].data or ""
            for name in (
                "honorific",
                "given_name",
                "family_name",
                "position",
                "organisation",
                "country",
                "bio",
            )
        }
        data["email"] = form.email.data or None
        data["translations"] = translation_fields.data(form, event, PERSON_TEXTS)
        old_photo = person.photo if person else None
        new_photo = None
        upload = form.photo.data
        if upload and getattr(upload, "filename", ""):
            try:
                new_photo = store_photo(upload.stream)
            except PhotoError as exc:
                add_error(form.photo, str(exc))
        if not form.photo.errors:
            if new_photo:
                data["photo"] = new_photo
            elif form.remove_photo.data:
                data["photo"] = None
            person = services.save_person(event, person, data)
            db.session.commit()
            # Only once the new name is committed may the old file go.
            if old_photo and old_photo != person.photo and services.photo_unused(old_photo):
                delete_photo(old_photo)
            flash(_("Speaker saved."), "info")
            return redirect(url_for(".speakers", slug=event.slug))
        if new_photo:
            delete_photo(new_photo)
    return render_template(
        "agenda/speaker_form.html", event=event, person=person, form=form
    ), 422 if form.errors else 200


@bp.route("/events/<slug>/speakers/new", methods=["GET", "POST"])
@organiser_required
def new_speaker(slug: str):
    """Add a speaker profile."""
    return _edit(get_managed_event_or_404(slug), None)


@bp.route("/events/<slug>/speakers/<int:person_id>", methods=["GET", "POST"])
@organiser_required
def speaker(slug: str, person_id: int):
    """Edit a speaker profile, its bio and photo."""
    event = get_managed_event_or_404(slug)
    return _edit(event, get_person_or_404(event, person_id))


@bp.post("/events/<slug>/speakers/<int:person_id>/delete")
@organiser_required
def delete_speaker(slug: str, person_id: int):
    """Delete a speaker: they leave every agenda item; a registration of theirs stays."""
    event = get_managed_event_or_404(slug)
    person = get_person_or_404(event, person_id)
    photo = person.photo
    services.delete_person(person)
    db.session.commit()
    if photo and services.photo_unused(photo):
        delete_photo(photo)
    flash(_("Speaker deleted."), "info")
    return redirect(url_for(".speakers", slug=slug))
