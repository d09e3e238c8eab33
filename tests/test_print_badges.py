"""Badges: layouts and sizes, names, QR codes, long names inside the box, print runs from
the command line and the organisers' page, settings."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Category, Registration, Status
from eventapp.printing import badges
from eventapp.printing.badges import LAYOUTS, badge_settings, geometry

from . import factories
from .conftest import _empty_all_tables, close_db, csrf_token_from, make_app
from .pdfcheck import char_boxes_mm, filled_rects_mm, page_sizes_mm, page_texts, qr_codes

#: A 60-character Georgian double name and a long Spanish name with two family names.
GEORGIAN = ("ანასტასია-ელისაბედ", "ორბელიანი-ჯავახიშვილი-ჩოლოყაშვილი-დადიანი")
SPANISH = ("María de los Ángeles", "Fernández de Córdoba y Gutiérrez de la Concha")
PEOPLE = [
    ("Zoë", "Łukasiewicz-Škoda", "Uniwersytet Warszawski", "PL", Category.PARTICIPANT),
    ("Ирина", "Петрова", "Государственная миграционная служба", "KG", Category.SPEAKER),
    ("Σοφία", "Παπαδοπούλου", "Υπουργείο Μετανάστευσης", "GR", Category.ORGANISER),
    ("ნინო", "ბერიძე", "საქართველოს შსს", "GE", Category.PRESS),
    ("Ana", "Li", "", "", Category.STAFF),
    (
        *SPANISH,
        "Ministerio de Inclusión, Seguridad Social y Migraciones",
        "ES",
        Category.PARTICIPANT,
    ),
    (*GEORGIAN, "", "GE", Category.PARTICIPANT),
]
SIZES = {"a6-sheet": (210.0, 297.0), "a6-folded": (210.0, 297.0), "single": (90.0, 120.0)}


def test_georgian_name_is_sixty_characters():
    assert len(" ".join(GEORGIAN)) == 60


@pytest.fixture(scope="module")
def printed(database_url, _schema):
    """Every layout of the same seven people, rendered once for the module's tests."""
    app = make_app(database_url, PUBLIC_BASE_URL="https://events.example.org")
    with app.app_context():
        event = factories.make_event(slug="forum", title="Forum 2030")
        for given, family, organisation, country, category in PEOPLE:
            factories.make_registration(
                event,
                given_name=given,
                family_name=family,
                organisation=organisation,
                country=country,
                category=category,
            )
        db.session.commit()
        registrations = badges.select_registrations(event)
        out = {
            "urls": {r.full_name: badges.checkin_url(r) for r in registrations},
            "order": [r.full_name for r in registrations],
        }
        for layout in LAYOUTS:
            out[layout] = badges.render_badges(event, registrations, layout)
        badges.save_badge_settings(event, {"width_mm": 85.6, "height_mm": 54.0})
        out["cr80"] = badges.render_badges(event, registrations, "single")
        db.session.rollback()
        _empty_all_tables()
        close_db()
    return out


@pytest.mark.parametrize("layout, pages", [("a6-sheet", 2), ("a6-folded", 7), ("single", 7)])
def test_page_count_and_size(printed, layout, pages):
    sizes = page_sizes_mm(printed[layout])
    assert len(sizes) == pages
    assert set(sizes) == {SIZES[layout]}


def test_cr80_cards_are_exactly_their_size(printed):
    assert set(page_sizes_mm(printed["cr80"])) == {(85.6, 54.0)}


@pytest.mark.parametrize("layout", ["a6-sheet", "a6-folded", "single", "cr80"])
def test_every_name_is_printed(printed, layout):
    # Long names wrap, and text extraction adds or drops a space at a line break.
    text = "".join("".join(page_texts(printed[layout])).split())
    for given, family, *_ in PEOPLE:
        assert "".join(f"{given}{family}".split()) in text, given


def test_folded_badge_has_the_name_on_both_sides(printed):
    first = page_texts(printed["a6-folded"])[0]
    assert first.count(printed["order"][0].split()[0]) == 2


