"""A person's details are checked alike wherever they come in: the public sign-up, the
organisers' add form, the walk-in form at the door (each over HTTP) and an import's rows
(check_rows). One definition (registration/person_fields.py) serves all four; these tests
hold each place to it, field by field."""

import re

import pytest
from sqlalchemy import func, select

from eventapp.core.import_reader import Table
from eventapp.extensions import db
from eventapp.models import Event, Registration, User, UserRole
from eventapp.registration import person_fields
from eventapp.registration.spreadsheets import FIELD_LABELS, check_rows

from .conftest import csrf_token_from, submit_sign_in
from .factories import make_event

SLUG = "forum"
#: The text fields of each place (the door asks only for the least a badge needs).
PLACES = {
    "public": (
        "honorific",
        "given_name",
        "family_name",
        "badge_name",
        "email",
        "organisation",
        "job_title",
        "dietary_other",
        "accessibility",
    ),
    "organiser": (
        "honorific",
        "given_name",
        "family_name",
        "badge_name",
        "email",
        "organisation",
        "job_title",
        "dietary_other",
        "accessibility",
    ),
    "door": ("given_name", "family_name", "organisation", "email"),
    "import": (
        "honorific",
        "given_name",
        "family_name",
        "badge_name",
        "email",
        "organisation",
        "job_title",
        "dietary_other",
        "accessibility",
    ),
}
TEXT_FIELDS = PLACES["public"]
#: Where each field must be filled in, as people meet it today.
REQUIRED = {
    "public": {"given_name", "family_name", "email", "organisation"},
    "organiser": {"given_name"},
    "door": {"given_name"},
    "import": {"given_name", "email"},
}


