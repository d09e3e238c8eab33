"""Organiser pages for an event as a whole: dashboard, settings, new event, managers."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from eventapp.auth.access import admin_required, get_managed_event_or_404, organiser_required
from eventapp.core import changelog, translated
from eventapp.core.labels import USER_ROLES
from eventapp.events import services
from eventapp.events.forms import EventForm, EventSettingsForm, ManagerForm, NewEventForm
from eventapp.extensions import db
from eventapp.mail import records as mail_records
from eventapp.media.photos import PhotoError
from eventapp.models import Event, Registration, User, UserRole
from eventapp.printing.programme import programme_size
from eventapp.registration import retention
from eventapp.registration import services as registrations
from eventapp.travel import services as travel
from eventapp.travel import visa_letters
from eventapp.travel.forms import TravelSettingsFields
from eventapp.web import translation_fields
from eventapp.web.blueprints import manage as bp
from eventapp.web.forms import add_error, delocalize, localize, options, timezone_choices


class SettingsForm(TravelSettingsFields, EventSettingsForm):
    """The settings page's form: the event's fields and visa letters' letterhead, then
    travel support's."""


TIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def event_data(form: EventForm) -> dict:
    """The form's values, with wall-clock times turned into aware times in its zone."""
    tz = form.timezone.data
    assert tz is not None  # DataRequired
    data = {name: form[name].data for name in services.EVENT_FIELDS}
    for name in TIME_FIELDS:
        data[name] = localize(data[name], tz)
    # An optional field left out of the post is None; the columns hold "" for none.
    for name in ("subtitle", "venue_name", "venue_address", "description", "privacy_notice"):
        data[name] = data[name] or ""
    data["programme_size"] = form.programme_size.data
    if not form.language.raw_data:
        # No language in the post (a script written before languages; the checkboxes
        # of the others cannot tell "none ticked" from "not sent"): both kept as they are.
        del data["language"], data["extra_languages"]
    return data


#: What of the event its settings edit in the event's other languages (the form's order).
EVENT_TEXTS = ("title", "subtitle", "description", "venue_name", "privacy_notice")


def visible_events() -> list[Event]:
    query = select(Event).order_by(Event.starts_at.desc())
    if current_user.role != UserRole.ADMIN:
        query = query.where(Event.managers.any(User.id == current_user.id))
    return list(db.session.scalars(query))


@bp.route("/events/new", methods=["GET", "POST"])
@organiser_required
def new_event():
    """A new event, blank or copied from one the organiser manages."""
    form = NewEventForm()
    sources = visible_events()
    form.copy_from.choices = options(
        [(0, _("A blank event"))]
        + [(e.id, _("A copy of %(title)s", title=e.title)) for e in sources]
    )
    if request.method == "GET":
        form.timezone.data = "Europe/Brussels"
        form.capacity.data = 100
    if form.validate_on_submit():
        if services.slug_taken(form.slug.data):
            add_error(form.slug, _("Another event uses this address already."))
        else:
            data = event_data(form)
            source = next((e for e in sources if e.id == form.copy_from.data), None)
            # The new-event form leaves languages to the settings: a blank event starts in
            # English alone, a copy in the languages of its source.
            data.pop("extra_languages", None)
            data.pop("language", None)
            if source is None:
                event = services.create_event(data, current_user)
            else:
                event = services.copy_event(
                    source,
                    slug=data["slug"],
                    title=data["title"],
                    start_date=data["starts_at"].date(),
                )
                if current_user.role != UserRole.ADMIN:
                    event.managers.append(current_user)
                services.update_event(event, data)
            db.session.commit()
            flash(_("Event created."), "info")
            return redirect(url_for(".event", slug=event.slug))
    return render_template(
        "events/new.html", form=form, timezones=timezone_choices()
    ), 422 if form.errors else 200


@bp.get("/events/<slug>/")
@organiser_required
def event(slug: str):
    """The event's dashboard: key numbers and the way to every organiser page."""
    event = get_managed_event_or_404(slug)
    counts = dict(
        db.session.execute(
            select(Registration.status, func.count())
            .where(Registration.event_id == event.id)
            .group_by(Registration.status)
        ).all()
    )
    return render_template(
        "events/manage_event.html",
        event=event,
        counts={k.value: v for k, v in counts.items()},
        recent=changelog.entries(event, limit=8),
    )


