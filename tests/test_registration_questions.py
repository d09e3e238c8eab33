"""Custom sign-up questions: organisers add, edit, reorder and delete them; the public
form asks them; participants and organisers change the answers; exports and imports
carry them; only the event's managers reach the pages."""

import csv
import io
import re
import unicodedata

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import (
    ChangeLogEntry,
    Event,
    Question,
    QuestionKind,
    Registration,
    User,
    UserRole,
)
from eventapp.registration import selfservice, services

from .conftest import SignedIn, csrf_token_from
from .factories import make_event, make_question, make_registration

SLUG = "questions-forum"
PAGE = f"/manage/events/{SLUG}/questions"
FORM = f"/events/{SLUG}/register"


# --- Fixtures and helpers ---------------------------------------------------------------


@pytest.fixture
def event_id(app) -> int:
    with app.app_context():
        event = make_event(slug=SLUG)
        db.session.commit()
        return event.id


@pytest.fixture
def asked(app, event_id) -> dict[str, int]:
    """Four questions of every kind but one, in a known order: {name: question id}."""
    with app.app_context():
        event = db.session.get(Event, event_id)
        questions = {
            "arrival": make_question(
                event,
                label="How do you arrive?",
                kind=QuestionKind.SINGLE_CHOICE,
                required=True,
                choices=["Train", "Plane", "Café"],
                position=0,
            ),
            "topics": make_question(
                event,
                label="Topics you follow",
                kind=QuestionKind.MULTIPLE_CHOICE,
                choices=["Labour migration", "Diaspora", "Data"],
                position=1,
                help_text="Tick any that apply.",
            ),
            "motto": make_question(
                event, label="Your motto", kind=QuestionKind.SHORT_TEXT, required=True, position=2
            ),
            "story": make_question(
                event, label="Tell us more", kind=QuestionKind.LONG_TEXT, position=3
            ),
            "dinner": make_question(
                event, label="I come to the dinner", kind=QuestionKind.CHECKBOX, position=4
            ),
        }
        db.session.commit()
        return {name: q.id for name, q in questions.items()}


@pytest.fixture
def manager(app, make_user, sign_in, event_id) -> SignedIn:
    """The event's organiser, signed in."""
    user_id = make_user("manager@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = db.session.get(Event, event_id)
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()
    return sign_in("manager@example.org")


def questions_of(app) -> list[Question]:
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        rows = list(event.questions)
        db.session.expunge_all()
        return rows


def registration_of(app, email: str) -> Registration:
    with app.app_context():
        registration = db.session.scalar(select(Registration).where(Registration.email == email))
        db.session.expunge_all()
        return registration


def log_of(app, entity: str) -> list[ChangeLogEntry]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(ChangeLogEntry)
                .where(ChangeLogEntry.entity == entity)
                .order_by(ChangeLogEntry.id)
            )
        )
        db.session.expunge_all()
        return rows


def error_next_to(html: str, field_id: str) -> str:
    """The error printed with a field, tied to it for screen readers."""
    match = re.search(rf'<p class="field__error" id="{field_id}-error">([^<]*)</p>', html)
    assert match, f"no error next to {field_id}"
    element = re.search(
        rf'<(?:input|textarea|select|fieldset)[^>]*\bid="{field_id}"[^>]*>', html
    ).group(0)
    described = re.search(r'aria-describedby="([^"]*)"', element)
    assert described and f"{field_id}-error" in described.group(1).split()
    return match.group(1)


def options_of(html: str, field_id: str) -> list[str]:
    """The <input> elements of a group of options, in order."""
    group = re.search(rf'<fieldset[^>]*\bid="{field_id}".*?</fieldset>', html, re.S).group(0)
    return re.findall(r"<input[^>]*>", group)


def signup(client, data: dict):
    token = csrf_token_from(client.get(FORM).text)
    return client.post(
        FORM,
        data={
            "csrf_token": token,
            "given_name": "Nino",
            "family_name": "Gogoladze",
            "email": "nino@example.org",
            "organisation": "PSDA",
            "country": "GE",
            "dietary": "none",
            "privacy_consent": "y",
            **data,
        },
    )


