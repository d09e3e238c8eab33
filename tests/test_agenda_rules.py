"""Agenda rules: conflict flags, running late, people in roles, copying an event.

Tests open a request context (not only an app context): the services write translated
change-log summaries, and the language is chosen from the request.
"""

import random
import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from eventapp.agenda import services
from eventapp.agenda.conflicts import (
    OUTSIDE_EVENT,
    PANEL_WITHOUT_MODERATOR,
    PERSON_DOUBLE_BOOKED,
    ROOM_OVERLAP,
    SPEAKER_WITHOUT_BIO,
    Conflict,
    conflicts_by_item,
    find_conflicts,
)
from eventapp.events import services as event_services
from eventapp.extensions import db
from eventapp.models import (
    AgendaItem,
    AgendaRole,
    ChangeLogEntry,
    Event,
    ItemKind,
    Person,
    Registration,
    RoleKind,
    Room,
)

from .conftest import DEMO_SLUG, TEST_DATABASE_URL
from .factories import add_role, make_event, make_item, make_person, make_room

BRUSSELS = ZoneInfo("Europe/Brussels")


def brussels(day: int, hhmm: str, month: int = 5, year: int = 2030) -> datetime:
    """A wall-clock time in Brussels on a day of May 2030 (the factories' event day is
    14 May, 09:00 to 18:00 local), as aware UTC."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS).astimezone(UTC)


def item_at(event: Event, start: str, end: str, day: int = 14, **kw) -> AgendaItem:
    return make_item(event, starts_at=brussels(day, start), ends_at=brussels(day, end), **kw)


def speaker(event: Event, given: str, family: str, bio: str = "Works on migration.") -> Person:
    return make_person(event, given_name=given, family_name=family, bio=bio)


def log_entries(event: Event, action: str | None = None) -> list[ChangeLogEntry]:
    query = select(ChangeLogEntry).where(ChangeLogEntry.event_id == event.id)
    if action is not None:
        query = query.where(ChangeLogEntry.action == action)
    return list(db.session.scalars(query.order_by(ChangeLogEntry.id)))


def kinds(conflicts: list[Conflict]) -> list[str]:
    return [c.kind for c in conflicts]


# --- Conflicts -----------------------------------------------------------------------------


def test_a_person_in_two_overlapping_items_is_flagged(app):
    with app.test_request_context():
        event = make_event()
        nino = speaker(event, "Nino", "Beridze")
        panel = item_at(event, "10:00", "11:00", title="Panel 1", room=make_room(event))
        keynote = item_at(event, "10:30", "11:15", title="Keynote", room=make_room(event))
        add_role(panel, nino, RoleKind.PANELLIST)
        add_role(keynote, nino, RoleKind.SPEAKER)
        db.session.flush()

        assert find_conflicts(event, [keynote, panel]) == [
            Conflict(
                PERSON_DOUBLE_BOOKED,
                (panel.id, keynote.id),
                "Nino Beridze is in “Panel 1” and “Keynote” at the same time.",
                person_id=nino.id,
            )
        ]


def test_two_roles_in_one_item_are_no_double_booking(app):
    with app.test_request_context():
        event = make_event()
        host = speaker(event, "Sofia", "Ribeiro")
        closing = item_at(event, "16:45", "17:15", kind=ItemKind.CLOSING)
        add_role(closing, host, RoleKind.MODERATOR)
        add_role(closing, host, RoleKind.SPEAKER)
        db.session.flush()

        assert find_conflicts(event, [closing]) == []


def test_items_that_touch_do_not_clash(app):
    """One ends at 10:00, the next starts at 10:00: same person, same room, no conflict."""
    with app.test_request_context():
        event = make_event()
        room = make_room(event)
        person = speaker(event, "Ana", "Fortes")
        first = item_at(event, "09:00", "10:00", room=room)
        second = item_at(event, "10:00", "11:00", room=room)
        add_role(first, person, RoleKind.SPEAKER)
        add_role(second, person, RoleKind.SPEAKER)
        db.session.flush()

        assert find_conflicts(event, [first, second]) == []


def test_two_items_in_one_room_at_once_are_flagged(app):
    with app.test_request_context():
        event = make_event()
        plenary = make_room(event, name="Plenary hall")
        first = item_at(event, "09:00", "10:00", title="Opening", room=plenary)
        second = item_at(event, "09:45", "10:30", title="Keynote", room=plenary)
        db.session.flush()

        assert find_conflicts(event, [first, second]) == [
            Conflict(
                ROOM_OVERLAP,
                (first.id, second.id),
                "“Opening” and “Keynote” overlap in Plenary hall.",
            )
        ]


def test_different_rooms_and_items_without_room_never_clash_on_room(app):
    with app.test_request_context():
        event = make_event()
        items = [
            item_at(event, "10:00", "11:00", room=make_room(event)),
            item_at(event, "10:00", "11:00", room=make_room(event)),
            item_at(event, "10:00", "11:00", kind=ItemKind.BREAK, title="Coffee"),
            item_at(event, "10:15", "10:45", kind=ItemKind.NETWORKING, title="Stands"),
        ]
        db.session.flush()

        assert find_conflicts(event, items) == []


def test_overlaps_beyond_the_next_item_are_found(app):
    """A long item overlaps two short ones that do not overlap each other."""
    with app.test_request_context():
        event = make_event()
        room = make_room(event)
        long = item_at(event, "09:00", "12:00", room=room, title="Workshop")
        short = item_at(event, "09:30", "10:00", room=room, title="Short")
        later = item_at(event, "10:30", "11:00", room=room, title="Later")
        db.session.flush()

        pairs = [c.item_ids for c in find_conflicts(event, [later, short, long])]
        assert pairs == [(long.id, short.id), (long.id, later.id)]


def test_items_off_the_event_days_are_flagged_by_local_date(app):
    """The event is on 14 May (09:00-18:00 in Brussels). Arrival at 08:00 and a reception
    until midnight are on the day; 00:30 on 15 May is not, although it is still 14 May
    in UTC."""
    with app.test_request_context():
        event = make_event()
        arrival = item_at(event, "08:00", "09:00", title="Arrival")
        reception = item_at(event, "20:00", "00:00", title="Reception")
        reception.ends_at = brussels(15, "00:00")
        late = item_at(event, "00:30", "01:00", day=15, title="Late party")
        eve = item_at(event, "23:30", "23:45", day=13, title="Eve dinner")
        db.session.flush()
        assert late.starts_at.date() == date(2030, 5, 14)  # the UTC date would not tell

        conflicts = find_conflicts(event, [arrival, reception, late, eve])
        assert [(c.kind, c.item_ids) for c in conflicts] == [
            (OUTSIDE_EVENT, (eve.id,)),
            (OUTSIDE_EVENT, (late.id,)),
        ]
        assert conflicts[1].message == (
            "“Late party” is not on the day of the event (14 May 2030)."
        )


def test_a_multi_day_event_names_its_days(app):
    with app.test_request_context():
        event = make_event(ends_at=brussels(15, "17:00"))
        second_day = item_at(event, "10:00", "11:00", day=15)
        third_day = item_at(event, "10:00", "11:00", day=16, title="Excursion")
        db.session.flush()

        conflicts = find_conflicts(event, [second_day, third_day])
        assert conflicts == [
            Conflict(
                OUTSIDE_EVENT,
                (third_day.id,),
                "“Excursion” is not within the event's days (14 May 2030 to 15 May 2030).",
            )
        ]


def test_a_panel_needs_a_moderator(app):
    with app.test_request_context():
        event = make_event()
        person = speaker(event, "Aigerim", "Abdykadyrova")
        lonely = item_at(event, "10:00", "11:00", kind=ItemKind.PANEL, title="Panel 3")
        chaired = item_at(event, "11:00", "12:00", kind=ItemKind.PANEL, title="Panel 4")
        moderated = item_at(event, "12:00", "13:00", kind=ItemKind.PANEL)
        talk = item_at(event, "13:00", "14:00", kind=ItemKind.TALK)
        add_role(lonely, person, RoleKind.PANELLIST)
        add_role(chaired, person, RoleKind.CHAIR)
        add_role(moderated, person, RoleKind.MODERATOR)
        db.session.flush()

        conflicts = find_conflicts(event, [lonely, chaired, moderated, talk])
        assert conflicts == [
            Conflict(
                PANEL_WITHOUT_MODERATOR, (lonely.id,), "“Panel 3” is a panel without a moderator."
            ),
            Conflict(
                PANEL_WITHOUT_MODERATOR, (chaired.id,), "“Panel 4” is a panel without a moderator."
            ),
        ]


def test_a_speaker_without_bio_is_flagged_once_with_all_their_items(app):
    with app.test_request_context():
        event = make_event()
        quiet = speaker(event, "Grace", "Nakato", bio="  \n")
        known = speaker(event, "José", "Núñez")
        items = [item_at(event, f"{hour}:00", f"{hour}:30") for hour in (10, 11, 12)]
        add_role(items[0], quiet, RoleKind.SPEAKER)
        add_role(items[2], quiet, RoleKind.CHAIR)
        add_role(items[1], known, RoleKind.SPEAKER)
        db.session.flush()

        assert find_conflicts(event, items) == [
            Conflict(
                SPEAKER_WITHOUT_BIO,
                (items[0].id, items[2].id),
                "Grace Nakato has no bio for the speakers page.",
                person_id=quiet.id,
            )
        ]


def test_conflicts_come_in_agenda_order_whatever_the_input_order(app):
    with app.test_request_context():
        event = make_event()
        room = make_room(event)
        person = speaker(event, "Mariam", "Gogoladze", bio="")
        items = [
            item_at(event, "09:00", "10:00", room=room, kind=ItemKind.PANEL),
            item_at(event, "09:30", "10:30", room=room),
            item_at(event, "09:30", "10:30", position=1),
            item_at(event, "09:00", "10:00", day=20),
        ]
        add_role(items[0], person, RoleKind.MODERATOR)
        add_role(items[2], person, RoleKind.SPEAKER)
        db.session.flush()

        first = find_conflicts(event, items)
        assert [(c.kind, c.item_ids) for c in first] == [
            (PERSON_DOUBLE_BOOKED, (items[0].id, items[2].id)),
            (ROOM_OVERLAP, (items[0].id, items[1].id)),
            (SPEAKER_WITHOUT_BIO, (items[0].id, items[2].id)),
            (OUTSIDE_EVENT, (items[3].id,)),
        ]
        shuffled = items[:]
        for seed in range(5):
            random.Random(seed).shuffle(shuffled)
            assert find_conflicts(event, shuffled) == first

        flags = conflicts_by_item(first)
        assert flags[items[0].id] == first[:3]
        assert flags[items[1].id] == [first[1]]
        assert flags[items[3].id] == [first[3]]
        assert set(flags) == {item.id for item in items}


def test_a_large_agenda_is_checked_and_only_the_planted_conflicts_found(app):
    """200 items (20 rooms, 10 back-to-back slots) and 300 people, with three planted
    conflicts. find_conflicts sorts per room and per person, so this stays fast."""
    with app.test_request_context():
        event = make_event(ends_at=brussels(14, "23:00"))
        rooms = [make_room(event, name=f"Room {r:02d}") for r in range(20)]
        items = [
            item_at(
                event, f"{9 + slot}:00", f"{10 + slot}:00", room=rooms[r], title=f"Talk {slot}-{r}"
            )
            for slot in range(10)
            for r in range(20)
        ]
        people = [speaker(event, "Speaker", f"{n:03d}") for n in range(300)]
        for n, person in enumerate(people):  # everyone in one item: no clash yet
            add_role(items[n % 200], person, RoleKind.SPEAKER, position=n // 200)
        # 1. Speaker 000 also talks in the next room at the same time.
        add_role(items[1], people[0], RoleKind.SPEAKER, position=2)
        # 2. Talk 5-3 runs ten minutes into Talk 6-3 in Room 03.
        items[5 * 20 + 3].ends_at += timedelta(minutes=10)
        # 3. Speaker 299 has no bio.
        people[299].bio = ""
        db.session.flush()

        conflicts = find_conflicts(event, items)
        assert [(c.kind, c.item_ids, c.person_id) for c in conflicts] == [
            (PERSON_DOUBLE_BOOKED, (items[0].id, items[1].id), people[0].id),
            (SPEAKER_WITHOUT_BIO, (items[99].id,), people[299].id),
            (ROOM_OVERLAP, (items[103].id, items[123].id), None),
        ]


# --- Running late --------------------------------------------------------------------------


@pytest.fixture
def day_agenda(app) -> dict[str, int]:
    """An agenda around 14 May 2030 in Brussels, by name -> item id."""
    with app.test_request_context():
        event = make_event(ends_at=brussels(15, "18:00"))
        a, b = make_room(event, name="A"), make_room(event, name="B")
        items = {
            "eve": item_at(event, "23:30", "23:50", day=13),
            "morning": item_at(event, "10:00", "11:00", room=a),
            "anchor": item_at(event, "14:00", "15:00", room=a, title="Panel 2"),
            "parallel": item_at(event, "14:00", "14:45", room=b, position=1),
            "afternoon": item_at(event, "16:00", "16:30", kind=ItemKind.BREAK),
            "night": item_at(event, "23:30", "23:55", room=b),
            "after_midnight": item_at(event, "00:30", "01:00", day=15),
            "next_day": item_at(event, "14:00", "15:00", day=15, room=a),
        }
        db.session.commit()
        return {name: item.id for name, item in items.items()}


def times(names: dict[str, int]) -> dict[str, tuple[datetime, datetime]]:
    return {
        name: (item.starts_at, item.ends_at)
        for name, item in ((n, db.session.get(AgendaItem, i)) for n, i in names.items())
    }


@pytest.mark.parametrize("minutes", [15, -10])
def test_shift_moves_this_item_and_the_later_ones_of_its_local_day(app, day_agenda, minutes):
    later = ["anchor", "parallel", "afternoon", "night"]
    with app.test_request_context():
        before = times(day_agenda)
        moved = services.shift_from_here(db.session.get(AgendaItem, day_agenda["anchor"]), minutes)
        db.session.commit()
        assert [item.id for item in moved] == [day_agenda[name] for name in later]

    with app.test_request_context():
        after = times(day_agenda)
        delta = timedelta(minutes=minutes)
        for name in day_agenda:
            expected = (
                before[name]
                if name not in later
                else (before[name][0] + delta, before[name][1] + delta)
            )
            assert after[name] == expected, name
        event = db.session.scalar(select(Event))
        [entry] = log_entries(event, "shift")
        assert entry.summary == f"4 items from 14:00 moved by {minutes:+d} min"
        assert entry.entity == "agenda_item" and entry.entity_id == day_agenda["anchor"]
        assert entry.changes == {
            "minutes": minutes,
            "item_ids": [day_agenda[name] for name in later],
        }
        assert entry.actor == ""


def test_shifting_the_last_item_moves_only_it_and_zero_moves_nothing(app, day_agenda):
    with app.test_request_context():
        night = db.session.get(AgendaItem, day_agenda["night"])
        assert services.shift_from_here(night, 0) == []
        assert services.shift_from_here(night, 5) == [night]
        db.session.commit()
        event = db.session.scalar(select(Event))
        assert [e.summary for e in log_entries(event, "shift")] == [
            "1 item from 23:30 moved by +5 min"
        ]


def test_shift_uses_the_item_as_it_is_now_not_as_it_was_loaded(app, day_agenda):
    """An organiser's page loaded the agenda, then a colleague's shift was committed:
    the organiser's shift starts from where the items are now and adds to it."""
    with app.test_request_context():
        stale = {name: db.session.get(AgendaItem, i) for name, i in day_agenda.items()}
        # The colleague, in a session of their own (a new app context gets one).
        with app.app_context(), app.test_request_context():
            services.shift_from_here(db.session.get(AgendaItem, day_agenda["morning"]), 30)
            db.session.commit()
        moved = services.shift_from_here(stale["anchor"], 15)
        db.session.commit()
        assert [item.id for item in moved] == [
            day_agenda[name] for name in ("anchor", "parallel", "afternoon")
        ]

    with app.test_request_context():
        after = times(day_agenda)
        assert after["morning"][0] == brussels(14, "10:30")
        assert after["anchor"][0] == brussels(14, "14:45")
        assert after["afternoon"][0] == brussels(14, "16:45")
        # The first shift pushed it past midnight: no longer part of the 14th.
        assert after["night"][0] == brussels(15, "00:00")
        assert after["next_day"][0] == brussels(15, "14:00")


@pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="row locks are PostgreSQL's; SQLite has a single writer",
)
def test_two_organisers_shifting_at_once_lose_nothing(app, day_agenda):
    """Organiser B read the agenda and shifts while A's shift is not yet committed:
    B waits for A's locks and adds to A's times instead of overwriting them."""
    b_has_read, a_holds_locks = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def organiser_b() -> None:
        try:
            with app.test_request_context():
                loaded = [db.session.get(AgendaItem, i) for i in day_agenda.values()]
                b_has_read.set()
                a_holds_locks.wait(10)
                services.shift_from_here(loaded[1], 10)  # from "morning"
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)

    thread = threading.Thread(target=organiser_b)
    thread.start()
    with app.test_request_context():
        b_has_read.wait(10)
        services.shift_from_here(db.session.get(AgendaItem, day_agenda["anchor"]), 15)
        a_holds_locks.set()
        thread.join(0.5)  # give B the time to reach the lock and wait on it
        db.session.commit()
    thread.join(10)
    assert not errors and not thread.is_alive()

    with app.test_request_context():
        after = times(day_agenda)
        assert after["morning"][0] == brussels(14, "10:10")
        assert after["anchor"][0] == brussels(14, "14:25")
        assert after["afternoon"][0] == brussels(14, "16:25")
        assert after["next_day"][0] == brussels(15, "14:00")


