"""The visa invitation letter as a document: one A4 page on the event's letterhead,
addressed to the consulate, signed, with its verification code and QR code. What it says
is decided in eventapp/travel/visa_letters.py; this module lays out what it is given."""

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale

from eventapp.models import Event
from eventapp.printing.badges import text_direction

TEMPLATE = "print/visa_letter.html"
STYLESHEET = "css/print/visa_letter.css"


@dataclass(frozen=True)
class Letter:
    """Everything printed on a letter, as text (escaped by the template)."""

    language: str
    reference: str
    issued_on: str
    consulate_city: str
    name: str
    organisation: str
    birth_date: str
    nationality: str
    passport_number: str
    passport_expiry: str
    event_dates: str
    venue: str
    stay_from: str
    stay_until: str
    #: What the organisers pay, already in the letter's language; empty: nothing.
    covered: list[str]
    signatory_name: str
    signatory_title: str
    code: str
    url: str


def _upload(path: str) -> str:
    """An upload's URL for WeasyPrint, or "" when there is none or its file is gone."""
    if not path:
        return ""
    from eventapp.printing.fetcher import app_fetcher, upload_url

    url = upload_url(path)
    return url if app_fetcher().resolve(url) else ""


def letter_html(event: Event, letter: Letter, *, logo: str, signature: str) -> str:
    """The letter's HTML, in its own language."""
    from eventapp.printing import qr

    with force_locale(letter.language):
        return render_template(
            TEMPLATE,
            event=event,
            letter=letter,
            dir=text_direction(letter.name),
            logo=_upload(logo),
            signature=_upload(signature),
            qr=qr.data_uri(letter.url),
        )


def render_letter(event: Event, letter: Letter, *, logo: str, signature: str) -> bytes:
    """The letter as a tagged PDF."""
    from eventapp.printing import render

    html = letter_html(event, letter, logo=logo, signature=signature)
    pdf = render.render_pdf(html, stylesheets=[STYLESHEET], variant=render.ARCHIVED)
    return render.mark_pdfua(pdf)
