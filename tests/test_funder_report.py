"""The funder report: figures against the database, gender only when asked and never
for fewer than 5, tagged PDF/UA, from the command line and over HTTP."""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import (
    Category,
    Event,
    ItemKind,
    QuestionKind,
    Registration,
    RoleKind,
    Status,
    SurveyQuestionKind,
    SurveyStatus,
    User,
    UserRole,
)
from eventapp.reports import funder
from eventapp.reports.regions import region_of
from eventapp.surveys import services as surveys

from . import factories
from .conftest import ORGANISER
from .pdfcheck import page_texts
from .pdftags import catalog, headings, pdfinfo

HOSTILE = '<script>alert(1)</script> & "Org"'
START = datetime(2030, 5, 14, 7, 0, tzinfo=UTC)
#: (country, category, checked in, organisation)
PEOPLE = [
    ("BE", Category.PARTICIPANT, True, "Fedasil"),
    ("BE", Category.PARTICIPANT, True, "fedasil"),
    ("BE", Category.PRESS, False, "Le Soir"),
    ("GE", Category.PARTICIPANT, True, "Public Service Hall"),
    ("GE", Category.SPEAKER, False, HOSTILE),
    ("KG", Category.PARTICIPANT, True, "МВД"),
    ("", Category.STAFF, False, ""),
]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def holds(text: str, words: str) -> bool:
    """Whether `words` are in `text` whatever the line breaks (a long word may wrap)."""
    return re.sub(r"\s+", "", words) in re.sub(r"\s+", "", text)


@pytest.fixture
def world(app, make_user):
    make_user(ORGANISER, UserRole.ORGANISER)
    with app.app_context():
        event = factories.make_event(
            slug="forum",
            title="Forum 2030",
            starts_at=START,
            venue_name="Egmont Palace",
            key_figures=[{"value": "465", "label": "migration experts deployed"}],
        )
        event.managers.append(db.session.scalar(select(User).where(User.email == ORGANISER)))
        for country, category, here, organisation in PEOPLE:
            factories.make_registration(
                event,
                country=country,
                category=category,
                organisation=organisation,
                checked_in_at=START if here else None,
            )
        # Not counted: not confirmed.
        factories.make_registration(event, country="FR", status=Status.CANCELLED)
        factories.make_registration(event, country="FR", status=Status.WAITLISTED)
        # Counted, without organisation: personal data erased after the event.
        erased = factories.make_registration(event, country="UA", checked_in_at=START)
        erased.anonymised_at = START + timedelta(days=400)
        erased.organisation = ""
        panel = factories.make_item(event, kind=ItemKind.PANEL, title="Panel on labour")
        talk = factories.make_item(event, title="Keynote", starts_at=START + timedelta(hours=2))
        nino = factories.make_person(event, given_name="Nino", family_name="ბერიძე", country="GE")
        ana = factories.make_person(event, given_name="Ana", family_name="Silva", country="CV")
        factories.add_role(panel, ana, RoleKind.MODERATOR)
        factories.add_role(panel, nino, RoleKind.PANELLIST)
        factories.add_role(talk, nino, RoleKind.SPEAKER)
        db.session.commit()
    return "forum"


def database_counts(column) -> dict[str, tuple[int, int]]:
    """(registered, attended) per value of a column, counted by SQL."""
    rows = db.session.execute(
        select(column, func.count(), func.count(Registration.checked_in_at))
        .where(Registration.status == Status.CONFIRMED)
        .group_by(column)
    ).all()
    return {
        str(getattr(key, "value", key)): (registered, attended)
        for key, registered, attended in rows
    }


def test_figures_match_the_database(app, world):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == world))
        report = funder.build_report(event)
        assert (report.total.registered, report.total.attended) == (8, 5)
        assert {
            line.key: (line.registered, line.attended) for line in report.by_country
        } == database_counts(Registration.country)
        assert {
            line.key: (line.registered, line.attended) for line in report.by_category
        } == database_counts(Registration.category)
        regions: Counter = Counter()
        attended: Counter = Counter()
        for r in db.session.scalars(
            select(Registration).where(Registration.status == Status.CONFIRMED)
        ):
            regions[region_of(r.country) or ""] += 1
            attended[region_of(r.country) or ""] += r.checked_in_at is not None
        assert {line.key: (line.registered, line.attended) for line in report.by_region} == {
            k: (regions[k], attended[k]) for k in regions
        }
        assert {line.label: line.registered for line in report.by_region} == {
            "Europe": 4,
            "Asia": 3,
            "Not given": 1,
        }
        # Organisations grouped without case; the erased one counted apart.
        organisations = {
            line.label: (line.registered, line.attended) for line in report.by_organisation
        }
        assert organisations.get("Fedasil") == (2, 2)
        assert report.erased == 1
        assert [s.name for s in report.speakers] == ["Ana Silva", "Nino ბერიძე"]
        assert [s.sessions for s in report.speakers] == [1, 2]
        assert [p.title for p in report.panels] == ["Panel on labour"]
        assert report.panels[0].people == [("Ana Silva", "Cabo Verde"), ("Nino ბერიძე", "Georgia")]
        assert report.gender is None  # no question asked for it
        assert report.survey is None


