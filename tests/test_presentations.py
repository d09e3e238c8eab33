"""Speakers' slides: uploaded by organisers over HTTP, checked by type and by content,
private until published, listed on the agenda and speaker pages with their size, served
with the right type and a safe file name, and zipped by agenda item."""

import html
import io
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from eventapp.agenda import presentations
from eventapp.core.i18n import file_size
from eventapp.extensions import db
from eventapp.models import AgendaItem, AgendaRole, Event, Presentation, SlideFormat, User, UserRole

from .pages import TINY_PDF

PDF = TINY_PDF + b"%" + b"x" * 700 + b"\n%%EOF\n"
PPTX_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODP_TYPE = "application/vnd.oasis.opendocument.presentation"


def entry(name: str) -> zipfile.ZipInfo:
    # A fixed time: a member written with the clock's makes the same file differ from one
    # second to the next (the ZIP test compares bytes written at two moments).
    return zipfile.ZipInfo(name, date_time=(2024, 3, 12, 9, 0, 0))


def pptx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(entry("[Content_Types].xml"), "<Types/>")
        z.writestr(entry("ppt/presentation.xml"), "<p:presentation/>")
    return out.getvalue()


def odp_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(entry("mimetype"), ODP_TYPE)
        z.writestr(entry("content.xml"), "<office:document-content/>")
    return out.getvalue()


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(entry("[Content_Types].xml"), "<Types/>")
        z.writestr(entry("word/document.xml"), "<w:document/>")
    return out.getvalue()


#: A Windows executable's first bytes ("MZ", the DOS stub's message).
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"This program cannot be run in DOS mode.\r\n" + b"\x00" * 200