# --- People in roles -----------------------------------------------------------------------


@pytest.fixture
def panel(app) -> dict[str, int]:
    """A panel with a moderator and three panellists, by name -> id."""
    with app.test_request_context():
        event = make_event()
        item = item_at(event, "10:00", "11:00", kind=ItemKind.PANEL, title="Panel 1")
        people = {
            name: speaker(event, name, "Test") for name in ("Mod", "Ana", "Ben", "Cai", "Dan")
        }
        add_role(item, people["Mod"], RoleKind.MODERATOR)
        for position, name in enumerate(("Ana", "Ben", "Cai")):
            add_role(item, people[name], RoleKind.PANELLIST, position)
        db.session.commit()
        return {"item": item.id, **{name: p.id for name, p in people.items()}}


def roles_in_db(item_id: int) -> list[tuple[str, str, int]]:
    rows = db.session.execute(
        select(AgendaRole.role, Person.given_name, AgendaRole.position)
        .join(Person, AgendaRole.person_id == Person.id)
        .where(AgendaRole.item_id == item_id)
        .order_by(AgendaRole.role, AgendaRole.position)
    )
    return [(role.value, name, position) for role, name, position in rows]


def test_set_people_adds_removes_and_orders(app, panel):
    with app.test_request_context():
        item = db.session.get(AgendaItem, panel["item"])
        result = services.set_people(
            item, RoleKind.PANELLIST, [panel["Dan"], panel["Cai"], panel["Ana"]]
        )
        assert [p.given_name for p in result] == ["Dan", "Cai", "Ana"]
        assert [p.given_name for p in item.panellists] == ["Dan", "Cai", "Ana"]
        db.session.commit()

    with app.test_request_context():
        assert roles_in_db(panel["item"]) == [
            ("moderator", "Mod", 0),
            ("panellist", "Dan", 0),
            ("panellist", "Cai", 1),
            ("panellist", "Ana", 2),
        ]
        [entry] = log_entries(db.session.get(AgendaItem, panel["item"]).event)
        assert (entry.action, entry.entity, entry.entity_id) == (
            "update",
            "agenda_item",
            panel["item"],
        )
        assert entry.summary == "Panellists of “Panel 1” changed"
        assert entry.changes == {
            "panellist": [
                ["Ana Test", "Ben Test", "Cai Test"],
                ["Dan Test", "Cai Test", "Ana Test"],
            ]
        }


