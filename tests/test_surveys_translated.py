"""The feedback survey in each of the event's languages: participants read the texts the
organisers translated (the rest in the main language, marked with its lang), answer in
their language and are counted under the main language's option; organisers write the
translations side by side with a count per language; the e-mails carry the survey's
title in the person's language; the demo's survey is in French too."""

import re
from datetime import timedelta

import lxml.html
import pytest
from sqlalchemy import select

from eventapp.core.translated import completeness, set_translation
from eventapp.extensions import db
from eventapp.models import (
    Event,
    Survey,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyResponse,
    SurveyStatus,
    User,
)
from eventapp.models.types import utcnow
from eventapp.surveys import services, tasks
from eventapp.surveys.results import results

from .conftest import ORGANISER, csrf_token_from
from .factories import make_event, make_item, make_registration

ENGLISH_TITLE = "What did you think of the forum?"
FRENCH_TITLE = "Votre avis sur le forum"


@pytest.fixture
def forum(app, organiser) -> dict:
    """An open survey of an English event offering French, its texts translated in part:
    the title and the questions' labels, one of three options; not the introduction nor
    the help text. Ana reads English, Ben French; both came."""
    with app.test_request_context():
        event = make_event(title="Migration forum", extra_languages=["fr"])
        event.managers.append(db.session.scalar(select(User).where(User.email == ORGANISER)))
        set_translation(event, "fr", "title", "Forum des migrations")
        panel = make_item(event, title="Panel on peer exchange")
        set_translation(panel, "fr", "title", "Table ronde sur les échanges")
        survey = services.save_settings(
            event,
            None,
            {
                "title": ENGLISH_TITLE,
                "introduction": "Five minutes, please.",
                "anonymous": True,
                "reminder_days": 3,
                "translations": {"fr": {"title": FRENCH_TITLE}},
            },
        )
        db.session.flush()
        services.set_rated_items(survey, [panel.id])
        rating = services.add_question(
            survey,
            {
                "kind": SurveyQuestionKind.RATING,
                "label": "Overall rating",
                "required": True,
                "translations": {"fr": {"label": "Note globale"}},
            },
        )
        best = services.add_question(
            survey,
            {
                "kind": SurveyQuestionKind.SINGLE_CHOICE,
                "label": "Best part",
                "help_text": "Pick one.",
                "choices": ["Talks", "People", "Food"],
                # "People" left untranslated: it shows in English, marked as such.
                "translations": {
                    "fr": {"label": "Le meilleur moment", "choices": ["Les exposés", "", "Repas"]}
                },
            },
        )
        services.set_status(survey, SurveyStatus.OPEN)
        now = utcnow()
        ana = make_registration(
            event, given_name="Ana", email="ana@example.org", checked_in_at=now, language="en"
        )
        ben = make_registration(
            event, given_name="Ben", email="ben@example.org", checked_in_at=now, language="fr"
        )
        db.session.commit()
        return {
            "slug": event.slug,
            "rating": rating.id,
            "best": best.id,
            "ana": ana.token,
            "ben": ben.token,
        }


def test_the_survey_reads_in_french_and_marks_what_is_not_translated(client, forum):
    best = f"q_{forum['best']}"
    page = client.get(f"/r/{forum['ben']}/survey?lang=fr").text
    assert '<html lang="fr">' in page
    assert f"<h1>{FRENCH_TITLE}</h1>" in page
    assert f"<title>{FRENCH_TITLE} · Forum des migrations</title>" in page
    assert "<legend>Note globale</legend>" in page
    assert f'value="Talks"> <label for="{best}-0">Les exposés</label>' in page
    assert "Table ronde sur les échanges" in page  # a rated session, by its French title
    # Not translated: English, marked as English for screen readers.
    assert '<p class="survey__intro"><span lang="en">Five minutes, please.</span></p>' in page
    assert f'value="People"> <label for="{best}-1"><span lang="en">People</span></label>' in page
    assert '<span lang="en">Pick one.</span>' in page
    for english in (ENGLISH_TITLE, "Overall rating", "Best part", "Talks</label>", "Panel on"):
        assert english not in page, english
    # The English page is as before.
    page = client.get(f"/r/{forum['ana']}/survey?lang=en").text
    assert f"<h1>{ENGLISH_TITLE}</h1>" in page and "<legend>Overall rating</legend>" in page
    assert f'value="Talks"> <label for="{best}-0">Talks</label>' in page
    assert "Les exposés" not in page and "Note globale" not in page