@pytest.fixture
def world(app, demo, make_user, sign_in):
    """The demo with a signed-in organiser managing it; ids of two items and a speaker."""
    user_id = make_user("manager@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        event.managers.append(db.session.get(User, user_id))
        role = db.session.scalar(
            select(AgendaRole).join(AgendaItem).where(AgendaItem.event_id == event.id).limit(1)
        )
        other = db.session.scalar(
            select(AgendaItem)
            .where(AgendaItem.event_id == event.id, AgendaItem.id != role.item_id)
            .order_by(AgendaItem.starts_at)
            .limit(1)
        )
        db.session.commit()
        ids = {"item": role.item_id, "person": role.person_id, "other": other.id}
        ids["item_title"] = role.item.title
        ids["other_title"] = other.title
    return {"organiser": sign_in("manager@example.org"), "slug": demo, **ids}


def upload(world, data: bytes, filename: str, content_type: str, item=None, **fields):
    return world["organiser"].post(
        f"/manage/events/{world['slug']}/presentations",
        {
            "item_id": str(item or world["item"]),
            "person_id": str(fields.pop("person_id", 0)),
            "title": fields.pop("title", ""),
            "file": (io.BytesIO(data), filename, content_type),
        },
        content_type="multipart/form-data",
    )


def stored_files(app) -> set[str]:
    with app.app_context():
        folder = presentations.folder()
        return {p.name for p in folder.iterdir()} if folder.exists() else set()


def field_error(page: str, name: str) -> str:
    match = re.search(rf'id="{name}-error">(.*?)</p>', page, re.S)
    return html.unescape(match.group(1)).strip() if match else ""


def only_presentation(app) -> Presentation:
    with app.app_context():
        return db.session.scalars(select(Presentation)).one()


def test_upload_is_private_until_published_then_listed_with_its_size(app, client, world):
    slug = world["slug"]
    response = upload(
        world, PDF, "Доклад_final.pdf", "application/pdf", person_id=world["person"], title=""
    )
    assert response.status_code == 302, response.text
    slides = only_presentation(app)
    assert slides.title == "Доклад final"  # from the file name
    assert slides.format == SlideFormat.PDF and slides.size == len(PDF)
    assert not slides.published
    with app.app_context():
        path = presentations.file_path(slides.stored_name)
        assert path is not None and path.read_bytes() == PDF
        assert re.fullmatch(r"[A-Za-z0-9_-]{24}\.pdf", slides.stored_name)

    # Private: not on the agenda, not downloadable, no ZIP.
    link = f'/events/{slug}/presentations/{slides.id}"'
    assert link not in client.get(f"/events/{slug}/agenda").text
    assert client.get(f"/events/{slug}/presentations/{slides.id}").status_code == 404
    assert client.get(f"/events/{slug}/presentations.zip").status_code == 404
    # The organisers can download it to check it.
    own = world["organiser"].get(f"/manage/events/{slug}/presentations/{slides.id}/file")
    assert own.status_code == 200 and own.data == PDF
    own.close()  # the file it streamed

    response = world["organiser"].post(
        f"/manage/events/{slug}/presentations/{slides.id}/publish", {"publish": "1"}
    )
    assert response.status_code == 302
    with app.test_request_context():
        size = file_size(len(PDF))
    agenda = client.get(f"/events/{slug}/agenda").text
    assert "Доклад final" in agenda
    assert f"(PDF, {size})" in agenda
    assert link in agenda
    speaker = client.get(f"/events/{slug}/speakers/{world['person']}").text
    assert "Доклад final" in speaker and f"(PDF, {size})" in speaker

    download = client.get(f"/events/{slug}/presentations/{slides.id}")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.data == PDF
    download.close()
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # An ASCII fallback for old clients and the real name, UTF-8 encoded, for the others.
    assert 'filename="' in disposition and "\n" not in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "Доклад final.pdf"

    world["organiser"].post(
        f"/manage/events/{slug}/presentations/{slides.id}/publish", {"publish": "0"}
    )
    assert client.get(f"/events/{slug}/presentations/{slides.id}").status_code == 404
    assert link not in client.get(f"/events/{slug}/agenda").text


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "message"),
    [
        (EXE, "talk.pdf", "application/pdf", "is not a PDF, PowerPoint (PPTX) or OpenDocument"),
        (EXE, "talk.exe", "application/x-msdownload", "is not a PDF"),
        (b"just text", "notes.pptx", PPTX_TYPE, "is not a PDF"),
        (docx_bytes(), "letter.pptx", PPTX_TYPE, "is not a PDF"),
        (b"%PDF-1.4 cut short", "half.pdf", "application/pdf", "is not a PDF"),
        (PDF, "slides.png", "image/png", "type (image/png) does not match its content"),
        (pptx_bytes(), "deck.pdf", "application/pdf", "does not match its content"),
        (b"", "empty.pdf", "application/pdf", "is not a PDF"),
    ],
)
def test_bad_files_are_refused_next_to_the_field(app, world, data, filename, content_type, message):
    before = stored_files(app)
    response = upload(world, data, filename, content_type)
    assert response.status_code == 422
    assert message in field_error(response.text, "file")
    [file_input] = re.findall(r'<input[^>]*id="file"[^>]*>', response.text)
    assert 'aria-invalid="true"' in file_input
    with app.app_context():
        assert db.session.scalars(select(Presentation)).all() == []
    assert stored_files(app) == before  # nothing half-written, no temporary file left


