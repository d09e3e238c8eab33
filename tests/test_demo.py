"""The MIEUX Impact Event demo: what `make run` shows a newcomer."""

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from eventapp.demo import participants
from eventapp.demo.loader import read_data
from eventapp.extensions import db
from eventapp.models import (
    AgendaItem,
    Category,
    Event,
    ItemKind,
    Person,
    Registration,
    RoleKind,
    Status,
)


def snapshot() -> dict:
    """Every row that the demo writes, as comparable tuples."""
    return {
        "events": db.session.execute(select(Event.slug, Event.updated_at)).all(),
        "people": db.session.execute(
            select(Person.id, Person.given_name, Person.family_name, Person.updated_at)
        ).all(),
        "items": db.session.execute(
            select(AgendaItem.id, AgendaItem.title, AgendaItem.starts_at)
        ).all(),
        "registrations": db.session.execute(
            select(Registration.id, Registration.email, Registration.token, Registration.updated_at)
        ).all(),
    }


def test_demo_command_loads_the_event_and_a_second_run_changes_nothing(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Loaded MIEUX Impact Event (mieux-impact-2024)" in first.output
    with app.app_context():
        before = snapshot()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "nothing changed" in second.output
    with app.app_context():
        assert snapshot() == before


def test_demo_event_facts(app, demo):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        assert event.timezone == "Europe/Brussels"
        assert event.local(event.starts_at).date().isoformat() == "2024-03-12"
        assert "Brussels" in event.venue_address
        assert event.capacity == 100 and event.published
        values = {figure["value"] for figure in event.key_figures}
        assert {"15", "188", "465", "48", "33%"} <= values
        for fact in ("188 requests", "465 migration experts", "48 focal points", "15,000"):
            assert fact in event.description.replace("*", ""), fact


def test_demo_hosts_have_the_positions_the_press_release_gives(app, demo):
    with app.app_context():
        people = {p.full_name: p for p in db.session.scalars(select(Person))}
    assert "Deputy Director General" in people["Lukas Gehrke"].position
    assert "Director of the ICMPD Brussels Mission" in people["Ralph Genetzke"].position
    assert (
        "Human Development, Migration, Governance and Peace" in people["Erica Gerretsen"].position
    )
    assert (
        people["Francesco Luciani"].position == "Head of Unit for Migration and Forced Displacement"
    )


def test_demo_has_three_panels_each_with_a_moderator_and_panellists(app, demo):
    themes = ("peer-to-peer", "capacity development", "training institutions")
    with app.app_context():
        panels = db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.kind == ItemKind.PANEL)
            .order_by(AgendaItem.starts_at)
        ).all()
        assert len(panels) == 3
        for panel, theme in zip(panels, themes, strict=True):
            assert theme in panel.title.lower()
            assert len(panel.moderators) == 1
            assert len(panel.panellists) >= 3


def test_demo_speakers_come_from_every_partner_named_in_the_text(app, demo):
    with app.app_context():
        panellists = db.session.scalars(
            select(Person).where(Person.roles.any(role=RoleKind.PANELLIST))
        ).all()
    countries = {p.country for p in panellists}
    # Cabo Verde, COMESA (Lusaka), Costa Rica, Gran Chaco, Georgia, Kyrgyzstan, Mexico,
    # Uganda, and the experts from Italy, Spain and Sweden.
    assert {"CV", "ZM", "CR", "GE", "KG", "MX", "UG", "IT", "ES", "SE"} <= countries
    assert countries & {"PY", "AR", "BO"}, "a speaker from the Gran Chaco"
    assert any("COMESA" in p.organisation for p in panellists)