def test_pdf_from_the_command_line(runner, tmp_path, world):
    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["report", world, "-o", str(out)])
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    text = flat(" ".join(page_texts(pdf)))
    assert "5 of 8 confirmed people attended (62%)." in text
    assert "465 migration experts deployed" in text
    assert "Georgia 2 1 50%" in text and "Belgium 3 2 66%" in text
    assert "Europe 4 3 75%" in text
    assert "Speaker 1 0 0%" in text
    assert "registration category stands in" in text
    assert holds(text, HOSTILE)  # escaped, printed as typed
    assert "Nino ბერიძე" in text and "МВД" in text
    assert "By gender" not in text
    # Tagged like the programme: PDF/UA, language, title, headings in order.
    info = catalog(pdf)
    assert info["marked"] and info["pdfua"] == "1" and info["lang"] == "en"
    assert info["title"] == "Report – Forum 2030"
    tags = headings(pdf)
    assert tags[0] == ("H1", "Forum 2030")
    assert [text for role, text in tags if role == "H2"][:3] == [
        "Participation",
        "Key figures",
        "By country and region",
    ]
    assert pdfinfo(pdf, tmp_path)["Tagged"] == "yes"


def _gender_event(answers: list[str | None]) -> None:
    event = factories.make_event(slug="g", title="G")
    question = factories.make_question(
        event, label="Gender (in your words)", kind=QuestionKind.SHORT_TEXT, reports_gender=True
    )
    factories.make_question(event, label="Gender of your plus-one")  # not marked
    db.session.flush()
    for answer in answers:
        factories.make_registration(
            event, answers={str(question.id): answer} if answer is not None else {}
        )
    db.session.commit()


def test_gender_in_aggregate_small_groups_merged_and_suppressed(app):
    answers = ["Woman"] * 6 + ["woman "] + ["Man"] * 5 + ["Non-binary"] + [None] * 2
    with app.app_context():
        _gender_event(answers)
        event = db.session.scalar(select(Event).where(Event.slug == "g"))
        gender = funder.build_report(event).gender
        assert gender is not None and gender.answered == 13
        # Non-binary (1) and no answer (2) make 3, fewer than 5: Man (5), the smallest
        # group shown, joins them, or the 3 could be worked out from the total.
        assert [(line.label, line.count) for line in gender.lines] == [
            ("Woman", 7),
            ("Other answers, or no answer", 8),
        ]
        text = flat(" ".join(page_texts(funder.report_pdf(event))))
    assert "Woman 7" in text and "Other answers, or no answer 8" in text
    assert "Man 5" not in text and "Non-binary" not in text


def test_gender_groups_of_five_or_more_stand(app):
    answers = ["Woman"] * 6 + ["Man"] * 5 + ["Non-binary"] * 5 + ["Agender"] + [None] * 4
    with app.app_context():
        _gender_event(answers)
        event = db.session.scalar(select(Event).where(Event.slug == "g"))
        gender = funder.build_report(event).gender
        assert [(line.label, line.count) for line in gender.lines] == [
            ("Woman", 6),
            ("Man", 5),
            ("Non-binary", 5),
            ("Other answers, or no answer", 5),
        ]


def test_no_gender_figures_below_five_answers(app):
    with app.app_context():
        _gender_event(["Woman"] * 4 + [None] * 10)
        event = db.session.scalar(select(Event).where(Event.slug == "g"))
        assert funder.build_report(event).gender is None


def test_the_organisers_page_and_pdf_over_http(client, world, sign_in):
    assert client.get(f"/manage/events/{world}/report").status_code == 302
    organiser = sign_in(ORGANISER)
    page = organiser.get(f"/manage/events/{world}/report")
    assert page.status_code == 200
    html = page.text
    row = re.search(r'<tr data-key="GE">(.*?)</tr>', html, re.S)
    assert row is not None
    assert re.findall(r">([^<]+)</t[hd]>", row.group(1)) == ["Georgia", "2", "1", "50%"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    # The chart says what it shows, for screen readers too.
    chart = html.split('<svg class="chart" id="regions-chart"')[1].split("</svg>")[0]
    assert 'role="img"' in chart
    assert '<title id="regions-chart-title">Attendance by region</title>' in chart
    assert "Europe: 4 registered, 3 attended; Asia: 3 registered, 2 attended" in chart
    response = organiser.get(f"/manage/events/{world}/report.pdf?lang=fr")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "forum-report.pdf" in response.headers["Content-Disposition"]
    assert catalog(response.data)["lang"] == "fr"


def test_organisers_mark_the_gender_question_on_the_question_form(app, world, sign_in):
    organiser = sign_in(ORGANISER)
    page = f"/manage/events/{world}/questions"
    assert "This question asks for gender, as people describe it" in organiser.get(page).text
    response = organiser.post(
        page, {"label": "Gender", "kind": "short_text", "reports_gender": "y"}
    )
    assert response.status_code == 302
    organiser.post(page, {"label": "Dietary wishes", "kind": "short_text"})
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == world))
        flagged = funder.gender_question(event)
        assert flagged is not None and flagged.label == "Gender"
        assert [q.reports_gender for q in event.questions] == [True, False]


