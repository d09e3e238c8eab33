"""The organisers' badges page: print runs (all, a category, not yet printed, one person),
a preview of the first page, and the event's badge settings."""

from typing import Any
from urllib.parse import urlencode

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import BooleanField, ColorField, DecimalField, IntegerField, RadioField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, Regexp

from eventapp.auth.access import get_managed_event_or_404, organiser_required
from eventapp.core.i18n import language_name
from eventapp.core.labels import CATEGORIES
from eventapp.extensions import db
from eventapp.models import Category, Registration, Status
from eventapp.printing import badges
from eventapp.registration import badge_jobs
from eventapp.web.blueprints import manage as bp
from eventapp.web.forms import CleanForm, TranslatedForm, options

# --- Forms ------------------------------------------------------------------------------


def layout_choices():
    return options((name, layout.label) for name, layout in badges.LAYOUTS.items())


class PrintForm(TranslatedForm):
    """What to print. Also read from the query string for the preview (no CSRF there)."""

    layout = SelectField(_l("Layout"))
    category = SelectField(_l("Category"), default="")
    which = RadioField(
        _l("Badges"),
        default="all",
        choices=options(
            [
                ("all", _l("All confirmed registrations")),
                ("unprinted", _l("Only those not printed yet")),
                ("one", _l("One registration (reprint)")),
            ]
        ),
    )
    registration_id = IntegerField(
        _l("Registration number"), validators=[Optional(), NumberRange(min=1)]
    )
    sort = SelectField(_l("Order"))

    def __init__(self, *args, settings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.layout.choices = layout_choices()
        self.category.choices = options(
            [("", _l("Every category"))] + [(c.value, CATEGORIES[c]) for c in Category]
        )
        self.sort.choices = options(badges.SORTS.items())
        if settings and not self.is_submitted():
            self.layout.data = self.layout.data or settings["layout"]
            self.sort.data = self.sort.data or settings["sort"]

    def validate(self, extra_validators=None) -> bool:
        # Here, not in validate_registration_id: Optional() stops a field's own chain.
        valid = super().validate(extra_validators)
        if self.which.data == "one" and not self.registration_id.data:
            self.registration_id.errors = [
                *self.registration_id.errors,
                _("Give the number of the registration to reprint."),
            ]
            return False
        return valid

    def run_options(self) -> dict:
        """Keyword arguments for badges.print_badges / preview_png."""
        one = self.which.data == "one"
        return {
            "layout": self.layout.data,
            "category": None if one else self.category.data or None,
            "unprinted": self.which.data == "unprinted",
            "registration_id": self.registration_id.data if one else None,
            "sort": self.sort.data,
        }


class SettingsForm(CleanForm):
    """The event's badge settings (stored in Event.print_settings["badges"])."""

    # Ids of their own: the print form on the same page has "layout" and "sort".
    layout = SelectField(_l("Default layout"), id="default-layout")
    width_mm = DecimalField(
        _l("Badge width (mm), single layout"),
        places=1,
        validators=[InputRequired(), NumberRange(min=badges.MIN_MM, max=badges.MAX_MM)],
    )
    height_mm = DecimalField(
        _l("Badge height (mm), single layout"),
        places=1,
        validators=[InputRequired(), NumberRange(min=badges.MIN_MM, max=badges.MAX_MM)],
    )
    language = SelectField(_l("Language of country names and categories"))
    sort = SelectField(_l("Default order"), id="default-sort")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.layout.choices = layout_choices()
        self.language.choices = options(
            (code, language_name(code)) for code in badges.BADGE_LANGUAGES
        )
        self.sort.choices = options(badges.SORTS.items())


_HEX = Regexp(r"^#[0-9A-Fa-f]{6}$", message=_l("A colour like #0072B2."))
# One checkbox per optional part and two colours per category, added as class attributes
# so WTForms binds them like the fields above.
for _name, _label in badges.FIELDS.items():
    setattr(SettingsForm, f"show_{_name}", BooleanField(_label))
for _category in Category:
    setattr(
        SettingsForm,
        f"{_category.value}_background",
        ColorField(CATEGORIES[_category], validators=[InputRequired(), _HEX]),
    )
    setattr(
        SettingsForm,
        f"{_category.value}_text",
        ColorField(
            _l("Text on %(category)s", category=CATEGORIES[_category]),
            validators=[InputRequired(), _HEX],
        ),
    )


def settings_form(event, formdata=None) -> SettingsForm:
    current = badges.badge_settings(event)
    data = {
        "layout": current["layout"],
        "width_mm": current["width_mm"],
        "height_mm": current["height_mm"],
        "language": current["language"],
        "sort": current["sort"],
    }
    data.update({f"show_{name}": shown for name, shown in current["fields"].items()})
    for category, colours in current["colours"].items():
        data[f"{category}_background"] = colours["background"]
        data[f"{category}_text"] = colours["text"]
    return SettingsForm(formdata=formdata, data=data)


def settings_from(form: SettingsForm) -> dict:
    # Validated: InputRequired, and a DecimalField's data is None only when it has an error.
    assert form.width_mm.data is not None and form.height_mm.data is not None
    return {
        "layout": form.layout.data,
        "width_mm": float(form.width_mm.data),
        "height_mm": float(form.height_mm.data),
        "language": form.language.data,
        "sort": form.sort.data,
        "fields": {name: form[f"show_{name}"].data for name in badges.FIELDS},
        "colours": {
            c.value: {
                "background": form[f"{c.value}_background"].data,
                "text": form[f"{c.value}_text"].data,
            }
            for c in Category
        },
    }


# --- Views ------------------------------------------------------------------------------


def _page(event, print_form, form, status=200):
    """The badges page, with a preview of what print_form would print."""
    settings = badges.badge_settings(event)
    query = {k: v for k, v in print_form.run_options().items() if v not in (None, False, "")}
    confirmed = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status == Status.CONFIRMED)
    )
    selected = (
        len(
            badges.select_registrations(
                event, **{k: v for k, v in print_form.run_options().items() if k != "layout"}
            )
        )
        if not print_form.errors
        else 0
    )
    return render_template(
        "registration/badges.html",
        event=event,
        print_form=print_form,
        form=form,
        settings=settings,
        confirmed=confirmed,
        unprinted=badges.count_unprinted(event),
        selected=selected,
        field_names=list(badges.FIELDS),
        categories=[c.value for c in Category],
        preview_url=url_for(".badges_preview", slug=event.slug) + "?" + urlencode(query),
    ), status