def test_folded_back_reads_upright_once_folded(printed):
    """Front: the bottom-left quarter. Back: the top-left quarter, turned 180 degrees.
    Folding the right half back, then the top half back, flips the top half over the
    middle fold onto the back of the badge; seen from behind, that flip is a half turn. So
    the back's letters, turned half round about the quarter's centre, must land exactly
    where the front's are (and the back must not be the right half, which ends inside)."""
    pdf = printed["a6-folded"]
    wanted = "".join(printed["order"][0].split())
    boxes = [(c, box) for c, box in char_boxes_mm(pdf, 0) if not c.isspace()]
    text = "".join(c for c, _ in boxes)
    first = text.find(wanted)
    second = text.find(wanted, first + 1)
    assert 0 <= first < second
    front = [box for _, box in boxes[first : first + len(wanted)]]
    back = [box for _, box in boxes[second : second + len(wanted)]]
    for (left, top, right, bottom), (b_left, b_top, b_right, b_bottom) in zip(
        front, back, strict=True
    ):
        assert 0 <= left and right <= 105 and 148.5 <= top and bottom <= 297
        assert 0 <= b_left and b_right <= 105 and 0 <= b_top and b_bottom <= 148.5
        assert abs((105 - b_right) - left) < 0.3, (left, b_right)
        assert abs((148.5 - b_bottom) - (top - 148.5)) < 0.3, (top, b_bottom)
    # The bands: the front's at the foot of the sheet, the back's (upside down) at its head.
    blue = badges.DEFAULT_COLOURS["participant"]["background"]
    bands = sorted(
        (r.top, r.height) for r in filled_rects_mm(pdf, 0) if r.width == 105.0 and r.fill == blue
    )
    assert bands[0][0] == 0.0 and round(sum(bands[1]), 1) == 297.0


def test_folded_badge_has_two_working_qr_codes(printed):
    url = printed["urls"][printed["order"][0]]
    assert qr_codes(printed["a6-folded"], 0) == [url, url]


def test_fold_marks_and_hint_are_outside_the_badge(printed):
    pdf = printed["a6-folded"]
    marks = [r for r in filled_rects_mm(pdf, 0) if min(r.width, r.height) < 0.3]
    assert {(r.left, r.top) for r in marks if r.width < 0.3} == {(105.0, 0.0), (105.0, 289.0)}
    assert {r.top for r in marks if r.height < 0.3} == {148.5}
    hint = _name_boxes(pdf, 0, "Fold the right half back")
    assert all(left > 105 for left, _, _, _ in hint)  # in the right half, folded inside


def test_badges_follow_family_name_order(printed):
    # Accents and letters like Ł fold to their base letter; other scripts follow Latin.
    assert printed["order"] == [
        " ".join(SPANISH),
        "Ana Li",
        "Zoë Łukasiewicz-Škoda",
        "Σοφία Παπαδοπούλου",
        "Ирина Петрова",
        "ნინო ბერიძე",
        " ".join(GEORGIAN),
    ]


def test_qr_codes_read_back_as_checkin_urls(printed):
    single = printed["single"]
    assert qr_codes(single, 0) == [printed["urls"][printed["order"][0]]]
    sheet_codes = qr_codes(printed["a6-sheet"], 0)
    assert sorted(sheet_codes) == sorted(printed["urls"][n] for n in printed["order"][:4])
    assert all(url.startswith("https://events.example.org/checkin/forum/c/") for url in sheet_codes)


def test_qr_code_on_a_credit_card_badge_reads(printed):
    assert qr_codes(printed["cr80"], 0, scale=6) == [printed["urls"][printed["order"][0]]]


def _name_boxes(pdf, page, name):
    """The boxes of the characters of a text (a name, an organisation) where it first
    appears on the page, spaces left out."""
    wanted = [c for c in name if not c.isspace()]
    boxes = [(c, box) for c, box in char_boxes_mm(pdf, page) if not c.isspace()]
    start = next(
        i
        for i, (c, _) in enumerate(boxes)
        if c == wanted[0] and "".join(ch for ch, _ in boxes[i : i + len(wanted)]) == "".join(wanted)
    )
    return [box for _, box in boxes[start : start + len(wanted)]]