def answers(asked: dict[str, int], **by_name) -> dict:
    """Form data: {"q_<id>": value} from {name: value}."""
    return {f"q_{asked[name]}": value for name, value in by_name.items()}


# --- Organiser pages --------------------------------------------------------------------


def test_organisers_add_edit_reorder_and_delete_questions(app, client, manager):
    page = client.get(PAGE)
    assert page.status_code == 200
    assert f'href="{PAGE}"' in page.text  # in the event's organiser navigation
    response = manager.post(
        PAGE,
        data={
            "label": "  How do you arrive?  ",
            "kind": "single_choice",
            "choices": "Train\r\n\r\n  Plane \r\nCafe\u0301\r\n",
            "required": "y",
            "help_text": "So we can plan.",
        },
    )
    assert response.status_code == 302
    manager.post(
        PAGE, data={"label": "Your motto", "kind": "short_text", "choices": "ignored\nfor text"}
    )
    first, second = questions_of(app)
    assert (first.label, first.kind, first.required) == (
        "How do you arrive?",
        QuestionKind.SINGLE_CHOICE,
        True,
    )
    assert first.choices == ["Train", "Plane", unicodedata.normalize("NFC", "Café")]
    assert (second.kind, second.choices, second.required) == (QuestionKind.SHORT_TEXT, [], False)

    # Down, then the page lists them in the new order.
    response = manager.post(f"{PAGE}/{first.id}/move", data={"offset": "1"})
    assert response.status_code == 302
    assert [q.label for q in questions_of(app)] == ["Your motto", "How do you arrive?"]
    html = client.get(PAGE).text
    assert html.index("Your motto") < html.index("How do you arrive?")

    # Edit: the form shows the options one per line.
    edit = client.get(f"{PAGE}/{first.id}").text
    assert "Train\nPlane\nCafé</textarea>" in unicodedata.normalize("NFC", edit)
    manager.post(
        f"{PAGE}/{first.id}",
        data={
            "label": "How will you travel?",
            "kind": "single_choice",
            "choices": "Train\nPlane",
            "required": "y",
        },
    )
    assert questions_of(app)[1].label == "How will you travel?"
    assert questions_of(app)[1].choices == ["Train", "Plane"]

    # Delete after the confirmation step.
    assert "Nobody has answered it yet." in client.get(f"{PAGE}/{second.id}/delete").text
    response = manager.post(f"{PAGE}/{second.id}/delete")
    assert response.status_code == 302
    assert [q.label for q in questions_of(app)] == ["How will you travel?"]

    actions = [(e.action, e.entity_id) for e in log_of(app, "question")]
    assert actions == [
        ("create", first.id),
        ("create", second.id),
        ("reorder", first.id),
        ("update", first.id),
        ("delete", second.id),
    ]
    update = log_of(app, "question")[3]
    assert update.changes["label"] == ["How do you arrive?", "How will you travel?"]
    assert update.actor == "manager@example.org"
    # The log page names a question's kind as the form does.
    log = client.get(PAGE.rsplit("/", 1)[0] + "/log").text
    assert "One option among several (radio buttons)" in log


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"label": "", "kind": "short_text"}, "label", "Please write the question."),
        (
            {"label": "x" * 301, "kind": "short_text"},
            "label",
            "Please use at most 300 characters (you typed 301).",
        ),
        (
            {"label": "Arrival", "kind": "single_choice", "choices": "Train\n\n"},
            "choices",
            "Give at least two different options, one per line.",
        ),
        (
            {"label": "Arrival", "kind": "multiple_choice", "choices": "Train\ntrain "},
            "choices",
            "“train” is listed twice.",
        ),
        (
            {"label": "Arrival", "kind": "single_choice", "choices": "Train\n" + "y" * 201},
            "choices",
            "Each option may have at most 200 characters",
        ),
        (
            {"label": "Arrival", "kind": "short_text", "help_text": "h" * 501},
            "help_text",
            "Please use at most 500 characters (you typed 501).",
        ),
        ({"label": "Arrival", "kind": "nonsense"}, "kind", "Not a valid choice."),
    ],
)
def test_question_form_errors_are_next_to_their_field(app, client, manager, data, field, message):
    response = manager.post(PAGE, data=data)
    assert response.status_code == 422
    assert message in error_next_to(response.text, field)
    assert questions_of(app) == []
    # What was typed is kept.
    if data.get("choices"):
        assert data["choices"].split("\n")[0] in response.text