def test_answers_in_french_count_under_the_main_languages_option(app, client, forum):
    rating, best = f"q_{forum['rating']}", f"q_{forum['best']}"
    for token, lang in ((forum["ben"], "fr"), (forum["ana"], "en")):
        url = f"/r/{token}/survey?lang={lang}"
        csrf = csrf_token_from(client.get(url).text)
        if lang == "fr":
            # The French text is what people read, never a value the form takes.
            refused = client.post(url, data={"csrf_token": csrf, rating: "4", best: "Les exposés"})
            assert refused.status_code == 422
        sent = client.post(url, data={"csrf_token": csrf, rating: "4", best: "Talks"})
        assert sent.status_code == 302, sent.text
    with app.app_context():
        answers = db.session.scalars(select(SurveyResponse.answers)).all()
        assert sorted(a[str(forum["best"])] for a in answers) == ["Talks", "Talks"]
    with app.test_request_context():
        survey = db.session.scalar(select(Survey))
        [counted] = [q for q in results(survey).questions if q.question.id == forum["best"]]
        assert counted.distribution is not None
        assert counted.distribution.counts == [("Talks", 2), ("People", 0), ("Food", 0)]


# --- Organisers ---------------------------------------------------------------------------


def form_values(page: str, form_id: str | None = None, action: str = "") -> dict:
    """What a form of the page would send as it is (by id, or the first post form whose
    action holds `action`): a list for a name sent several times."""
    document = lxml.html.fromstring(page)
    form = (
        document.get_element_by_id(form_id)
        if form_id
        else next(
            f for f in document.forms if f.method.lower() == "post" and action in (f.action or "")
        )
    )
    values: dict[str, list[str]] = {}
    for name, value in form.form_values():
        values.setdefault(name, []).append(value)
    return {name: v[0] if len(v) == 1 else v for name, v in values.items()}


def test_organisers_translate_the_survey_side_by_side(app, organiser, forum):
    base = f"/manage/events/{forum['slug']}/survey"
    page = organiser.get(base).text
    assert '<fieldset class="translation" id="translation-fr">' in page
    assert re.search(r'<input[^>]*id="title__fr"[^>]*lang="fr"', page)
    # Title and both labels of title, introduction, two labels, a help text and options.
    assert "French: 3 of 6 texts translated" in page
    settings = form_values(page, "survey-settings")
    assert settings["title__fr"] == FRENCH_TITLE and not settings["introduction__fr"].strip()
    settings["introduction__fr"] = "Cinq minutes, s'il vous plaît."
    assert organiser.post(base, settings).status_code == 302

    url = f"{base}/questions/{forum['best']}"
    page = organiser.get(url).text
    assert "Les exposés\n\nRepas" in page  # the stored options, a line each
    assert "French: 1 of 3 texts translated" in page  # this question's own count
    data = form_values(page, action=url)
    # More lines than options: refused next to the field, nothing saved.
    data["choices__fr"] = "Les exposés\nLes gens\nRepas\nCafé"
    refused = organiser.post(url, data)
    assert refused.status_code == 422 and "3 lines at most" in refused.text
    data["choices__fr"] = "Les exposés\nLes rencontres\nRepas"
    data["help_text__fr"] = "Choisissez-en un."
    assert organiser.post(url, data).status_code == 302
    # A new question may come with its translations.
    added = organiser.post(
        f"{base}/questions", {"label": "Come again", "kind": "checkbox", "label__fr": "À refaire"}
    )
    assert added.status_code == 302, added.text
    assert "French: 7 of 7 texts translated" in organiser.get(base).text
    with app.app_context():
        survey = db.session.scalar(select(Survey))
        assert survey.title == ENGLISH_TITLE  # the main language's, unchanged
        assert survey.translations == {
            "fr": {"title": FRENCH_TITLE, "introduction": "Cinq minutes, s'il vous plaît."}
        }
        best = db.session.get(SurveyQuestion, forum["best"])
        assert best.choices == ["Talks", "People", "Food"]
        assert best.translations["fr"] == {
            "label": "Le meilleur moment",
            "help_text": "Choisissez-en un.",
            "choices": ["Les exposés", "Les rencontres", "Repas"],
        }
        assert survey.questions[-1].translations == {"fr": {"label": "À refaire"}}


