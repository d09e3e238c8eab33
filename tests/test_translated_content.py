"""Organiser-written text in each of the event's languages (core/translated.py): the
helpers directly, then as people get it: the pages, the programme PDF and the feeds."""

import html
import re

import icalendar
import lxml.html
import pytest
from flask import render_template_string
from flask_babel import refresh
from sqlalchemy import select

from eventapp.core.translated import (
    Localized,
    completeness,
    event_languages,
    localized,
    localized_choices,
    set_translation,
    set_translations,
)
from eventapp.extensions import db
from eventapp.models import AgendaItem, ChangeLogEntry, Event, QuestionKind, User, UserRole

from .factories import make_event, make_item, make_question, make_room
from .pdfcheck import page_texts
from .pdftags import tagged_languages
from .test_exports import schedule_of
from .test_exports_c3voc import c3voc_of

# --- The helpers ------------------------------------------------------------------------


def test_event_languages_main_first_others_in_switcher_order(app):
    with app.app_context():
        event = make_event(language="fr", extra_languages=["pt", "en", "fr", "xx"])
        assert event_languages(event) == ["fr", "en", "pt"]
        assert event_languages(make_event()) == ["en"]  # the defaults: English alone
        db.session.flush()
        assert event_languages(make_event(extra_languages=[])) == ["en"]


def test_localized_falls_back_to_the_main_language_and_says_so(app):
    with app.app_context():
        event = make_event(language="en", extra_languages=["fr", "es"])
        item = make_item(event, title="Opening", description="Welcome")
        item.translations = {"fr": {"title": "Ouverture", "description": "  "}}
        db.session.flush()
        assert localized(item, "title", "fr") == Localized("Ouverture", "fr")
        # Blank is missing: the main text, in the main language.
        assert localized(item, "description", "fr") == Localized("Welcome", "en")
        assert localized(item, "title", "es") == Localized("Opening", "en")
        assert localized(item, "title", "en") == Localized("Opening", "en")
        # A language the event does not offer (any more) shows the main text.
        item.translations = {**item.translations, "pt": {"title": "Abertura"}}
        assert localized(item, "title", "pt") == Localized("Opening", "en")
        event.extra_languages = ["fr", "es", "pt"]
        assert localized(item, "title", "pt") == Localized("Abertura", "pt")


def test_set_translation_drops_empty_text_and_is_seen_by_sqlalchemy(app):
    with app.app_context():
        event = make_event(extra_languages=["fr"])
        room = make_room(event, name="Plenary")
        db.session.commit()
        assert set_translation(room, "fr", "name", "  Salle plénière ")
        db.session.commit()  # a new dict: the change reaches the database
        db.session.expire_all()
        room = db.session.scalar(select(Event)).rooms[0]
        assert room.translations == {"fr": {"name": "Salle plénière"}}
        assert not set_translation(room, "fr", "name", "Salle plénière")  # no change
        assert set_translation(room, "fr", "name", "")
        assert room.translations == {}  # the language goes with its last text
        db.session.commit()
        db.session.expire_all()
        assert db.session.scalar(select(Event)).rooms[0].translations == {}
        with pytest.raises(ValueError):
            set_translation(room, "en", "name", "The main text is the column")
        with pytest.raises(ValueError):
            set_translation(room, "fr", "capacity", "12")


def test_set_translations_gives_the_change_log_its_changes(app):
    with app.app_context():
        event = make_event(extra_languages=["fr", "es"])
        item = make_item(event, title="Opening")
        changes = set_translations(
            item, {"fr": {"title": "Ouverture", "description": ""}, "es": {"title": ""}}
        )
        assert changes == {"title__fr": ["", "Ouverture"]}
        assert item.translations == {"fr": {"title": "Ouverture"}}


def test_completeness_counts_only_texts_written_in_the_main_language(app):
    with app.app_context():
        event = make_event(extra_languages=["fr"])
        first = make_item(event, title="Opening", description="Welcome")
        second = make_item(event, title="Lunch", description="")  # nothing to translate
        set_translation(first, "fr", "title", "Ouverture")
        db.session.flush()
        assert completeness([first, second], ("title", "description"), "fr") == (1, 3)
        set_translation(second, "fr", "title", "Déjeuner")
        assert completeness([first, second], None, "fr") == (2, 3)
        assert completeness([first, second], None, "es") == (0, 3)