#: Where a badge's top left corner is on its page (mm), by layout and place on the page.
SLOTS = {
    "single": [(0, 0)],
    "cr80": [(0, 0)],
    "a6-folded": [(0, 148.5)],
    "a6-sheet": [(0, 0.5), (105, 0.5), (0, 148.5), (105, 148.5)],
}


@pytest.mark.parametrize(
    "layout, size",
    [
        ("single", (90.0, 120.0)),
        ("cr80", (85.6, 54.0)),
        ("a6-folded", (105.0, 148.5)),
        ("a6-sheet", (105.0, 148.0)),
    ],
)
@pytest.mark.parametrize("person", [GEORGIAN, SPANISH])
def test_longest_names_stay_inside_their_box(printed, layout, size, person):
    name = " ".join(person)
    index = printed["order"].index(name)
    slots = SLOTS[layout]
    page, offset = index // len(slots), slots[index % len(slots)]
    geo = geometry(*size, badge_settings_defaults()["fields"])
    boxes = [
        (left - offset[0], top - offset[1], right - offset[0], bottom - offset[1])
        for left, top, right, bottom in _name_boxes(printed[layout], page, name)
    ]
    assert len(boxes) == len(name.replace(" ", ""))
    tolerance = 0.3  # glyph boxes include side bearings
    for left, top, right, bottom in boxes:
        assert left >= geo.pad - tolerance, (left, name)
        assert right <= geo.pad + geo.name_width + tolerance, (right, name)
        assert top >= geo.name_top - tolerance, (top, name)
        assert bottom <= geo.name_top + geo.name_height + tolerance, (bottom, name)
    # and the name is large enough to read at a glance: at least 3 mm high letters
    assert max(b - t for _, t, _, b in boxes) > 3


@pytest.mark.parametrize("layout", ["single", "cr80", "a6-folded", "a6-sheet"])
def test_a_long_name_never_runs_into_a_long_organisation(printed, layout):
    """The Spanish participant has the longest name and organisation: two lines each."""
    name, organisation = " ".join(SPANISH), PEOPLE[5][2]
    index = printed["order"].index(name)
    page = index // len(SLOTS[layout])
    name_bottom = max(b for _, _, _, b in _name_boxes(printed[layout], page, name))
    organisation_top = min(t for _, t, _, _ in _name_boxes(printed[layout], page, organisation))
    # letters' boxes, not line boxes: a clear gap, not just no overlap
    assert organisation_top - name_bottom > 1.5, (name_bottom, organisation_top)


# --- sizes, places and colours, read from the drawing ----------------------------------------


def _backgrounds(pdf, page=0):
    """The badges' white backgrounds on a page: (left, top, width, height) in mm."""
    return sorted(
        (r.left, r.top, r.width, r.height)
        for r in filled_rects_mm(pdf, page)
        if r.fill == "#FFFFFF" and r.width > 40
    )


def test_four_a6_badges_fill_the_sheet_exactly(printed):
    assert _backgrounds(printed["a6-sheet"]) == [
        (0.0, 0.5, 105.0, 148.0),
        (0.0, 148.5, 105.0, 148.0),
        (105.0, 0.5, 105.0, 148.0),
        (105.0, 148.5, 105.0, 148.0),
    ]
    # the last sheet has the remaining three badges
    assert len(_backgrounds(printed["a6-sheet"], 1)) == 3


def test_sheet_has_crop_marks_on_the_cut_lines(printed):
    marks = {
        (r.left, r.top, r.width, r.height)
        for r in filled_rects_mm(printed["a6-sheet"])
        if r.fill == "#000000" and min(r.width, r.height) < 0.2
    }
    lines = {("v", round(r[0], 1)) if r[2] < 0.2 else ("h", round(r[1], 1)) for r in marks}
    assert lines == {("v", 105.0), ("h", 148.5)}
    # at all four edges of the paper, and a cross where the four badges meet
    vertical = sorted(r[1] for r in marks if r[2] < 0.2)
    horizontal = sorted(r[0] for r in marks if r[3] < 0.2)
    assert vertical[0] == 0 and vertical[-1] + 9 >= 297 - 0.1
    assert horizontal[0] == 0 and horizontal[-1] + 9 >= 210 - 0.1
    assert any(r[1] < 148.5 < r[1] + r[3] for r in marks if r[2] < 0.2)
    assert any(r[0] < 105 < r[0] + r[2] for r in marks if r[3] < 0.2)


