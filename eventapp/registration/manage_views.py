"""The organisers' registration desk: counts, the searchable table, one registration's
page, adding by hand, bulk actions, export, catering summary and import."""

from urllib.parse import parse_qsl, urlencode

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField

from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.checkin import services as checkin_services
from eventapp.core import changelog
from eventapp.core.i18n import country_choices, country_name
from eventapp.core.labels import CATEGORIES, DIETARY, STATUSES
from eventapp.extensions import db
from eventapp.mail import records as mail_records
from eventapp.mail import resend
from eventapp.mail.messages import KIND_LABELS
from eventapp.models import Category, Dietary, Event, Registration
from eventapp.registration import answers, desk, export_jobs, import_jobs, services, spreadsheets
from eventapp.registration.forms import answers_data, with_questions
from eventapp.registration.person_fields import ORGANISER, country_field, email_field, string_field
from eventapp.travel import manage_views as travel_views
from eventapp.travel import services as travel
from eventapp.travel import visa_letters
from eventapp.web.blueprints import manage as bp
from eventapp.web.forms import CleanForm, add_error, options
from eventapp.web.public_url import external_url

# --- Forms ------------------------------------------------------------------------------


class RegistrationForm(CleanForm):
    """A registration's details as organisers edit them (and add someone by hand)."""

    honorific = string_field("honorific", ORGANISER, _l("Honorific"))
    given_name = string_field("given_name", ORGANISER, _l("Given name"))
    family_name = string_field("family_name", ORGANISER, _l("Family name"))
    badge_name = string_field("badge_name", ORGANISER, _l("Name on the badge"))
    email = email_field(ORGANISER, _l("E-mail"))
    organisation = string_field("organisation", ORGANISER, _l("Organisation"))
    job_title = string_field("job_title", ORGANISER, _l("Job title"))
    country = country_field(ORGANISER, _l("Country"))
    category = SelectField(_l("Category"), default=Category.SPEAKER.value)
    dietary = SelectField(_l("Dietary needs"), default=Dietary.NONE.value)
    dietary_other = string_field("dietary_other", ORGANISER, _l("Dietary needs (other)"))
    accessibility = string_field(
        "accessibility", ORGANISER, _l("Accessibility needs"), render_kw={"rows": 3}
    )
    photo_consent = BooleanField(_l("Agrees to be photographed"))

    def data_for_services(self) -> dict:
        data = {name: self[name].data or "" for name in desk.DETAIL_FIELDS}
        data.update(
            photo_consent=self.photo_consent.data,
            email=self.email.data or None,
            dietary=Dietary(self.dietary.data or Dietary.NONE),
        )
        return data


class ImportUploadForm(CleanForm):
    file = FileField(_l("CSV or XLSX file"))


def registration_form(event: Event, registration: Registration | None = None) -> RegistrationForm:
    """The details form with the event's custom questions (none is required of
    organisers); for an existing registration of the event, filled with its details and
    answers."""
    if registration is None:
        form = with_questions(RegistrationForm, event, public=False)()
    else:
        form = with_questions(RegistrationForm, event, public=False)(
            obj=registration, **answers_data(registration)
        )
    form.country.choices = options([("", "—"), *country_choices()])
    form.category.choices = options((c.value, label) for c, label in CATEGORIES.items())
    form.dietary.choices = options((d.value, label) for d, label in DIETARY.items())
    if request.method == "GET" and registration is not None:
        form.category.data = registration.category.value
        form.dietary.data = registration.dietary.value
    return form


