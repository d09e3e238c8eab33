"""Expense claims: after the event a supported person claims their expenses line by line,
each with a receipt, and gives their bank details; organisers with the travel right approve
or reject each line and export the approved ones for finance.

Receipts are never kept as sent. Pictures (JPEG, PNG) go through the photos' checks and are
re-encoded without metadata (eventapp/media/photos.py), larger so a receipt stays legible;
PDFs must start with the PDF signature, open in pypdf unencrypted, have at most MAX_PAGES
pages, and are written again page by page (no scripts, attachments, forms or metadata
follow). Files live under <instance>/uploads/receipts/, which no public route serves.

Bank details are encrypted like passport data (eventapp/core/crypto.py) and erased with the
person's data.
"""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
import tempfile
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventapp.core import crypto
from eventapp.extensions import db
from eventapp.media import photos
from eventapp.models import (
    ClaimLine,
    Event,
    ExpenseCategory,
    ExpenseClaim,
    LineStatus,
    Registration,
    Status,
    SupportStatus,
)
from eventapp.models.types import utcnow
from eventapp.registration.spreadsheets import neutralise

CATEGORIES = {
    ExpenseCategory.TRAVEL: _l("Travel"),
    ExpenseCategory.ACCOMMODATION: _l("Accommodation"),
    ExpenseCategory.MEALS: _l("Meals"),
    ExpenseCategory.LOCAL_TRANSPORT: _l("Local transport"),
    ExpenseCategory.VISA: _l("Visa fees"),
    ExpenseCategory.OTHER: _l("Other"),
}
LINE_STATUSES = {
    LineStatus.PENDING: _l("Waiting"),
    LineStatus.APPROVED: _l("Approved"),
    LineStatus.REJECTED: _l("Rejected"),
}
MAX_RECEIPT_BYTES = 10 * 1024 * 1024
MAX_PAGES = 10
#: Longest side of a stored receipt picture: small print stays readable.
RECEIPT_SIDE = 2400
BANK_FIELDS = ("account_holder", "iban", "bic", "bank_name")
_RECEIPT_NAME = re.compile(r"[A-Za-z0-9_-]{24}\.(?:jpg|webp|pdf)")
RECEIPT_TYPES = {".jpg": "image/jpeg", ".webp": "image/webp", ".pdf": "application/pdf"}


class ClaimError(ValueError):
    """A claim refused; str() of it is a sentence for the person."""


# -- who may claim ------------------------------------------------------------------------


def may_claim(registration: Registration, now: datetime | None = None) -> bool:
    """Whether the person may claim expenses: after the event's end, for a confirmed
    person whose travel support was approved."""
    from eventapp.travel.services import support_of

    now = now or utcnow()
    support = support_of(registration)
    return (
        registration.status == Status.CONFIRMED
        and registration.anonymised_at is None
        and support is not None
        and support.status == SupportStatus.APPROVED
        and now >= registration.event.ends_at
    )


def claim_of(registration: Registration) -> ExpenseClaim | None:
    return db.session.scalar(
        select(ExpenseClaim).where(ExpenseClaim.registration_id == registration.id)
    )


def _claim_for(registration: Registration) -> ExpenseClaim:
    claim = claim_of(registration)
    if claim is None:
        claim = ExpenseClaim(event=registration.event, registration=registration)
        db.session.add(claim)
    return claim


# -- receipts -----------------------------------------------------------------------------


def receipts_folder() -> Path:
    return Path(current_app.instance_path) / "uploads" / "receipts"


def receipt_path(name: str) -> Path | None:
    """The stored receipt of a name we made, or None."""
    if not _RECEIPT_NAME.fullmatch(name or ""):
        return None
    path = receipts_folder() / name
    return path if path.is_file() else None


def store_receipt(stream: BinaryIO) -> str:
    """Check a receipt and store a clean copy; returns its file name. Raises ClaimError."""
    data = photos.read_at_most(stream, MAX_RECEIPT_BYTES + 1)
    if len(data) > MAX_RECEIPT_BYTES:
        raise ClaimError(
            _("The receipt is larger than %(size)s MB.", size=MAX_RECEIPT_BYTES // 1024 // 1024)
        )
    if data.startswith(b"%PDF-"):
        return _store_pdf(data)
    if not data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
        raise ClaimError(_("A receipt must be a PDF, JPEG or PNG file."))
    try:
        return photos.store_image_bytes(data, folder=receipts_folder(), max_side=RECEIPT_SIDE)
    except photos.PhotoError as exc:
        raise ClaimError(str(exc)) from exc


def _store_pdf(data: bytes) -> str:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ClaimError(_("This PDF is protected by a password: send it without one."))
        pages = len(reader.pages)
        if pages == 0:
            raise ClaimError(_("This PDF has no page."))
        if pages > MAX_PAGES:
            raise ClaimError(_("A receipt may have at most %(num)d pages.", num=MAX_PAGES))
        # The pages alone, written again: no JavaScript, attachments, forms or metadata
        # of the original document follow.
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
    except ClaimError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ClaimError(_("This file is not a PDF we can read.")) from exc
    return _save(out.getvalue(), "pdf")


def _save(data: bytes, extension: str) -> str:
    folder = receipts_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(photos.TOKEN_BYTES)}.{extension}"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return name


