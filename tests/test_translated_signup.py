"""What the organisers translated reaches participants: the sign-up form's questions and
choices, the privacy notice, the event's title on their pages, in their e-mails (read
from a real SMTP server), on their certificate (the PDF read back) and badge. Answers keep
the main language's choice, so the desk and the exports are unchanged."""

from datetime import date, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from eventapp.core.translated import set_translation
from eventapp.extensions import db
from eventapp.models import Category, Event, QuestionKind, Registration
from eventapp.models.types import utcnow

from .conftest import csrf_token_from
from .factories import make_event, make_question, make_registration
from .pdfcheck import page_texts

SPANISH_TITLE = "Evento de Impacto MIEUX"
FRENCH_TITLE = "Forum des migrations"


def sign_up(client, slug: str, lang: str, **answers) -> None:
    url = f"/events/{slug}/register?lang={lang}"
    token = csrf_token_from(client.get(url).text)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "given_name": "Paula",
            "family_name": "Caballero",
            "email": "paula@example.org",
            "organisation": "DGME",
            "country": "CR",
            "dietary": "none",
            "privacy_consent": "y",
            **answers,
        },
    )
    assert response.status_code == 302, response.text


@pytest.fixture
def open_demo(app) -> str:
    """The demo event, upcoming (its sign-up open), with a Spanish title and venue."""
    from eventapp.demo.loader import load_demo

    with app.app_context():
        load_demo(on=date.today() + timedelta(days=30))
        event = db.session.scalar(select(Event))
        assert "es" in event.extra_languages
        set_translation(event, "es", "title", SPANISH_TITLE)
        set_translation(event, "es", "venue_name", "Centro de Conferencias Maison du Dialogue")
        db.session.commit()
        return event.slug


def test_signing_up_in_spanish_brings_the_e_mail_in_spanish(app, client, smtp, open_demo):
    sign_up(client, open_demo, "es")
    [message] = smtp.wait_for(1)
    assert SPANISH_TITLE in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert SPANISH_TITLE in text and SPANISH_TITLE in page
    assert "Centro de Conferencias Maison du Dialogue" in text
    assert "MIEUX Impact Event" not in text
    assert '<html lang="es">' in page
    # The agenda attached has the Spanish titles the demo ships.
    [ics] = [part for part in message.iter_attachments() if part.get_filename() == "agenda.ics"]
    assert "Llegada y acreditación" in ics.get_content()
    with app.app_context():
        language = select(Registration.language).where(Registration.email == "paula@example.org")
        assert db.session.scalar(language) == "es"


def test_a_main_language_e_mail_where_nothing_is_translated(client, smtp, open_demo):
    """Portuguese is offered but the demo's title is not translated: the main one."""
    sign_up(client, open_demo, "pt")
    [message] = smtp.wait_for(1)
    assert "MIEUX Impact Event" in message["Subject"]
    page = message.get_body(("html",)).get_content()
    assert '<span lang="en">MIEUX Impact Event</span>' in page


@pytest.fixture
def forum(app) -> dict:
    """An event in English offering French, with a question translated in part."""
    with app.app_context():
        event = make_event(
            title="Migration forum", extra_languages=["fr"], privacy_notice="We keep your data."
        )
        set_translation(event, "fr", "title", FRENCH_TITLE)
        set_translation(event, "fr", "privacy_notice", "Nous gardons vos **données**.")
        question = make_question(
            event,
            kind=QuestionKind.SINGLE_CHOICE,
            label="How do you travel?",
            help_text="To plan the shuttles.",
            choices=["Train", "Plane", "Bus"],
            required=True,
        )
        db.session.flush()
        set_translation(question, "fr", "label", "Comment voyagez-vous ?")
        # "Bus" left untranslated: it falls back to English, marked as such.
        set_translation(question, "fr", "choices", ["Train", "Avion", ""])
        db.session.commit()
        return {"slug": event.slug, "question": question.id}


def test_the_questions_read_in_the_pages_language_and_store_the_main_choice(app, client, forum):
    field = f"q_{forum['question']}"
    page = client.get(f"/events/{forum['slug']}/register?lang=fr").text
    assert "Comment voyagez-vous ?" in page and "How do you travel?" not in page
    assert f'value="Plane"> <label for="{field}-1">Avion</label>' in page
    assert '<span lang="en">Bus</span>' in page  # not translated: English, marked
    assert '<span lang="en">To plan the shuttles.</span>' in page
    assert f"Register for {FRENCH_TITLE}" not in page and FRENCH_TITLE in page
    sign_up(client, forum["slug"], "fr", **{field: "Plane"})
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        assert registration.answers == {str(forum["question"]): "Plane"}
        token = registration.token
    # The participant's own page reads their answer in French too.
    own = client.get(f"/r/{token}?lang=fr").text
    assert "Avion" in own and FRENCH_TITLE in own


def test_english_pages_are_unchanged(client, forum):
    page = client.get(f"/events/{forum['slug']}/register?lang=en").text
    assert "How do you travel?" in page and "Avion" not in page
    assert 'value="Plane"> <label for' in page