def test_labels_are_unique_and_the_kind_stays_once_answered(app, client, manager, asked):
    response = manager.post(PAGE, data={"label": "your MOTTO", "kind": "short_text"})
    assert response.status_code == 422
    assert "Another question of this event has this label." in error_next_to(response.text, "label")
    with app.app_context():
        event = db.session.get(Event, questions_of(app)[0].event_id)
        make_registration(event, answers={str(asked["motto"]): "Onwards"})
        db.session.commit()
    url = f"{PAGE}/{asked['motto']}"
    assert "1 person has answered this question" in client.get(url).text
    response = manager.post(url, data={"label": "Your motto", "kind": "long_text"})
    assert response.status_code == 422
    assert "its kind can no longer change" in error_next_to(response.text, "kind")
    # The label and the rest may change.
    response = manager.post(url, data={"label": "Your motto, please", "kind": "short_text"})
    assert response.status_code == 302


def test_deleting_an_answered_question_says_how_many_answers_go(app, client, manager, asked):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        for n in range(2):
            make_registration(
                event,
                email=f"a{n}@example.org",
                answers={str(asked["arrival"]): "Train", str(asked["motto"]): f"Motto {n}"},
            )
        make_registration(event, email="b@example.org", answers={str(asked["motto"]): "M"})
        db.session.commit()
    url = f"{PAGE}/{asked['arrival']}/delete"
    confirm = client.get(url).text
    assert re.search(r'id="answers-lost">2 registrations have answered it', confirm)
    listing = client.get(PAGE).text
    assert re.search(r"How do you arrive\?</a>.*?· 2 answers", listing, re.S)
    manager.post(url)
    assert "How do you arrive?" not in [q.label for q in questions_of(app)]
    kept = registration_of(app, "a0@example.org")
    assert kept.answers == {str(asked["motto"]): "Motto 0"}
    entry = log_of(app, "question")[-1]
    assert entry.action == "delete" and entry.changes["answers"] == 2
    export = client.get(f"/manage/events/{SLUG}/registrations/export.csv").data
    header = next(csv.reader(io.StringIO(export.decode("utf-8-sig"))))
    assert "How do you arrive?" not in header and "Your motto" in header


def test_anonymous_visitors_and_other_organisers_are_refused(app, client, sign_in, asked):
    question_id = asked["motto"]
    urls = [PAGE, f"{PAGE}/{question_id}", f"{PAGE}/{question_id}/delete"]
    token = csrf_token_from(client.get("/login").text)
    for url in urls:
        assert client.get(url).headers["Location"].startswith("/login?next=")
    for url in [*urls, f"{PAGE}/{question_id}/move"]:
        response = client.post(
            url,
            data={"csrf_token": token, "label": "Hijacked", "kind": "short_text", "offset": "1"},
        )
        assert response.status_code == 302 and "/login" in response.headers["Location"]

    with app.app_context():
        make_event(slug="another-event")
        db.session.commit()
    token = sign_in("outsider@example.org", role=UserRole.ORGANISER).csrf
    for url in urls:
        assert client.get(url).status_code == 403
    for url in [*urls, f"{PAGE}/{question_id}/move"]:
        response = client.post(
            url,
            data={"csrf_token": token, "label": "Hijacked", "kind": "short_text", "offset": "1"},
        )
        assert response.status_code == 403
    # A question id of this event under another event's address is not found.
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "another-event"))
        event.managers.append(
            db.session.scalar(select(User).where(User.email == "outsider@example.org"))
        )
        db.session.commit()
    other = f"/manage/events/another-event/questions/{question_id}"
    assert client.get(other).status_code == 404
    assert client.post(f"{other}/delete", data={"csrf_token": token}).status_code == 404
    assert [q.label for q in questions_of(app)][2] == "Your motto"
    assert len(questions_of(app)) == 5


