"""Feedback surveys through HTTP: an organiser builds one, sends it to the people checked
in (read from the SMTP test inbox), they answer through their link once, the reminder
goes once to those who have not answered; anonymity holds in the database; the results'
figures, the spreadsheet read back, and no breakdown for categories under five answers."""

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import OperationalError

from eventapp.extensions import db
from eventapp.models import (
    Category,
    Event,
    Registration,
    Status,
    Survey,
    SurveyParticipation,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyResponse,
    SurveyStatus,
    User,
)
from eventapp.models.types import utcnow
from eventapp.surveys import results as survey_results
from eventapp.surveys import services, tasks

from .conftest import ORGANISER, csrf_token_from
from .factories import make_event, make_item, make_registration


@pytest.fixture
def world(app, organiser):
    """An event the organiser manages, two sessions, three people checked in (one in
    French), one confirmed who did not come, and one checked in then cancelled."""
    with app.test_request_context():
        event = make_event()
        opening = make_item(event, title="Opening")
        panel = make_item(
            event, title="Panel on peer exchange", starts_at=event.starts_at + timedelta(hours=1)
        )
        make_item(event, title="Coffee", starts_at=event.starts_at + timedelta(hours=2))
        event.managers.append(db.session.scalar(select(User).where(User.email == ORGANISER)))
        now = utcnow()
        came = [
            make_registration(event, given_name="Ana", email="ana@example.org", checked_in_at=now),
            make_registration(
                event, given_name="Ben", email="ben@example.org", checked_in_at=now, language="fr"
            ),
            make_registration(event, given_name="Cy", email="cy@example.org", checked_in_at=now),
        ]
        absent = make_registration(event, given_name="Dee", email="dee@example.org")
        make_registration(
            event,
            given_name="Eve",
            email="eve@example.org",
            status=Status.CANCELLED,
            checked_in_at=None,
        )
        db.session.commit()
        return {
            "slug": event.slug,
            "event_id": event.id,
            "items": [opening.id, panel.id],
            "came": {r.given_name: r.token for r in came},
            "absent": absent.token,
        }


def build_survey(organiser, world, *, anonymous=True) -> None:
    """The organiser's clicks: create, add questions, open."""
    base = f"/manage/events/{world['slug']}/survey"
    assert "Create the survey" in organiser.get(base).text
    settings = {"title": "How was it?", "reminder_days": "3", "rated_items": world["items"]}
    if anonymous:
        settings["anonymous"] = "y"
    assert organiser.post(base, settings).status_code == 302
    for question in (
        {"label": "Overall rating", "kind": "rating", "required": "y"},
        {"label": "Would you recommend it?", "kind": "recommendation"},
        {"label": "Best part", "kind": "single_choice", "choices": "Talks\nPeople\nFood"},
        {"label": "What should change?", "kind": "long_text"},
        {"label": "Come again", "kind": "checkbox"},
    ):
        assert organiser.post(f"{base}/questions", question).status_code == 302
    assert organiser.post(f"{base}/status", {"status": "open"}).status_code == 302


def survey_link(message) -> str:
    match = re.search(
        r"http://localhost(/r/[\w-]+/survey)", message.get_body(("plain",)).get_content()
    )
    assert match, message.get_body(("plain",)).get_content()
    return match.group(1)


def answer(client, url: str, data: dict, token: str | None = None):
    """Post the survey's form as the page's own form would (its CSRF token included;
    `token` when the page has no form any more)."""
    token = token or csrf_token_from(client.get(url).text)
    return client.post(url, data={"csrf_token": token, **data})


def question_ids(app) -> dict[str, int]:
    with app.app_context():
        return {q.label: q.id for q in db.session.scalars(select(SurveyQuestion))}


def test_a_question_with_one_option_is_refused_next_to_the_field(organiser, world):
    build_survey(organiser, world)
    response = organiser.post(
        f"/manage/events/{world['slug']}/survey/questions",
        {"label": "Pick", "kind": "single_choice", "choices": "Only one"},
    )
    assert response.status_code == 422
    assert "Give at least two different options" in response.text
    assert 'aria-invalid="true"' in response.text


