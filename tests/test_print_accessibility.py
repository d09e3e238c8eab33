"""Tagged PDFs, read back the way assistive technology reads them: the programme is
PDF/UA-1, the certificates PDF/A-3a and PDF/UA-1; title and language set, headings and
reading order from the structure tree, images with alternative text. Poppler's pdfinfo
(a tool we did not write) must report them tagged."""

import pytest
from sqlalchemy import select

from eventapp.certificates import services as certificates
from eventapp.extensions import db
from eventapp.models import ItemKind, Registration, queries
from eventapp.models.types import utcnow
from eventapp.printing import certificates as certificate_document
from eventapp.printing import render

from .conftest import DEMO_SLUG
from .pdftags import catalog, headings, pdfinfo, read_aloud

URL = f"/events/{DEMO_SLUG}/programme.pdf"


def demo_outline(app) -> dict:
    """What the programme must say, in order, from the database."""
    with app.app_context():
        event = queries.get_published_event_or_404(DEMO_SLUG)
        items = queries.agenda(event)
        return {
            "title": event.title,
            "slots": [
                i.title
                for i in items
                if not (i.kind in (ItemKind.BREAK, ItemKind.MEAL) and not i.roles)
            ],
            "panels": [i.title for i in items if i.kind == ItemKind.PANEL],
            "speakers": [p.full_name for p in queries.speakers(event)],
        }


def test_the_programme_is_tagged_pdf_ua_with_title_and_language(app, client, demo, tmp_path):
    response = client.get(URL)
    assert response.status_code == 200
    info = pdfinfo(response.data, tmp_path)
    assert info["Tagged"] == "yes"
    assert info["Title"] == "MIEUX Impact Event – Programme"
    assert catalog(response.data) == {
        "lang": "en",
        "marked": True,
        "display_title": True,
        "title": "MIEUX Impact Event – Programme",
        "pdfua": "1",
        "pdfa": "",
    }


def test_the_programme_reads_aloud_in_order(app, client, demo):
    outline = demo_outline(app)
    pdf = client.get(URL).data
    found = headings(pdf)
    chapters = [text for role, text in found if role == "H1"]
    assert chapters == [
        outline["title"],
        "Contents",
        "Welcome",
        "Key figures",
        "Programme",
        "Panels",
        "Speakers",
        "Notes",
    ]
    # Between "Programme" and "Panels": every session's title, in the agenda's order.
    start = found.index(("H1", "Programme"))
    end = found.index(("H1", "Panels"))
    assert [text for role, text in found[start:end] if role == "H3"] == outline["slots"]
    # Then each panel as a heading, then each speaker, as in the database.
    end_panels = found.index(("H1", "Speakers"))
    assert [text for role, text in found[end:end_panels] if role == "H2"] == outline["panels"]
    assert [text for role, text in found[end_panels:] if role == "H2"] == outline["speakers"]
    # Names in other scripts read as their characters.
    assert ("H2", "ნათია გოგოლაძე") in found and ("H2", "Айнура Абдыкадырова") in found
    # Text under a heading follows it: the first panel's moderator comes after its title.
    blocks = [t.text for t in read_aloud(pdf)]
    panel = blocks.index(outline["panels"][0], blocks.index("Panels"))
    assert any("João Ribeiro Lemos" in text for text in blocks[panel : panel + 6])


def test_the_french_programme_says_it_is_french(client, demo):
    pdf = client.get(URL, query_string={"lang": "fr"}).data
    assert catalog(pdf)["lang"] == "fr"
    assert [t for r, t in headings(pdf) if r == "H1"][1:3] == ["Sommaire", "Bienvenue"]


def test_speaker_photos_and_the_logo_have_alternative_text(app, client, demo):
    from io import BytesIO

    from PIL import Image

    from eventapp.media.photos import store_photo
    from eventapp.models import Person

    image = BytesIO()
    Image.new("RGB", (120, 90), (0, 0, 255)).save(image, "PNG")
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.family_name == "Nakato"))
        image.seek(0)
        person.photo = store_photo(image)
        image.seek(0)
        person.event.logo = f"photos/{store_photo(image)}"  # a path under uploads/
        db.session.commit()
    figures = [t.alt for t in read_aloud(client.get(URL).data) if t.role == "Figure"]
    assert "Logo of MIEUX Impact Event" in figures
    assert "Photo of Grace Nakato" in figures


@pytest.fixture
def checked_in(app, demo) -> list[int]:
    with app.app_context():
        people = db.session.scalars(select(Registration).order_by(Registration.id).limit(7)).all()
        for person in people:
            person.checked_in_at = utcnow()
        db.session.commit()
        return [p.id for p in people]


def test_a_participants_certificate_is_pdf_a_and_pdf_ua(app, client, checked_in, tmp_path):
    with app.app_context():
        registration = db.session.get(Registration, checked_in[0])
        token, name = registration.token, registration.full_name
    pdf = client.get(f"/r/{token}/certificate.pdf").data
    assert pdfinfo(pdf, tmp_path)["Tagged"] == "yes"
    assert catalog(pdf) == {
        "lang": "en",
        "marked": True,
        "display_title": True,
        "title": "MIEUX Impact Event",
        "pdfua": "1",
        "pdfa": "3A",
    }
    read = read_aloud(pdf)
    assert [t.role for t in read if t.role.startswith("H")] == ["H1"]
    assert read[1].text == "Certificate of attendance"
    assert name in read[2].text and "MIEUX Impact Event" in read[2].text
    [qr] = [t for t in read if t.role == "Figure"]
    assert qr.alt.startswith("QR code of the address ") and "/verify/" in qr.alt


def test_certificates_laid_out_in_parts_keep_one_structure(app, checked_in, tmp_path):
    """A large run is laid out by two processes in parts and merged: the merged file is
    still one tagged document, every page's text reachable from its structure."""
    with app.test_request_context():
        people = [db.session.get(Registration, i) for i in checked_in]
        names = [p.full_name for p in people]
        chunks = [
            certificate_document.certificates_html(
                people[0].event, certificates.holders(people[i : i + 2])
            )
            for i in range(0, len(people), 2)
        ]
        pdf = render.mark_pdfua(
            render.render_chunks(
                chunks,
                stylesheets=[certificate_document.STYLESHEET],
                workers=2,
                variant=render.ARCHIVED,
            )
        )
        db.session.rollback()
    assert pdfinfo(pdf, tmp_path)["Pages"] == str(len(names))
    assert catalog(pdf)["pdfua"] == "1" and catalog(pdf)["marked"]
    titles = [t.text for t in read_aloud(pdf) if t.role == "H1"]
    assert titles == ["Certificate of attendance"] * len(names)
    sentences = [t.text for t in read_aloud(pdf) if t.text.startswith("This is to certify")]
    assert [any(name in s for name in names[i : i + 1]) for i, s in enumerate(sentences)] == [
        True
    ] * len(names)