def test_posting_without_the_csrf_token_is_refused(app, client, manager):
    response = client.post(PAGE, data={"label": "No token", "kind": "short_text"})
    assert response.status_code == 400
    assert questions_of(app) == []


# --- The public form --------------------------------------------------------------------


def test_the_form_asks_the_questions_in_order_after_the_usual_fields(app, client, asked):
    html = client.get(FORM).text
    positions = [
        html.index(f'id="q_{asked[name]}"')
        for name in ("arrival", "topics", "motto", "story", "dinner")
    ]
    assert positions == sorted(positions)
    assert html.index('name="accessibility"') < positions[0]
    assert positions[-1] < html.index('name="privacy_consent"')
    # One choice: radio buttons in a fieldset whose legend is the question.
    assert re.search(
        rf'<fieldset[^>]*id="q_{asked["arrival"]}"[^>]*>\s*<legend>How do you '
        r"arrive\?</legend>",
        html,
    )
    radios = options_of(html, f"q_{asked['arrival']}")
    assert [re.search(r'value="([^"]*)"', r).group(1) for r in radios] == ["Train", "Plane", "Café"]
    assert all('type="radio"' in r and "required" in r for r in radios)
    boxes = options_of(html, f"q_{asked['topics']}")
    assert len(boxes) == 3 and all('type="checkbox"' in b for b in boxes)
    assert "Topics you follow (optional)" in html
    help_id = f"q_{asked['topics']}-help"
    assert f'<p class="field__help" id="{help_id}">Tick any that apply.</p>' in html
    assert re.search(rf'<fieldset[^>]*aria-describedby="{help_id}"', html)
    assert re.search(rf'<input[^>]*id="q_{asked["motto"]}"[^>]*type="text"', html)
    assert re.search(rf'<textarea[^>]*id="q_{asked["story"]}"', html)
    assert re.search(rf'<input[^>]*id="q_{asked["dinner"]}"[^>]*type="checkbox"', html)
    assert "maxlength" not in html


def test_required_questions_say_so_next_to_the_field_and_keep_what_was_typed(app, client, asked):
    response = signup(client, answers(asked, topics=["Data"], story="  Long story  "))
    assert response.status_code == 422
    html = response.text
    assert error_next_to(html, f"q_{asked['arrival']}") == "Please choose an option."
    assert error_next_to(html, f"q_{asked['motto']}") == "Please answer this question."
    assert all('aria-invalid="true"' in r for r in options_of(html, f"q_{asked['arrival']}"))
    assert 'href="#q_{}"'.format(asked["motto"]) in html  # in the error summary
    # Kept: the ticked box, the text (stripped), the details.
    data_box = options_of(html, f"q_{asked['topics']}")[2]
    assert 'value="Data"' in data_box and "checked" in data_box
    assert "Long story</textarea>" in html
    assert 'value="Gogoladze"' in html
    assert registration_of(app, "nino@example.org") is None


def test_a_choice_outside_the_options_is_refused(app, client, asked):
    response = signup(
        client, answers(asked, arrival="Teleport", motto="Go", topics=["Data", "Gossip"])
    )
    assert response.status_code == 422
    message = "Please choose one of the options offered."
    assert error_next_to(response.text, f"q_{asked['arrival']}") == message
    assert error_next_to(response.text, f"q_{asked['topics']}") == message
    assert registration_of(app, "nino@example.org") is None


