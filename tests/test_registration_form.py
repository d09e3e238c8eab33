"""The public sign-up form over HTTP: every error next to its field, what was typed kept,
the registration window, duplicates, and the page that follows a sign-up."""

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import Event, Registration, Status
from eventapp.models.types import utcnow

from .conftest import csrf_token_from
from .factories import make_event, make_registration


def new_event(app, **kw) -> str:
    with app.app_context():
        event = make_event(**kw)
        db.session.commit()
        return event.slug


def valid(**kw) -> dict:
    return {
        "given_name": "Nino",
        "family_name": "Gogoladze",
        "email": "nino@example.org",
        "organisation": "Public Service Development Agency",
        "country": "GE",
        "dietary": "none",
        "privacy_consent": "y",
        **kw,
    }


def post(client, slug: str, data: dict, lang: str = ""):
    url = f"/events/{slug}/register" + (f"?lang={lang}" if lang else "")
    token = csrf_token_from(client.get(url).text)
    return client.post(url, data={"csrf_token": token, **data})


def error_of(html: str, name: str) -> str:
    """The error printed next to a field, checking it is tied to the field."""
    match = re.search(rf'<p class="field__error" id="{name}-error">([^<]*)</p>', html)
    assert match, f"no error next to {name}"
    field = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{name}"[^>]*>', html).group(0)
    described = re.search(r'aria-describedby="([^"]*)"', field)
    assert described and f"{name}-error" in described.group(1).split()
    assert 'aria-invalid="true"' in field
    return match.group(1)


def registrations(app) -> list[Registration]:
    with app.app_context():
        return list(db.session.scalars(select(Registration).order_by(Registration.id)))


def outbox(app) -> list:
    folder = app.config.get("MAIL_OUTBOX")
    return sorted(folder.glob("*.eml")) if folder else []


@pytest.fixture
def mail(app, tmp_path):
    app.config["MAIL_OUTBOX"] = tmp_path / "outbox"
    return lambda: [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted((tmp_path / "outbox").glob("*.eml"))
    ]


def test_form_has_the_fields_with_their_html_names(app, client):
    slug = new_event(app)
    html = client.get(f"/events/{slug}/register").text
    for name in (
        "honorific",
        "given_name",
        "family_name",
        "badge_name",
        "email",
        "organisation",
        "job_title",
        "country",
        "dietary",
        "dietary_other",
        "accessibility",
        "photo_consent",
        "privacy_consent",
    ):
        assert f'name="{name}"' in html, name
    assert f'href="/events/{slug}/privacy"' in html
    # The translations around the link are text; the link is written by the code.
    french = client.get(f"/events/{slug}/register?lang=fr").text
    assert (
        f'J’accepte la <a href="/events/{slug}/privacy" target="_blank">politique de '
        "confidentialité</a> (s’ouvre dans un nouvel onglet)."
    ) in french
    assert "maxlength" not in html  # the browser would cut pasted text silently
    for value in ("none", "vegetarian", "vegan", "halal", "kosher", "gluten-free", "other"):
        assert f'value="{value}"' in html


def test_countries_are_named_in_the_page_language(app, client):
    slug = new_event(app)
    assert '<option value="DE">Germany</option>' in client.get(f"/events/{slug}/register").text
    assert (
        '<option value="DE">Allemagne</option>'
        in client.get(f"/events/{slug}/register?lang=fr").text
    )


def test_event_page_links_to_the_form(app, client):
    slug = new_event(app)
    assert f'href="/events/{slug}/register"' in client.get(f"/events/{slug}/").text


@pytest.mark.parametrize("path", ["/events/{slug}/register", "/events/{slug}/privacy"])
def test_unpublished_and_unknown_events_are_404(app, client, path):
    slug = new_event(app, published=False)
    assert client.get(path.format(slug=slug)).status_code == 404
    assert client.get(path.format(slug="no-such-event")).status_code == 404


def test_privacy_notice_is_rendered_as_markdown(app, client):
    slug = new_event(app, privacy_notice="We keep your data **until June**.<script>x</script>")
    html = client.get(f"/events/{slug}/privacy").text
    assert "<strong>until June</strong>" in html
    assert "<script>x" not in html


def test_a_sign_up_redirects_to_the_done_page_with_the_link(app, client, mail):
    slug = new_event(app)
    response = post(
        client,
        slug,
        valid(
            email=" Nino@Example.org ", dietary="other", dietary_other="no nuts", photo_consent="y"
        ),
    )
    assert response.status_code == 302
    [registration] = registrations(app)
    assert response.headers["Location"] == f"/r/{registration.token}/done"
    assert registration.status == Status.CONFIRMED
    assert registration.email == "Nino@example.org"  # the domain normalised by the validator
    assert (registration.dietary, registration.dietary_other) == ("other", "no nuts")
    assert registration.photo_consent and registration.privacy_consent_at is not None
    assert registration.language == "en"
    page = client.get(response.headers["Location"])
    assert "Your registration is confirmed." in page.text
    assert f"http://localhost/r/{registration.token}" in page.text
    [message] = mail()
    assert message["To"].addresses[0].addr_spec == "Nino@example.org"


def test_sign_up_in_french_records_the_language(app, client, mail):
    slug = new_event(app, capacity=0)
    response = post(client, slug, valid(), lang="fr")
    assert response.status_code == 302
    [registration] = registrations(app)
    assert registration.language == "fr"
    assert registration.status == Status.WAITLISTED


