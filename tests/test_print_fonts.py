"""Fonts: every script prints with real glyphs from our vendored fonts, web pages use the
same files, and nothing is loaded from another host."""

import logging
import re

import pytest
from fontTools.ttLib import TTFont

from eventapp.extensions import db
from eventapp.models import Category
from eventapp.printing import badges, fonts
from eventapp.printing.fonts import FONT_FILES, STATIC

from . import factories
from .conftest import _empty_all_tables, close_db, make_app
from .pdfcheck import char_boxes_mm, embedded_fonts

#: A name per script, and the vendored family that must print it.
NAMES = {
    "latin": (("Zoë", "Łukasiewicz-Škoda Ñúñez"), "Noto Sans"),
    "cyrillic": (("Ирина", "Щукина-Ёлкина"), "Noto Sans"),
    "greek": (("Σοφία", "Παπαδοπούλου"), "Noto Sans"),
    "georgian": (("ნინო", "ბერიძე-ჯავახიშვილი"), "Noto Sans Georgian"),
    "armenian": (("Արմեն", "Սարգսյան"), "Noto Sans Armenian"),
    "arabic": (("فاطمة", "الزهراء"), "Noto Sans Arabic"),
    "hebrew": (("דוד", "כהן"), "Noto Sans Hebrew"),
    "thai": (("สมชาย", "ใจดี"), "Noto Sans Thai"),
    "devanagari": (("अनिता", "शर्मा"), "Noto Sans Devanagari"),
}


@pytest.fixture(scope="module")
def pdfs(database_url, _schema):
    """One single-badge PDF per script (rendered together, split per person)."""
    app = make_app(database_url)
    out = {}
    with app.app_context():
        event = factories.make_event(slug="scripts", title="2030")
        people = {
            script: factories.make_registration(
                event, given_name=given, family_name=family, category=Category.SPEAKER
            )
            for script, ((given, family), _) in NAMES.items()
        }
        db.session.commit()
        for script, registration in people.items():
            out[script] = badges.render_badges(event, [registration], "single")
        # End the session's transaction first: on PostgreSQL, TRUNCATE waits for it.
        db.session.remove()
        _empty_all_tables()
        close_db()
    return out


@pytest.mark.parametrize("script", list(NAMES))
def test_every_letter_has_a_real_glyph(pdfs, script):
    (given, family), family_font = NAMES[script]
    embedded = embedded_fonts(pdfs[script])
    # The embedded subsets are our vendored fonts (bold for names)...
    names = {font.name for font in embedded}
    assert family_font.replace(" ", "-") + "-Bold" in names, names
    # ...and each character of the name has a drawn glyph in one of them.
    for char in given + family:
        if char.isspace():
            continue
        assert any(font.covers(char) for font in embedded), (script, char, hex(ord(char)))


@pytest.mark.parametrize("script", ["arabic", "devanagari"])
def test_complex_scripts_are_shaped(pdfs, script):
    """Arabic letters take their joining forms, Devanagari letters form conjuncts: glyphs
    that no character maps to on its own, which only a shaping engine chooses. Printing
    each character's own glyph would give disjointed, unreadable names."""
    family = NAMES[script][1].replace(" ", "-")
    shaped = []
    for font in embedded_fonts(pdfs[script]):
        if not font.name.startswith(family):
            continue
        cmap, order = font.font.getBestCmap(), font.font.getGlyphOrder()
        # a glyph for several characters (a conjunct), or not the character's own glyph
        # (a joining form, which fonts also map from a presentation-form code point)
        shaped += [
            text
            for gid, text in font.to_unicode.items()
            if text.strip() and (len(text) > 1 or cmap.get(ord(text)) != order[gid])
        ]
    assert shaped, script


@pytest.mark.parametrize("script", ["arabic", "hebrew"])
def test_right_to_left_names_run_right_to_left(pdfs, script):
    (given, _), _ = NAMES[script]
    boxes = [(c, box) for c, box in char_boxes_mm(pdfs[script]) if not c.isspace()]
    text = "".join(c for c, _ in boxes)
    start = text.index(given)
    lefts = [box[0] for _, box in boxes[start : start + len(given)]]
    assert lefts == sorted(lefts, reverse=True), lefts  # first letter rightmost


@pytest.mark.parametrize("family", list(FONT_FILES))
def test_vendored_fonts_cover_their_script(family):
    samples = [(given + family_name) for (given, family_name), f in NAMES.values() if f == family]
    for path in FONT_FILES[family]:
        with TTFont(path) as font:
            cmap = font.getBestCmap()
        for sample in samples:
            missing = [c for c in sample if not c.isspace() and ord(c) not in cmap]
            assert not missing, (path.name, missing)


def test_fonts_css_names_only_vendored_files_with_a_licence():
    css = (STATIC / "css" / "fonts.css").read_text()
    urls = re.findall(r'url\("([^"]+)"\)', css)
    assert len(urls) == 14
    for url in urls:
        assert not re.match(r"[a-z]+:", url), url  # relative: same host
        assert (STATIC / "css" / url).resolve().is_file(), url
    assert {p.resolve() for p in fonts.vendored_font_paths()} == {
        (STATIC / "css" / u).resolve() for u in urls
    }
    licence = (STATIC / "fonts" / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE" in licence and "Version 1.1" in licence


def test_web_pages_link_the_fonts_and_nothing_from_another_host(client):
    page = client.get("/")
    assert re.search(r'href="/static/css/fonts\.[0-9a-f]{12}\.css"', page.text)
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert all(href.startswith("/static/") for href in stylesheets)
    for name in ("fonts.css", "eventapp.css"):
        with client.get(f"/static/css/{name}") as response:
            body = response.text
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", body), name
    with client.get("/static/fonts/NotoSansGeorgian-Bold.ttf") as font:
        assert font.status_code == 200 and font.data[:4] == b"\x00\x01\x00\x00"


def test_missing_cjk_font_is_reported(caplog):
    from eventapp.printing.weasy import FontConfiguration

    config = FontConfiguration()
    with caplog.at_level(logging.WARNING, logger="eventapp.printing.fonts"):
        fonts.warn_if_no_cjk(config)
    found = fonts.system_cjk_family(config)
    warned = [r for r in caplog.records if "CJK" in r.getMessage()]
    if found is None:
        assert warned and "fonts-noto-cjk" in warned[0].getMessage()
    else:
        assert not warned and found in fonts.CJK_FAMILIES


def test_one_font_configuration_per_process():
    assert fonts.font_config() is fonts.font_config()


def test_printing_leaves_pillow_strict_about_truncated_images(app):
    """WeasyPrint relaxes Pillow process-wide on import; photo uploads rely on it not."""
    from PIL import ImageFile

    from eventapp.printing.render import render_pdf

    with app.app_context():
        render_pdf("<p>x</p>")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