def test_no_file_and_a_foreign_item_are_refused(app, world):
    response = world["organiser"].post(
        f"/manage/events/{world['slug']}/presentations",
        {"item_id": str(world["item"]), "person_id": "0", "title": "x"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert field_error(response.text, "file") == "Choose the file to upload."
    response = upload(world, PDF, "a.pdf", "application/pdf", item=999_999)
    assert response.status_code == 422 and field_error(response.text, "item_id")


def test_too_large(app, world):
    app.config["PRESENTATION_MAX_BYTES"] = 2_000
    before = stored_files(app)
    big = TINY_PDF + b"%" + b"x" * 3_000 + b"\n%%EOF\n"
    response = upload(world, big, "big.pdf", "application/pdf")
    assert response.status_code == 422
    assert field_error(response.text, "file") == "The file is larger than 0.002 MB."
    assert stored_files(app) == before
    # Far beyond the limit the request itself is refused before it is read.
    response = upload(world, b"%PDF-" + b"x" * (64 * 1024 + 5_000), "huge.pdf", "application/pdf")
    assert response.status_code == 413
    # Up to the limit it is taken.
    assert upload(world, PDF, "ok.pdf", "application/pdf").status_code == 302


def test_the_upload_alone_takes_files_above_the_request_limit(app, world):
    app.config["MAX_CONTENT_LENGTH"] = 4_000
    bigger = TINY_PDF + b"%" + b"x" * 6_000 + b"\n%%EOF\n"
    assert upload(world, bigger, "big.pdf", "application/pdf").status_code == 302
    # Another form keeps the app's limit.
    response = world["organiser"].post(
        f"/manage/events/{world['slug']}/agenda/new", {"title": "x" * 6_000}
    )
    assert response.status_code == 413


def test_zip_of_published_slides_by_agenda_item(app, client, world):
    slug = world["slug"]
    for data, name, kind, item, title in [
        (PDF, "a.pdf", "application/pdf", world["item"], "Opening: facts/figures"),
        (pptx_bytes(), "b.pptx", PPTX_TYPE, world["item"], "Opening: facts/figures"),
        (odp_bytes(), "c.odp", "application/octet-stream", world["other"], "Ευρώπη"),
        (PDF, "d.pdf", "application/pdf", world["other"], "Draft, never published"),
    ]:
        assert upload(world, data, name, kind, item=item, title=title).status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(Presentation).order_by(Presentation.id)).all()
        formats = [r.format for r in rows]
        ids = [r.id for r in rows]
    assert formats == [SlideFormat.PDF, SlideFormat.PPTX, SlideFormat.ODP, SlideFormat.PDF]
    for presentation_id in ids[:3]:
        world["organiser"].post(
            f"/manage/events/{slug}/presentations/{presentation_id}/publish", {"publish": "1"}
        )

    response = client.get(f"/events/{slug}/presentations.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert f"{slug}-slides.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    response.close()
    names = archive.namelist()
    with app.app_context():
        items = {
            i.id: presentations.safe_name(i.title, limit=80)
            for i in db.session.scalars(select(AgendaItem))
        }
        order = sorted(
            [world["item"], world["other"]],
            key=lambda i: (db.session.get(AgendaItem, i).starts_at, i),
        )
    by_item = {i: f"{n:02d} {items[i]}" for n, i in enumerate(order, 1)}
    assert sorted(names) == sorted(
        [
            f"{by_item[world['item']]}/Opening facts figures.pdf",
            f"{by_item[world['item']]}/Opening facts figures.pptx",
            f"{by_item[world['other']]}/Ευρώπη.odp",
        ]
    )
    assert archive.read(f"{by_item[world['item']]}/Opening facts figures.pdf") == PDF
    assert archive.read(f"{by_item[world['other']]}/Ευρώπη.odp") == odp_bytes()
    assert not any("Draft" in name for name in names)
    # The agenda links the ZIP once something is published.
    assert f"/events/{slug}/presentations.zip" in client.get(f"/events/{slug}/agenda").text


def test_delete_removes_the_file(app, client, world):
    assert upload(world, PDF, "a.pdf", "application/pdf").status_code == 302
    slides = only_presentation(app)
    with app.app_context():
        path = presentations.file_path(slides.stored_name)
    assert path is not None and path.exists()
    response = world["organiser"].post(
        f"/manage/events/{world['slug']}/presentations/{slides.id}/delete"
    )
    assert response.status_code == 302
    assert not Path(path).exists()
    with app.app_context():
        assert db.session.scalars(select(Presentation)).all() == []


def test_the_organiser_page_lists_every_file(app, world):
    upload(world, PDF, "a.pdf", "application/pdf", title="<b>Évaluation</b>")
    page = world["organiser"].get(f"/manage/events/{world['slug']}/presentations").text
    assert "&lt;b&gt;Évaluation&lt;/b&gt;" in page
    assert "Private" in page and ">Publish<" in page


def test_safe_names():
    assert presentations.safe_name('../../etc/passwd\x00"x"') == "etc passwd x"
    assert presentations.safe_name("  ... ") == "presentation"
    assert presentations.safe_name("Café\r\nRésumé: 1/2") == "Café Résumé 1 2"
    assert len(presentations.safe_name("x" * 500)) == 120


def test_sniff_reads_bytes_not_names(tmp_path):
    cases = {
        "a.bin": (PDF, SlideFormat.PDF),
        "b.bin": (pptx_bytes(), SlideFormat.PPTX),
        "c.bin": (odp_bytes(), SlideFormat.ODP),
        "d.pdf": (EXE, None),
        "e.pptx": (docx_bytes(), None),
        "f.odp": (b"PK\x03\x04 broken zip", None),
    }
    for name, (data, expected) in cases.items():
        (tmp_path / name).write_bytes(data)
        assert presentations.sniff(tmp_path / name) == expected, name