def get_registration_or_404(event: Event, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def _desk_url(slug: str, query: str = "") -> str:
    """The desk, keeping the filters the organiser came from (only as query arguments)."""
    args = urlencode(parse_qsl(query.lstrip("?"), keep_blank_values=False))
    return url_for(".registrations", slug=slug) + (f"?{args}" if args else "")


# --- The desk ---------------------------------------------------------------------------


@bp.get("/events/<slug>/registrations")
@organiser_required
def registrations(slug: str):
    """Counts at a glance, and the table: search, filters, sorting, 50 per page."""
    event = get_managed_event_or_404(slug)
    filters = desk.Filters.parse(request.args)
    page = desk.search(event, filters, country_name)
    return render_template(
        "registration/manage_list.html",
        event=event,
        filters=filters,
        page=page,
        counts=desk.counts(event),
        countries=desk.countries(event),
        categories=CATEGORIES,
        query=request.query_string.decode("latin-1"),
        failed_mails=len(resend.failed_to_resend(event)),
        mail_counts=desk.mail_counts(event),
        travel_lines=travel.budget_lines(event),
    )


@bp.post("/events/<slug>/registrations/bulk")
@organiser_required
def bulk_registrations(slug: str):
    """Approve, decline or change the category of the rows ticked in the table."""
    event = get_managed_event_or_404(slug)
    back = _desk_url(slug, request.form.get("back", ""))
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    action = request.form.get("action", "")
    if not ids:
        flash(_("Tick at least one registration first."), "error")
        return redirect(back)
    if action == "approve":
        result = desk.bulk_approve(event, ids)
    elif action == "decline":
        result = desk.bulk_decline(event, ids)
    elif action == "category" and request.form.get("category") in set(Category):
        result = desk.bulk_set_category(event, ids, Category(request.form["category"]))
    else:
        flash(_("Choose what to do with the ticked registrations."), "error")
        return redirect(back)
    db.session.commit()
    flash(
        _(
            "%(done)d changed, %(skipped)d left as they were (the action does not apply to them).",
            done=result.done,
            skipped=result.skipped,
        ),
        "info",
    )
    send = {"approve": mail_records.send_approval, "decline": mail_records.send_decline}.get(action)
    if send is not None:
        for person in result.changed:
            send(person)
    return redirect(back)


@bp.route("/events/<slug>/registrations/new", methods=["GET", "POST"])
@organiser_required
def new_registration(slug: str):
    """Add someone by hand (speaker, VIP): confirmed, outside the public seats."""
    event = get_managed_event_or_404(slug)
    form = registration_form(event)
    if form.validate_on_submit():
        try:
            registration = services.add_by_hand(
                event, form.data_for_services(), category=Category(form.category.data)
            )
            registration.answers = answers.clean(form.questions, form.answers())
        except services.AlreadyRegistered as exc:
            db.session.rollback()
            add_error(
                form.email,
                _(
                    "%(name)s is already registered with this address.",
                    name=exc.existing.full_name or exc.existing.id,
                ),
            )
        else:
            db.session.commit()
            flash(_("%(name)s added.", name=registration.full_name), "info")
            return redirect(url_for(".registration", slug=slug, registration_id=registration.id))
    return render_template(
        "registration/manage_new.html", event=event, form=form
    ), 422 if form.errors else 200


# --- One registration -------------------------------------------------------------------


def _self_service_url(registration: Registration) -> str:
    return external_url("registration.selfservice", token=registration.token)


@bp.route("/events/<slug>/registrations/<int:registration_id>", methods=["GET", "POST"])
@organiser_required
def registration(slug: str, registration_id: int):
    """One registration: its details to edit, status and category, link, change log."""
    event = get_managed_event_or_404(slug)
    registration = get_registration_or_404(event, registration_id)
    form = registration_form(event, registration)
    if form.validate_on_submit():
        try:
            changes = desk.update_details(registration, form.data_for_services())
        except services.AlreadyRegistered as exc:
            db.session.rollback()
            registration = get_registration_or_404(event, registration_id)
            add_error(
                form.email,
                _(
                    "%(name)s is already registered with this address.",
                    name=exc.existing.full_name or exc.existing.id,
                ),
            )
        else:
            changes.update(answers.update(registration, form.answers()))
            changed = desk.set_category(registration, Category(form.category.data))
            db.session.commit()
            flash(_("Saved.") if changes or changed else _("Nothing changed."), "info")
            return redirect(url_for(".registration", slug=slug, registration_id=registration.id))
    return render_template(
        "registration/manage_registration.html",
        event=event,
        registration=registration,
        form=form,
        position=services.waitlist_position(registration),
        link=_self_service_url(registration),
        entries=changelog.entries(event, "registration", registration.id),
        checkins=checkin_services.history(registration),
        mails=mail_records.records_of(registration),
        resendable=resend.resendable(registration),
        mail_kinds=KIND_LABELS,
        mail_statuses=mail_records.MAIL_STATUSES,
        support=travel.support_of(registration),
        support_form=travel_views.decision_form(travel.support_of(registration)),
        visa_letter=visa_letters.letter_of(registration),
        visa_statuses=visa_letters.STATUS_LABELS,
    ), 422 if form.errors else 200


@bp.post("/events/<slug>/registrations/<int:registration_id>/status")
@organiser_required
def registration_status(slug: str, registration_id: int):
    """Approve, decline, cancel (the waiting list moves up) or confirm."""
    event = get_managed_event_or_404(slug)
    registration = get_registration_or_404(event, registration_id)
    action = request.form.get("action", "")
    here = url_for(".registration", slug=slug, registration_id=registration_id)
    try:
        if action == "cancel":
            promoted = services.cancel(registration, by=current_user)  # commits
            flash(_("Registration cancelled."), "info")
            mail_records.send_cancellation(registration)
            for person in promoted:
                mail_records.send_promotion(person)
            if promoted:
                flash(
                    _(
                        "Promoted from the waiting list: %(names)s.",
                        names=", ".join(p.full_name for p in promoted),
                    ),
                    "info",
                )
            return redirect(here)
        if action == "approve":
            services.approve(registration)
        elif action == "decline":
            services.decline(registration)
        elif action == "confirm":
            desk.confirm(registration)
        else:
            abort(400)
    except services.WrongStatus as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(here)
    db.session.commit()
    flash(_("Status: %(status)s.", status=_status_label(registration)), "info")
    # After the commit: a mail server that is down does not undo the decision.
    {
        "approve": mail_records.send_approval,
        "decline": mail_records.send_decline,
        "confirm": mail_records.send_confirmation,
    }[action](registration)
    return redirect(here)


def _status_label(registration: Registration) -> str:
    return str(STATUSES[registration.status]).lower()


@bp.post("/events/<slug>/registrations/<int:registration_id>/link")
@organiser_required
def regenerate_link(slug: str, registration_id: int):
    """A new self-service link; the old one stops working."""
    event = get_managed_event_or_404(slug)
    desk.regenerate_link(get_registration_or_404(event, registration_id))
    db.session.commit()
    flash(_("New link made: the old one no longer works."), "info")
    return redirect(url_for(".registration", slug=slug, registration_id=registration_id))


@bp.post("/events/<slug>/registrations/<int:registration_id>/resend")
@organiser_required
def resend_confirmation(slug: str, registration_id: int):
    """Send the confirmation e-mail again (with the current link)."""
    event = get_managed_event_or_404(slug)
    registration = get_registration_or_404(event, registration_id)
    if not registration.email:
        flash(_("This registration has no e-mail address."), "error")
    elif mail_records.send_confirmation(registration):
        changelog.record(
            event, "registration", registration.id, "resend", _("Confirmation sent again")
        )
        db.session.commit()
        flash(_("Confirmation sent again to %(email)s.", email=registration.email), "info")
    else:
        flash(_("The e-mail could not be sent: see the e-mails below."), "error")
    return redirect(url_for(".registration", slug=slug, registration_id=registration_id))


# --- Export -----------------------------------------------------------------------------


def _download(body: bytes, mimetype: str, event: Event, extension: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{export_jobs.file_name(event, extension)}"'
    )
    response.headers["Cache-Control"] = "no-store"  # personal data
    return response


def _export(slug: str, extension: str):
    """The registrations as the desk filters and orders them (every page): the file at
    once, or for more than EXPORT_JOB_ABOVE, a job (a POST from the page asking for it)."""
    event = get_managed_event_or_404(slug)
    args = {k: v for k, v in request.args.items() if k != "page"}
    ids = desk.matching_ids(event, desk.Filters.parse(args), country_name)
    if len(ids) > export_jobs.job_above():
        if request.method == "POST":  # CSRF checked, as every POST
            job = export_jobs.start(event, extension, args, len(ids), current_user)
            db.session.commit()
            return redirect(url_for(".job", slug=slug, job_id=job.id))
        return render_template(
            "registration/export_job.html", event=event, count=len(ids), extension=extension
        )
    write = spreadsheets.to_xlsx if extension == "xlsx" else spreadsheets.to_csv
    body = write(event, desk.load(ids), country_name)
    return _download(body, export_jobs.FORMATS[extension], event, extension)


@bp.route("/events/<slug>/registrations/export.csv", methods=["GET", "POST"])
@organiser_required
def export_csv(slug: str):
    """The registrations (as filtered on the desk) as CSV, UTF-8 with BOM for Excel."""
    return _export(slug, "csv")


@bp.route("/events/<slug>/registrations/export.xlsx", methods=["GET", "POST"])
@organiser_required
def export_xlsx(slug: str):
    """The registrations (as filtered on the desk) as an Excel workbook."""
    return _export(slug, "xlsx")


@bp.get("/events/<slug>/registrations/catering")
@organiser_required
def catering(slug: str):
    """Counts per dietary need of the confirmed registrations, for the caterer."""
    event = get_managed_event_or_404(slug)
    return render_template(
        "registration/catering.html",
        event=event,
        summary=spreadsheets.catering(event),
        labels=DIETARY,
    )


# --- Import -----------------------------------------------------------------------------


@bp.route("/events/<slug>/registrations/import", methods=["GET", "POST"])
@organiser_required
def import_registrations(slug: str):
    """Upload a CSV or XLSX file; the preview follows."""
    event = get_managed_event_or_404(slug)
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            form.file.errors.append(_("Choose a file to upload."))
        else:
            path = spreadsheets.store_upload(
                spreadsheets.imports_folder(), event, upload.stream, upload.filename
            )
            try:
                table = spreadsheets.read_table(path)
            except spreadsheets.ImportFileError as exc:
                spreadsheets.discard_upload(path)
                form.file.errors.append(str(exc))
            else:
                return _preview(event, path.name, table, None, set(), False)
    return render_template(
        "registration/import.html",
        event=event,
        form=form,
        limits=spreadsheets.Limits.from_config(current_app.config),
    ), 422 if form.errors else 200


def _preview(
    event: Event,
    name: str,
    table: spreadsheets.Table,
    mapping: dict[str, int] | None,
    skipped: set[int],
    skip_errors: bool,
    status: int = 200,
    message: str = "",
):
    if mapping is None:
        mapping = spreadsheets.guess_mapping(table.headers)
    try:
        rows = spreadsheets.check_rows(event, table, mapping, current_app.config["LANGUAGES"])
    except spreadsheets.ImportFileError as exc:
        rows, message, status = [], str(exc), 422
    failing = [row for row in rows if row.errors]
    unresolved = [row for row in failing if not skip_errors and row.number not in skipped]
    return render_template(
        "registration/import_preview.html",
        event=event,
        upload=name,
        table=table,
        mapping=mapping,
        rows=rows,
        failing=failing,
        unresolved=unresolved,
        skipped=skipped,
        skip_errors=skip_errors,
        message=message,
        fields=spreadsheets.IMPORT_FIELDS,
        labels=spreadsheets.FIELD_LABELS,
        required=spreadsheets.REQUIRED_FIELDS,
        question_columns=spreadsheets.question_columns(event, table.headers, mapping),
    ), status


@bp.post("/events/<slug>/registrations/import/preview")
@organiser_required
def import_preview(slug: str):
    """Check again with another column mapping or rows skipped, import (all the rows or
    none: rows with errors import nothing until fixed in the file or skipped), or cancel.
    The uploaded file is deleted once imported or cancelled."""
    event = get_managed_event_or_404(slug)
    name = request.form.get("upload", "")
    path = spreadsheets.load_upload(spreadsheets.imports_folder(), event, name)
    if path is None:
        flash(_("The uploaded file is gone (it is kept for an hour): upload it again."), "error")
        return redirect(url_for(".import_registrations", slug=slug))
    if request.form.get("action") == "cancel":
        spreadsheets.discard_upload(path)
        flash(_("Import cancelled: nothing was imported."), "info")
        return redirect(url_for(".registrations", slug=slug))
    try:
        table = spreadsheets.read_table(path)
    except spreadsheets.ImportFileError as exc:
        spreadsheets.discard_upload(path)
        flash(str(exc), "error")
        return redirect(url_for(".import_registrations", slug=slug))
    mapping: dict[str, int] = {}
    for field in spreadsheets.IMPORT_FIELDS:
        value = request.form.get(f"map-{field}", "")
        if (
            value.isdigit()
            and int(value) < len(table.headers)
            and int(value) not in mapping.values()
        ):
            mapping[field] = int(value)
    skipped = {int(n) for n in request.form.getlist("skip") if n.isdigit()}
    skip_errors = bool(request.form.get("skip_errors"))
    if request.form.get("action") != "import":
        return _preview(event, name, table, mapping, skipped, skip_errors)
    try:
        rows = spreadsheets.check_rows(event, table, mapping, current_app.config["LANGUAGES"])
    except spreadsheets.ImportFileError as exc:
        return _preview(event, name, table, mapping, skipped, skip_errors, 422, str(exc))
    chosen = spreadsheets.chosen_rows(rows, skipped, skip_errors)
    if any(row.errors for row in chosen):
        return _preview(
            event,
            name,
            table,
            mapping,
            skipped,
            skip_errors,
            422,
            _(
                "Nothing was imported: fix the rows with errors in the file and "
                "upload it again, or tick them to skip them."
            ),
        )
    if not chosen:
        return _preview(
            event, name, table, mapping, skipped, skip_errors, 422, _("There is no row to import.")
        )
    if len(chosen) > import_jobs.job_above():
        # A large file is written by a worker, checked again there: this page answers at
        # once with the job's, where the bar fills.
        job = import_jobs.start(
            event, name, mapping, skipped, skip_errors, len(chosen), current_user
        )
        db.session.commit()
        return redirect(url_for(".job", slug=slug, job_id=job.id))
    try:
        import_jobs.write(event, chosen)
    except (services.AlreadyRegistered, ValueError):
        # Someone signed up meanwhile with an address of the file: check again.
        db.session.rollback()
        return _preview(
            event,
            name,
            table,
            mapping,
            skipped,
            skip_errors,
            409,
            _("Nothing was imported: the registrations changed meanwhile."),
        )
    db.session.commit()
    spreadsheets.discard_upload(path)
    flash(
        _(
            "%(num)d registrations imported; %(skipped)d rows skipped.",
            num=len(chosen),
            skipped=len(rows) - len(chosen),
        ),
        "info",
    )
    return redirect(url_for(".registrations", slug=slug))
