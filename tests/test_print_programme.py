"""The programme booklet: the PDF from the command line and from the public link, read
back page by page (sizes, metadata, bookmarks, the table of contents against where the
sections really are, names in several scripts), and the cache behind the public link."""

import io
import re
import unicodedata
from datetime import timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from eventapp.agenda import programme as programme_cache
from eventapp.extensions import db
from eventapp.media.photos import store_photo
from eventapp.models import AgendaItem, Event, ItemKind, RoleKind

from . import factories
from .conftest import DEMO_SLUG, _empty_all_tables, close_db, make_app
from .pdfcheck import page_sizes_mm, page_texts

URL = f"/events/{DEMO_SLUG}/programme.pdf"


def flat(text: str) -> str:
    """Text with runs of white space as one space (lines wrap wherever the layout says)."""
    return re.sub(r"\s+", " ", text).strip()


def outline(pdf: bytes) -> list[tuple[int, str, int]]:
    """The bookmarks as (level, title, page number from 1)."""
    reader = PdfReader(io.BytesIO(pdf))
    out = []

    def walk(entries, level):
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, level + 1)
            else:
                out.append((level, entry.title, reader.get_destination_page_number(entry) + 1))

    walk(reader.outline, 1)
    return out


def metadata(pdf: bytes) -> tuple[dict, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return dict(reader.metadata), str(reader.trailer["/Root"].get("/Lang"))


@pytest.fixture(scope="module")
def demo_pdfs(database_url, _schema, tmp_path_factory):
    """The demo's programme from the command line: A5 in English, A4 in French."""
    app = make_app(database_url)
    out = tmp_path_factory.mktemp("programme")
    with app.app_context():
        from eventapp.demo.loader import load_demo

        load_demo(0)
        db.session.commit()
    runner = app.test_cli_runner()
    pdfs = {}
    for name, args in {"a5": [], "a4-fr": ["--size", "A4", "--lang", "fr"]}.items():
        result = runner.invoke(args=["programme", DEMO_SLUG, "-o", str(out / f"{name}.pdf"), *args])
        assert result.exit_code == 0, result.output
        pdfs[name] = (out / f"{name}.pdf").read_bytes()
    with app.app_context():
        _empty_all_tables()
        close_db()
    return pdfs


def test_a5_pages_and_a_booklet_of_whole_sheets(demo_pdfs):
    sizes = page_sizes_mm(demo_pdfs["a5"])
    assert set(sizes) == {(148.0, 210.0)}
    # Folded A4 sheets: four pages each.
    assert len(sizes) % 4 == 0 and len(sizes) >= 12


def test_a4_in_french(demo_pdfs):
    pdf = demo_pdfs["a4-fr"]
    assert set(page_sizes_mm(pdf)) == {(210.0, 297.0)}
    assert len(page_sizes_mm(pdf)) % 2 == 0
    info, lang = metadata(pdf)
    assert lang == "fr"
    # The demo's French translation of its title (tests/test_translated_content.py).
    assert info["/Title"] == "Événement d'impact MIEUX – Programme"
    text = flat(" ".join(page_texts(pdf)))
    assert "mardi 12 mars 2024" in text
    assert "Intervenants" in text
    assert "PANÉLISTES" in text  # set in small capitals
    assert "Tuesday" not in text


def test_metadata(demo_pdfs):
    info, lang = metadata(demo_pdfs["a5"])
    assert lang == "en"
    assert info["/Title"] == "MIEUX Impact Event – Programme"
    assert info["/Author"] == "MIEUX Impact Event"
    assert info["/Subject"].startswith("15 years of partnerships")
    assert info["/Creator"] == "eventapp"


def test_cover(demo_pdfs):
    cover = flat(page_texts(demo_pdfs["a5"])[0])
    for text in (
        "MIEUX Impact Event",
        "15 years of partnerships and peer exchange",
        "Tuesday, 12 March 2024",
        "08:30–18:00",
        "Maison du Dialogue Conference Centre",
        "Rue du Commerce 72, 1000 Brussels",
    ):
        assert text in cover


def test_bookmarks(demo_pdfs):
    marks = outline(demo_pdfs["a5"])
    top = [title for level, title, _ in marks if level == 1]
    assert top == ["Welcome", "Key figures", "Programme", "Panels", "Speakers"]
    second = [title for level, title, _ in marks if level == 2]
    assert "Tuesday, 12 March 2024" in second
    assert any(title.startswith("Panel 1: The importance of the peer-to-peer") for title in second)
    pages = [page for _, _, page in marks]
    assert pages == sorted(pages)


def test_contents_give_the_pages_the_sections_are_on(demo_pdfs):
    pdf = demo_pdfs["a5"]
    texts = [flat(text) for text in page_texts(pdf)]
    contents = texts[1]
    assert "Contents" in contents
    checked = 0
    for _level, title, page in outline(pdf):
        match = re.search(re.escape(title) + r"[\s.]*?(\d+)(?!\d)", contents)
        if match is None:  # days of a one-day event are not listed
            assert title == "Tuesday, 12 March 2024"
            continue
        assert int(match.group(1)) == page, title
        # ...and the section really is there: its title on that page.
        assert title in texts[page - 1], (title, page)
        checked += 1
    assert checked >= 8


def test_running_header_and_page_numbers(demo_pdfs):
    texts = page_texts(demo_pdfs["a5"])
    # A left (even) page inside the programme: the event's name at the top, its number.
    programme_page = next(
        page for level, title, page in outline(demo_pdfs["a5"]) if title == "Programme"
    )
    left = texts[programme_page] if programme_page % 2 == 1 else texts[programme_page + 1]
    number = programme_page + 1 if programme_page % 2 == 1 else programme_page + 2
    lines = [line.strip() for line in left.splitlines() if line.strip()]
    assert "MIEUX Impact Event" in lines
    assert str(number) in lines


def test_speakers_panels_and_moderators(demo_pdfs):
    texts = page_texts(demo_pdfs["a5"])
    marks = {title: page for _, title, page in outline(demo_pdfs["a5"])}
    speakers = flat(" ".join(texts[marks["Speakers"] - 1 :]))
    for name in (
        "Lukas Gehrke",
        "Erica Gerretsen",
        "Hélène Vandermeulen",
        "Grace Nakato",
        "Åsa Sjöholm",
        "Niccolò Ferrante",
    ):
        assert name in speakers
    # Names as people write them: Georgian and Kyrgyz (Cyrillic) speakers.
    assert "ნათია გოგოლაძე" in speakers
    assert "Айнура Абдыкадырова" in speakers
    panels = flat(" ".join(texts[marks["Panels"] - 1 : marks["Speakers"] - 1]))
    panel_1 = panels[panels.index("Panel 1:") : panels.index("Panel 2:")]
    # Role labels are set in small capitals.
    assert (
        panel_1.index("MODERATOR")
        < panel_1.index("João Ribeiro Lemos")
        < panel_1.index("PANELLISTS")
        < panel_1.index("ნათია გოგოლაძე")
    )
    panel_2 = panels[panels.index("Panel 2:") : panels.index("Panel 3:")]
    assert "MODERATOR Hélène Vandermeulen" in panel_2
    programme = flat(" ".join(texts[marks["Programme"] - 1 : marks["Panels"] - 1]))
    assert "09:15–09:50" in programme and "Welcome and opening remarks" in programme
    assert "Coffee break" in programme


# -- the public link ---------------------------------------------------------------------


def cached_files(app) -> list[Path]:
    folder = Path(app.instance_path) / programme_cache.FOLDER
    return sorted(folder.glob("*.pdf")) if folder.exists() else []


@pytest.fixture
def clean_cache(app):
    for path in cached_files(app):
        path.unlink()
    yield
    for path in cached_files(app):
        path.unlink()


def test_public_programme_is_cached_until_the_agenda_changes(app, client, demo, clean_cache):
    first = client.get(URL)
    assert first.status_code == 200
    assert first.mimetype == "application/pdf"
    assert first.headers["Content-Disposition"] == f"inline; filename={DEMO_SLUG}-programme.pdf"
    assert "no-cache" in first.headers["Cache-Control"]
    [stored] = cached_files(app)
    built = stored.stat().st_mtime_ns
    assert stored.read_bytes() == first.data

    # Served from the file: same bytes, the file not written again.
    second = client.get(URL)
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert cached_files(app) == [stored] and stored.stat().st_mtime_ns == built
    assert client.get(URL, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert (
        client.get(URL, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code
        == 304
    )

    with app.app_context():
        item = db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Lunch"))
        item.title = "Lunch on the terrace"
        db.session.commit()
    third = client.get(URL)
    assert third.status_code == 200 and third.headers["ETag"] != first.headers["ETag"]
    assert "Lunch on the terrace" in flat(" ".join(page_texts(third.data)))
    [rebuilt] = cached_files(app)  # the old version is gone
    assert rebuilt != stored
    assert client.get(URL, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_public_programme_follows_the_language_and_the_size_setting(app, client, demo, clean_cache):
    french = client.get(URL, headers={"Accept-Language": "fr"})
    assert metadata(french.data)[1] == "fr"
    assert "Accept-Language" in french.headers["Vary"]
    assert set(page_sizes_mm(french.data)) == {(148.0, 210.0)}
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == DEMO_SLUG))
        event.print_settings = {**event.print_settings, "programme_size": "A4"}
        db.session.commit()
    english = client.get(URL)
    assert metadata(english.data)[1] == "en"
    assert set(page_sizes_mm(english.data)) == {(210.0, 297.0)}


def test_unpublished_or_unknown_event_has_no_programme(app, client, clean_cache):
    with app.app_context():
        factories.make_event(slug="draft", published=False)
        db.session.commit()
    assert client.get("/events/draft/programme.pdf").status_code == 404
    assert client.get("/events/nowhere/programme.pdf").status_code == 404
    assert cached_files(app) == []


def test_event_and_agenda_pages_link_to_it(client, demo):
    for page in (f"/events/{DEMO_SLUG}/", f"/events/{DEMO_SLUG}/agenda"):
        assert f'href="{URL}"' in client.get(page).text


def test_cli_unknown_event(runner, tmp_path):
    result = runner.invoke(args=["programme", "nowhere", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "No event with the slug" in result.output


# -- names in other scripts, photos, logo ------------------------------------------------


def png(colour: str, size=(400, 500)) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", size, colour).save(data, "PNG")
    data.seek(0)
    return data


LOGO, PHOTO = "#c05030", "#30a050"


def has_colour(pdf: bytes, page: int, colour: str, min_pixels: int = 200) -> bool:
    """Whether a rendered page shows a patch of this exact colour."""
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[page].render(scale=1).to_pil().convert("RGB")
    finally:
        document.close()
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    close = sum(
        count
        for count, pixel in image.getcolors(1 << 24)
        if all(abs(a - b) <= 6 for a, b in zip(pixel, rgb, strict=True))
    )
    return close >= min_pixels


def normalised(text: str) -> str:
    # Arabic comes out of the PDF as the shaped (presentation) forms the font drew.
    return unicodedata.normalize("NFKC", text)


def test_names_in_other_scripts_photos_and_logo(app, runner, tmp_path, caplog):
    with app.app_context():
        logo = Path(app.instance_path) / "uploads" / "logos" / "forum.png"
        logo.parent.mkdir(parents=True, exist_ok=True)
        logo.write_bytes(png(LOGO, (600, 200)).getvalue())
        event = factories.make_event(
            slug="forum",
            title="Forum 2030",
            logo="logos/forum.png",
            description="Welcome to **Forum 2030**.",
        )
        room = factories.make_room(event, name="Hall A")
        panel = factories.make_item(event, kind=ItemKind.PANEL, title="Mobility panel", room=room)
        talk = factories.make_item(
            event, title="Opening talk", room=room, starts_at=event.starts_at + timedelta(hours=1)
        )
        factories.make_item(
            event, title="Second day talk", room=room, starts_at=event.starts_at + timedelta(days=1)
        )
        people = {
            "ar": factories.make_person(event, given_name="ليلى", family_name="حداد"),
            "ka": factories.make_person(event, given_name="ნინო", family_name="ბერიძე"),
            "ru": factories.make_person(event, given_name="Ирина", family_name="Петрова"),
            "photo": factories.make_person(
                event, given_name="Zoë", family_name="Photo", photo=store_photo(png(PHOTO))
            ),
        }
        factories.add_role(panel, people["ar"], RoleKind.MODERATOR)
        factories.add_role(panel, people["ka"], RoleKind.PANELLIST, 0)
        factories.add_role(panel, people["ru"], RoleKind.PANELLIST, 1)
        factories.add_role(talk, people["photo"], RoleKind.SPEAKER)
        db.session.commit()
    with caplog.at_level("WARNING", logger="eventapp.printing.fetcher"):
        result = runner.invoke(args=["programme", "forum", "-o", str(tmp_path / "f.pdf")])
    assert result.exit_code == 0, result.output
    assert "refused" not in caplog.text  # photo and logo came through our fetcher
    pdf = (tmp_path / "f.pdf").read_bytes()
    text = normalised(flat(" ".join(page_texts(pdf))))
    assert "ნინო ბერიძე" in text and "Ирина Петрова" in text
    arabic = [normalised(word) for word in ("ليلى", "حداد")]
    for word in arabic:
        assert word in text or word[::-1] in text, word
    # Two days: each in the bookmarks and the contents, with the page it starts on.
    days = [
        (title, page)
        for level, title, page in outline(pdf)
        if level == 2 and title.endswith("2030")
    ]
    assert [title for title, _ in days] == ["Tuesday, 14 May 2030", "Wednesday, 15 May 2030"]
    texts = [flat(t) for t in page_texts(pdf)]
    for title, page in days:
        assert re.search(re.escape(title) + r"[\s.]*?" + str(page) + r"(?!\d)", texts[1])
        assert title in texts[page - 1]
    # Seen on the pages: the logo on the cover only, the photo among the speakers.
    speakers_page = next(page for _, title, page in outline(pdf) if title == "Speakers")
    logo_pages = [i + 1 for i in range(len(page_sizes_mm(pdf))) if has_colour(pdf, i, LOGO)]
    photo_pages = [i + 1 for i in range(len(page_sizes_mm(pdf))) if has_colour(pdf, i, PHOTO)]
    assert logo_pages == [1]
    assert len(photo_pages) == 1 and photo_pages[0] >= speakers_page


def test_an_event_without_agenda_still_prints(app, runner, tmp_path):
    with app.app_context():
        factories.make_event(slug="empty", title="Empty 2030", published=False)
        db.session.commit()
    result = runner.invoke(args=["programme", "empty", "-o", str(tmp_path / "e.pdf")])
    assert result.exit_code == 0, result.output
    pdf = (tmp_path / "e.pdf").read_bytes()
    assert len(page_sizes_mm(pdf)) % 4 == 0
    text = flat(" ".join(page_texts(pdf)))
    assert "Empty 2030" in text and "The agenda will be published soon." in text
