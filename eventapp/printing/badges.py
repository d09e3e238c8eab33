"""Name badges: per-event settings, which registrations a print run takes, and the PDF.

A print run is: select registrations (select_registrations), lay out their badges
(render_badges) and, once the PDF exists, stamp them printed (mark_printed); the caller
commits. Layouts (LAYOUTS) are templates under templates/print/ with one stylesheet each
under static/css/print/; what varies per event (badge size of the single layout, colours)
goes into a small generated stylesheet, every value in it checked first.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from eventapp.core import i18n
from eventapp.core.labels import CATEGORIES
from eventapp.extensions import db
from eventapp.models import Category, Event, Registration, Status
from eventapp.models.types import utcnow
from eventapp.printing import qr
from eventapp.printing.textfit import PT_TO_MM, fit_name, fit_text, name_height_mm
from eventapp.web.public_url import external_url

#: Okabe & Ito's palette, told apart with every common colour-vision deficiency; the text
#: colour is the one of black or white with the higher contrast (at least 4.5:1). The band
#: also carries the category's name, so colour is never the only sign.
DEFAULT_COLOURS = {
    Category.PARTICIPANT.value: {"background": "#0072B2", "text": "#FFFFFF"},
    Category.SPEAKER.value: {"background": "#D55E00", "text": "#000000"},
    Category.ORGANISER.value: {"background": "#009E73", "text": "#000000"},
    Category.PRESS.value: {"background": "#F0E442", "text": "#000000"},
    Category.STAFF.value: {"background": "#CC79A7", "text": "#000000"},
}
#: Parts of a badge an organiser can leave out; the given name is always there.
FIELDS = {
    "logo": _l("Event logo"),
    "event_name": _l("Event name"),
    "family_name": _l("Family name"),
    "organisation": _l("Organisation"),
    "country": _l("Country"),
    "category": _l("Category band"),
    "qr": _l("Check-in QR code"),
}
SORTS = {
    "family_name": _l("Family name"),
    "organisation": _l("Organisation"),
    "country": _l("Country"),
}
#: Languages a badge's country names and category word can be printed in.
BADGE_LANGUAGES = (
    "en",
    "fr",
    "de",
    "es",
    "it",
    "nl",
    "pt",
    "pl",
    "ru",
    "uk",
    "ka",
    "hy",
    "el",
    "ar",
    "he",
    "tr",
)

DEFAULTS: dict[str, Any] = {
    "layout": "a6-sheet",
    # The single layout's badge, in mm: 90 x 120 by default, 85.6 x 54 for CR80 cards.
    "width_mm": 90.0,
    "height_mm": 120.0,
    "fields": {name: True for name in FIELDS},
    "colours": DEFAULT_COLOURS,
    "language": "en",
    "sort": "family_name",
}
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
#: Sizes the single layout accepts, in mm (a badge holder to an A4 sheet).
MIN_MM, MAX_MM = 40.0, 297.0


@dataclass(frozen=True)
class Layout:
    name: str
    label: Any
    template: str
    stylesheet: str
    #: Badges on one page.
    per_page: int
    #: Page size in mm; None: the badge size from the event's settings.
    page_mm: tuple[float, float] | None
    #: Badge size in mm; None: from the event's settings.
    badge_mm: tuple[float, float] | None
    #: The layout whose pages are drawn onto this one's sheets (printing/imposition.py),
    #: when its template is the sheet only: the folded badge's face, twice per sheet.
    face: Layout | None = None


LAYOUTS = {
    layout.name: layout
    for layout in (
        Layout(
            "a6-sheet",
            _l("Four A6 badges on an A4 sheet, with crop marks"),
            "print/badges_sheet.html",
            "css/print/badges-a6-sheet.css",
            4,
            (210.0, 297.0),
            (105.0, 148.0),
        ),
        Layout(
            "a6-folded",
            _l("One A4 sheet folded into a double-sided A6 badge"),
            "print/fold_sheet.html",
            "css/print/badges-a6-folded.css",
            1,
            (210.0, 297.0),
            (105.0, 148.5),
            face=Layout(
                "a6-folded-face",
                "",
                "print/badges_single.html",
                "css/print/badges-single.css",
                1,
                None,
                (105.0, 148.5),
            ),
        ),
        Layout(
            "single",
            _l("One badge per page, at the size set below"),
            "print/badges_single.html",
            "css/print/badges-single.css",
            1,
            None,
            None,
        ),
    )
}


def badge_settings(event: Event) -> dict[str, Any]:
    """The event's badge settings, with defaults for whatever is missing or invalid.

    Stored under print_settings["badges"] (the programme keeps its own key), so a setting
    saved by an older version or typed into the database by hand never breaks printing.
    """
    stored = (event.print_settings or {}).get("badges") or {}
    settings = {
        **DEFAULTS,
        "fields": dict(DEFAULTS["fields"]),
        "colours": {k: dict(v) for k, v in DEFAULT_COLOURS.items()},
    }
    if stored.get("layout") in LAYOUTS:
        settings["layout"] = stored["layout"]
    for key in ("width_mm", "height_mm"):
        try:
            value = round(float(stored[key]), 1)
        except (KeyError, TypeError, ValueError):
            continue
        if MIN_MM <= value <= MAX_MM:
            settings[key] = value
    for name, shown in (stored.get("fields") or {}).items():
        if name in FIELDS:
            settings["fields"][name] = bool(shown)
    for category, colours in (stored.get("colours") or {}).items():
        if category in DEFAULT_COLOURS and isinstance(colours, dict):
            for part in ("background", "text"):
                if _COLOUR.fullmatch(str(colours.get(part, ""))):
                    settings["colours"][category][part] = colours[part].upper()
    if stored.get("language") in BADGE_LANGUAGES:
        settings["language"] = stored["language"]
    if stored.get("sort") in SORTS:
        settings["sort"] = stored["sort"]
    return settings


def save_badge_settings(event: Event, changes: dict[str, Any]) -> dict[str, Any]:
    """Store new badge settings (checked through badge_settings) and return them."""
    merged = {**badge_settings(event), **changes}
    event.print_settings = {**(event.print_settings or {}), "badges": merged}
    clean = badge_settings(event)
    # A new dict, so SQLAlchemy sees the JSON column change.
    event.print_settings = {**(event.print_settings or {}), "badges": clean}
    return clean


def checkin_url(registration: Registration) -> str:
    """The URL a badge's QR code holds: <public base>/checkin/<slug>/c/<checkin code>."""
    return external_url(
        "checkin.badge_link", slug=registration.event.slug, code=registration.checkin_code
    )