def test_set_people_to_nobody_and_to_the_same_list(app, panel):
    with app.test_request_context():
        item = db.session.get(AgendaItem, panel["item"])
        services.set_people(item, RoleKind.MODERATOR, [panel["Mod"]])  # unchanged: no entry
        services.set_people(item, RoleKind.PANELLIST, [])
        db.session.commit()
    with app.test_request_context():
        assert roles_in_db(panel["item"]) == [("moderator", "Mod", 0)]
        entries = log_entries(db.session.get(AgendaItem, panel["item"]).event)
        assert [e.changes for e in entries] == [
            {"panellist": [["Ana Test", "Ben Test", "Cai Test"], []]}
        ]


def test_set_people_refuses_people_of_another_event_and_duplicates(app, panel):
    with app.test_request_context():
        stranger = speaker(make_event(), "Other", "Event")
        db.session.commit()
        item = db.session.get(AgendaItem, panel["item"])
        for wrong in ([panel["Ana"], stranger.id], [panel["Ana"], panel["Ana"]], [987654]):
            with pytest.raises(ValueError):
                services.set_people(item, RoleKind.PANELLIST, wrong)
        db.session.commit()
        assert roles_in_db(panel["item"])[1:] == [
            ("panellist", "Ana", 0),
            ("panellist", "Ben", 1),
            ("panellist", "Cai", 2),
        ]
        assert log_entries(item.event) == []