def test_too_long_answers_are_refused_whole_never_cut(app, client, asked):
    motto, story = "m" * 301, "s" * 4001
    response = signup(client, answers(asked, arrival="Train", motto=motto, story=story))
    assert response.status_code == 422
    assert error_next_to(response.text, f"q_{asked['motto']}") == (
        "Please use at most 300 characters (you typed 301)."
    )
    assert error_next_to(response.text, f"q_{asked['story']}") == (
        "Please use at most 4000 characters (you typed 4001)."
    )
    assert f'value="{motto}"' in response.text and f"{story}</textarea>" in response.text
    response = signup(client, answers(asked, arrival="Train", motto="m" * 300, story="s" * 4000))
    assert response.status_code == 302


def test_answers_are_stored_stripped_and_normalised(app, client, asked):
    decomposed = unicodedata.normalize("NFD", "Café")
    response = signup(
        client,
        answers(
            asked,
            arrival=decomposed,
            topics=["Data", "Labour migration"],
            motto="  Vive la re\u0301publique  ",
            dinner="y",
        ),
    )
    assert response.status_code == 302
    registration = registration_of(app, "nino@example.org")
    assert registration.answers == {
        str(asked["arrival"]): "Café",
        str(asked["topics"]): ["Labour migration", "Data"],  # in the question's order
        str(asked["motto"]): "Vive la république",
        str(asked["dinner"]): True,
    }
    assert registration.answers[str(asked["motto"])] == unicodedata.normalize(
        "NFC", "Vive la république"
    )


def test_the_service_refuses_answers_the_form_would_refuse(app, asked):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        data = {"given_name": "A", "email": "a@example.org", "privacy_consent": True}
        for bad in (
            {asked["arrival"]: "Teleport"},
            {asked["motto"]: "x" * 301},
            {"999999": "Who?"},
            {asked["topics"]: ["Gossip"]},
        ):
            with pytest.raises(ValueError):
                services.register(event, data, language="en", answers=bad)
        assert db.session.scalar(select(Registration.id)) is None


# --- Self-service, the desk, erasing ----------------------------------------------------


def test_participants_change_their_answers_through_their_link(app, client, asked):
    signup(client, answers(asked, arrival="Train", motto="First", topics=["Data"]))
    registration = registration_of(app, "nino@example.org")
    url = f"/r/{registration.token}"
    html = client.get(url).text
    train = options_of(html, f"q_{asked['arrival']}")[0]
    assert 'value="Train"' in train and "checked" in train
    assert re.search(rf'<input[^>]*id="q_{asked["motto"]}"[^>]*value="First"', html)
    form = {
        "csrf_token": csrf_token_from(html),
        "given_name": "Nino",
        "family_name": "Gogoladze",
        "email": "nino@example.org",
        "organisation": "PSDA",
        "country": "GE",
        "dietary": "none",
    }
    response = client.post(url, data={**form, **answers(asked, arrival="Plane", motto="")})
    assert response.status_code == 422  # the motto is required here too
    assert error_next_to(response.text, f"q_{asked['motto']}") == ("Please answer this question.")
    response = client.post(
        url, data={**form, **answers(asked, arrival="Plane", motto="Second", dinner="y")}
    )
    assert response.status_code == 302
    assert registration_of(app, "nino@example.org").answers == {
        str(asked["arrival"]): "Plane",
        str(asked["motto"]): "Second",
        str(asked["dinner"]): True,
    }
    entry = [e for e in log_of(app, "registration") if e.action == "answers"][-1]
    assert entry.changes == {
        "How do you arrive?": ["Train", "Plane"],
        "Topics you follow": ["Data", ""],
        "Your motto": ["First", "Second"],
        "I come to the dinner": ["no", "yes"],
    }
    # The copy of their data has the answers, by question.
    with app.app_context():
        data = selfservice.personal_data(db.session.get(Registration, registration.id))
    assert data["answers"] == {
        "How do you arrive?": "Plane",
        "Your motto": "Second",
        "I come to the dinner": True,
    }