# -- choosing who is printed -------------------------------------------------------------


def select_registrations(
    event: Event,
    *,
    category: Category | str | None = None,
    unprinted: bool = False,
    registration_id: int | None = None,
    sort: str = "family_name",
) -> list[Registration]:
    """Confirmed registrations of the event in print order (all categories by default).

    A registration_id asks for that one badge (a reprint), whether printed before or not.
    """
    query = _selection(select(Registration), event, category, unprinted, registration_id)
    registrations = list(db.session.scalars(query))
    return sorted(registrations, key=_sort_key(sort, badge_settings(event)["language"]))


def count_registrations(
    event: Event,
    *,
    category: Category | str | None = None,
    unprinted: bool = False,
    registration_id: int | None = None,
    **_: Any,
) -> int:
    """How many badges select_registrations would give (one query, nothing loaded)."""
    query = _selection(
        select(func.count()).select_from(Registration), event, category, unprinted, registration_id
    )
    return db.session.scalar(query) or 0


def _selection(query, event, category, unprinted, registration_id):
    query = query.where(
        Registration.event_id == event.id,
        Registration.status == Status.CONFIRMED,
        Registration.anonymised_at.is_(None),
    )
    if registration_id is not None:
        return query.where(Registration.id == registration_id)
    if category:
        query = query.where(Registration.category == Category(category))
    if unprinted:
        query = query.where(Registration.printed_at.is_(None))
    return query


#: Latin letters that Unicode does not decompose into a base letter and a mark.
_UNDECOMPOSED = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ħ": "h",
        "ı": "i",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ð": "d",
    }
)


def _sort_key(sort: str, language: str):
    # In Python, not SQL: SQLite's ORDER BY knows neither accents nor other scripts, and a
    # badge run is at most a few thousand rows. Folding accents lets "Émile" sort with
    # "Emile"; names in other scripts follow the Latin ones, each script together.
    territories = i18n.territories(language)

    def fold(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text.casefold()).translate(_UNDECOMPOSED)
        return "".join(c for c in decomposed if not unicodedata.combining(c))

    def key(r: Registration):
        name = (fold(r.family_name), fold(r.given_name), r.id)
        if sort == "organisation":
            return (fold(r.organisation) or "\uffff", *name)
        if sort == "country":
            return (fold(territories.get(r.country, r.country)) or "\uffff", *name)
        return name

    return key