@pytest.mark.parametrize(
    ("who", "offset", "order"),
    [
        ("Ben", -1, ["Ben", "Ana", "Cai"]),
        ("Ben", 1, ["Ana", "Cai", "Ben"]),
        ("Ana", 99, ["Ben", "Cai", "Ana"]),
        ("Cai", -99, ["Cai", "Ana", "Ben"]),
    ],
)
def test_move_person_up_down_and_to_either_end(app, panel, who, offset, order):
    with app.test_request_context():
        item = db.session.get(AgendaItem, panel["item"])
        services.move_person(item, RoleKind.PANELLIST, panel[who], offset)
        db.session.commit()
    with app.test_request_context():
        assert [
            name for role, name, _ in roles_in_db(panel["item"]) if role == "panellist"
        ] == order
        [entry] = log_entries(db.session.get(AgendaItem, panel["item"]).event)
        assert entry.action == "reorder"
        assert entry.summary == "Panellists of “Panel 1” reordered"
        assert entry.changes["panellist"][1] == [f"{name} Test" for name in order]


def test_move_person_past_the_edge_changes_nothing(app, panel):
    with app.test_request_context():
        item = db.session.get(AgendaItem, panel["item"])
        services.move_person(item, RoleKind.PANELLIST, panel["Ana"], -1)
        services.move_person(item, RoleKind.MODERATOR, panel["Mod"], 1)
        with pytest.raises(ValueError):
            services.move_person(item, RoleKind.PANELLIST, panel["Mod"], 1)
        db.session.commit()
        assert log_entries(item.event) == []