def test_question_choices_translate_as_a_whole_list_or_each(app):
    with app.app_context():
        event = make_event(extra_languages=["fr"])
        question = make_question(
            event, kind=QuestionKind.SINGLE_CHOICE, label="Lunch?", choices=["Fish", "Vegan"]
        )
        db.session.flush()
        set_translation(question, "fr", "choices", ["Poisson", ""])
        # Half translated: the list as a whole is the main one, each choice its own.
        assert localized(question, "choices", "fr") == Localized(["Fish", "Vegan"], "en")
        assert localized_choices(question, "fr") == [
            Localized("Poisson", "fr"),
            Localized("Vegan", "en"),
        ]
        assert completeness([question], ("choices",), "fr") == (0, 1)
        set_translation(question, "fr", "choices", ["Poisson", "Végétalien"])
        assert localized(question, "choices", "fr").text == ["Poisson", "Végétalien"]
        assert completeness([question], ("choices",), "fr") == (1, 1)


def render(app, source: str, lang: str, **context) -> str:
    with app.test_request_context(f"/?lang={lang}"):
        refresh()  # the app context (and Babel's choice in it) outlives each request here
        return render_template_string(source, **context)


def test_template_helpers_mark_fallback_text_and_escape(app):
    with app.app_context():
        event = make_event(extra_languages=["fr", "pt"])
        item = make_item(event, title="Opening <b>now</b>", description="**Hello**")
        set_translation(item, "fr", "title", "Ouverture <script>x</script>")
        set_translation(item, "fr", "description", "**Bonjour**")
        db.session.flush()
        template = '{{ t(item, "title") }}|{{ t_markdown(item, "description") }}'
        assert render(app, template, "fr", item=item) == (
            "Ouverture &lt;script&gt;x&lt;/script&gt;|<p><strong>Bonjour</strong></p>\n"
        )
        assert render(app, template, "en", item=item) == (
            "Opening &lt;b&gt;now&lt;/b&gt;|<p><strong>Hello</strong></p>\n"
        )
        # Portuguese page, no Portuguese text: English, said to be English.
        assert render(app, template, "pt", item=item) == (
            '<span lang="en">Opening &lt;b&gt;now&lt;/b&gt;</span>|'
            '<div lang="en"><p><strong>Hello</strong></p>\n</div>'
        )
        # The interface is French and the event's main language Portuguese: pt-PT.
        event.language, event.extra_languages = "pt", ["en"]
        assert render(app, '{{ t(item, "title") }}', "fr", item=item).startswith(
            '<span lang="pt-PT">'
        )
        assert render(app, '<title>{{ t_plain(item, "title") }}</title>', "en", item=item) == (
            "<title>Opening &lt;b&gt;now&lt;/b&gt;</title>"
        )


# --- As people get it: the demo's pages ---------------------------------------------------


def demo_agenda() -> list[dict]:
    from eventapp.demo.loader import read_data

    return read_data()["agenda"]


def text_of(page: str) -> str:
    """The page's text as read, entities decoded (French apostrophes come as &#39;)."""
    return html.unescape(page)