def test_cards_fill_their_page(printed):
    assert _backgrounds(printed["single"]) == [(0.0, 0.0, 90.0, 120.0)]
    assert _backgrounds(printed["cr80"]) == [(0.0, 0.0, 85.6, 54.0)]


def test_category_band_has_the_colour_and_the_word(printed):
    settings = badge_settings_defaults()
    for page, (*_, category) in enumerate(
        sorted(PEOPLE, key=lambda p: printed["order"].index(f"{p[0]} {p[1]}"))
    ):
        band = [
            r
            for r in filled_rects_mm(printed["single"], page)
            if r.width == 90.0 and r.top + r.height == 120.0 and r.height < 20
        ]
        assert [r.fill for r in band] == [settings["colours"][category.value]["background"]]
        assert category.value.upper() in page_texts(printed["single"])[page]


def _luminance(colour):
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_default_band_colours_are_readable_and_told_apart():
    backgrounds = set()
    for colours in badges.DEFAULT_COLOURS.values():
        light, dark = sorted(
            (_luminance(colours["background"]), _luminance(colours["text"])), reverse=True
        )
        assert (light + 0.05) / (dark + 0.05) >= 4.5, colours  # WCAG AA contrast
        backgrounds.add(colours["background"])
    # Okabe & Ito's colour-blind safe palette, one colour per category
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert backgrounds <= okabe_ito and len(backgrounds) == len(badges.DEFAULT_COLOURS)


def test_long_names_get_smaller_type_than_short_ones(printed):
    geo = geometry(90, 120, badge_settings_defaults()["fields"])
    short = badges.fit_name(
        "Ana", "Li", width_mm=geo.name_width, height_mm=geo.name_height, max_pt=40, min_pt=8
    )
    long = badges.fit_name(
        *GEORGIAN, width_mm=geo.name_width, height_mm=geo.name_height, max_pt=40, min_pt=8
    )
    assert long[0].size_pt < short[0].size_pt
    # chosen by width, not length: narrow letters fit larger than wide ones
    narrow = badges.fit_text("Illiili Iliili", width_mm=60, max_lines=1, max_pt=60, min_pt=6)
    wide = badges.fit_text("Wommwmo Mowmwm", width_mm=60, max_lines=1, max_pt=60, min_pt=6)
    assert narrow.size_pt > wide.size_pt * 1.5


def badge_settings_defaults():
    return {"fields": dict(badges.DEFAULTS["fields"]), "colours": badges.DEFAULT_COLOURS}


# --- settings ---------------------------------------------------------------------------


def test_settings_have_defaults_and_ignore_bad_values(app):
    with app.app_context():
        event = factories.make_event(
            print_settings={
                "badges": {
                    "layout": "nonsense",
                    "width_mm": "12",
                    "height_mm": 100,
                    "colours": {
                        "speaker": {"background": "red;}</style><script>", "text": "#00ff00"}
                    },
                    "fields": {"qr": False, "evil": True},
                    "language": "xx",
                }
            }
        )
        settings = badge_settings(event)
    assert settings["layout"] == "a6-sheet"
    assert (settings["width_mm"], settings["height_mm"]) == (90.0, 100.0)
    assert settings["colours"]["speaker"] == {"background": "#D55E00", "text": "#00FF00"}
    assert settings["fields"]["qr"] is False and "evil" not in settings["fields"]
    assert settings["language"] == "en"


def test_checkin_url_is_on_the_public_base_url_whatever_the_request_host(app):
    with app.app_context():
        event = factories.make_event(slug="forum")
        registration = factories.make_registration(event)
        code = registration.checkin_code
        assert badges.checkin_url(registration) == f"http://localhost/checkin/forum/c/{code}"
    app.config["PUBLIC_BASE_URL"] = "https://example.org/events/"
    with app.test_request_context("/", base_url="http://badges.test:8080"):
        registration = db.session.merge(registration)
        assert (
            badges.checkin_url(registration) == f"https://example.org/events/checkin/forum/c/{code}"
        )