def test_organisers_see_and_edit_answers_on_the_registration_page(app, client, manager, asked):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        registration = make_registration(
            event,
            given_name="José",
            email="jose@example.mx",
            answers={str(asked["arrival"]): "Café", str(asked["topics"]): ["Diaspora"]},
        )
        db.session.commit()
        registration_id = registration.id
    url = f"/manage/events/{SLUG}/registrations/{registration_id}"
    html = client.get(url).text
    assert (
        "Answers to the event&#39;s questions" in html or "Answers to the event's questions" in html
    )
    cafe = options_of(html, f"q_{asked['arrival']}")[2]
    assert 'value="Café"' in cafe and "checked" in cafe
    assert "(optional)" not in html.split('id="answers"')[1]
    form = {
        "csrf_token": csrf_token_from(html),
        "given_name": "José",
        "email": "jose@example.mx",
        "category": "participant",
        "dietary": "none",
    }
    # Organisers may leave required answers empty, but not pick an unknown option.
    response = client.post(url, data={**form, **answers(asked, arrival="Bus")})
    assert response.status_code == 422
    assert error_next_to(response.text, f"q_{asked['arrival']}") == (
        "Please choose one of the options offered."
    )
    response = client.post(
        url,
        data={**form, **answers(asked, topics=["Data", "Diaspora"], story="Needs a visa letter")},
    )
    assert response.status_code == 302
    assert registration_of(app, "jose@example.mx").answers == {
        str(asked["topics"]): ["Diaspora", "Data"],
        str(asked["story"]): "Needs a visa letter",
        str(asked["dinner"]): False,
    }
    entry = [e for e in log_of(app, "registration") if e.action == "answers"][-1]
    assert entry.actor == "manager@example.org"
    assert entry.changes["Topics you follow"] == ["Diaspora", "Diaspora; Data"]
    assert entry.changes["How do you arrive?"] == ["Café", ""]
    assert entry.changes["I come to the dinner"] == ["", "no"]
    assert "Answers changed" in client.get(url).text


def test_organisers_adding_someone_by_hand_answer_the_questions_too(app, client, manager, asked):
    url = f"/manage/events/{SLUG}/registrations/new"
    html = client.get(url).text
    assert f'name="q_{asked["arrival"]}"' in html and f'name="q_{asked["motto"]}"' in html
    form = {
        "csrf_token": csrf_token_from(html),
        "given_name": "Gulnara",
        "email": "gulnara@example.kg",
        "category": "speaker",
        "dietary": "none",
    }
    response = client.post(url, data={**form, **answers(asked, arrival="Bus")})
    assert response.status_code == 422
    assert error_next_to(response.text, f"q_{asked['arrival']}") == (
        "Please choose one of the options offered."
    )
    assert registration_of(app, "gulnara@example.kg") is None
    # Required questions are not required of organisers.
    response = client.post(url, data={**form, **answers(asked, arrival="Plane")})
    assert response.status_code == 302
    assert registration_of(app, "gulnara@example.kg").answers == {
        str(asked["arrival"]): "Plane",
        str(asked["dinner"]): False,
    }


def test_erasing_personal_data_erases_the_answers(app, asked):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        registration = make_registration(event, answers={str(asked["story"]): "My health"})
        db.session.commit()
        selfservice.erase(registration)
        assert db.session.get(Registration, registration.id).answers == {}


# --- Exports and import -----------------------------------------------------------------


@pytest.fixture
def answered(app, asked) -> None:
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        make_registration(
            event,
            given_name="Ana",
            family_name="A",
            email="ana@example.org",
            answers={
                str(asked["arrival"]): "Café",
                str(asked["topics"]): ["Labour migration", "Data"],
                str(asked["motto"]): '=HYPERLINK("http://x")',
                str(asked["dinner"]): True,
            },
        )
        make_registration(
            event,
            given_name="Ben",
            family_name="B",
            email="ben@example.org",
            answers={str(asked["dinner"]): False},
        )
        db.session.commit()