# --- Copying an event ----------------------------------------------------------------------


def test_copy_of_the_demo_keeps_local_times_across_summer_time(app, demo):
    """The demo (12 March 2024, winter time, UTC+1) copied to 14 April 2026 (summer time,
    UTC+2): 08:30 stays 08:30 in Brussels, which is 07:30 UTC before and 06:30 after."""
    with app.test_request_context():
        source = db.session.scalar(select(Event).where(Event.slug == DEMO_SLUG))
        copy = event_services.copy_event(
            source, slug="mieux-2026", title="MIEUX 2026", start_date=date(2026, 4, 14)
        )
        db.session.commit()
        copy_id, source_id = copy.id, source.id

    with app.test_request_context():
        source, copy = db.session.get(Event, source_id), db.session.get(Event, copy_id)
        assert (copy.slug, copy.title, copy.published) == ("mieux-2026", "MIEUX 2026", False)
        assert source.published
        for field in (
            "subtitle",
            "description",
            "timezone",
            "venue_name",
            "venue_address",
            "capacity",
            "key_figures",
            "moderation",
            "privacy_notice",
        ):
            assert getattr(copy, field) == getattr(source, field), field

        assert source.starts_at == datetime(2024, 3, 12, 7, 30, tzinfo=UTC)
        assert copy.starts_at == datetime(2026, 4, 14, 6, 30, tzinfo=UTC)
        assert copy.local(copy.ends_at).strftime("%Y-%m-%d %H:%M") == "2026-04-14 18:00"
        days = (date(2026, 4, 14) - date(2024, 3, 12)).days
        for field in ("registration_opens_at", "registration_closes_at"):
            old, new = source.local(getattr(source, field)), copy.local(getattr(copy, field))
            assert new.date() - old.date() == timedelta(days=days)
            assert new.time() == old.time(), field

        assert [(r.name, r.capacity, r.position) for r in copy.rooms] == [
            (r.name, r.capacity, r.position) for r in source.rooms
        ]

        def profile(p):
            return (p.display_name, p.position, p.organisation, p.country, p.bio, p.photo, p.email)

        assert sorted(map(profile, copy.people)) == sorted(map(profile, source.people))
        assert {p.id for p in copy.people}.isdisjoint({p.id for p in source.people})

        old_items, new_items = source.agenda_items, copy.agenda_items
        assert len(new_items) == len(old_items) == 12
        for old, new in zip(old_items, new_items, strict=True):
            assert (new.title, new.kind, new.description, new.position) == (
                old.title,
                old.kind,
                old.description,
                old.position,
            )
            assert new.guid != old.guid
            assert copy.local(new.starts_at).date() == date(2026, 4, 14)
            assert copy.local(new.starts_at).time() == source.local(old.starts_at).time()
            assert copy.local(new.ends_at).time() == source.local(old.ends_at).time()
            assert (new.room.name, new.room.event_id) == (old.room.name, copy.id)
            for role in RoleKind:
                assert [p.display_name for p in new.people_in(role)] == [
                    p.display_name for p in old.people_in(role)
                ]
                assert all(p.event_id == copy.id for p in new.people_in(role))
        assert copy.local(new_items[0].starts_at).strftime("%H:%M") == "08:30"

        count = lambda model: db.session.scalar(  # noqa: E731
            select(func.count()).select_from(model).where(model.event_id == copy.id)
        )
        assert count(Registration) == 0
        assert count(Room) == 2 and count(Person) == len(source.people)
        assert copy.managers == []
        [entry] = log_entries(copy)
        assert (entry.entity, entry.entity_id, entry.action, entry.summary) == (
            "event",
            copy.id,
            "create",
            "Copied from “MIEUX Impact Event”",
        )
        assert source.registrations and len(source.agenda_items) == 12
        assert find_conflicts(copy, new_items) == []