# --- print runs: command line ------------------------------------------------------------


@pytest.fixture
def small_event(app):
    """Three confirmed people (one speaker), one cancelled."""
    with app.app_context():
        event = factories.make_event(slug="small", title="Small 2030")
        factories.make_registration(
            event, given_name="Bruno", family_name="Zeller", organisation="Alpha", country="BE"
        )
        factories.make_registration(
            event, given_name="Chloé", family_name="Aubert", organisation="Zulu", country="FR"
        )
        factories.make_registration(
            event,
            given_name="Dmitri",
            family_name="Morozov",
            organisation="Mike",
            country="AM",
            category=Category.SPEAKER,
        )
        factories.make_registration(
            event, given_name="Eve", family_name="Cancelled", status=Status.CANCELLED
        )
        db.session.commit()
    return "small"


def _printed(app):
    with app.app_context():
        return {r.given_name: r.printed_at for r in db.session.scalars(select(Registration))}


def test_cli_unprinted_runs_print_each_badge_once(app, runner, small_event, tmp_path):
    out = tmp_path / "first.pdf"
    result = runner.invoke(
        args=["badges", small_event, "-o", str(out), "--unprinted", "--layout", "single"]
    )
    assert result.exit_code == 0, result.output
    assert "3 badges" in result.output
    texts = page_texts(out.read_bytes())
    assert [t.split("\n")[1] for t in texts] == ["Chloé", "Dmitri", "Bruno"]  # by family name
    printed = _printed(app)
    assert printed["Eve"] is None and all(printed[n] for n in ("Bruno", "Chloé", "Dmitri"))

    again = runner.invoke(
        args=["badges", small_event, "-o", str(tmp_path / "2.pdf"), "--unprinted"]
    )
    assert again.exit_code != 0 and "nothing printed" in again.output
    assert not (tmp_path / "2.pdf").exists()


def test_cli_category_sort_and_reprint(app, runner, small_event, tmp_path):
    out = tmp_path / "b.pdf"
    result = runner.invoke(
        args=[
            "badges",
            small_event,
            "-o",
            str(out),
            "--layout",
            "single",
            "--category",
            "participant",
            "--sort",
            "organisation",
        ]
    )
    assert result.exit_code == 0, result.output
    assert [t.split("\n")[1] for t in page_texts(out.read_bytes())] == ["Bruno", "Chloé"]

    result = runner.invoke(
        args=["badges", small_event, "-o", str(out), "--layout", "single", "--sort", "country"]
    )
    # Armenia, Belgium, France
    assert [t.split("\n")[1] for t in page_texts(out.read_bytes())] == ["Dmitri", "Bruno", "Chloé"]

    with app.app_context():
        dmitri = db.session.scalar(select(Registration).where(Registration.given_name == "Dmitri"))
        dmitri_id, first_print = dmitri.id, dmitri.printed_at
    result = runner.invoke(
        args=[
            "badges",
            small_event,
            "-o",
            str(out),
            "--id",
            str(dmitri_id),
            "--layout",
            "a6-folded",
        ]
    )
    assert result.exit_code == 0, result.output
    assert page_sizes_mm(out.read_bytes()) == [(210.0, 297.0)]
    assert "Dmitri" in page_texts(out.read_bytes())[0]
    assert _printed(app)["Dmitri"] > first_print


