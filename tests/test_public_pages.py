"""The public pages, read as a visitor gets them: real requests, real HTML."""

import html
import re
from datetime import timedelta

from eventapp.extensions import db
from eventapp.models import ItemKind, RoleKind

from .factories import START, add_role, make_event, make_item, make_person


def text_of(page: str) -> str:
    """The visible text of a page, whitespace folded, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_home_goes_straight_to_the_only_event(client, demo):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{demo}/"


def test_home_lists_published_events_only(app, client):
    with app.app_context():
        make_event(title="Summer Forum")
        make_event(title="Winter Forum")
        make_event(title="Secret Retreat", published=False)
        db.session.commit()
    page = text_of(client.get("/").text)
    assert "Summer Forum" in page and "Winter Forum" in page
    assert "Secret Retreat" not in page


def test_event_page_shows_date_in_event_time_zone_venue_and_figures(client, demo):
    response = client.get(f"/events/{demo}/")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "MIEUX Impact Event" in page
    # 08:30 in Brussels is 07:30 UTC: the page must show local time.
    assert "Tuesday, 12 March 2024" in page
    assert "08:30" in page and "18:00" in page and "Europe/Brussels" in page
    assert "Brussels" in page
    for figure in ("188", "465", "48", "15,000", "33%"):
        assert figure in page, figure


def test_agenda_shows_the_three_panels_with_moderators_and_panellists(app, client, demo):
    from eventapp.models import queries

    response = client.get(f"/events/{demo}/agenda")
    assert response.status_code == 200
    with app.app_context():
        event = queries.get_published_event_or_404(demo)
        panels = [item for item in queries.agenda(event) if item.kind == ItemKind.PANEL]
        assert len(panels) == 3
        for panel in panels:
            # The panel's own entry: from its anchor to the next item's.
            block = response.text.split(f'id="item-{panel.id}"')[1].split('id="item-')[0]
            assert html.escape(panel.title, quote=False) in block
            assert len(panel.moderators) == 1 and len(panel.panellists) >= 3
            for person in panel.moderators + panel.panellists:
                link = f'href="/events/{demo}/speakers/{person.id}"'
                assert link in block, (panel.title, person.full_name)


def test_agenda_times_are_local_and_in_order(client, demo):
    page = text_of(client.get(f"/events/{demo}/agenda").text)
    times = re.findall(r"\b(\d\d:\d\d) – to (\d\d:\d\d)", page)
    assert times, page[:500]
    starts = [start for start, _ in times]
    assert starts[0] == "08:30"
    assert starts == sorted(starts)


def test_speakers_page_lists_the_four_hosts_with_their_positions(client, demo):
    page = text_of(client.get(f"/events/{demo}/speakers").text)
    hosts = {
        "Lukas Gehrke": "Deputy Director General",
        "Ralph Genetzke": "Director of the ICMPD Brussels Mission",
        "Erica Gerretsen": "Human Development, Migration, Governance and Peace",
        "Francesco Luciani": "Head of Unit for Migration and Forced Displacement",
    }
    for name, position in hosts.items():
        assert name in page
        after = page[page.index(name) :]
        assert position in after[:300], name


def test_speakers_show_country_names_and_native_scripts(client, demo):
    page = text_of(client.get(f"/events/{demo}/speakers").text)
    for country in (
        "Cabo Verde",
        "Costa Rica",
        "Georgia",
        "Kyrgyzstan",
        "Mexico",
        "Uganda",
        "Italy",
        "Spain",
        "Sweden",
    ):
        assert country in page, country
    assert re.search(r"[\u10D0-\u10FF]", page), "a Georgian name"
    assert re.search(r"[\u0400-\u04FF]", page), "a Cyrillic name"


def test_speaker_page_shows_profile_and_agenda_items(app, client):
    with app.app_context():
        event = make_event(slug="forum")
        person = make_person(
            event,
            honorific="Dr",
            given_name="Nino",
            family_name="Beridze",
            position="Head of Migration Unit",
            organisation="Public Service Development Agency",
            country="GE",
            bio="Works on **consular** assistance.",
        )
        panel = make_item(event, kind=ItemKind.PANEL, title="Peer exchange in practice")
        add_role(panel, person, RoleKind.MODERATOR)
        db.session.commit()
        person_id = person.id
    page = client.get(f"/events/forum/speakers/{person_id}").text
    assert "<strong>consular</strong>" in page
    visible = text_of(page)
    assert "Dr Nino Beridze" in visible
    assert "Georgia" in visible
    assert "Peer exchange in practice" in visible and "Moderator" in visible


def test_speaker_of_another_event_is_not_found(app, client):
    with app.app_context():
        one = make_event(slug="one")
        other = make_event(slug="other")
        person = make_person(other)
        add_role(make_item(other), person, RoleKind.SPEAKER)
        db.session.commit()
        person_id = person.id
        assert one.id != other.id
    assert client.get(f"/events/other/speakers/{person_id}").status_code == 200
    assert client.get(f"/events/one/speakers/{person_id}").status_code == 404


def test_unknown_and_unpublished_events_get_a_proper_404_page(app, client):
    with app.app_context():
        make_event(slug="draft", published=False)
        db.session.commit()
    for url in (
        "/events/nope/",
        "/events/draft/",
        "/events/draft/agenda",
        "/events/draft/speakers",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "<html" in response.text and "could not find that page" in response.text


def test_organiser_markdown_cannot_inject_markup(app, client):
    with app.app_context():
        make_event(
            slug="md",
            description="Hello <script>alert(1)</script> [click](javascript:alert(1)) *fine*",
        )
        db.session.commit()
    page = client.get("/events/md/").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert 'href="javascript:' not in page
    assert "<em>fine</em>" in page


def test_names_in_every_script_are_shown_as_written(app, client):
    names = [
        "ნინო ბერიძე",
        "Гульнара Асанова",
        "José Ñúñez",
        "محمد الأحمد",
        "Ἀλέξανδρος Παπαδόπουλος",
    ]
    with app.app_context():
        event = make_event(slug="scripts")
        item = make_item(event, title="Round table")
        for i, name in enumerate(names):
            given, family = name.split(" ")
            add_role(
                item, make_person(event, given_name=given, family_name=family), RoleKind.SPEAKER, i
            )
        db.session.commit()
    response = client.get("/events/scripts/agenda")
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    for name in names:
        assert name in response.text


def test_multi_day_agenda_groups_items_by_local_day(app, client):
    with app.app_context():
        event = make_event(slug="two-days", ends_at=START + timedelta(days=1, hours=9))
        make_item(event, title="Day one talk")
        # 23:30 UTC is already the next day in Brussels.
        make_item(
            event, title="Late talk", starts_at=event.starts_at + timedelta(hours=16, minutes=30)
        )
        db.session.commit()
    page = text_of(client.get("/events/two-days/agenda").text)
    assert page.index("Tuesday, 14 May 2030") < page.index("Day one talk")
    assert page.index("Wednesday, 15 May 2030") < page.index("Late talk")