def test_the_survey_goes_to_the_people_checked_in_only_and_once(app, organiser, world, smtp):
    build_survey(organiser, world)
    send = f"/manage/events/{world['slug']}/survey/send"
    assert (
        "Send the link to the 3 people checked in"
        in organiser.get(f"/manage/events/{world['slug']}/survey").text
    )
    assert organiser.post(send).status_code == 302
    messages = smtp.wait_for(3)
    assert sorted(r for [r] in smtp.recipients) == [
        "ana@example.org",
        "ben@example.org",
        "cy@example.org",
    ]
    for message in messages:
        # The survey's title (not translated here: the same for Ben, who reads French).
        assert message["Subject"] == "How was it?"
        token = survey_link(message).split("/")[2]
        assert token in world["came"].values()
        text = message.get_body(("plain",)).get_content()
        assert "Your answers are anonymous" in text or "Vos réponses sont anonymes" in text
    # A second click sends nothing.
    follow = organiser.post(send, follow_redirects=True)
    assert "the survey was sent before" in follow.text
    assert len(smtp.messages) == 3


def test_a_person_answers_once_through_their_link(app, client, organiser, world, smtp):
    build_survey(organiser, world)
    organiser.post(f"/manage/events/{world['slug']}/survey/send")
    url = survey_link(next(m for m in smtp.wait_for(3) if "ana@" in m["To"]))
    page = client.get(url)
    assert page.status_code == 200
    token = csrf_token_from(page.text)
    # Ratings are radio groups in a fieldset whose legend is the question.
    assert re.search(r"<fieldset[^>]*>\s*<legend>Overall rating</legend>", page.text)
    assert page.text.count('type="radio"') == 5 + 11 + 3 + 5 + 5  # rating, 0-10, choice, 2 sessions
    ids = question_ids(app)
    opening, panel = world["items"]

    # The required rating missing: said next to it, nothing written.
    refused = answer(client, url, {f"q_{ids['What should change?']}": "More coffee"})
    assert refused.status_code == 422
    assert "Please choose a point of the scale." in refused.text
    with app.app_context():
        assert db.session.scalars(select(SurveyResponse)).all() == []

    sent = answer(
        client,
        url,
        {
            f"q_{ids['Overall rating']}": "4",
            f"q_{ids['Would you recommend it?']}": "9",
            f"q_{ids['Best part']}": "People",
            f"q_{ids['What should change?']}": "More coffee",
            f"item_{panel}": "5",
        },
    )
    assert sent.status_code == 302
    assert "Thank you: your answers are saved." in client.get(sent.location).text

    again = answer(client, url, {f"q_{ids['Overall rating']}": "1"}, token)
    assert again.status_code == 409
    assert "You have answered this survey" in again.text
    with app.app_context():
        [response] = db.session.scalars(select(SurveyResponse)).all()
        assert response.answers == {
            str(ids["Overall rating"]): 4,
            str(ids["Would you recommend it?"]): 9,
            str(ids["Best part"]): "People",
            str(ids["What should change?"]): "More coffee",
            str(ids["Come again"]): False,
        }
        assert response.ratings == {str(panel): 5}
    # The person's own page says so; someone else's still offers the survey.
    own = url.split("/")[2]
    assert "You have answered the feedback survey" in client.get(f"/r/{own}").text
    other = client.get(f"/r/{world['came']['Cy']}").text
    assert f'href="/r/{world["came"]["Cy"]}/survey"' in other


def test_the_reminder_goes_once_to_those_who_have_not_answered(app, client, organiser, world, smtp):
    build_survey(organiser, world)
    organiser.post(f"/manage/events/{world['slug']}/survey/send")
    smtp.wait_for(3)
    ids = question_ids(app)
    answer(client, f"/r/{world['came']['Ana']}/survey", {f"q_{ids['Overall rating']}": "5"})
    with app.app_context():
        tasks.send_survey_reminders()  # not due yet: three days after sending
        assert len(smtp.messages) == 3
        survey = db.session.scalar(select(Survey))
        survey.sent_at = utcnow() - timedelta(days=3, minutes=1)
        db.session.commit()
        tasks.send_survey_reminders()
        tasks.send_survey_reminders()
    reminders = smtp.wait_for(5)[3:]
    assert sorted(r for [r] in smtp.recipients[3:]) == ["ben@example.org", "cy@example.org"]
    for message in reminders:
        assert "/survey" in survey_link(message)
    with app.app_context():
        assert db.session.scalar(select(Survey)).reminder_sent_at is not None


