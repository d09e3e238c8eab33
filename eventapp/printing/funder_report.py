"""The funder report as a document: A4, tagged PDF/UA like the programme, the same
figures (templates/reports/_figures.html) as the organisers' page. What it counts is
decided in eventapp/reports/funder.py; this module lays out what it is given."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import force_locale

from eventapp.printing.badges import text_direction

TEMPLATE = "print/funder_report.html"
STYLESHEET = "css/print/funder_report.css"


def report_html(report: Any) -> str:
    with force_locale(report.language):
        return render_template(TEMPLATE, r=report, event=report.event, direction=text_direction)


def render_report(report: Any) -> bytes:
    """The report as a tagged PDF (PDF/UA-1)."""
    from eventapp.printing import render

    return render.render_pdf(
        report_html(report), stylesheets=[STYLESHEET], variant=render.ACCESSIBLE
    )