def test_done_page_gives_the_waiting_list_position_and_pending(app, client, mail):
    slug = new_event(app, capacity=1)
    post(client, slug, valid(email="a@example.org"))
    post(client, slug, valid(email="b@example.org"))
    location = post(client, slug, valid(email="c@example.org")).headers["Location"]
    assert "on the waiting list, at position 2" in client.get(location).text
    moderated = new_event(app, moderation=True)
    location = post(client, moderated, valid()).headers["Location"]
    assert "pending approval" in client.get(location).text


def test_every_error_is_shown_next_to_its_field_and_input_is_kept(app, client):
    slug = new_event(app)
    response = post(
        client,
        slug,
        {
            "honorific": "H" * 41,
            "given_name": "  ",
            "family_name": "Ģirts " + "x" * 100,
            "badge_name": "B" * 121,
            "email": "not an address",
            "organisation": "",
            "job_title": "J" * 301,
            "country": "XX",
            "dietary": "other",
            "dietary_other": "",
            "accessibility": "A" * 1001,
        },
    )
    assert response.status_code == 422
    html = response.text
    assert error_of(html, "honorific") == "Please use at most 40 characters (you typed 41)."
    assert error_of(html, "given_name") == "Please fill in this field."
    assert error_of(html, "family_name") == "Please use at most 100 characters (you typed 106)."
    assert "120 characters" in error_of(html, "badge_name")
    assert "valid e-mail address" in error_of(html, "email")
    assert error_of(html, "organisation") == "Please fill in this field."
    assert "300 characters" in error_of(html, "job_title")
    assert "from the list" in error_of(html, "country")
    assert error_of(html, "dietary_other") == "Please tell us your dietary needs."
    assert "1000 characters" in error_of(html, "accessibility")
    assert "privacy notice" in error_of(html, "privacy_consent")
    # What was typed comes back, in full: nothing is cut short.
    assert 'value="Ģirts ' + "x" * 100 + '"' in html
    assert 'value="not an address"' in html
    assert "A" * 1001 + "</textarea>" in html
    assert '<option selected value="other">' in html
    assert 'role="alert"' in html  # the summary at the top links to each field
    assert registrations(app) == []


def test_missing_consent_alone_is_refused(app, client):
    slug = new_event(app)
    response = post(client, slug, valid(privacy_consent=""))
    assert response.status_code == 422
    assert (
        error_of(response.text, "privacy_consent")
        == "Please accept the privacy notice to register."
    )
    assert 'value="Nino"' in response.text
    assert registrations(app) == []


def test_input_is_stripped_and_nfc_normalised(app, client, mail):
    slug = new_event(app)
    post(client, slug, valid(given_name="  Jose\u0301  ", organisation=" ICMPD "))
    [registration] = registrations(app)
    assert registration.given_name == "Jos\u00e9"
    assert registration.organisation == "ICMPD"


def test_a_second_sign_up_with_the_same_address_creates_nothing_and_resends_the_link(
    app, client, mail
):
    slug = new_event(app)
    post(client, slug, valid())
    [first] = registrations(app)
    response = post(client, slug, valid(email="NINO@example.org", given_name="Other"))
    assert response.status_code == 422
    assert "already registered" in error_of(response.text, "email")
    assert 'value="Other"' in response.text
    assert len(registrations(app)) == 1
    confirmation, again = mail()
    assert again["To"].addresses[0].addr_spec == "nino@example.org"
    assert "Your registration link" in again["Subject"]
    assert f"/r/{first.token}" in again.get_body(("plain",)).get_content()


def test_before_the_window_the_page_says_when_it_opens(app, client):
    slug = new_event(app, registration_opens_at=datetime(2030, 5, 1, 8, 0, tzinfo=UTC))
    response = client.get(f"/events/{slug}/register")
    assert response.status_code == 200
    assert "Registration is not open yet" in response.text
    assert "opens on Wednesday, 1 May 2030 at 10:00 (Europe/Brussels)" in response.text
    assert "<form" not in response.text.split("<main")[1].split("</main>")[0]


def test_after_the_window_the_page_says_it_is_closed(app, client):
    closes = utcnow() - timedelta(hours=1)
    slug = new_event(
        app, registration_opens_at=closes - timedelta(days=30), registration_closes_at=closes
    )
    response = client.get(f"/events/{slug}/register")
    assert "Registration is closed" in response.text
    assert "closed on" in response.text


def test_a_post_that_arrives_after_closing_gets_the_closed_page(app, client):
    slug = new_event(app)
    token = csrf_token_from(client.get(f"/events/{slug}/register").text)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        event.registration_closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = client.post(f"/events/{slug}/register", data={"csrf_token": token, **valid()})
    assert "Registration is closed" in response.text
    assert registrations(app) == []


def test_without_the_csrf_token_nothing_is_created(app, client):
    slug = new_event(app)
    response = client.post(f"/events/{slug}/register", data=valid())
    assert response.status_code in (400, 422)
    assert registrations(app) == []


def test_a_full_event_still_accepts_sign_ups_onto_the_waiting_list(app, client, mail):
    slug = new_event(app, capacity=1)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        make_registration(event, status=Status.CONFIRMED)
        db.session.commit()
    assert post(client, slug, valid()).status_code == 302
    with app.app_context():
        waiting = db.session.scalar(
            select(func.count()).where(Registration.status == Status.WAITLISTED)
        )
    assert waiting == 1