def test_anonymous_answers_cannot_be_tied_to_anyone_in_the_database(app, client, organiser, world):
    build_survey(organiser, world)
    ids = question_ids(app)
    for name, rating in (("Ana", "5"), ("Ben", "2"), ("Cy", "4")):
        response = answer(
            client, f"/r/{world['came'][name]}/survey", {f"q_{ids['Overall rating']}": rating}
        )
        assert response.status_code == 302
    with app.app_context():
        inspector = inspect(db.engine)
        columns = {c["name"]: c for c in inspector.get_columns("survey_response")}
        assert set(columns) == {"id", "survey_id", "answers", "ratings", "answered_on"}
        # No time finer than the day, no person, no token.
        assert str(columns["answered_on"]["type"]).upper() == "DATE"
        assert not any(word in name for name in columns for word in ("registration", "token"))
        participation = {c["name"] for c in inspector.get_columns("survey_participation")}
        assert participation == {"survey_id", "registration_id", "response_id"}
        assert db.session.scalars(select(SurveyParticipation.response_id)).all() == [None] * 3
        # The answers' keys are random UUIDs; on SQLite not even a hidden row id keeps
        # the order they came in.
        keys = db.session.scalars(select(SurveyResponse.id)).all()
        assert len({k.version for k in keys}) == 1 and keys[0].version == 4
        if db.engine.dialect.name == "sqlite":
            for table in ("survey_response", "survey_participation"):
                with pytest.raises(OperationalError, match="rowid"):
                    db.session.execute(text(f"SELECT rowid FROM {table}"))
                db.session.rollback()
    # Nothing finds an anonymous answer from the person, their own copy of data neither.
    data = client.get(f"/r/{world['came']['Ana']}/data.json").get_json(force=True)
    assert "survey_answers" not in data
    # Fixed once answered: unticking "anonymous" changes nothing.
    base = f"/manage/events/{world['slug']}/survey"
    page = organiser.post(base, {"title": "How was it?"}, follow_redirects=True).text
    assert "This can no longer change" in page
    with app.app_context():
        assert db.session.scalar(select(Survey)).anonymous is True


def test_a_linked_survey_keeps_the_registration_of_each_answer(app, client, organiser, world):
    build_survey(organiser, world, anonymous=False)
    ids = question_ids(app)
    answer(client, f"/r/{world['came']['Ben']}/survey", {f"q_{ids['Overall rating']}": "3"})
    with app.app_context():
        [row] = db.session.scalars(select(SurveyParticipation)).all()
        ben = db.session.get(Registration, row.registration_id)
        assert ben.given_name == "Ben"
        assert (
            db.session.get(SurveyResponse, row.response_id).answers[str(ids["Overall rating"])] == 3
        )
    # Theirs in the copy of their data.
    data = client.get(f"/r/{world['came']['Ben']}/data.json").get_json(force=True)
    assert data["survey_answers"]["Overall rating"] == 3


def test_a_closed_or_draft_survey_takes_no_answers(app, client, organiser, world):
    build_survey(organiser, world)
    url = f"/r/{world['came']['Ana']}/survey"
    token = csrf_token_from(client.get(url).text)
    organiser.post(f"/manage/events/{world['slug']}/survey/status", {"status": "closed"})
    page = client.get(url)
    assert "This survey is closed" in page.text
    assert client.post(url, data={"csrf_token": token}).status_code == 409
    assert 'href="/r/' + world["came"]["Ana"] + '/survey"' not in client.get(url[:-7]).text
    with app.app_context():
        assert db.session.scalars(select(SurveyResponse)).all() == []


# --- Results -----------------------------------------------------------------------------


@pytest.fixture
def answered(app, world):
    """A linked survey answered by six participants and two speakers, straight through
    the service (the answering itself is tested above)."""
    with app.test_request_context():
        event = db.session.get(Event, world["event_id"])
        survey = services.save_settings(
            event, None, {"title": "Feedback", "anonymous": False, "reminder_days": None}
        )
        db.session.flush()
        services.set_rated_items(survey, world["items"])
        rating = services.add_question(
            survey, {"kind": SurveyQuestionKind.RATING, "label": "Overall", "required": True}
        )
        nps = services.add_question(
            survey, {"kind": SurveyQuestionKind.RECOMMENDATION, "label": "Recommend"}
        )
        comments = services.add_question(
            survey, {"kind": SurveyQuestionKind.LONG_TEXT, "label": "Comments"}
        )
        survey.status = SurveyStatus.OPEN
        db.session.flush()
        opening, panel = world["items"]
        answers = [
            (Category.PARTICIPANT, 5, 10, "Great panels", {opening: 5, panel: 4}),
            (Category.PARTICIPANT, 4, 9, "", {opening: 4}),
            (Category.PARTICIPANT, 4, 8, "Too long", {}),
            (Category.PARTICIPANT, 3, 6, "", {panel: 3}),
            (Category.PARTICIPANT, 5, 10, "", {}),
            (Category.PARTICIPANT, 2, 0, "", {}),
            (Category.SPEAKER, 1, 7, "Room too cold", {}),
            (Category.SPEAKER, 2, 9, "", {}),
        ]
        for category, overall, recommend, comment, ratings in answers:
            person = make_registration(event, category=category, checked_in_at=utcnow())
            db.session.flush()
            raw = {str(rating.id): overall, str(nps.id): recommend, str(comments.id): comment}
            services.submit(
                survey,
                person,
                services.clean_answers(survey, raw),
                services.clean_ratings(survey, {str(k): v for k, v in ratings.items()}),
            )
        db.session.commit()
        return {"rating": rating.id, "nps": nps.id}


