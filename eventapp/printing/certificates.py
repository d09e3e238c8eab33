"""The certificate of attendance as a document: an A4 landscape page per person, in their
language, with the verification code and its QR code. Who has a certificate and what
its code is are decided in eventapp/certificates/services.py; this module only lays out
what it is given."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup

from eventapp.core.i18n import local_date, local_time
from eventapp.core.translated import localized, plain_text
from eventapp.models import Event, Registration
from eventapp.printing.badges import text_direction
from eventapp.printing.textfit import fit_text

TEMPLATE = "print/certificate.html"


PAGE_TEMPLATE = "print/_certificate.html"


STYLESHEET = "css/print/certificate.css"


#: Certificates per WeasyPrint document (see badges.CHUNK).
CHUNK = 100


#: Width of the sentence on the page (certificate.css: .certificate__text), in mm, and
#: the largest and smallest sizes of the name and the event's title in it, in pt: a long
#: name or title gets smaller, in at most two lines, so the text never reaches the foot.
TEXT_WIDTH_MM = 215.0


NAME_PT = (26.0, 14.0)


EVENT_PT = (17.0, 11.0)


@dataclass(frozen=True)
class Certificate:
    """One page, in its holder's language (texts are escaped by the template)."""

    name: str
    organisation: str
    #: Direction of the name and of the organisation ("rtl" for Arabic or Hebrew).
    dir: str
    organisation_dir: str
    name_pt: float
    event_pt: float
    language: str
    #: "Tuesday 14 May 2030" (a one-day event) or None.
    date: str | None
    #: A multi-day event's first and last days, else None.
    first_day: str | None
    last_day: str | None
    #: "09:00–18:00 (Europe/Brussels)": the hours of a one-day event, else "".
    hours: str
    code: str
    url: str
    qr: str
    #: The event's title in the certificate's language where translated, and the
    #: language it is really in (the main one when not translated: marked on the page).
    event_title: str = ""
    event_title_language: str = ""


#: Who a certificate is for, with its verification code as printed and the address
#: that checks it.
Holder = tuple[Registration, str, str]


def certificate_for(registration: Registration, code: str, url: str) -> Certificate:
    """The content of a registration's certificate, in the current language."""
    from eventapp.printing import qr

    event = registration.event
    tz = event.timezone
    starts, ends = event.local(event.starts_at), event.local(event.ends_at)
    one_day = starts.date() == ends.date()
    name = registration.full_name
    language = registration.language or "en"
    title = localized(event, "title", language)
    return Certificate(
        name=name,
        organisation=registration.organisation,
        dir=text_direction(name),
        organisation_dir=text_direction(registration.organisation),
        name_pt=fit_text(
            name,
            width_mm=TEXT_WIDTH_MM,
            max_lines=2,
            max_pt=NAME_PT[0],
            min_pt=NAME_PT[1],
            bold=True,
        ).size_pt,
        event_pt=fit_text(
            str(title),
            width_mm=TEXT_WIDTH_MM,
            max_lines=2,
            max_pt=EVENT_PT[0],
            min_pt=EVENT_PT[1],
            bold=True,
        ).size_pt,
        language=language,
        date=local_date(event.starts_at, tz, "long") if one_day else None,
        first_day=None if one_day else local_date(event.starts_at, tz, "long"),
        last_day=None if one_day else local_date(event.ends_at, tz, "long"),
        hours=f"{local_time(event.starts_at, tz)}–{local_time(event.ends_at, tz)} ({tz})"
        if one_day
        else "",
        code=code,
        url=url,
        qr=qr.data_uri(url),
        event_title=str(title),
        event_title_language=title.language,
    )


def certificates_html(event: Event, holders: Sequence[Holder]) -> str:
    """One HTML document, a page per holder, each in its holder's language."""
    logo = _logo_url(event)
    pages = []
    for registration, code, url in holders:
        with force_locale(registration.language or "en"):
            pages.append(
                Markup(
                    render_template(
                        PAGE_TEMPLATE,
                        event=event,
                        certificate=certificate_for(registration, code, url),
                        venue=", ".join(
                            p
                            for p in (
                                plain_text(event, "venue_name", registration.language or "en"),
                                event.venue_address,
                            )
                            if p
                        ),
                        logo=logo,
                    )
                )
            )
    return render_template(
        TEMPLATE, event=event, pages=pages, language=holders[0][0].language or "en"
    )


def _logo_url(event: Event) -> str:
    """The logo's URL for WeasyPrint, or "" when there is none or its file is gone."""
    if not event.logo:
        return ""
    from eventapp.printing.fetcher import app_fetcher, upload_url

    url = upload_url(event.logo)
    return url if app_fetcher().resolve(url) else ""


def render_certificates(
    event: Event, holders: Sequence[Holder], on_pages: Callable[[int], None] | None = None
) -> bytes:
    """The PDF of these people's certificates, one page each, in the order given.
    ``on_pages(n)`` is told each time n more are laid out (then in this process only)."""
    if not holders:
        raise ValueError("no certificates to print")
    from eventapp.printing import render

    # In chunks, like badges: a large event's run is laid out on two cores.
    starts = range(0, len(holders), CHUNK)
    chunks = (certificates_html(event, holders[i : i + CHUNK]) for i in starts)
    on_chunk = None
    if on_pages is not None:
        sizes = iter([min(CHUNK, len(holders) - i) for i in starts])
        on_chunk = lambda: on_pages(next(sizes))  # noqa: E731
    pdf = render.render_chunks(
        chunks,
        stylesheets=[STYLESHEET],
        count=len(starts),
        variant=render.ARCHIVED,
        on_chunk=on_chunk,
    )
    return render.mark_pdfua(pdf)