def test_cli_unknown_event(runner, app, tmp_path):
    result = runner.invoke(args=["badges", "nope", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "No event" in result.output


# --- print runs: the organisers' page ------------------------------------------------------


@pytest.fixture
def my_event(app, organiser, small_event):
    """The small event, managed by the signed-in organiser: its slug."""
    with app.app_context():
        from eventapp.models import Event, User

        user = db.session.scalar(select(User).where(User.email == organiser.email))
        event = db.session.scalar(select(Event).where(Event.slug == small_event))
        event.managers.append(user)
        db.session.commit()
    return small_event


def test_page_shows_counts_preview_and_nav(client, my_event):
    page = client.get(f"/manage/events/{my_event}/badges")
    assert page.status_code == 200
    assert "3 confirmed registrations, 3 of them without a printed badge" in page.text
    assert f'href="/manage/events/{my_event}/badges"' in page.text  # the nav link
    assert "preview.png" in page.text

    preview = client.get(f"/manage/events/{my_event}/badges/preview.png?layout=single")
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(preview.data))
    assert image.width == 700 and abs(image.height / image.width - 120 / 90) < 0.01
    assert _printed(client.application)["Bruno"] is None  # a preview prints nothing


def test_page_prints_unprinted_and_marks_them(client, my_event, app):
    page = client.get(f"/manage/events/{my_event}/badges?which=unprinted&category=speaker")
    assert "1 badge in this run" in page.text
    response = client.post(
        f"/manage/events/{my_event}/badges/print",
        data={
            "csrf_token": csrf_token_from(page.text),
            "layout": "a6-sheet",
            "which": "unprinted",
            "category": "speaker",
            "sort": "family_name",
        },
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "Dmitri" in page_texts(response.data)[0]
    printed = _printed(app)
    assert printed["Dmitri"] is not None and printed["Bruno"] is None

    again = client.post(
        f"/manage/events/{my_event}/badges/print",
        data={
            "csrf_token": csrf_token_from(page.text),
            "layout": "a6-sheet",
            "which": "unprinted",
            "category": "speaker",
            "sort": "family_name",
        },
    )
    assert again.status_code == 302
    assert "nothing to print" in client.get(again.headers["Location"]).text


def test_print_needs_csrf(client, my_event, app):
    response = client.post(
        f"/manage/events/{my_event}/badges/print",
        data={"layout": "single", "which": "all", "sort": "family_name"},
    )
    assert response.status_code == 400
    assert _printed(app)["Bruno"] is None


def test_reprint_needs_a_registration_number(client, my_event):
    page = client.get(f"/manage/events/{my_event}/badges")
    response = client.post(
        f"/manage/events/{my_event}/badges/print",
        data={
            "csrf_token": csrf_token_from(page.text),
            "layout": "single",
            "which": "one",
            "sort": "family_name",
        },
    )
    assert response.status_code == 422
    assert "Give the number of the registration to reprint." in response.text


def test_settings_are_saved_and_used(client, my_event, app):
    page = client.get(f"/manage/events/{my_event}/badges")
    data = {
        "csrf_token": csrf_token_from(page.text),
        "layout": "single",
        "width_mm": "85.6",
        "height_mm": "54",
        "language": "fr",
        "sort": "country",
        "show_qr": "y",
        "show_family_name": "y",
        "show_country": "y",
        "show_category": "y",
    }
    for category in Category:
        data[f"{category.value}_background"] = "#000000"
        data[f"{category.value}_text"] = "#FFFFFF"
    bad = client.post(
        f"/manage/events/{my_event}/badges/settings", data={**data, "speaker_background": "red"}
    )
    assert bad.status_code == 422
    saved = client.post(f"/manage/events/{my_event}/badges/settings", data=data)
    assert saved.status_code == 302
    with app.app_context():
        from eventapp.models import Event

        settings = badge_settings(db.session.scalar(select(Event).where(Event.slug == my_event)))
    assert settings["layout"] == "single" and settings["width_mm"] == 85.6
    assert settings["fields"]["organisation"] is False and settings["fields"]["qr"] is True
    page = client.get(f"/manage/events/{my_event}/badges")
    response = client.post(
        f"/manage/events/{my_event}/badges/print",
        data={
            "csrf_token": csrf_token_from(page.text),
            "layout": "single",
            "which": "all",
            "sort": "country",
        },
    )
    pdf = response.data
    assert page_sizes_mm(pdf) == [(85.6, 54.0)] * 3
    first = page_texts(pdf)[0]
    assert "Dmitri" in first and "Arménie" in first  # country names in French
    assert "Mike" not in first  # organisation switched off


def test_other_organisers_and_visitors_cannot_print(client, app, make_user, sign_in, small_event):
    assert client.get(f"/manage/events/{small_event}/badges").status_code == 302
    make_user("other@example.org")
    sign_in("other@example.org")
    assert client.get(f"/manage/events/{small_event}/badges").status_code == 403
    assert client.get(f"/manage/events/{small_event}/badges/preview.png").status_code == 403


def test_printed_at_is_stamped_with_a_time(app, small_event):
    with app.app_context():
        from eventapp.models import Event

        event = db.session.scalar(select(Event).where(Event.slug == small_event))
        run = badges.print_badges(event, layout="single", category="speaker")
        assert [r.given_name for r in run.registrations] == ["Dmitri"]
        assert run.registrations[0].printed_at.tzinfo is not None
        assert run.registrations[0].printed_at <= datetime.now(UTC)


def test_large_runs_are_split_over_workers_in_order():
    """Parts laid out in worker processes, merged in order, each font subset kept small."""
    from eventapp.printing.fetcher import SafeFetcher
    from eventapp.printing.fonts import STATIC
    from eventapp.printing.render import render_chunks

    htmls = [f"<p>Chunk {i} ნინო</p>" for i in range(7)]  # two parts of 4 + 3
    pdf = render_chunks(htmls, workers=2, fetcher=SafeFetcher(STATIC))
    texts = page_texts(pdf)
    assert [t.split()[1] for t in texts] == [str(i) for i in range(7)]
    assert all("ნინო" in t for t in texts)


def test_logo_event_name_and_fields_switched_off(app):
    """The header shows the event's logo and name; each optional part can be left out."""
    from pathlib import Path

    from PIL import Image

    from .pdfcheck import reader

    logos = Path(app.instance_path) / "uploads" / "logos"
    logos.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (60, 20), "#AA0000").save(logos / "forum.png")
    with app.app_context():
        event = factories.make_event(slug="logo", title="Logo Forum", logo="logos/forum.png")
        registration = factories.make_registration(
            event, given_name="Ana", family_name="Li", organisation="Org Xyz", country="FR"
        )
        db.session.commit()
        full = badges.render_badges(event, [registration], "single")
        badges.save_badge_settings(
            event,
            {
                "fields": {
                    "logo": False,
                    "event_name": False,
                    "organisation": False,
                    "country": False,
                    "category": False,
                    "qr": False,
                    "family_name": True,
                }
            },
        )
        bare = badges.render_badges(event, [registration], "single")
        db.session.rollback()

    text = page_texts(full)[0]
    for part in ("Logo Forum", "Ana", "Li", "Org Xyz", "France", "PARTICIPANT"):
        assert part in text, part
    images = sorted(image.image.size for image in reader(full).pages[0].images)
    assert (60, 20) in images and len(images) == 2  # the logo and the QR code
    assert len(qr_codes(full)) == 1

    text = page_texts(bare)[0]
    assert "Ana" in text and "Li" in text
    for part in ("Logo Forum", "Org Xyz", "France", "PARTICIPANT"):
        assert part not in text, part
    assert list(reader(bare).pages[0].images) == [] and qr_codes(bare) == []
    assert not [r for r in filled_rects_mm(bare) if r.fill == "#0072B2"]  # no band


def test_parts_are_bounded_and_shared_evenly_between_workers():
    from eventapp.printing.render import CHUNKS_PER_PART, part_sizes

    for chunks in range(1, 60):
        for workers in (1, 2, 4):
            sizes = part_sizes(chunks, workers)
            assert sum(sizes) == chunks and max(sizes) <= CHUNKS_PER_PART
            assert max(sizes) - min(sizes) <= 1
            if chunks >= workers:
                assert len(sizes) % workers == 0 or len(sizes) == chunks
    assert part_sizes(10, 2) == [5, 5]  # 1,000 badges: a part per worker
    assert part_sizes(11, 2) == [3, 3, 3, 2]  # not 5, 5, 1: no worker idle at the end


def test_garbage_collection_is_put_back_after_a_render():
    """Layout collects garbage less often (render.fewer_collections), then not any more."""
    import gc

    from eventapp.printing.render import LAYOUT_GC_THRESHOLD, fewer_collections

    before = gc.get_threshold()
    with fewer_collections():
        with fewer_collections():
            assert gc.get_threshold() == LAYOUT_GC_THRESHOLD
        assert gc.get_threshold() == LAYOUT_GC_THRESHOLD
    assert gc.get_threshold() == before