def test_a_hostile_translated_label_is_text(app, client, forum):
    with app.app_context():
        from eventapp.models import Question

        question = db.session.get(Question, forum["question"])
        set_translation(question, "fr", "label", "<script>alert(1)</script> & co")
        set_translation(question, "fr", "choices", ['<img src=x onerror="alert(2)">', "", ""])
        db.session.commit()
    page = client.get(f"/events/{forum['slug']}/register?lang=fr").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert str(escape('<img src=x onerror="alert(2)">')) in page


def test_the_privacy_notice_in_the_pages_language(client, forum):
    page = client.get(f"/events/{forum['slug']}/privacy?lang=fr").text
    assert "Nous gardons vos <strong>données</strong>." in page
    assert "We keep your data." not in page
    english = client.get(f"/events/{forum['slug']}/privacy?lang=en").text
    assert "We keep your data." in english


def test_consent_records_the_notice_shown(app, client, forum):
    from eventapp.registration.services import privacy_version

    sign_up(client, forum["slug"], "fr", **{f"q_{forum['question']}": "Train"})
    with app.app_context():
        registration = db.session.scalar(select(Registration))
        event = registration.event
        assert registration.privacy_version == privacy_version(event, "fr")
        assert registration.privacy_version != privacy_version(event)


def test_the_certificate_has_the_title_in_its_language(app, forum):
    from eventapp.certificates import services as certificates

    with app.app_context():
        event = db.session.scalar(select(Event))
        french = make_registration(event, language="fr", checked_in_at=utcnow())
        english = make_registration(event, language="en", checked_in_at=utcnow())
        db.session.flush()
        [fr_page] = page_texts(certificates.render_certificates(event, [french]))
        [en_page] = page_texts(certificates.render_certificates(event, [english]))
    assert FRENCH_TITLE in " ".join(fr_page.split())
    assert "Migration forum" not in fr_page
    assert "Migration forum" in " ".join(en_page.split())


@pytest.mark.parametrize("language,word", [("fr", "Intervenant"), ("es", "Ponente")])
def test_the_badge_says_the_category_and_title_in_the_badge_language(app, forum, language, word):
    from eventapp.printing.badges import badge_settings, render_badges

    with app.app_context():
        event = db.session.scalar(select(Event))
        speaker = make_registration(event, category=Category.SPEAKER)
        db.session.flush()
        settings = badge_settings(event)
        settings["language"] = language
        settings["fields"]["event_name"] = True
        [text] = page_texts(render_badges(event, [speaker], "single", settings=settings))
    assert word.casefold() in text.casefold() and "speaker" not in text.casefold()
    title = FRENCH_TITLE if language == "fr" else "Migration forum"  # no Spanish title
    assert title.casefold() in " ".join(text.split()).casefold()


# --- Organisers translate the questions ------------------------------------------------


@pytest.fixture
def manager(app, forum, make_user, sign_in):
    from eventapp.models import User, UserRole

    user_id = make_user("manager@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = db.session.scalar(select(Event))
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()
    return sign_in("manager@example.org")


def question_data(**more) -> dict:
    return {
        "label": "How do you travel?",
        "kind": "single_choice",
        "choices": "Train\nPlane\nBus",
        "help_text": "To plan the shuttles.",
        "required": "y",
        **more,
    }


def test_organisers_translate_a_question_side_by_side(app, manager, forum):
    url = f"/manage/events/{forum['slug']}/questions/{forum['question']}"
    page = manager.get(url).text
    assert 'id="translation-fr"' in page
    assert 'lang="fr"' in page and "Comment voyagez-vous ?" in page
    assert "Train\nAvion" in page  # the stored options, a line each
    assert 'id="completeness-fr"' in page  # "French: 1 of 3 texts translated"
    response = manager.post(
        url,
        question_data(
            label__fr="Comment venez-vous ?",
            help_text__fr="Pour prévoir les navettes.",
            choices__fr="Train\nAvion\nCar",
        ),
    )
    assert response.status_code == 302, response.text
    with app.app_context():
        from eventapp.models import Question

        question = db.session.get(Question, forum["question"])
        assert question.translations["fr"] == {
            "label": "Comment venez-vous ?",
            "help_text": "Pour prévoir les navettes.",
            "choices": ["Train", "Avion", "Car"],
        }
        assert question.label == "How do you travel?"  # the main language's, unchanged
    listing = manager.get(f"/manage/events/{forum['slug']}/questions").text
    assert "3 of 3" in listing


def test_a_translation_with_more_options_than_the_question_is_refused(app, manager, forum):
    url = f"/manage/events/{forum['slug']}/questions/{forum['question']}"
    response = manager.post(url, question_data(choices__fr="Train\nAvion\nCar\nVélo"))
    assert response.status_code == 422
    assert "3 lines at most" in response.text
    with app.app_context():
        from eventapp.models import Question

        assert db.session.get(Question, forum["question"]).translations["fr"]["choices"] == [
            "Train",
            "Avion",
            "",
        ]


def test_a_new_question_may_come_with_its_translations(app, manager, forum):
    response = manager.post(
        f"/manage/events/{forum['slug']}/questions",
        {"label": "Arrival day", "kind": "short_text", "label__fr": "Jour d’arrivée"},
    )
    assert response.status_code == 302, response.text
    with app.app_context():
        from eventapp.models import Question

        question = db.session.scalar(select(Question).where(Question.label == "Arrival day"))
        assert question.translations == {"fr": {"label": "Jour d’arrivée"}}
