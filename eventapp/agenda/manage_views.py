"""The agenda editor: timeline with conflict flags, items, panel composition, shifting."""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventapp.agenda import programme_jobs, speakers, timeline
from eventapp.agenda import services as agenda_services
from eventapp.agenda.conflicts import conflicts_by_item, find_conflicts
from eventapp.agenda.forms import AddPersonForm, ItemForm, ShiftForm
from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.core import translated
from eventapp.extensions import db
from eventapp.models import AgendaItem, AgendaRole, Event, RoleKind
from eventapp.web import translation_fields
from eventapp.web.blueprints import manage as bp
from eventapp.web.forms import delocalize, localize, options

#: What of an item the form edits in the event's other languages.
ITEM_TEXTS = ("title", "description")


def load_items(event: Event) -> list[AgendaItem]:
    return list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.event_id == event.id)
            .options(
                selectinload(AgendaItem.room),
                selectinload(AgendaItem.roles).selectinload(AgendaRole.person),
            )
            .order_by(AgendaItem.starts_at, AgendaItem.position, AgendaItem.id)
        )
    )


def get_item_or_404(event: Event, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.event_id != event.id:
        abort(404)
    return item


def get_role_or_404(value: str) -> RoleKind:
    try:
        return RoleKind(value)
    except ValueError:
        abort(404)


@bp.post("/events/<slug>/programme/rebuild")
@organiser_required
def rebuild_programme(slug: str):
    """Lay out the programme PDFs again in the background (every language and size)."""
    event = get_managed_event_or_404(slug)
    job = programme_jobs.start(event, current_user)
    db.session.commit()
    return redirect(url_for(".job", slug=slug, job_id=job.id))


@bp.get("/events/<slug>/agenda")
@organiser_required
def agenda(slug: str):
    """The day as a timeline, rooms as columns, with clashes flagged (never blocking)."""
    event = get_managed_event_or_404(slug)
    items = load_items(event)
    conflicts = find_conflicts(event, items)
    return render_template(
        "agenda/manage_agenda.html",
        event=event,
        days=timeline.build(event, items, event.rooms),
        items=items,
        conflicts=conflicts,
        flags=conflicts_by_item(conflicts),
        shift_form=ShiftForm(),
        translated=translated.completeness_by_language(event, [*items, *event.rooms]),
    )


def _item_form(event: Event, item: AgendaItem | None) -> ItemForm:
    form = translation_fields.translations_form(ItemForm, event, ITEM_TEXTS, obj=item)
    form.room_id.choices = options([(0, _("No room"))] + [(r.id, r.name) for r in event.rooms])
    if request.method == "GET":
        if item is not None:
            translation_fields.fill(form, item, ITEM_TEXTS)
            form.starts_at.data = delocalize(item.starts_at, event.timezone)
            form.ends_at.data = delocalize(item.ends_at, event.timezone)
            form.room_id.data = item.room_id or 0
            form.kind.data = item.kind.value
        else:
            form.starts_at.data = delocalize(event.starts_at, event.timezone)
            form.ends_at.data = None
    return form


def _item_data(event: Event, form: ItemForm) -> dict:
    return {
        "kind": form.kind.data,
        "title": form.title.data,
        "description": form.description.data or "",
        "starts_at": localize(form.starts_at.data, event.timezone),
        "ends_at": localize(form.ends_at.data, event.timezone),
        "room_id": form.room_id.data or None,
        "translations": translation_fields.data(form, event, ITEM_TEXTS),
    }


@bp.route("/events/<slug>/agenda/new", methods=["GET", "POST"])
@organiser_required
def new_item(slug: str):
    """Add an item to the agenda."""
    event = get_managed_event_or_404(slug)
    form = _item_form(event, None)
    if form.validate_on_submit():
        item = agenda_services.save_item(event, None, _item_data(event, form))
        db.session.commit()
        flash(_("Item added."), "info")
        return redirect(url_for(".item", slug=slug, item_id=item.id))
    return render_template(
        "agenda/item_form.html", event=event, item=None, form=form
    ), 422 if form.errors else 200


@bp.route("/events/<slug>/agenda/<int:item_id>", methods=["GET", "POST"])
@organiser_required
def item(slug: str, item_id: int):
    """Edit an item: what, when, where, and who (moderators, panellists, speakers)."""
    event = get_managed_event_or_404(slug)
    item = get_item_or_404(event, item_id)
    form = _item_form(event, item)
    if form.validate_on_submit():
        agenda_services.save_item(event, item, _item_data(event, form))
        db.session.commit()
        flash(_("Item saved."), "info")
        return redirect(url_for(".item", slug=slug, item_id=item.id))
    conflicts = [c for c in find_conflicts(event, load_items(event)) if item.id in c.item_ids]
    return render_template(
        "agenda/item_form.html",
        event=event,
        item=item,
        form=form,
        add_form=AddPersonForm(),
        conflicts=conflicts,
        groups=[
            (role, agenda_services.people_in_role(item, role))
            for role in (RoleKind.MODERATOR, RoleKind.PANELLIST, RoleKind.SPEAKER, RoleKind.CHAIR)
        ],
        people=sorted(event.people, key=lambda p: (p.family_name, p.given_name)),
    ), 422 if form.errors else 200


@bp.post("/events/<slug>/agenda/<int:item_id>/delete")
@organiser_required
def delete_item(slug: str, item_id: int):
    """Remove an item from the agenda."""
    event = get_managed_event_or_404(slug)
    agenda_services.delete_item(get_item_or_404(event, item_id))
    db.session.commit()
    flash(_("Item removed."), "info")
    return redirect(url_for(".agenda", slug=slug))


@bp.post("/events/<slug>/agenda/<int:item_id>/people")
@organiser_required
def add_person(slug: str, item_id: int):
    """Add a speaker to the item in a role: chosen by name, or created on the spot."""
    event = get_managed_event_or_404(slug)
    item = get_item_or_404(event, item_id)
    form = AddPersonForm()
    if not form.validate_on_submit():
        flash(_("Type the speaker's name to add them."), "error")
        return redirect(url_for(".item", slug=slug, item_id=item_id) + "#people")
    role = RoleKind(form.role.data)
    person = speakers.find_or_create_person(
        event, form.person.data or "", form.organisation.data or ""
    )
    current = [r.person_id for r in agenda_services.people_in_role(item, role)]
    if person.id not in current:
        agenda_services.set_people(item, role, [*current, person.id])
    db.session.commit()
    return redirect(url_for(".item", slug=slug, item_id=item_id) + "#people")


@bp.post("/events/<slug>/agenda/<int:item_id>/people/<role>/<int:person_id>/remove")
@organiser_required
def remove_person(slug: str, item_id: int, role: str, person_id: int):
    """Take a person out of a role in the item (their profile stays)."""
    event = get_managed_event_or_404(slug)
    item = get_item_or_404(event, item_id)
    role_kind = get_role_or_404(role)
    current = [r.person_id for r in agenda_services.people_in_role(item, role_kind)]
    agenda_services.set_people(item, role_kind, [p for p in current if p != person_id])
    db.session.commit()
    return redirect(url_for(".item", slug=slug, item_id=item_id) + "#people")


@bp.post("/events/<slug>/agenda/<int:item_id>/people/<role>/<int:person_id>/move")
@organiser_required
def move_person(slug: str, item_id: int, role: str, person_id: int):
    """Move a person up or down in the order (the keyboard way to reorder)."""
    event = get_managed_event_or_404(slug)
    item = get_item_or_404(event, item_id)
    offset = request.form.get("offset", type=int) or 0
    try:
        agenda_services.move_person(item, get_role_or_404(role), person_id, offset)
    except ValueError:  # not in that role (any more): nothing to move
        abort(404)
    db.session.commit()
    return redirect(url_for(".item", slug=slug, item_id=item_id) + f"#role-{role}")


@bp.post("/events/<slug>/agenda/<int:item_id>/people/<role>/order")
@organiser_required
def order_people(slug: str, item_id: int, role: str):
    """Drag and drop sends the whole new order: a JSON list of person ids."""
    event = get_managed_event_or_404(slug)
    item = get_item_or_404(event, item_id)
    role_kind = get_role_or_404(role)
    order = (request.get_json(silent=True) or {}).get("order")
    current = {r.person_id for r in agenda_services.people_in_role(item, role_kind)}
    if not isinstance(order, list) or set(order) != current or len(order) != len(current):
        return jsonify(error=_("The list changed meanwhile: reload the page.")), 409
    agenda_services.set_people(item, role_kind, [int(p) for p in order])
    db.session.commit()
    return jsonify(order=[r.person_id for r in agenda_services.people_in_role(item, role_kind)])


@bp.post("/events/<slug>/agenda/<int:item_id>/shift")
@organiser_required
def shift(slug: str, item_id: int):
    """ "We are running 15 minutes late": this item and every later one that day move."""
    event = get_managed_event_or_404(slug)
    item = get_item_or_404(event, item_id)
    form = ShiftForm()
    if not form.validate_on_submit():
        flash(_("Give the number of minutes to shift by (between -720 and 720)."), "error")
        return redirect(url_for(".agenda", slug=slug))
    assert form.minutes.data is not None  # InputRequired
    moved = agenda_services.shift_from_here(item, form.minutes.data)
    db.session.commit()
    flash(
        _(
            "%(count)d items moved by %(minutes)+d minutes.",
            count=len(moved),
            minutes=form.minutes.data,
        ),
        "info",
    )
    return redirect(url_for(".agenda", slug=slug) + f"#item-{item.id}")
