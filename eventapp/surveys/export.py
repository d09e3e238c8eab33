"""The survey's results as a spreadsheet: every answer with its real values (numbers for
the scales), then a summary sheet with each question's and session's figures, in the event's main
language (as results.py)."""

from __future__ import annotations

import io

from flask_babel import gettext as _

from eventapp.models import Survey
from eventapp.registration.spreadsheets import neutralise
from eventapp.surveys.results import answer_rows, results


def to_xlsx(survey: Survey) -> bytes:
    """Two sheets: "Answers" (one row per answer) and "Summary"."""
    # Imported here: openpyxl adds a quarter of a second to the start of every process.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    answers = workbook.create_sheet(title=_("Answers")[:31])
    header, rows = answer_rows(survey)
    answers.append([neutralise(h) for h in header])
    for row in rows:
        answers.append([neutralise(value) for value in row])

    summary = workbook.create_sheet(title=_("Summary")[:31])
    summary.append([_("Question"), _("Answers"), _("Average")])
    figures = results(survey)
    for result in figures.questions:
        summary.append([neutralise(result.question.label), result.answered, result.average])
    for session in figures.sessions:
        summary.append([neutralise(session.item.title), session.answered, session.average])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