def mark_printed(registrations: Sequence[Registration], when: datetime | None = None) -> int:
    """Stamp the badges as printed (an unprinted-only run leaves them out next time)."""
    when = when or utcnow()
    for registration in registrations:
        registration.printed_at = when
    return len(registrations)


def count_unprinted(event: Event) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status == Status.CONFIRMED,
                Registration.anonymised_at.is_(None),
                Registration.printed_at.is_(None),
            )
        )
        or 0
    )


# -- laying out ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Geometry:
    """Where the parts of one badge go, in mm from its top left corner."""

    width: float
    height: float
    pad: float
    header: float
    band: float
    qr: float
    name_top: float
    name_width: float
    name_height: float
    info_width: float
    landscape: bool


#: Largest type of the organisation (fitted down to ORGANISATION_MIN_PT, at most two lines)
#: and the country, in pt, portrait and landscape; .badge__info in badge.css must agree.
ORGANISATION_PT = {False: 10.5, True: 8.0}
ORGANISATION_MIN_PT = 6.5
COUNTRY_PT = {False: 9.0, True: 7.5}
#: CSS line-height of .badge__info, and the margin above the country (mm).
INFO_LINE_HEIGHT = 1.2
COUNTRY_GAP_MM = 0.8


def info_height_mm(fields: dict[str, bool], landscape: bool) -> float:
    """The most the organisation (two lines) and the country can take, in mm: the name's
    area ends above it, so a long name never runs into a long organisation."""
    height = 0.0
    if fields["organisation"]:
        height += 2 * ORGANISATION_PT[landscape] * INFO_LINE_HEIGHT * PT_TO_MM
    if fields["country"]:
        height += COUNTRY_PT[landscape] * INFO_LINE_HEIGHT * PT_TO_MM
        height += COUNTRY_GAP_MM if fields["organisation"] else 0.0
    return round(height + 0.05, 1)


def geometry(width: float, height: float, fields: dict[str, bool]) -> Geometry:
    """Areas of a badge of the given size. Portrait: header, name, then organisation and
    country beside the QR code, the category band at the foot. Landscape (CR80 cards):
    the QR code on the right, the rest in a column on its left."""
    landscape = width > height
    pad = max(3.0, round(min(width, height) * 0.05, 1))
    band = round(height * (0.13 if landscape else 0.095), 1) if fields["category"] else 0.0
    header = (
        round(height * (0.14 if landscape else 0.12), 1)
        if fields["logo"] or fields["event_name"]
        else 0.0
    )
    info = info_height_mm(fields, landscape)
    if landscape:
        qr_size = (
            round(min(height - header - band - 2 * pad, width * 0.34), 1) if fields["qr"] else 0.0
        )
        name_width = width - 2 * pad - (qr_size + pad if qr_size else 0)
        name_height = height - 2 * pad - header - band - info - (1.5 if info else 0)
        return Geometry(
            width,
            height,
            pad,
            header,
            band,
            qr_size,
            pad + header,
            name_width,
            name_height,
            name_width,
            True,
        )
    qr_size = round(min(width * 0.3, height * 0.22), 1) if fields["qr"] else 0.0
    bottom = max(qr_size, info)
    name_height = height - 2 * pad - header - band - bottom - 4
    info_width = width - 2 * pad - (qr_size + 3 if qr_size else 0)
    return Geometry(
        width,
        height,
        pad,
        header,
        band,
        qr_size,
        pad + header + 2,
        width - 2 * pad,
        name_height,
        info_width,
        False,
    )