LABELS = [
    "How do you arrive?",
    "Topics you follow",
    "Your motto",
    "Tell us more",
    "I come to the dinner",
]


def test_csv_export_has_a_column_per_question(app, client, manager, answered):
    body = client.get(f"/manage/events/{SLUG}/registrations/export.csv").data
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][-5:] == LABELS
    by_name = {row[rows[0].index("Given name")]: row[-5:] for row in rows[1:]}
    assert by_name["Ana"] == [
        "Café",
        "Labour migration; Data",
        '\'=HYPERLINK("http://x")',
        "",
        "yes",
    ]
    assert by_name["Ben"] == ["", "", "", "", "no"]


def test_xlsx_export_has_a_column_per_question(app, client, manager, answered):
    body = client.get(f"/manage/events/{SLUG}/registrations/export.xlsx").data
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][-5:] == LABELS
    by_name = {row[rows[0].index("Given name")]: row[-5:] for row in rows[1:]}
    assert by_name["Ana"] == [
        "Café",
        "Labour migration; Data",
        '\'=HYPERLINK("http://x")',
        None,
        "yes",
    ]
    assert by_name["Ben"][-1] == "no"


def test_import_reads_columns_named_like_questions(app, client, manager, asked):
    body = (
        b"Given name,Family name,E-mail,how do you ARRIVE?,Topics you follow,"
        b"I come to the dinner,Your motto\r\n"
        b"Ana,A,ana@example.org,cafe,Data; labour migration,yes,'=1+1\r\n"
        b"Ben,B,ben@example.org,Teleport,Gossip,maybe,\r\n"
        b"Cem,C,cem@example.org,,,,\r\n"
    )
    response = manager.post(
        f"/manage/events/{SLUG}/registrations/import",
        data={"file": (io.BytesIO(body), "people.csv")},
        content_type="multipart/form-data",
    )
    html = response.text
    assert "Read as answers to the sign-up questions of the same name" in html
    row = re.search(r'<tr id="row-3">.*?</tr>', html, re.S).group(0)
    assert "“Teleport” is not an option of “How do you arrive?”." in row
    assert "“Gossip” is not an option of “Topics you follow”." in row
    assert "“I come to the dinner” must be yes or no." in row
    assert 'id="row-2"' not in html and 'id="row-4"' not in html
    upload = re.search(r'name="upload" value="([^"]+)"', html).group(1)
    response = manager.post(
        f"/manage/events/{SLUG}/registrations/import/preview",
        data={
            "upload": upload,
            "action": "import",
            "skip": "3",
            "map-given_name": "0",
            "map-family_name": "1",
            "map-email": "2",
        },
    )
    assert response.status_code == 302
    assert registration_of(app, "ana@example.org").answers == {
        str(asked["arrival"]): "Café",
        str(asked["topics"]): ["Labour migration", "Data"],
        str(asked["dinner"]): True,
        str(asked["motto"]): "=1+1",
    }
    # An empty cell is no answer; a box left unticked is a "no", as on the form.
    assert registration_of(app, "cem@example.org").answers == {str(asked["dinner"]): False}
    assert registration_of(app, "ben@example.org") is None


def test_a_copied_event_asks_the_same_questions_without_the_answers(app, asked):
    from datetime import date

    from eventapp.events.services import copy_event

    with app.app_context():
        source = db.session.scalar(select(Event).where(Event.slug == SLUG))
        make_registration(source, answers={str(asked["motto"]): "Onwards"})
        db.session.flush()
        copy = copy_event(
            source, slug="questions-forum-2031", title="Forum 2031", start_date=date(2031, 5, 14)
        )
        db.session.commit()
        copied = [(q.label, q.kind, q.required, q.choices) for q in copy.questions]
        assert copied == [(q.label, q.kind, q.required, q.choices) for q in source.questions]
        assert {q.id for q in copy.questions}.isdisjoint(q.id for q in source.questions)
        assert copy.registrations == []