def test_demo_agenda_is_a_plausible_day(app, demo):
    with app.app_context():
        items = db.session.scalars(select(AgendaItem).order_by(AgendaItem.starts_at)).all()
        kinds = Counter(item.kind for item in items)
        for kind in (
            ItemKind.OPENING,
            ItemKind.KEYNOTE,
            ItemKind.BREAK,
            ItemKind.MEAL,
            ItemKind.CLOSING,
        ):
            assert kinds[kind] >= 1, kind
        event = items[0].event
        assert event.local(items[0].starts_at).strftime("%H:%M") == "08:30"
        by_room: dict = {}
        for item in items:
            assert event.starts_at <= item.starts_at and item.ends_at <= event.ends_at
            for other in by_room.get(item.room_id, []):
                assert item.starts_at >= other.ends_at, f"{item.title} overlaps {other.title}"
            by_room.setdefault(item.room_id, []).append(item)


def test_demo_registrations_cover_participants_and_speakers(app, demo):
    with app.app_context():
        counts = dict(
            db.session.execute(
                select(Registration.category, func.count()).group_by(Registration.category)
            ).all()
        )
        speakers = db.session.scalar(select(func.count()).select_from(Person))
        statuses = set(db.session.scalars(select(Registration.status)))
        linked = db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(Registration.person_id.is_not(None))
        )
    assert counts[Category.PARTICIPANT] == 90
    assert counts[Category.SPEAKER] == speakers == linked
    assert statuses == {Status.CONFIRMED}


def test_demo_participants_write_their_names_in_their_own_scripts(app, demo):
    with app.app_context():
        names = " ".join(
            f"{g} {f}"
            for g, f in db.session.execute(
                select(Registration.given_name, Registration.family_name)
            )
        )
    assert re.search(r"[\u10D0-\u10FF]", names), "Georgian"
    assert re.search(r"[\u0400-\u04FF]", names), "Cyrillic"
    assert re.search(r"[\u0600-\u06FF]", names), "Arabic"
    assert re.search(r"[\u0530-\u058F]", names), "Armenian"
    assert re.search(r"[\u0370-\u03FF]", names), "Greek"
    assert re.search(r"[áéíóúñçãõåäöüß]", names), "accented Latin"


def test_participants_are_generated_deterministically():
    assert list(participants.generate(30)) == list(participants.generate(30))
    emails = [p.email for p in participants.generate(90)]
    assert len(set(emails)) == 90
    assert all(e.endswith("@example.org") and e.isascii() for e in emails)


def test_demo_participant_count_is_configurable_and_kept_under_capacity(app, runner):
    result = runner.invoke(args=["demo", "--participants", "150"])
    assert result.exit_code != 0 and "at most 100" in result.output
    result = runner.invoke(args=["demo", "--participants", "5"])
    assert result.exit_code == 0
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(Registration.category == Category.PARTICIPANT)
            )
            == 5
        )


def test_data_file_marks_invented_people_as_fictional():
    people = read_data()["people"]
    real = {f"{p['given_name']} {p['family_name']}" for p in people if not p["fictional"]}
    assert real == {"Lukas Gehrke", "Ralph Genetzke", "Erica Gerretsen", "Francesco Luciani"}
    assert all("fictional" in p for p in people)


def test_upcoming_demo_can_be_signed_up_for_and_has_one_seat_left(app, runner, client):
    """What `make run` loads: the event four weeks ahead, sign-up open, one seat left,
    so that a second sign-up shows the waiting list."""
    result = runner.invoke(args=["demo", "--upcoming", "--seats-left", "1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        event = db.session.scalar(select(Event))
        start = event.local(event.starts_at)
        assert start.date() == date.today() + timedelta(weeks=4)
        assert (start.hour, start.minute) == (8, 30)  # the day's times are kept
        now = datetime.now(UTC)
        assert event.registration_opens_at < now < event.registration_closes_at
        assert event.registration_closes_at < event.starts_at
        assert event.capacity == 91
        items = event.agenda_items
        assert all(event.local(i.starts_at).date() == start.date() for i in items)
        slug = event.slug
    page = client.get(f"/events/{slug}/register")
    assert page.status_code == 200 and 'name="given_name"' in page.text