def text_direction(text: str) -> str:
    """ "rtl" when the first strongly directional letter is Arabic or Hebrew, else "ltr"."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


@dataclass(frozen=True)
class Badge:
    """What one badge shows, ready for the template (text is escaped there)."""

    given_name: str
    family_name: str
    organisation: str
    country: str
    category: str
    category_label: str
    qr: str
    given_pt: float
    family_pt: float
    organisation_pt: float
    dir: str
    #: Space above the name that centres it in its area, in mm.
    name_offset: float


def badge_for(
    registration: Registration, settings: dict[str, Any], geo: Geometry, territories: dict[str, str]
) -> Badge:
    """The content and font sizes of one registration's badge."""
    fields = settings["fields"]
    given = registration.badge_name.strip() or registration.given_name
    family = (
        registration.family_name
        if fields["family_name"] and not registration.badge_name.strip()
        else ""
    )
    max_pt = min(40.0, geo.name_height / 25.4 * 72 * 0.42)
    given_fit, family_fit = fit_name(
        given, family, width_mm=geo.name_width, height_mm=geo.name_height, max_pt=max_pt, min_pt=8
    )
    organisation = registration.organisation if fields["organisation"] else ""
    org_fit = fit_text(
        organisation,
        width_mm=geo.info_width,
        max_lines=2,
        max_pt=ORGANISATION_PT[geo.landscape],
        min_pt=ORGANISATION_MIN_PT,
    )
    country = (
        territories.get(registration.country.upper(), registration.country)
        if fields["country"] and registration.country
        else ""
    )
    return Badge(
        given_name=given,
        family_name=family,
        organisation=organisation,
        country=country,
        category=registration.category.value,
        category_label=str(CATEGORIES[registration.category]),
        qr=qr.data_uri(checkin_url(registration)) if fields["qr"] else "",
        given_pt=given_fit.size_pt,
        family_pt=family_fit.size_pt,
        organisation_pt=org_fit.size_pt,
        dir=text_direction(given + family),
        name_offset=max(0.0, (geo.name_height - name_height_mm(given_fit, family_fit)) / 2),
    )


def badge_size(layout: Layout, settings: dict[str, Any]) -> tuple[float, float]:
    return layout.badge_mm or (settings["width_mm"], settings["height_mm"])


def settings_css(layout: Layout, settings: dict[str, Any]) -> str:
    """The per-event part of the stylesheet: page size (single layout) and band colours.
    Every value was checked by badge_settings (numbers, #RRGGBB), so nothing typed by a
    user reaches CSS unchecked."""
    width, height = badge_size(layout, settings)
    rules = []
    if layout.page_mm is None:
        rules.append(f"@page {{ size: {width:.1f}mm {height:.1f}mm; margin: 0 }}")
    for category, colours in settings["colours"].items():
        rules.append(
            f".band--{category} {{ background: {colours['background']}; color: {colours['text']} }}"
        )
    return "\n".join(rules)


# The boxes of a badge and the fitted sizes go into the document's <style>, not into style
# attributes: WeasyPrint parses a style attribute for every element that has one, and with
# a dozen per badge that was a third of a badge's layout time. A run shares one geometry
# and a few dozen font sizes, so classes name them.


def _tenths(value: float) -> int:
    # Rounded down: a name never gets larger or lower than the size that was fitted.
    return int(value * 10 + 1e-6)


def pt_class(size_pt: float) -> str:
    """The class that gives an element a fitted font size (to 0.1 pt)."""
    return f"pt-{_tenths(size_pt)}"


def offset_class(offset_mm: float) -> str:
    """The class that lowers a name by its centring space (to 0.1 mm)."""
    return f"down-{_tenths(offset_mm)}"


def geometry_css(geo: Geometry, badges: Sequence[Badge]) -> str:
    """Rules placing a badge's parts (badges.geometry) and the size classes the badges use."""

    def mm(value: float) -> str:
        return f"{value:.2f}mm"

    rules = [
        f".badge {{ width: {mm(geo.width)}; height: {mm(geo.height)} }}",
        f".badge__header {{ top: {mm(geo.pad)}; left: {mm(geo.pad)}; right: {mm(geo.pad)};"
        f" height: {mm(geo.header)} }}",
        f".badge__name {{ top: {mm(geo.name_top)}; left: {mm(geo.pad)};"
        f" width: {mm(geo.name_width)}; height: {mm(geo.name_height)} }}",
        f".badge__info {{ left: {mm(geo.pad)}; bottom: {mm(geo.band + geo.pad)};"
        f" width: {mm(geo.info_width)} }}",
        f".badge__qr {{ right: {mm(geo.pad)}; bottom: {mm(geo.band + geo.pad)};"
        f" width: {mm(geo.qr)}; height: {mm(geo.qr)} }}",
        f".badge__band {{ height: {mm(geo.band)}; line-height: {mm(geo.band)};"
        f" font-size: {geo.band * 1.45:.1f}pt }}",
    ]
    sizes = sorted(
        {_tenths(size) for b in badges for size in (b.given_pt, b.family_pt, b.organisation_pt)}
    )
    rules += [f".pt-{tenths} {{ font-size: {tenths / 10:.1f}pt }}" for tenths in sizes]
    offsets = sorted({_tenths(b.name_offset) for b in badges})
    rules += [f".down-{tenths} {{ padding-top: {tenths / 10:.1f}mm }}" for tenths in offsets]
    return "\n".join(rules)