@bp.get("/events/<slug>/badges")
@organiser_required
def badges_page(slug: str):
    """Print runs, a preview of the first page and the badge settings."""
    event = get_managed_event_or_404(slug)
    badges.warm_up_in_background()
    settings = badges.badge_settings(event)
    print_form = PrintForm(request.args, meta={"csrf": False}, settings=settings)
    return _page(event, print_form, settings_form(event))


@bp.get("/events/<slug>/badges/preview.png")
@organiser_required
def badges_preview(slug: str):
    """The first page of a print run as a picture; nothing is marked printed."""
    event = get_managed_event_or_404(slug)
    form = PrintForm(request.args, meta={"csrf": False}, settings=badges.badge_settings(event))
    form.which.data = form.which.data or "all"
    if not form.validate():
        return Response(status=400)
    png = badges.preview_png(event, **form.run_options())
    if png is None:
        return Response(status=404)
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/events/<slug>/badges/print")
@organiser_required
def print_badges(slug: str):
    """Print a run: the PDF is the answer, and its badges are marked printed; a run of
    more than BADGE_JOB_ABOVE badges becomes a job and the answer is its page."""
    event = get_managed_event_or_404(slug)
    form = PrintForm(settings=badges.badge_settings(event))
    if not form.validate_on_submit():
        return _page(event, form, settings_form(event), 422)
    options = form.run_options()
    count = badges.count_registrations(event, **options)
    if options["registration_id"] is None and count > badge_jobs.job_above():
        # A large run is laid out by the workers: this page answers at once with the
        # job's, where the bar fills and the PDF is then downloaded.
        job = badge_jobs.start(event, options, count, current_user)
        db.session.commit()
        return redirect(url_for(".job", slug=slug, job_id=job.id))
    run = badges.print_badges(event, **options)
    if run is None:
        flash(_("No confirmed registration matches: nothing to print."), "error")
        query: dict[str, Any] = {k: v for k, v in request.form.items() if k != "csrf_token"}
        return redirect(url_for(".badges_page", slug=slug, **query))
    db.session.commit()
    name = f"badges-{event.slug}-{run.layout}.pdf"
    return Response(
        run.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.post("/events/<slug>/badges/settings")
@organiser_required
def badge_settings(slug: str):
    """Save the event's badge settings."""
    event = get_managed_event_or_404(slug)
    form = settings_form(event, formdata=request.form)
    if not form.validate():
        return _page(event, PrintForm(settings=badges.badge_settings(event)), form, 422)
    badges.save_badge_settings(event, settings_from(form))
    db.session.commit()
    flash(_("Badge settings saved."), "info")
    return redirect(url_for(".badges_page", slug=slug))
