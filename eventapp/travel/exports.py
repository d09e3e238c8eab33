"""What organisers hand on: the rooming list for the hotel (XLSX) and the cost summary
per budget line for finance (CSV). Text cells a spreadsheet would run as a formula are
made plain text, as in the registrations' export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _

from eventapp.core.labels import DIETARY, SUPPORT_LINES
from eventapp.models import Event, Registration, SupportStatus, TravelSupport
from eventapp.registration.spreadsheets import neutralise
from eventapp.travel.services import Line, budget_lines


def passport_name(support: TravelSupport) -> str:
    """The name as in the passport, else the registration's."""
    return support.passport_name or support.registration.full_name


def dietary(registration: Registration) -> str:
    if registration.dietary == "none":
        return ""
    if registration.dietary == "other":
        return registration.dietary_other or str(DIETARY[registration.dietary])
    return str(DIETARY[registration.dietary])


def rooming_rows(supports: list[TravelSupport]) -> list[list]:
    """One row per hotel stay of an approved person, by check-in then name."""
    rows = []
    for support in supports:
        if support.status != SupportStatus.APPROVED:
            continue
        registration = support.registration
        for stay in support.stays:
            rows.append(
                [
                    passport_name(support),
                    stay.hotel,
                    stay.check_in,
                    stay.check_out,
                    stay.nights,
                    stay.room_type,
                    dietary(registration),
                    registration.accessibility,
                    registration.email or "",
                ]
            )
    rows.sort(key=lambda row: (row[2], str(row[0]).casefold()))
    return rows


def rooming_list_xlsx(event: Event, supports: list[TravelSupport]) -> bytes:
    """The rooming list the hotel asks for: name as in the passport, nights, room type,
    dietary and accessibility needs."""
    from openpyxl import Workbook  # here: it slows every process's start

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Rooming list")[:31]
    sheet.append(
        [
            _("Name as in the passport"),
            _("Hotel"),
            _("Check-in"),
            _("Check-out"),
            _("Nights"),
            _("Room type"),
            _("Dietary needs"),
            _("Accessibility needs"),
            _("E-mail"),
        ]
    )
    for row in rooming_rows(supports):
        sheet.append([neutralise(value) for value in row])
    for column, width in zip("ABCDEFGHI", (32, 28, 12, 12, 8, 16, 20, 30, 30), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def costs_csv(event: Event, supports: list[TravelSupport]) -> bytes:
    """Per budget line: budget, committed by approvals, booked, remaining, in the event's
    currency; then a total. UTF-8 with a byte-order mark, for Excel."""
    lines = budget_lines(event, supports)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [_("Budget line"), _("Currency"), _("Budget"), _("Committed"), _("Booked"), _("Remaining")]
    )

    def row(label: str, line: Line) -> list[str]:
        return [
            neutralise(label),
            event.currency,
            _amount(line.budget),
            _amount(line.committed),
            _amount(line.booked),
            _amount(line.remaining),
        ]

    for line in lines:
        writer.writerow(row(str(SUPPORT_LINES[line.name]), line))
    budgets = [line.budget for line in lines if line.budget is not None]
    total = Line(
        "total",
        sum(budgets, Decimal("0")) if budgets else None,
        sum((line.committed for line in lines), Decimal("0")),
        sum((line.booked for line in lines), Decimal("0")),
    )
    writer.writerow(row(_("Total"), total))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