def badge_html(
    event: Event, registrations: Sequence[Registration], layout: Layout, settings: dict[str, Any]
) -> str:
    """The HTML of the badges of some registrations (one or more pages)."""
    width, height = badge_size(layout, settings)
    geo = geometry(width, height, settings["fields"])
    language = settings["language"]
    territories = i18n.territories(language)
    with force_locale(language):
        badges = [badge_for(r, settings, geo, territories) for r in registrations]
        pages = [badges[i : i + layout.per_page] for i in range(0, len(badges), layout.per_page)]
        css = settings_css(layout, settings) + "\n" + geometry_css(geo, badges)
        return render_template(
            layout.template,
            event=event,
            pages=pages,
            geo=geo,
            fields=settings["fields"],
            logo=_logo_url(event, settings),
            settings_css=css,
            language=language,
            pt_class=pt_class,
            offset_class=offset_class,
        )


def _logo_url(event: Event, settings: dict[str, Any]) -> str:
    """The logo's URL for WeasyPrint, or "" when it is off or its file is gone."""
    if not settings["fields"]["logo"] or not event.logo:
        return ""
    from eventapp.printing.fetcher import app_fetcher, upload_url

    url = upload_url(event.logo)
    # Checked here so that a deleted logo leaves a badge without one, not a warning per page.
    return url if app_fetcher().resolve(url) else ""


BADGE_CSS = "css/print/badge.css"
#: Badges drawn per WeasyPrint document before the pages are joined: large enough to
#: share the per-document costs, small enough that one chunk's boxes stay light.
CHUNK = 100


def render_badges(
    event: Event,
    registrations: Sequence[Registration],
    layout: str | None = None,
    *,
    settings: dict[str, Any] | None = None,
    workers: int | None = None,
    on_badges: Callable[[int], None] | None = None,
) -> bytes:
    """The PDF of the registrations' badges in the given (or the event's) layout.
    ``on_badges(n)`` is told each time n more badges are laid out (in this process)."""
    settings = settings or badge_settings(event)
    chosen = LAYOUTS[layout or settings["layout"]]
    if not registrations:
        raise ValueError("no badges to print")
    if chosen.face is not None:
        faces = render_badges_of(event, registrations, chosen.face, settings, workers, on_badges)
        return impose(chosen, faces, settings["language"])
    return render_badges_of(event, registrations, chosen, settings, workers, on_badges)


def render_badges_of(
    event: Event,
    registrations: Sequence[Registration],
    layout: Layout,
    settings: dict[str, Any],
    workers: int | None = None,
    on_badges: Callable[[int], None] | None = None,
) -> bytes:
    """The badges' pages in one layout, laid out by WeasyPrint in chunks (see
    render.render_chunks: on both cores for large runs)."""
    per_chunk = chunk_size(layout)
    starts = range(0, len(registrations), per_chunk)
    on_chunk = None
    if on_badges is not None:
        sizes = iter([min(per_chunk, len(registrations) - i) for i in starts])
        on_chunk = lambda: on_badges(next(sizes))  # noqa: E731
    # A generator: large runs start laying out the first badges while the rest are written.
    chunks = (badge_html(event, registrations[i : i + per_chunk], layout, settings) for i in starts)
    from eventapp.printing import render

    return render.render_chunks(
        chunks,
        stylesheets=[BADGE_CSS, layout.stylesheet],
        workers=workers,
        count=len(starts),
        on_chunk=on_chunk,
    )


def chunk_size(layout: Layout) -> int:
    """Badges per WeasyPrint document: whole pages, so a sheet of four is never split
    across documents."""
    chunk = int(current_app.config.get("BADGE_CHUNK", CHUNK))
    return max(layout.per_page, chunk - chunk % layout.per_page)


