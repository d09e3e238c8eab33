"""The attendance sheet as a document: A4, one section per day of the event starting on
a new page, a header with the event, the day and the venue, then a table of people.

Two variants of the same layout: "sign" leaves a signature column for people to sign on
the day; "checkins" prints the time (in the event's time zone) and the way each person
was checked in, as digital evidence. What goes on it is decided in
eventapp/reports/attendance_sheet.py; this module lays out what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template
from flask_babel import force_locale

from eventapp.models import Event
from eventapp.printing.badges import text_direction

TEMPLATE = "print/attendance_sheet.html"
STYLESHEET = "css/print/attendance_sheet.css"
SIGN = "sign"
CHECKINS = "checkins"
VARIANTS = (SIGN, CHECKINS)


@dataclass(frozen=True)
class Row:
    family_name: str
    given_name: str
    organisation: str
    country: str
    #: The check-in's local time and how it was made ("checkins" only).
    time: str = ""
    method: str = ""


@dataclass
class Day:
    label: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class Sheet:
    event: Event
    variant: str
    language: str
    days: list[Day]
    venue: str
    generated: str
    timezone: str
    #: Confirmed people whose personal data was erased: counted, not listed.
    erased: int = 0


def sheet_html(sheet: Sheet) -> str:
    with force_locale(sheet.language):
        # WeasyPrint knows dir="rtl" and "ltr", not "auto": an Arabic name gets its own.
        return render_template(TEMPLATE, sheet=sheet, event=sheet.event, direction=text_direction)


def render_sheet(sheet: Sheet) -> bytes:
    """The sheet as a tagged PDF (it is read on screen as evidence, too)."""
    from eventapp.printing import render

    return render.render_pdf(sheet_html(sheet), stylesheets=[STYLESHEET], variant=render.ACCESSIBLE)