@bp.route("/events/<slug>/settings", methods=["GET", "POST"])
@organiser_required
def settings(slug: str):
    """Title, dates, venue, capacity, registration window, publication, texts."""
    event = get_managed_event_or_404(slug)
    form = translation_fields.translations_form(SettingsForm, event, EVENT_TEXTS, obj=event)
    if request.method == "GET":
        translation_fields.fill(form, event, EVENT_TEXTS)
        for name in TIME_FIELDS:
            form[name].data = delocalize(getattr(event, name), event.timezone)
        form.programme_size.data = programme_size(event)
        letters = visa_letters.settings_for(event)
        form.letter_signatory_name.data = letters.signatory_name
        form.letter_signatory_title.data = letters.signatory_title
        form.letter_language.data = letters.language
        form.passport_retention_days.data = letters.passport_retention_days
    if form.validate_on_submit():
        images = _letterhead_images(form)
        if services.slug_taken(form.slug.data or "", exclude=event):
            add_error(form.slug, _("Another event uses this address already."))
        elif images is not None:
            data = event_data(form)
            data["translations"] = translation_fields.data(form, event, EVENT_TEXTS)
            changes = services.update_event(event, data)
            travel.update_settings(event, form.travel_settings())
            _update_letterhead(event, form, images)
            # More public seats: the waiting list moves up at once, as after a cancellation.
            promoted = registrations.promote_from_waitlist(event) if "capacity" in changes else []
            db.session.commit()
            for person in promoted:
                mail_records.send_promotion(person)
            flash(_("Settings saved."), "info")
            if promoted:
                flash(
                    ngettext(
                        "%(num)d person moved up from the waiting list and was told by e-mail.",
                        "%(num)d people moved up from the waiting list and were told by e-mail.",
                        len(promoted),
                    ),
                    "info",
                )
            return redirect(url_for(".settings", slug=event.slug))
    return render_template(
        "events/settings.html",
        event=event,
        form=form,
        timezones=timezone_choices(),
        erase_after=retention.erase_after(event),
        signature=visa_letters.settings_for(event).signature,
        translatable=EVENT_TEXTS,
        translated=translated.completeness_by_language(event, translated.event_content(event)),
    ), 422 if form.errors else 200


def _letterhead_images(form: SettingsForm) -> dict[str, str] | None:
    """The logo and signature uploaded with the form, checked and stored; None (with the
    error next to its field) when one is refused."""
    stored = {}
    for name, kind in (("logo", "logos"), ("letter_signature", "signatures")):
        upload = form[name].data
        if not upload or not getattr(upload, "filename", ""):
            continue
        try:
            stored[name] = visa_letters.store_letterhead_image(upload.stream, kind)
        except PhotoError as exc:
            add_error(form[name], str(exc))
            return None
    return stored


def _update_letterhead(event: Event, form: SettingsForm, images: dict[str, str]) -> None:
    if "logo" in images:
        visa_letters.set_logo(event, images["logo"])
    elif form.remove_logo.data:
        visa_letters.set_logo(event, "")
    if "letter_signature" in images:
        visa_letters.set_signature(event, images["letter_signature"])
    current = visa_letters.settings_for(event)
    # A field left out of the post keeps its value (see EventSettingsForm).
    visa_letters.update_settings(
        event,
        {
            "signatory_name": current.signatory_name
            if not form.letter_signatory_name.raw_data
            else form.letter_signatory_name.data,
            "signatory_title": current.signatory_title
            if not form.letter_signatory_title.raw_data
            else form.letter_signatory_title.data,
            "language": form.letter_language.data or current.language,
            "passport_retention_days": current.passport_retention_days
            if form.passport_retention_days.data is None
            else form.passport_retention_days.data,
        },
    )


@bp.route("/events/<slug>/managers", methods=["GET", "POST"])
@admin_required
def managers(slug: str):
    """Admins choose the event's team: organisers who manage it, and check-in volunteers
    who work its door (they reach only its check-in page), travel agents who book its
    supported people's travel (they reach only its travel pages)."""
    event = get_managed_event_or_404(slug)
    candidates = list(
        db.session.scalars(
            select(User)
            .where(
                User.role.in_([UserRole.ORGANISER, UserRole.CHECKIN, UserRole.TRAVEL]),
                User.active.is_(True),
            )
            .order_by(User.role, User.email)
        )
    )
    form = ManagerForm()
    form.user_id.choices = options(
        (u.id, f"{u.email} ({USER_ROLES[u.role]})") for u in candidates if u not in event.managers
    )
    if request.method == "POST" and request.form.get("remove"):
        user = db.session.get(User, request.form.get("remove", type=int) or 0)
        if user in event.managers:
            services.set_managers(event, [u for u in event.managers if u != user])
            db.session.commit()
        return redirect(url_for(".managers", slug=slug))
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        if user is not None:  # deleted since the page was shown: nothing to add
            services.set_managers(event, [*event.managers, user])
            db.session.commit()
        return redirect(url_for(".managers", slug=slug))
    return render_template("events/managers.html", event=event, form=form)


@bp.get("/events/<slug>/log")
@organiser_required
def log(slug: str):
    """Every change to the event, newest first: who, when, old and new values."""
    event = get_managed_event_or_404(slug)
    return render_template(
        "events/log.html", event=event, entries=changelog.entries(event, limit=1000)
    )


@bp.get("/")
@organiser_required
def index():
    """The organiser's landing page: the events they manage, with registrations by status."""
    events = visible_events()
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(Registration.event_id, Registration.status, func.count()).group_by(
            Registration.event_id, Registration.status
        )
    )
    for event_id, status, n in rows:
        counts.setdefault(event_id, {})[status.value] = n
    return render_template("events/manage_index.html", events=events, counts=counts)