def impose(layout: Layout, faces: bytes, language: str) -> bytes:
    """Each page of `faces` drawn twice on a sheet of the layout (the folded badge)."""
    from eventapp.printing.imposition import fold_sheets

    # A folded layout has its sizes fixed in LAYOUTS.
    assert layout.badge_mm is not None and layout.page_mm is not None
    return fold_sheets(
        faces, _sheet_pdf(layout.name, language), face_mm=layout.badge_mm, sheet_mm=layout.page_mm
    )


_sheets: dict[tuple[str, str], bytes] = {}


def _sheet_pdf(layout_name: str, language: str) -> bytes:
    """The layout's empty sheet (marks, hint) in a language: rendered once per process."""
    key = (layout_name, language)
    if key not in _sheets:
        from eventapp.printing import render

        layout = LAYOUTS[layout_name]
        with force_locale(language):
            html = render_template(layout.template, language=language)
        _sheets[key] = render.render_pdf(html, stylesheets=[BADGE_CSS, layout.stylesheet])
    return _sheets[key]


@dataclass
class PrintRun:
    """One print run's result: the PDF and who is on it."""

    pdf: bytes
    registrations: list[Registration]
    layout: str


def print_badges(
    event: Event,
    *,
    layout: str | None = None,
    category: str | None = None,
    unprinted: bool = False,
    registration_id: int | None = None,
    sort: str | None = None,
    workers: int | None = None,
) -> PrintRun | None:
    """Select, render and stamp a print run; None when nobody matches. The caller commits
    (after the PDF is safely handed over, so a failed render marks nobody printed)."""
    settings = badge_settings(event)
    layout = layout or settings["layout"]
    registrations = select_registrations(
        event,
        category=category,
        unprinted=unprinted,
        registration_id=registration_id,
        sort=sort or settings["sort"],
    )
    if not registrations:
        return None
    pdf = render_badges(event, registrations, layout, settings=settings, workers=workers)
    mark_printed(registrations)
    return PrintRun(pdf, registrations, layout)


def preview_png(
    event: Event,
    *,
    layout: str | None = None,
    category: str | None = None,
    unprinted: bool = False,
    registration_id: int | None = None,
    sort: str | None = None,
    width_px: int = 700,
) -> bytes | None:
    """The first page of the run these options would print, as a PNG (nothing is stamped)."""
    settings = badge_settings(event)
    chosen = LAYOUTS[layout or settings["layout"]]
    registrations = select_registrations(
        event,
        category=category,
        unprinted=unprinted,
        registration_id=registration_id,
        sort=sort or settings["sort"],
    )
    if not registrations:
        return None
    pdf = render_badges(
        event, registrations[: chosen.per_page], chosen.name, settings=settings, workers=1
    )
    from eventapp.printing import render

    return render.page_png(pdf, 0, width_px=width_px)


_warming = threading.Event()


def warm_up_in_background() -> None:
    """warm_up() in a thread, once per process: each gunicorn worker calls it when it
    starts (gunicorn.conf.py) and the organisers' badges page too, so the first badge
    printed comes back at once."""
    if not _warming.is_set():
        threading.Thread(target=warm_up, name="badges-warm-up", daemon=True).start()


def warm_up() -> None:
    """Load the fonts, parse the stylesheets and lay out one small document (about a
    second, once per process)."""
    if _warming.is_set():
        return
    _warming.set()
    from eventapp.printing import render
    from eventapp.printing.fetcher import SafeFetcher
    from eventapp.printing.fonts import STATIC
    from eventapp.printing.programme import SIZE_STYLESHEETS, STYLESHEET

    render.warm_up(
        [
            BADGE_CSS,
            STYLESHEET,
            *SIZE_STYLESHEETS.values(),
            *(layout.stylesheet for layout in LAYOUTS.values()),
            *(layout.face.stylesheet for layout in LAYOUTS.values() if layout.face),
        ]
    )
    fit_name("Warm up", "Ωარმ", width_mm=80, height_mm=40, max_pt=20, min_pt=8)
    render.render_pdf(
        '<p class="badge">Warm up ნინო Ирина</p>',
        stylesheets=[BADGE_CSS],
        fetcher=SafeFetcher(STATIC),
    )