def test_once_answered_the_options_stay_and_their_translations_change(
    app, client, organiser, forum
):
    url = f"/r/{forum['ana']}/survey"
    csrf = csrf_token_from(client.get(url).text)
    answer = {"csrf_token": csrf, f"q_{forum['rating']}": "5", f"q_{forum['best']}": "Food"}
    assert client.post(url, data=answer).status_code == 302
    edit = f"/manage/events/{forum['slug']}/survey/questions/{forum['best']}"
    page = organiser.get(edit).text
    assert 'id="question-fixed"' in page
    data = form_values(page, action=edit)
    data["choices"] = "Talks\nPeople\nDrinks"
    refused = organiser.post(edit, data)
    assert refused.status_code == 422 and "its options can no longer change" in refused.text
    data["choices"] = "Talks\nPeople\nFood"
    data["choices__fr"] = "Les exposés\nLes gens\nLe repas"
    assert organiser.post(edit, data).status_code == 302
    with app.app_context():
        best = db.session.get(SurveyQuestion, forum["best"])
        assert best.choices == ["Talks", "People", "Food"]
        assert best.translations["fr"]["choices"] == ["Les exposés", "Les gens", "Le repas"]


def by_person(messages) -> dict:
    return {name: next(m for m in messages if f"{name}@" in m["To"]) for name in ("ana", "ben")}


def test_the_e_mails_carry_the_surveys_title_in_the_persons_language(app, organiser, forum, smtp):
    assert organiser.post(f"/manage/events/{forum['slug']}/survey/send").status_code == 302
    sent = by_person(smtp.wait_for(2))
    assert sent["ben"]["Subject"] == FRENCH_TITLE
    assert sent["ana"]["Subject"] == ENGLISH_TITLE
    french = sent["ben"].get_body(("plain",)).get_content()
    assert "Forum des migrations" in french and "Migration forum" not in french
    with app.app_context():
        survey = db.session.scalar(select(Survey))
        survey.sent_at = utcnow() - timedelta(days=3, minutes=1)
        db.session.commit()
        tasks.send_survey_reminders()
    reminders = by_person(smtp.wait_for(4)[2:])
    assert FRENCH_TITLE in reminders["ben"]["Subject"]
    assert reminders["ana"]["Subject"] == f"Reminder: {ENGLISH_TITLE}"


def test_the_demo_survey_is_in_french_too(app, client, demo):
    with app.app_context():
        survey = db.session.scalar(select(Survey))
        assert completeness([survey, *survey.questions], None, "fr") == (7, 7)
        survey.status = SurveyStatus.OPEN
        event = db.session.scalar(select(Event))
        person = make_registration(event, checked_in_at=utcnow())
        db.session.commit()
        token = person.token
    page = client.get(f"/r/{token}/survey?lang=fr").text
    assert "Comment s&#39;est passé l&#39;événement d&#39;impact MIEUX\u00a0?" in page
    assert "Par un collègue" in page and 'value="From a colleague"' in page
