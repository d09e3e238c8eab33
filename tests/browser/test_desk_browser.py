"""An organiser searches the registration desk in a real browser: accents and letter case
do not matter, and names in Cyrillic find themselves."""

from playwright.sync_api import Page, expect

from eventapp.extensions import db
from eventapp.models import User, UserRole

from ..factories import make_event, make_registration
from .conftest import sign_in_page


def desk_names(page: Page) -> list[str]:
    return [name.strip() for name in page.locator(".desk-table .desk-name").all_inner_texts()]


def search(page: Page, text: str) -> None:
    page.get_by_label("Search names, e-mail, organisation").fill(text)
    page.get_by_role("button", name="Search").click()


def test_organiser_finds_jose_without_the_accent_and_gulnara_in_cyrillic(
    page: Page, app, live_server, make_user
):
    user_id = make_user("organiser@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = make_event(title="Migration Dialogue Forum")
        event.managers.append(db.session.get(User, user_id))
        for given, family in (
            ("José", "Núñez"),
            ("Гульнара", "Абдыкадырова"),
            ("Ana", "Ribeiro"),
            ("Joseph", "Smith"),
            ("ნინო", "ბერიძე"),
        ):
            make_registration(event, given_name=given, family_name=family, organisation="ICMPD")
        db.session.commit()
        slug = event.slug

    sign_in_page(page, live_server, "organiser@example.org")
    page.goto(f"{live_server}/manage/events/{slug}/registrations")
    expect(page.locator("#result-count")).to_have_text("5 registrations")

    search(page, "jose")
    expect(page.locator("#result-count")).to_have_text("2 registrations")
    assert desk_names(page) == ["Núñez, José", "Smith, Joseph"]
    expect(page.get_by_role("link", name="Núñez, José")).to_be_visible()
    expect(page.get_by_label("Search names, e-mail, organisation")).to_have_value("jose")

    search(page, "Гульнара")
    expect(page.locator("#result-count")).to_have_text("1 registration")
    assert desk_names(page) == ["Абдыкадырова, Гульнара"]

    search(page, "гульнара абдыкадырова")  # lower case, both names
    assert desk_names(page) == ["Абдыкадырова, Гульнара"]

    page.get_by_role("link", name="Show all").click()
    expect(page.locator("#result-count")).to_have_text("5 registrations")