# -- the person's claim --------------------------------------------------------------------


def add_line(registration: Registration, data: dict[str, Any], receipt: BinaryIO) -> ClaimLine:
    """Add one expense with its receipt. No commit (the receipt file is written now)."""
    if not may_claim(registration):
        raise ClaimError(_("Expenses can be claimed only after the event."))
    amount = data["amount"]
    if not isinstance(amount, Decimal):
        try:
            amount = Decimal(str(amount))
        except InvalidOperation as exc:
            raise ClaimError(_("Give the amount as a number.")) from exc
    name = store_receipt(receipt)
    claim = _claim_for(registration)
    line = ClaimLine(
        claim=claim,
        category=ExpenseCategory(data["category"]),
        description=data.get("description") or "",
        amount=amount.quantize(Decimal("0.01")),
        currency=data["currency"].upper(),
        receipt=name,
    )
    db.session.add(line)
    db.session.flush()
    return line


def set_bank_details(registration: Registration, details: dict[str, str]) -> ExpenseClaim:
    """Store the bank details, encrypted. No commit."""
    if not may_claim(registration):
        raise ClaimError(_("Expenses can be claimed only after the event."))
    claim = _claim_for(registration)
    claim.bank_details = crypto.encrypt_json({k: details.get(k, "") for k in BANK_FIELDS})
    db.session.flush()
    return claim


def bank_details(claim: ExpenseClaim) -> dict[str, str]:
    """In clear: only for the person and for those with the travel right."""
    return crypto.decrypt_json(claim.bank_details)


def mask_iban(iban: str) -> str:
    return "•" * max(len(iban) - 4, 3) + iban[-4:] if iban else ""


# -- organisers ---------------------------------------------------------------------------


def claims(event: Event) -> list[ExpenseClaim]:
    """Every claim of the event, with the person and the lines the page shows (loaded in
    two queries, not two per claim)."""
    return list(
        db.session.scalars(
            select(ExpenseClaim)
            .where(ExpenseClaim.event_id == event.id)
            .options(selectinload(ExpenseClaim.registration), selectinload(ExpenseClaim.lines))
            .order_by(ExpenseClaim.id)
        )
    )


def get_line(event: Event, line_id: int) -> ClaimLine | None:
    return db.session.scalar(
        select(ClaimLine)
        .join(ExpenseClaim)
        .where(ExpenseClaim.event_id == event.id, ClaimLine.id == line_id)
    )


def decide(line: ClaimLine, approved: bool) -> ClaimLine:
    """Approve or reject one line. No commit."""
    line.status = LineStatus.APPROVED if approved else LineStatus.REJECTED
    line.decided_at = utcnow()
    return line


def approved_rows(event: Event) -> list[list[Any]]:
    """One row per approved line, for finance: person, bank details, the expense."""
    rows = []
    for claim in claims(event):
        bank = bank_details(claim)
        for line in claim.lines:
            if line.status != LineStatus.APPROVED:
                continue
            rows.append(
                [
                    claim.registration.full_name,
                    claim.registration.email or "",
                    bank.get("account_holder", ""),
                    bank.get("iban", ""),
                    bank.get("bic", ""),
                    line.category.value,
                    line.description,
                    line.amount,
                    line.currency,
                ]
            )
    return rows


EXPORT_HEADERS = [
    _l("Name"),
    _l("E-mail address"),
    _l("Account holder"),
    _l("IBAN"),
    _l("BIC"),
    _l("Category"),
    _l("Description"),
    _l("Amount"),
    _l("Currency"),
]


def export_csv(event: Event) -> bytes:
    """The approved lines as CSV (UTF-8 with a BOM), formulas neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(h) for h in EXPORT_HEADERS])
    for row in approved_rows(event):
        writer.writerow([neutralise(str(v)) if not isinstance(v, Decimal) else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(event: Event) -> bytes:
    """The approved lines as one sheet, amounts as numbers, formulas neutralised."""
    from openpyxl import Workbook  # here: it slows every process's start

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Approved claims")[:31])
    sheet.append([str(h) for h in EXPORT_HEADERS])
    for row in approved_rows(event):
        sheet.append([neutralise(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# -- erasure -------------------------------------------------------------------------------


def erase_for_registration(registration: Registration) -> None:
    """The person erased their data: bank details and receipts go. No commit."""
    claim = claim_of(registration)
    if claim is None:
        return
    claim.bank_details = None
    for line in claim.lines:
        path = receipt_path(line.receipt)
        if path is not None:
            path.unlink(missing_ok=True)
        line.description = ""