def test_copy_of_a_multi_day_event_shifts_each_day(app):
    """A two-day event across the autumn change (25-26 October 2025 in Brussels, the
    clocks go back on the night of the 26th) copied to the spring change (28-29 March
    2026, clocks go forward on the night of the 29th): local times stay."""
    with app.test_request_context():
        source = make_event(
            starts_at=datetime(2025, 10, 25, 9, 0, tzinfo=BRUSSELS).astimezone(UTC),
            ends_at=datetime(2025, 10, 26, 17, 0, tzinfo=BRUSSELS).astimezone(UTC),
        )
        room = make_room(source)
        first = make_item(
            source,
            starts_at=datetime(2025, 10, 25, 9, 0, tzinfo=BRUSSELS),
            room=room,
            title="Day 1",
        )
        second = make_item(
            source, starts_at=datetime(2025, 10, 26, 9, 0, tzinfo=BRUSSELS), title="Day 2"
        )
        db.session.commit()

        copy = event_services.copy_event(
            source, slug="spring", title="Spring", start_date=date(2026, 3, 28)
        )
        db.session.commit()
        local = [copy.local(i.starts_at).strftime("%Y-%m-%d %H:%M") for i in copy.agenda_items]
        assert local == ["2026-03-28 09:00", "2026-03-29 09:00"]
        assert [i.ends_at - i.starts_at for i in copy.agenda_items] == [
            first.ends_at - first.starts_at,
            second.ends_at - second.starts_at,
        ]
        assert copy.local(copy.ends_at).strftime("%Y-%m-%d %H:%M") == "2026-03-29 17:00"