def test_the_results_figures(app, organiser, world, answered):
    with app.test_request_context():
        figures = survey_results.results(db.session.scalar(select(Survey)))
    overall, recommend, comments = figures.questions
    assert figures.responses == 8
    assert overall.average == 3.25  # 26 / 8
    assert overall.distribution.counts == [("1", 1), ("2", 2), ("3", 1), ("4", 2), ("5", 2)]
    # 4 promoters (9-10), 2 detractors (0-6) of 8: 25 points.
    assert recommend.net_promoter_score == 25
    assert sorted(comments.texts) == ["Great panels", "Room too cold", "Too long"]
    opening, panel = figures.sessions
    assert (opening.answered, opening.average) == (2, 4.5)
    assert (panel.answered, panel.average) == (2, 3.5)

    page = organiser.get(f"/manage/events/{world['slug']}/survey/results")
    assert page.status_code == 200
    html = page.text
    assert "8 answers" in html and 'data-average="3.25"' in html and 'data-nps="25"' in html
    assert "Room too cold" in html and "Great panels" in html
    # An accessible chart: a title and a description, and the numbers as a table.
    chart = html[html.index(f'id="question-{answered["rating"]}-chart"') :]
    chart = chart[: chart.index("</svg>")]
    assert 'role="img"' in chart and "<title id=" in chart and "<desc id=" in chart
    assert "4: 2 (25%)" in chart
    assert f'id="question-{answered["rating"]}-data"' in html
    # The sessions side by side: a table and a chart.
    assert 'id="sessions-table"' in html and 'id="sessions-chart"' in html
    row = html[html.index(f'data-item="{world["items"][0]}"') :]
    assert re.search(r"Opening</th>\s*<td class=\"num\">2</td>\s*<td class=\"num\">4.5</td>", row)


def test_categories_with_fewer_than_five_answers_show_no_breakdown(app, organiser, world, answered):
    html = organiser.get(f"/manage/events/{world['slug']}/survey/results").text
    table = html[html.index(f'id="question-{answered["rating"]}-by-category"') :]
    table = table[: table.index("</table>")]
    participant = table[table.index('data-category="participant"') :]
    assert re.search(r'<td class="num">6</td>\s*<td class="num">3.83</td>', participant)
    speaker = table[table.index('data-category="speaker"') :]
    assert "fewer than 5 answers" in speaker
    assert "1.5" not in speaker and '<td class="num">2</td>' not in speaker
    with app.test_request_context():
        lines = survey_results.results(db.session.scalar(select(Survey))).questions[0].by_category
    assert [(line.category, line.answered, line.average) for line in lines] == [
        (Category.PARTICIPANT, 6, 3.83),
        (Category.SPEAKER, None, None),
    ]


def test_an_anonymous_survey_has_no_breakdown(app, organiser, world, answered):
    with app.app_context():
        db.session.scalar(select(Survey)).anonymous = True
        db.session.commit()
    html = organiser.get(f"/manage/events/{world['slug']}/survey/results").text
    assert "there is no breakdown by category" in html
    assert "-by-category" not in html


def test_the_spreadsheet_holds_the_real_values(app, organiser, world, answered):
    response = organiser.get(f"/manage/events/{world['slug']}/survey/results.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.data))
    rows = list(workbook["Answers"].values)
    header, body = rows[0], rows[1:]
    assert header == (
        "Answered on",
        "Name",
        "Category",
        "Overall",
        "Recommend",
        "Comments",
        "Opening",
        "Panel on peer exchange",
    )
    assert len(body) == 8
    assert sorted(row[3] for row in body) == [1, 2, 2, 3, 4, 4, 5, 5]  # numbers, not text
    assert sorted(r[6] for r in body if r[6] is not None) == [4, 5]
    assert {row[2] for row in body} == {"participant", "speaker"}
    summary = {row[0]: row[1:] for row in list(workbook["Summary"].values)[1:]}
    assert summary["Overall"] == (8, 3.25)
    assert summary["Opening"] == (2, 4.5)