@pytest.fixture
def manager(app, demo, make_user, sign_in):
    """An organiser who manages the demo, signed in."""
    user_id = make_user("manager@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()
    return sign_in("manager@example.org")


def test_french_agenda_shows_the_french_titles_and_no_english_one(client, demo):
    page = client.get(f"/events/{demo}/agenda?lang=fr").text
    assert '<html lang="fr">' in page
    text = text_of(page)
    for spec in demo_agenda():
        assert spec["translations"]["fr"]["title"] in text
        assert spec["title"] not in text, spec["title"]
    # Translated text is in the page's language: no lang of its own.
    assert '<h3 class="agenda-item__title">Déjeuner</h3>' in page
    assert '<span class="room">Salle plénière</span>' in page


def test_spanish_agenda_shows_the_spanish_titles_and_room_names(client, demo):
    text = text_of(client.get(f"/events/{demo}/agenda?lang=es").text)
    for spec in demo_agenda():
        assert spec["translations"]["es"]["title"] in text
        assert spec["title"] not in text, spec["title"]
    assert "Sala plenaria" in text and "Vestíbulo" in text


def test_french_speaker_pages_show_the_french_positions_and_bios(app, client, demo):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        person = next(p for p in event.people if p.family_name == "Nakato")
        url = f"/events/{demo}/speakers/{person.id}?lang=fr"
    page = text_of(client.get(url).text)
    assert "Responsable de la formation, direction de la citoyenneté" in page
    assert "Titulaire d'un doctorat en sciences de l'éducation" in page
    assert "leads the training function" not in page
    assert "Table ronde 3" in page  # her session, by its French title
    speakers = text_of(client.get(f"/events/{demo}/speakers?lang=fr").text)
    assert "Conseillère principale en politiques" in speakers
    assert "Senior Policy Adviser" not in speakers


def test_portuguese_pages_show_english_marked_as_english(client, demo):
    page = client.get(f"/events/{demo}/agenda?lang=pt").text
    assert '<html lang="pt-PT">' in page
    assert (
        '<h3 class="agenda-item__title"><span lang="en">Welcome and opening remarks</span></h3>'
        in page
    )
    assert '<div lang="en"><p>Collection of badges and welcome coffee' in page
    assert '<span class="room"><span lang="en">Plenary hall</span></span>' in page
    event_page = client.get(f"/events/{demo}/?lang=pt").text
    assert '<h1 class="hero__title"><span lang="en">MIEUX Impact Event</span></h1>' in event_page
    assert '<span class="figure__label"><span lang="en">requests received</span></span>' in (
        event_page
    )


def test_french_event_page_translates_the_event_itself(client, demo):
    page = client.get(f"/events/{demo}/?lang=fr").text
    assert "<title>Événement d&#39;impact MIEUX</title>" in page
    assert '<h1 class="hero__title">Événement d&#39;impact MIEUX</h1>' in page
    assert "Centre de conférences Maison du Dialogue" in page
    assert "<h2>MIEUX en chiffres</h2>" in page
    assert "demandes reçues" in page
    assert "requests received" not in page


def test_switcher_and_alternates_offer_the_events_languages_only(app, client, demo):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        event.extra_languages = ["fr"]
        db.session.commit()
    page = client.get(f"/events/{demo}/agenda?lang=fr").text
    switcher = page.split('class="lang-switch"')[1].split("</nav>")[0]
    assert "?lang=en" in switcher and "français" in switcher
    assert "?lang=es" not in switcher and "?lang=pt" not in switcher
    assert 'hreflang="fr"' in page and 'hreflang="en"' in page
    assert 'hreflang="es"' not in page and 'hreflang="pt-PT"' not in page
    # A visitor on a Spanish interface still sees where they are, as the current language.
    spanish = client.get(f"/events/{demo}/agenda?lang=es").text
    assert '<span aria-current="true" lang="es">español</span>' in spanish
    assert '<html lang="es">' in spanish
    # Pages of no event offer every language.
    login = client.get("/login?lang=fr").text.split('class="lang-switch"')[1]
    assert all(f"?lang={code}" in login for code in ("en", "es", "pt"))


# --- Organisers ---------------------------------------------------------------------------


def form_values(page: str, action_contains: str = "") -> dict[str, str | list[str]]:
    """What the page's form would send as it is (the first post form whose action
    matches): a list for a name sent several times (ticked checkboxes)."""
    document = lxml.html.fromstring(page)
    form = next(
        f
        for f in document.forms
        if f.method.lower() == "post" and action_contains in (f.action or "")
    )
    values: dict[str, list[str]] = {}
    for name, value in form.form_values():
        values.setdefault(name, []).append(value)
    return {name: v[0] if len(v) == 1 else v for name, v in values.items()}


def item_of(app, slug: str, title: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(AgendaItem.id).join(Event).where(Event.slug == slug, AgendaItem.title == title)
        )


def test_an_organiser_adds_a_portuguese_title_and_sees_it_on_the_portuguese_page(
    app, client, demo, manager
):
    item_id = item_of(app, demo, "Welcome and opening remarks")
    url = f"/manage/events/{demo}/agenda/{item_id}"
    page = manager.get(url).text
    # A fieldset per other language, its inputs marked with their language.
    assert '<fieldset class="translation" id="translation-pt">' in page
    assert re.search(r'<input[^>]*id="title__pt"[^>]*lang="pt-PT"', page)
    assert 'value="Mot de bienvenue et allocutions d&#39;ouverture"' in page
    data = form_values(page)
    assert data["title__fr"] == "Mot de bienvenue et allocutions d'ouverture"
    data["title__pt"] = "Boas-vindas e sessão de abertura"
    response = manager.post(url, data)
    assert response.status_code == 302, response.text
    portuguese = client.get(f"/events/{demo}/agenda?lang=pt").text
    assert '<h3 class="agenda-item__title">Boas-vindas e sessão de abertura</h3>' in portuguese
    # Its description is still English, and says so; the French texts were kept.
    assert '<div lang="en"><p>Opening of the MIEUX Impact Event' in portuguese
    assert "Mot de bienvenue et allocutions" in text_of(
        client.get(f"/events/{demo}/agenda?lang=fr").text
    )
    with app.app_context():
        log = db.session.scalars(select(ChangeLogEntry).order_by(ChangeLogEntry.id.desc())).first()
        assert log.changes == {"title__pt": ["", "Boas-vindas e sessão de abertura"]}


def test_a_too_long_translation_is_refused_next_to_its_field(app, demo, manager):
    item_id = item_of(app, demo, "Lunch")
    url = f"/manage/events/{demo}/agenda/{item_id}"
    data = form_values(manager.get(url).text)
    data["title__es"] = "x" * 301  # the title column holds 300
    response = manager.post(url, data)
    assert response.status_code == 422
    error = response.text.split('id="title__es-error"')[1].split("</p>")[0]
    assert "300" in error
    field = re.search(r'<input[^>]*id="title__es"[^>]*>', response.text).group(0)
    assert 'aria-invalid="true"' in field and 'lang="es"' in field
    with app.app_context():
        assert db.session.get(AgendaItem, item_id).translations["es"] == {"title": "Almuerzo"}


def test_room_and_speaker_forms_edit_their_translations(app, client, demo, manager):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        room_id = event.rooms[0].id
        person_id = next(p.id for p in event.people if p.family_name == "Sjöholm")
    room_url = f"/manage/events/{demo}/rooms/{room_id}"
    data = form_values(manager.get(room_url).text)
    assert data["name__fr"] == "Salle plénière" and data["name__es"] == "Sala plenaria"
    data["name__pt"] = "Sala plenária"
    assert manager.post(room_url, data).status_code == 302
    speaker_url = f"/manage/events/{demo}/speakers/{person_id}"
    page = manager.get(speaker_url).text
    assert 'id="bio__fr"' in page
    data = form_values(page)
    data["position__pt"] = "Conselheira política sénior"
    assert manager.post(speaker_url, data).status_code == 302
    agenda = client.get(f"/events/{demo}/agenda?lang=pt").text
    assert '<span class="room">Sala plenária</span>' in agenda
    speaker = client.get(f"/events/{demo}/speakers/{person_id}?lang=pt").text
    assert '<p class="speaker-card__position">Conselheira política sénior</p>' in speaker
    assert '<div class="prose"><div lang="en"><p>Åsa Sjöholm is a senior policy adviser' in speaker


def test_completeness_indicator_counts_the_texts_of_each_language(app, demo, manager):
    page = manager.get(f"/manage/events/{demo}/agenda").text
    # 12 titles, 9 descriptions and 2 rooms; French and Spanish have them all.
    assert "French: 23 of 23 texts translated" in page
    assert "Spanish: 23 of 23 texts translated" in page
    assert "Portuguese: 0 of 23 texts translated" in page
    item_id = item_of(app, demo, "Lunch")
    url = f"/manage/events/{demo}/agenda/{item_id}"
    data = form_values(manager.get(url).text)
    data["title__pt"] = "Almoço"
    data["title__fr"] = ""  # emptied: missing again
    assert manager.post(url, data).status_code == 302
    page = manager.get(f"/manage/events/{demo}/agenda").text
    assert "French: 22 of 23 texts translated" in page
    assert "Portuguese: 1 of 23 texts translated" in page
    # The settings count everything of the event: its own texts, speakers too.
    settings = manager.get(f"/manage/events/{demo}/settings").text
    counts = dict(
        (language, (int(done), int(total)))
        for language, done, total in re.findall(r"(\w+): (\d+) of (\d+) texts translated", settings)
    )
    assert counts["French"] == (counts["French"][1] - 1, counts["French"][1])
    assert counts["Spanish"] == (23, counts["French"][1])
    assert counts["French"][1] >= 4 + 23 + 17 * 2  # event, agenda and rooms, 17 speakers


def test_settings_choose_the_languages_and_refuse_one_not_offered(app, client, demo, manager):
    url = f"/manage/events/{demo}/settings"
    page = manager.get(url).text
    assert 'id="title__fr"' in page and 'lang="es"' in page
    data = form_values(page, "")
    data["language"] = "de"
    response = manager.post(url, data)
    assert response.status_code == 422
    error = response.text.split('id="language-error"')[1].split("</p>")[0]
    assert "Choose one of the languages offered." in error
    # Main language French, English offered beside it; Spanish and Portuguese dropped.
    data = form_values(page, "")
    data["language"] = "fr"
    data["extra_languages"] = ["en", "fr"]
    response = manager.post(url, data)
    assert response.status_code == 302, response.text
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        assert (event.language, event.extra_languages) == ("fr", ["en"])
    # The columns now count as French: an English page marks them so.
    english = client.get(f"/events/{demo}/agenda?lang=en").text
    assert '<h3 class="agenda-item__title"><span lang="fr">Lunch</span></h3>' in english


# --- The programme and the feeds ------------------------------------------------------------


def flat(text: str) -> str:
    """Runs of white space (no-break spaces of French typography too) as one space."""
    return re.sub(r"\s+", " ", text).strip()


def test_french_programme_pdf_has_the_french_titles(client, demo):
    response = client.get(f"/events/{demo}/programme.pdf?lang=fr")
    assert response.status_code == 200
    text = flat(" ".join(page_texts(response.data)))
    for spec in demo_agenda():
        assert flat(spec["translations"]["fr"]["title"]) in text, spec["title"]
        assert spec["title"] not in text, spec["title"]
    assert "Titulaire d'un doctorat" in text  # a bio
    assert "salle plénière" in text.lower()  # set in small capitals beside the kind


def test_portuguese_programme_marks_english_text_as_english(client, demo):
    """Fallback text carries its language into the tagged PDF, as on the pages."""
    pdf = client.get(f"/events/{demo}/programme.pdf?lang=pt").data
    spans = tagged_languages(pdf)
    english = [s for s in spans if s.lang == "en"]
    assert any(s.text == "Welcome and opening remarks" for s in english), english[:20]
    assert any(s.text.lower() == "plenary hall" for s in english)  # small capitals
    assert not any(s.lang == "en" and "Programa" in s.text for s in spans)


def test_feeds_in_spanish(app, client, demo):
    titles = {spec["title"]: spec["translations"]["es"]["title"] for spec in demo_agenda()}
    calendar = icalendar.Calendar.from_ical(client.get(f"/events/{demo}/agenda.ics?lang=es").data)
    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert summaries == set(titles.values())
    xml = client.get(f"/events/{demo}/schedule.xml?lang=es")
    root = schedule_of(xml)
    assert {e.findtext("title") for e in root.iter("event")} == set(titles.values())
    assert {e.findtext("language") for e in root.iter("event")} == {"es"}
    assert {r.get("name") for r in root.iter("room")} >= {"Sala plenaria", "Vestíbulo"}
    c3voc = c3voc_of(client.get(f"/events/{demo}/schedule.json?lang=es"))
    events = [
        e
        for day in c3voc["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for e in room
    ]
    assert {e["title"] for e in events} == set(titles.values())
    ours = client.get(f"/events/{demo}/agenda.json?lang=es").json
    assert {i["title"] for i in ours["items"]} == set(titles.values())
    assert ours["language"] == "es" and ours["event"]["languages"] == ["en", "fr", "es", "pt"]
    # No ?lang=: the main language, whatever the visitor's interface.
    plain = client.get(f"/events/{demo}/agenda.json", headers={"Accept-Language": "fr"}).json
    assert {i["title"] for i in plain["items"]} == set(titles)
    # Each language its own ETag: a cache never answers Spanish with English.
    assert (
        client.get(f"/events/{demo}/schedule.xml?lang=es").headers["ETag"]
        != client.get(f"/events/{demo}/schedule.xml?lang=en").headers["ETag"]
    )


def test_hostile_translations_are_escaped_on_pages_and_in_the_pdf(app, client, demo):
    hostile = '<script>alert("x")</script> & <b>bold</b>'
    with app.app_context():
        item = db.session.get(AgendaItem, item_of(app, demo, "Lunch"))
        set_translation(item, "fr", "title", hostile)
        db.session.commit()
    page = client.get(f"/events/{demo}/agenda?lang=fr").text
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    pdf = client.get(f"/events/{demo}/programme.pdf?lang=fr").data
    assert hostile in flat(" ".join(page_texts(pdf)))