#: (overall 1-5, recommend 0-10, {session title: rating}) per answer.
SURVEY_ANSWERS = [
    (5, 10, {"Keynote": 5, "Panel on labour": 4}),
    (4, 9, {"Keynote": 4}),
    (4, 8, {"Keynote": 4, "Panel on labour": 2}),
    (3, 6, {"Keynote": 3}),
    (5, 10, {"Keynote": 5}),
    (2, 0, {}),
]


def _answer_survey(app, slug: str, answers: list) -> None:
    """The event's survey (a rating, a recommendation, a comment; both sessions rated),
    answered once per item of `answers` by a person checked in for it."""
    with app.test_request_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        survey = surveys.save_settings(
            event, None, {"title": "Feedback", "anonymous": True, "reminder_days": None}
        )
        db.session.flush()
        items = {item.title: item.id for item in event.agenda_items}
        surveys.set_rated_items(survey, list(items.values()))
        overall = surveys.add_question(
            survey, {"kind": SurveyQuestionKind.RATING, "label": "Overall", "required": True}
        )
        recommend = surveys.add_question(
            survey, {"kind": SurveyQuestionKind.RECOMMENDATION, "label": "Recommend"}
        )
        comment = surveys.add_question(
            survey, {"kind": SurveyQuestionKind.LONG_TEXT, "label": "Comments"}
        )
        survey.status = SurveyStatus.OPEN
        db.session.flush()
        for rating, score, sessions in answers:
            person = factories.make_registration(event, checked_in_at=START)
            db.session.flush()
            raw = {str(overall.id): rating, str(recommend.id): score, str(comment.id): "Good"}
            surveys.submit(
                survey,
                person,
                surveys.clean_answers(survey, raw),
                surveys.clean_ratings(survey, {str(items[t]): v for t, v in sessions.items()}),
            )
        survey.status = SurveyStatus.CLOSED
        db.session.commit()


def test_survey_results_in_the_pdf_and_on_the_page(app, world, sign_in):
    _answer_survey(app, world, SURVEY_ANSWERS)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == world))
        section = funder.build_report(event).survey
        assert section is not None
        # 6 answers of 11 people checked in (the 5 of the world, the 6 who answered);
        # overall 23/6; promoters 3 and detractors 2 of 6: +17; the panel, rated twice,
        # gets no figure.
        assert section.lines == [
            ("Answers", "6"),
            ("People checked in", "11"),
            ("Response rate", "54%"),
            ("Overall (average, out of 5)", "3.83 (6 answers)"),
            ("Recommend (average, out of 10)", "7.17 (6 answers)"),
            ("Recommend (net promoter score)", "+17"),
        ]
        assert section.sessions == [
            ("Panel on labour", "fewer than 5 answers", "–"),
            ("Keynote", "4.2", "5"),
        ]
        text = flat(" ".join(page_texts(funder.report_pdf(event))))
        french = flat(" ".join(page_texts(funder.report_pdf(event, "fr"))))
    assert "Survey results" in text and "Response rate 54%" in text
    assert "Overall (average, out of 5) 3.83 (6 answers)" in text
    assert "Recommend (net promoter score) +17" in text
    assert "Keynote 4.2 5" in text and "Panel on labour fewer than 5 answers" in text
    assert "Good" not in text  # comments are not figures
    assert "3,83" in french  # the reader's decimal comma
    html = sign_in(ORGANISER).get(f"/manage/events/{world}/report").text
    section_html = html.split('id="survey"')[1].split("</section>")[0]
    cells = re.findall(r">([^<]+)</t[hd]>", section_html)
    assert "3.83 (6 answers)" in cells and "+17" in cells
    assert ["Keynote", "4.2", "5"] == cells[cells.index("Keynote") :][:3]


def test_survey_figures_from_fewer_than_five_answers_are_not_given(app, world):
    _answer_survey(app, world, SURVEY_ANSWERS[:4])
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == world))
        text = flat(" ".join(page_texts(funder.report_pdf(event))))
    assert "Answers 4" in text
    assert "Overall (average, out of 5) fewer than 5 answers" in text
    assert "Recommend (net promoter score) fewer than 5 answers" in text
    assert "Keynote fewer than 5 answers" in text
    assert "4.0 (4 answers)" not in text and "+25" not in text  # 16/4, (2-1)/4


def test_no_survey_section_without_answers(app, world):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == world))
        assert funder.build_report(event).survey is None  # no survey
    _answer_survey(app, world, [])
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == world))
        assert funder.build_report(event).survey is None  # a survey nobody answered
        assert "Survey results" not in flat(" ".join(page_texts(funder.report_pdf(event))))
