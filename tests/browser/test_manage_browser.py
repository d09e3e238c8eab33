"""An organiser edits the demo's agenda in a real browser, then reads the public views."""

from pathlib import Path

import icalendar
from lxml import etree
from playwright.sync_api import Page, expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Event, User, UserRole

from .conftest import axe_violations, sign_in_page

XSD = Path(__file__).parents[1] / "schemas" / "frab-schedule.xsd"


def sign_in_as_manager(page: Page, app, live_server, demo, make_user):
    user_id = make_user("manager@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()
    sign_in_page(page, live_server, "manager@example.org")
    expect(page.locator("h1")).to_have_text("Organiser area")


def panellists(page: Page) -> list[str]:
    return [
        n.strip() for n in page.locator("#role-panellist + ol .sortable__name").all_inner_texts()
    ]


def test_organiser_builds_a_panel_drags_a_panellist_and_shifts_the_afternoon(
    page: Page, app, live_server, demo, make_user
):
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in_as_manager(page, app, live_server, demo, make_user)
    page.get_by_role("link", name="MIEUX Impact Event").click()
    page.locator(".manage-nav").get_by_role("link", name="Agenda").click()
    page.get_by_role("link", name="Add an item").click()

    page.get_by_label("Kind").select_option("panel")
    page.get_by_label("Room").select_option(label="Plenary hall")
    page.get_by_label("Title", exact=True).fill("Panel 4: Looking ahead")
    page.get_by_label("Starts").fill("2024-03-12T17:15")
    page.get_by_label("Ends").fill("2024-03-12T18:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Item added.")

    # A moderator from the type-ahead, three panellists typed in (new speakers).
    page.get_by_label("Role").select_option("moderator")
    page.get_by_label("Speaker", exact=True).fill("Ralph Genetzke")
    page.get_by_role("button", name="Add", exact=True).click()
    for name in ("Nino Beridze", "Айгуль Токтогулова", "José Núñez"):
        page.get_by_label("Role").select_option("panellist")
        page.get_by_label("Speaker", exact=True).fill(name)
        page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#role-panellist + ol .sortable__item")).to_have_count(3)
    assert panellists(page) == ["Nino Beridze", "Айгуль Токтогулова", "José Núñez"]

    # Drag José to the top.
    items = page.locator("#role-panellist + ol .sortable__item")
    items.nth(2).drag_to(items.nth(0), target_position={"x": 20, "y": 3})
    page.wait_for_load_state("networkidle")
    expect(page.locator("#role-panellist + ol .sortable__name").first).to_have_text("José Núñez")
    # And the keyboard way: Nino one down, with the Down button.
    page.get_by_role("button", name="Move Nino Beridze down").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#role-panellist + ol .sortable__name").last).to_have_text("Nino Beridze")
    assert axe_violations(page) == []

    # Move the panel to the foyer.
    page.get_by_label("Room").first.select_option(label="Foyer")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Item saved.")

    # "We are running 15 minutes late" from Panel 2 on.
    page.locator(".manage-nav").get_by_role("link", name="Agenda").click()
    page.get_by_label("Minutes to shift “Panel 2: Capacity development").fill("15")
    page.get_by_label("Minutes to shift “Panel 2: Capacity development").press("Enter")
    expect(page.locator(".flash")).to_contain_text("moved by +15 minutes")

    # The public agenda, the calendar and the schedule XML follow at once.
    page.goto(f"{live_server}/events/{demo}/agenda")
    panel = page.locator("li.agenda-item", has_text="Panel 4: Looking ahead")
    expect(panel).to_contain_text("17:30")
    expect(panel).to_contain_text("Foyer")
    expect(panel.locator(".roles__group", has_text="Panellists").locator("a")).to_have_text(
        ["José Núñez", "Айгуль Токтогулова", "Nino Beridze"]
    )

    calendar = icalendar.Calendar.from_ical(
        page.request.get(f"{live_server}/events/{demo}/agenda.ics").body()
    )
    vevent = next(e for e in calendar.walk("VEVENT") if "Panel 4" in str(e["SUMMARY"]))
    assert vevent.decoded("DTSTART").strftime("%H:%M") == "17:30"
    assert "Foyer" in str(vevent["LOCATION"])
    description = str(vevent["DESCRIPTION"])
    assert description.index("José Núñez") < description.index("Nino Beridze")

    xml = page.request.get(f"{live_server}/events/{demo}/schedule.xml").body()
    document = etree.fromstring(xml)
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(document)
    event_el = next(e for e in document.iter("event") if "Panel 4" in e.findtext("title"))
    assert event_el.findtext("start") == "17:30"
    assert event_el.findtext("room") == "Foyer"
    names = [p.text for p in event_el.find("persons")]
    assert names.index("José Núñez") < names.index("Nino Beridze")


def test_agenda_editor_pages_have_no_accessibility_violations(
    page: Page, app, live_server, demo, make_user
):
    sign_in_as_manager(page, app, live_server, demo, make_user)
    for path in ("agenda", "speakers", "rooms", "settings", "log", "agenda/new"):
        page.goto(f"{live_server}/manage/events/{demo}/{path}")
        assert axe_violations(page) == [], path


def test_the_agenda_timeline_is_laid_out_under_the_content_security_policy(
    page: Page, app, live_server, demo, make_user
):
    """The policy refuses style attributes: the timeline's rows and columns come from a
    <style> element with the page's nonce (the autouse fixture fails on any refusal)."""
    sign_in_as_manager(page, app, live_server, demo, make_user)
    response = page.goto(f"{live_server}/manage/events/{demo}/agenda")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    timeline = page.locator(".timeline").first
    assert timeline.evaluate("e => getComputedStyle(e).getPropertyValue('--columns')") != ""
    starts = page.locator(".timeline__item").evaluate_all(
        "items => items.map(e => getComputedStyle(e).gridRowStart)"
    )
    assert starts and "auto" not in starts
    assert len(set(starts)) > 1  # placed at their own times, not stacked


def test_badge_settings_are_chosen_by_their_own_labels(
    page: Page, app, live_server, demo, make_user
):
    """ "Default layout" and "Default order" label the settings' selects, not the print
    form's "Layout" and "Order" above them (they once shared their ids)."""
    from eventapp.printing.badges import badge_settings

    sign_in_as_manager(page, app, live_server, demo, make_user)
    page.goto(f"{live_server}/manage/events/{demo}/badges")
    page.get_by_label("Default layout").select_option("single")
    page.get_by_label("Default order").select_option("country")
    page.get_by_role("button", name="Save the settings").click()
    expect(page.locator(".flash")).to_have_text("Badge settings saved.")
    with app.app_context():
        settings = badge_settings(db.session.scalar(select(Event).where(Event.slug == demo)))
    assert (settings["layout"], settings["sort"]) == ("single", "country")
    # The print form starts from the new defaults.
    expect(page.get_by_label("Layout", exact=True)).to_have_value("single")
    expect(page.get_by_label("Order", exact=True)).to_have_value("country")
    assert axe_violations(page) == []
