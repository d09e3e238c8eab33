"""Organiser-written text in each of the event's languages (core/translated.py): the
helpers directly, then as people get it: the pages, the programme PDF and the feeds."""

import pytest
from flask import render_template_string
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
from eventapp.models import Event, QuestionKind

from .factories import make_event, make_item, make_question, make_room

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