@pytest.fixture
def places(app, make_user):
    """An event managed by a signed-in organiser; a function per place that submits
    `fields` over a valid base and returns (registration or None, {field: error})."""
    organiser = make_user("organiser@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = make_event(slug=SLUG, title="Migration Forum")
        event.managers.append(db.session.get(User, organiser))
        db.session.commit()
        event_id = event.id
    staff = app.test_client()
    assert submit_sign_in(staff).status_code == 302
    counter = iter(range(1, 1000))

    def newest() -> Registration | None:
        with app.app_context():
            newest_id = db.session.scalar(select(func.max(Registration.id)))
            registration = db.session.get(Registration, newest_id) if newest_id else None
            if registration is not None:
                db.session.expunge(registration)
            return registration

    def over_http(client, url, base, fields):
        before = newest()
        token = csrf_token_from(client.get(url).text)
        response = client.post(url, data={"csrf_token": token, **base, **fields})
        assert response.status_code in (302, 422), response.status_code
        after = newest()
        created = after if after is not None and (before is None or after.id != before.id) else None
        assert (created is not None) == (response.status_code == 302)
        return created, errors_next_to_fields(response.text)

    def public(fields):
        n = next(counter)
        base = {
            "given_name": "Nino",
            "family_name": "Gogoladze",
            "email": f"public{n}@example.org",
            "organisation": "PSDA",
            "country": "GE",
            "dietary": "other",
            "dietary_other": "Vegan",
            "privacy_consent": "y",
        }
        return over_http(app.test_client(), f"/events/{SLUG}/register", base, fields)

    def organiser_form(fields):
        base = {"given_name": "Ana", "category": "speaker", "dietary": "other", "country": ""}
        return over_http(staff, f"/manage/events/{SLUG}/registrations/new", base, fields)

    def door(fields):
        base = {"given_name": "Luka", "category": "participant", "new_person": "y"}
        url = f"/checkin/{SLUG}/walk-in"
        before = newest()
        token = csrf_token_from(staff.get(f"/checkin/{SLUG}").text)
        response = staff.post(url, data={"csrf_token": token, **base, **fields})
        assert response.status_code in (302, 422), response.status_code
        after = newest()
        created = after if after is not None and (before is None or after.id != before.id) else None
        assert (created is not None) == (response.status_code == 302)
        return created, errors_next_to_fields(response.text)

    def imported(fields):
        n = next(counter)
        row = {
            "given_name": "Zaza",
            "family_name": "Imported",
            "email": f"import{n}@example.org",
            "dietary": "other",
            **fields,
        }
        headers = list(row)
        with app.test_request_context():
            event = db.session.get(Event, event_id)
            [checked] = check_rows(
                event,
                Table(headers=headers, rows=[list(row.values())], numbers=[2]),
                {name: i for i, name in enumerate(headers)},
                app.config["LANGUAGES"],
            )
        return checked

    return {"public": public, "organiser": organiser_form, "door": door, "import": imported}


def errors_next_to_fields(html: str) -> dict[str, str]:
    """{field name: its error} as printed next to each field."""
    return {
        name: text
        for name, text in re.findall(
            r'<p class="field__error" id="([a-z_]+)-error">([^<]*)</p>', html
        )
    }


def address(length: int, local: str = "a") -> str:
    """A valid e-mail address of `length` characters (a local part holds at most 64)."""
    body = length - len(local) - len("@org")  # labels, each followed by its dot
    labels = []
    while body > 0:
        size = body - 1 if body <= 64 else 50
        labels.append("d" * size)
        body -= size + 1
    return f"{local}@" + ".".join(labels) + ".org"


def sample(name: str, length: int, place: str = "a") -> str:
    """A value of `length` characters; addresses differ by place (each is registered)."""
    return address(length, place[0]) if name == "email" else "é" * length


def places_with(name: str) -> list[str]:
    return [place for place, fields in PLACES.items() if name in fields]


@pytest.mark.parametrize("name", TEXT_FIELDS)
def test_a_value_one_character_too_long_is_refused_everywhere(app, places, name):
    limit = person_fields.max_length(name)
    value = sample(name, limit + 1)
    for place in places_with(name):
        if place == "import":
            row = places[place]({name: value})
            assert f"{FIELD_LABELS[name]} is longer than {limit} characters." in row.errors
        else:
            created, errors = places[place]({name: value})
            assert created is None, place
            assert (
                f"Please use at most {limit} characters (you typed {limit + 1})." in errors[name]
            ), place


@pytest.mark.parametrize("name", TEXT_FIELDS)
def test_the_longest_value_that_fits_is_kept_whole_everywhere(app, places, name):
    limit = person_fields.max_length(name)
    for place in places_with(name):
        value = sample(name, limit, place)
        assert len(value) == limit
        if place == "import":
            row = places[place]({name: value})
            assert row.errors == [] and row.data[name] == value
        else:
            created, errors = places[place]({name: value})
            assert errors == {}, place
            assert getattr(created, name) == value, place


@pytest.mark.parametrize("name", TEXT_FIELDS)
def test_surrounding_spaces_go_and_accents_are_stored_composed_everywhere(app, places, name):
    for place in places_with(name):
        typed, stored = "  Jose\u0301 Nu\u0301n\u0303ez  ", "José Núñez"
        if name == "email":
            typed, stored = f"  {place}.Jose\u0301@EXAMPLE.org ", f"{place}.José@example.org"
        if place == "import":
            row = places[place]({name: typed})
            assert row.errors == [] and row.data[name] == stored
        else:
            created, errors = places[place]({name: typed})
            assert errors == {}, place
            assert getattr(created, name) == stored, place


@pytest.mark.parametrize("name", TEXT_FIELDS)
def test_an_empty_value_is_refused_exactly_where_the_field_is_required(app, places, name):
    fields = {name: "   "}
    if name == "dietary_other":  # asked for only when "Other" is chosen
        fields["dietary"] = "none"
    for place in places_with(name):
        if place == "import":
            row = places[place](fields)
            missing = [e for e in row.errors if "missing" in e]
            assert bool(missing) == (name in REQUIRED[place]), (place, row.errors)
        else:
            created, errors = places[place](fields)
            if name in REQUIRED[place]:
                assert created is None and errors[name] == "Please fill in this field.", place
            else:
                assert errors == {} and getattr(created, name) in ("", None), place


@pytest.mark.parametrize("name", [n for n in TEXT_FIELDS if n != "accessibility"])
def test_a_line_break_in_a_one_line_field_is_refused_everywhere(app, places, name):
    value = "ana@example.org\nbcc@example.org" if name == "email" else "Ana\nMaria"
    for place in places_with(name):
        if place == "import":
            row = places[place]({name: value})
            assert (
                f"{FIELD_LABELS[name]}: write this on one line, without a line break." in row.errors
            )
        else:
            created, errors = places[place]({name: value})
            assert created is None, place
            assert "Write this on one line: remove the line break." in errors[name], place


def test_line_breaks_stay_in_the_accessibility_needs(app, places):
    for place in places_with("accessibility"):
        if place == "import":
            row = places[place]({"accessibility": "Ramp\nHearing loop"})
            assert row.errors == [] and row.data["accessibility"] == "Ramp\nHearing loop"
        else:
            created, errors = places[place]({"accessibility": "Ramp\r\nHearing loop"})
            assert errors == {} and created.accessibility.splitlines() == [
                "Ramp",
                "Hearing loop",
            ], place


def test_an_address_that_is_none_is_refused_everywhere(app, places):
    for place in places_with("email"):
        if place == "import":
            row = places[place]({"email": "nino@"})
            assert "“nino@” is not a valid e-mail address." in row.errors
        else:
            created, errors = places[place]({"email": "nino@"})
            assert created is None, place
            assert (
                errors["email"] == "Please enter a valid e-mail address, like name@example.org."
            ), place


def test_the_country_is_its_iso_code_everywhere(app, places):
    created, errors = places["public"]({"country": "FR"})
    assert errors == {} and created.country == "FR"
    created, errors = places["organiser"]({"country": "FR"})
    assert errors == {} and created.country == "FR"
    for text in ("FR", "fr", "France", "france"):
        row = places["import"]({"country": text})
        assert row.errors == [] and row.data["country"] == "FR"


def test_a_country_not_on_the_list_is_refused_everywhere(app, places):
    """EU and UN have two-letter codes but are not countries people choose."""
    created, errors = places["public"]({"country": "EU"})
    assert created is None
    assert errors["country"] == "Please choose your country from the list."
    created, errors = places["organiser"]({"country": "EU"})
    assert created is None and errors["country"] == "Choose a country from the list."
    for text in ("EU", "Atlantis"):
        row = places["import"]({"country": text})
        assert f"Unknown country “{text}”." in row.errors


def test_the_country_is_required_only_of_participants(app, places):
    created, errors = places["public"]({"country": ""})
    assert created is None and errors["country"] == "Please choose your country."
    created, errors = places["organiser"]({"country": ""})
    assert errors == {} and created.country == ""
    row = places["import"]({"country": ""})
    assert row.errors == [] and row.data["country"] == ""


def test_no_limit_is_sent_to_the_browser(app, places, client):
    """A browser silently cuts pasted text at a maxlength: the server says it instead."""
    with app.app_context():
        assert "maxlength" not in client.get(f"/events/{SLUG}/register").text
    staff_pages = (f"/manage/events/{SLUG}/registrations/new", f"/checkin/{SLUG}")
    staff = app.test_client()
    assert submit_sign_in(staff).status_code == 302
    for url in staff_pages:
        page = staff.get(url)
        assert page.status_code == 200 and "maxlength" not in page.text, url
