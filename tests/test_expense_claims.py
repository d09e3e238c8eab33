"""Expense claims after the event: lines with receipts checked like photos (PDFs by their
signature and page count), bank details encrypted, a decision per line, the finance
export of approved lines with formulas neutralised; and the letterhead settings' uploads."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from sqlalchemy import select, text

from eventapp.extensions import db
from eventapp.models import (
    ClaimLine,
    Event,
    ExpenseClaim,
    LineStatus,
    Registration,
    SupportStatus,
    TravelSupport,
    User,
    UserRole,
)
from eventapp.registration import services as registrations
from eventapp.travel import claims, visa_letters

from . import factories
from .conftest import ORGANISER, csrf_token_from

IBAN = "BE71096123456769"


@pytest.fixture
def past(app, make_user):
    """An event that ended yesterday, its organiser, a confirmed participant."""
    make_user(ORGANISER, UserRole.ORGANISER)
    with app.app_context():
        starts = factories.START.replace(year=2020)
        event = factories.make_event(slug="past", starts_at=starts)
        event.managers.append(db.session.scalar(select(User).where(User.email == ORGANISER)))
        person = factories.make_registration(event, given_name="Nino", family_name="ბერიძე")
        future = factories.make_event(slug="future")
        early = factories.make_registration(future)
        for supported in (person, early):
            db.session.add(
                TravelSupport(
                    event=supported.event,
                    registration=supported,
                    status=SupportStatus.APPROVED,
                    travel=True,
                )
            )
        db.session.commit()
        return {"token": person.token, "id": person.id, "early": early.token}


def png_bytes(size=(300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#c0ffee").save(out, "PNG")
    return out.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    # A script run on opening, and metadata: neither may follow into the stored copy.
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
    )
    writer.add_metadata({"/Author": "Someone private"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_line(client, token, receipt: bytes, filename: str, **overrides):
    page = client.get(f"/r/{token}/expenses")
    data = {
        "csrf_token": csrf_token_from(page.text),
        "category": "travel",
        "description": "Flight Entebbe–Brussels",
        "amount": "812.40",
        "currency": "eur",
        "receipt": (io.BytesIO(receipt), filename),
        **overrides,
    }
    return client.post(f"/r/{token}/expenses", data=data, content_type="multipart/form-data")


def test_claims_open_after_the_event_only(app, client, past):
    page = client.get(f"/r/{past['early']}/expenses")
    assert page.status_code == 200 and "after the event" in page.text
    assert 'name="amount"' not in page.text
    with app.app_context():
        early = db.session.scalar(select(Registration).where(Registration.token == past["early"]))
        assert not claims.may_claim(early)
        assert claims.may_claim(early, now=early.event.ends_at + timedelta(seconds=1))


def test_receipts_are_checked_and_rewritten(app, client, past):
    with app.app_context():
        folder = claims.receipts_folder()
    before = set(folder.iterdir()) if folder.exists() else set()  # the instance is shared
    assert add_line(client, past["token"], png_bytes(), "taxi.png").status_code == 302
    assert add_line(client, past["token"], pdf_bytes(2), "flight.pdf").status_code == 302
    for receipt, name, message in (
        (b"hello, I am a receipt", "receipt.pdf", "must be a PDF, JPEG or PNG"),
        (b"%PDF-1.7 broken", "broken.pdf", "not a PDF we can read"),
        (pdf_bytes(claims.MAX_PAGES + 1), "long.pdf", "at most 10 pages"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "fake.png", "not an image we can read"),
    ):
        response = add_line(client, past["token"], receipt, name)
        assert response.status_code == 422, name
        assert 'id="receipt-error"' in response.text and message in response.text, name
    refused = add_line(client, past["token"], png_bytes(), "x.png", amount="-3", currency="euro")
    assert 'id="amount-error"' in refused.text and 'id="currency-error"' in refused.text
    with app.app_context():
        lines = list(db.session.scalars(select(ClaimLine).order_by(ClaimLine.id)))
        assert [(str(line.amount), line.currency) for line in lines] == [
            ("812.40", "EUR"),
            ("812.40", "EUR"),
        ]
        picture, document = (claims.receipt_path(line.receipt) for line in lines)
        assert picture.suffix == ".jpg" and document.suffix == ".pdf"
        with Image.open(picture) as image:
            assert image.format == "JPEG" and image.size == (300, 200)
        rewritten = PdfReader(document)
        assert len(rewritten.pages) == 2
        assert "/OpenAction" not in rewritten.trailer["/Root"]
        assert "Someone private" not in str(rewritten.metadata)
        # Two files for two lines: nothing refused or half-written was left behind.
        assert set(folder.iterdir()) - before == {picture, document}
        line_id = lines[1].id
    own = client.get(f"/r/{past['token']}/expenses/{line_id}/receipt")
    assert own.status_code == 200 and own.data.startswith(b"%PDF-")
    assert own.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"/r/{past['early']}/expenses/{line_id}/receipt").status_code == 404


def test_bank_details_are_encrypted_masked_and_erased(app, client, past, sign_in):
    page = client.get(f"/r/{past['token']}/expenses")
    response = client.post(
        f"/r/{past['token']}/expenses/bank",
        data={
            "csrf_token": csrf_token_from(page.text),
            "account_holder": "Nino Beridze",
            "iban": "BE71 0961 2345 6769",
            "bic": "GKCCBEBB",
            "bank_name": "",
        },
    )
    assert response.status_code == 302
    assert IBAN in client.get(f"/r/{past['token']}/expenses").text  # the person sees it
    with app.app_context():
        claim = db.session.scalar(select(ExpenseClaim))
        assert IBAN not in claim.bank_details
        assert claims.bank_details(claim)["iban"] == IBAN
        url = db.engine.url
        if url.get_backend_name() == "sqlite":
            with db.engine.connect() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            files = [Path(url.database), Path(f"{url.database}-wal")]
            assert IBAN.encode() not in b"".join(f.read_bytes() for f in files if f.exists())
    organiser = sign_in(ORGANISER)
    listing = organiser.get("/manage/events/past/expense-claims").text
    assert IBAN not in listing and claims.mask_iban(IBAN) in listing
    with app.app_context():
        registrations.anonymise(db.session.get(Registration, past["id"]))
        db.session.commit()
        assert db.session.scalar(select(ExpenseClaim.bank_details)) is None


def test_organisers_decide_per_line_and_export_the_approved(app, client, past, sign_in, make_user):
    add_line(client, past["token"], png_bytes(), "taxi.png", description='=HYPERLINK("x")')
    add_line(client, past["token"], png_bytes(), "hotel.png", category="accommodation", amount="99")
    page = client.get(f"/r/{past['token']}/expenses")
    client.post(
        f"/r/{past['token']}/expenses/bank",
        data={"csrf_token": csrf_token_from(page.text), "account_holder": "N", "iban": IBAN},
    )
    with app.app_context():
        first, second = db.session.scalars(select(ClaimLine.id).order_by(ClaimLine.id))
    make_user("stranger@example.org", UserRole.ORGANISER)
    stranger = sign_in("stranger@example.org")
    assert (
        stranger.post(
            f"/manage/events/past/expense-claims/lines/{first}", {"decision": "approve"}
        ).status_code
        == 403
    )
    assert stranger.get("/manage/events/past/expense-claims/approved.csv").status_code == 403
    stranger.sign_out()
    organiser = sign_in(ORGANISER)
    assert (
        organiser.post(
            f"/manage/events/past/expense-claims/lines/{first}", {"decision": "approve"}
        ).status_code
        == 302
    )
    assert (
        organiser.post(
            f"/manage/events/past/expense-claims/lines/{second}", {"decision": "reject"}
        ).status_code
        == 302
    )
    receipt = organiser.get(f"/manage/events/past/expense-claims/lines/{second}/receipt")
    assert receipt.status_code == 200 and receipt.mimetype == "image/jpeg"
    with app.app_context():
        assert [s for s in db.session.scalars(select(ClaimLine.status).order_by(ClaimLine.id))] == [
            LineStatus.APPROVED,
            LineStatus.REJECTED,
        ]
    exported = organiser.get("/manage/events/past/expense-claims/approved.csv")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert len(rows) == 2  # the header and the one approved line
    assert rows[1][0] == "Nino ბერიძე" and rows[1][3] == IBAN
    assert rows[1][6] == '\'=HYPERLINK("x")' and rows[1][7:] == ["812.40", "EUR"]
    workbook = load_workbook(
        io.BytesIO(organiser.get("/manage/events/past/expense-claims/approved.xlsx").data)
    )
    sheet = workbook.active
    values = [cell.value for cell in sheet[2]]
    assert values[6] == '\'=HYPERLINK("x")' and float(values[7]) == 812.4


def test_letterhead_settings_take_checked_images(app, client, past, sign_in):
    organiser = sign_in(ORGANISER)
    page = organiser.get("/manage/events/past/settings")
    assert (
        "Letterhead of visa letters" in page.text and 'enctype="multipart/form-data"' in page.text
    )
    form = {
        "csrf_token": organiser.csrf,
        "title": "Past",
        "slug": "past",
        "timezone": "Europe/Brussels",
        "starts_at": "2020-05-14T09:00",
        "ends_at": "2020-05-14T18:00",
        "capacity": "100",
        "programme_size": "A5",
        "letter_signatory_name": "Marie Dupont",
        "letter_signatory_title": "Director",
        "letter_language": "fr",
        "passport_retention_days": "10",
    }
    bad = client.post(
        "/manage/events/past/settings",
        data={**form, "letter_signature": (io.BytesIO(b"GIF89a nope"), "sig.png")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and 'id="letter_signature-error"' in bad.text
    good = client.post(
        "/manage/events/past/settings",
        data={
            **form,
            "logo": (io.BytesIO(png_bytes()), "logo.png"),
            "letter_signature": (io.BytesIO(png_bytes((120, 40))), "sig.png"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "past"))
        settings = visa_letters.settings_for(event)
        assert (settings.signatory_name, settings.language) == ("Marie Dupont", "fr")
        assert settings.passport_retention_days == 10
        assert event.logo.startswith("logos/") and settings.signature.startswith("signatures/")
        uploads = Path(app.instance_path) / "uploads"
        with Image.open(uploads / settings.signature) as image:
            assert image.format == "JPEG" and not image.info.get("exif")
