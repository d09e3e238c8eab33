"""Organiser pages for the event's rooms."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from eventapp.agenda import rooms as services
from eventapp.agenda.forms import RoomForm
from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.extensions import db
from eventapp.models import Room
from eventapp.web import translation_fields
from eventapp.web.blueprints import manage as bp
from eventapp.web.forms import add_error

#: What of a room its form edits in the event's other languages.
ROOM_TEXTS = ("name",)


def get_room_or_404(event, room_id: int) -> Room:
    room = db.session.get(Room, room_id)
    if room is None or room.event_id != event.id:
        abort(404)
    return room


@bp.route("/events/<slug>/rooms", methods=["GET", "POST"])
@organiser_required
def rooms(slug: str):
    """The rooms, and a form to add one."""
    event = get_managed_event_or_404(slug)
    form = RoomForm()
    if form.validate_on_submit():
        if services.room_name_taken(event, form.name.data or ""):
            add_error(form.name, _("There is a room with this name already."))
        else:
            services.save_room(
                event, None, {"name": form.name.data, "capacity": form.capacity.data}
            )
            db.session.commit()
            flash(_("Room added."), "info")
            return redirect(url_for(".rooms", slug=slug))
    return render_template("agenda/rooms.html", event=event, form=form), 422 if form.errors else 200


@bp.route("/events/<slug>/rooms/<int:room_id>", methods=["GET", "POST"])
@organiser_required
def room(slug: str, room_id: int):
    """Rename a room or change its seats."""
    event = get_managed_event_or_404(slug)
    room = get_room_or_404(event, room_id)
    form = translation_fields.translations_form(RoomForm, event, ROOM_TEXTS, obj=room)
    if request.method == "GET":
        translation_fields.fill(form, room, ROOM_TEXTS)
    if form.validate_on_submit():
        if services.room_name_taken(event, form.name.data or "", exclude=room):
            add_error(form.name, _("There is a room with this name already."))
        else:
            services.save_room(
                event,
                room,
                {
                    "name": form.name.data,
                    "capacity": form.capacity.data,
                    "translations": translation_fields.data(form, event, ROOM_TEXTS),
                },
            )
            db.session.commit()
            flash(_("Room saved."), "info")
            return redirect(url_for(".rooms", slug=slug))
    return render_template(
        "agenda/room_form.html", event=event, room=room, form=form
    ), 422 if form.errors else 200


@bp.post("/events/<slug>/rooms/<int:room_id>/delete")
@organiser_required
def delete_room(slug: str, room_id: int):
    """Delete a room; its items stay on the agenda without a room."""
    event = get_managed_event_or_404(slug)
    room = get_room_or_404(event, room_id)
    services.delete_room(room)
    db.session.commit()
    flash(_("Room deleted. Its items are kept, without a room."), "info")
    return redirect(url_for(".rooms", slug=slug))
