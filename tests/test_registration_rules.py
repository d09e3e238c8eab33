"""Registration rules: the window, capacity and the waiting list, promotion, moderation,
duplicates, registrations added by hand, anonymisation, and sign-ups in a rush.

Tests call the services inside a request context, as the views will: the services write
translated change-log summaries. The concurrency tests run each sign-up in its own thread
with its own app context, so each uses its own session and database connection.
"""

import hashlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import Category, ChangeLogEntry, Dietary, Event, Registration, Status
from eventapp.registration import services
from eventapp.registration.services import (
    AlreadyRegistered,
    ConsentRequired,
    RegistrationClosed,
    WrongStatus,
)

from .conftest import close_db, make_app
from .factories import make_event, make_registration


def form(n: int | str = 1, **kw) -> dict:
    """What the sign-up form hands the service."""
    return {
        "given_name": f"Given {n}",
        "family_name": "Family",
        "email": f"p{n}@example.org",
        "organisation": "ICMPD",
        "country": "be",
        "privacy_consent": True,
        **kw,
    }


def new_event(app, **kw) -> int:
    with app.test_request_context():
        event = make_event(**kw)
        db.session.commit()
        return event.id


def sign_up(event_id: int, data: dict, **kw) -> Registration:
    return services.register(db.session.get(Event, event_id), data, language="en", **kw)


def statuses(event_id: int) -> dict[Status, int]:
    rows = db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)
    ).all()
    return {Status(status): n for status, n in rows}


def test_sign_up_records_what_the_person_gave_and_consented_to(app):
    event_id = new_event(app, privacy_notice="We keep your data until June.")
    with app.test_request_context():
        now = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
        registration = sign_up(
            event_id,
            form(
                given_name="  Nino\u0301 ",
                email=" Nino@Example.org ",
                dietary="other",
                dietary_other=" no nuts ",
                accessibility="wheelchair",
                photo_consent=True,
            ),
            now=now,
        )
        assert registration.status == Status.CONFIRMED
        assert registration.given_name == "Ninó"  # stripped, NFC: one character
        assert registration.email == "Nino@Example.org"
        assert registration.email_key == "nino@example.org"
        assert registration.country == "BE"
        assert (registration.dietary, registration.dietary_other) == (Dietary.OTHER, "no nuts")
        assert registration.photo_consent is True
        assert registration.privacy_consent_at == now
        assert (
            registration.privacy_version
            == hashlib.sha256(b"We keep your data until June.").hexdigest()
        )
        assert registration.counts_towards_capacity is True
        assert registration.language == "en" and len(registration.token) >= 43


def test_input_the_form_should_refuse_creates_nothing(app):
    event_id = new_event(app)
    with app.test_request_context():
        with pytest.raises(ConsentRequired):
            sign_up(event_id, form(privacy_consent=False))
        with pytest.raises(ValueError, match="longer"):  # never silently truncated
            sign_up(event_id, form(organisation="x" * 301))
        with pytest.raises(ValueError, match="unknown"):
            sign_up(event_id, form(shoe_size="44"))
        with pytest.raises(ValueError, match="dietary"):
            sign_up(event_id, form(dietary="carnivore"))
        with pytest.raises(ValueError, match="email"):
            sign_up(event_id, form(email="  "))
        # Free text for "other" only: the catering summary counts what was chosen.
        assert sign_up(event_id, form(dietary="vegan", dietary_other="x")).dietary_other == ""
        assert statuses(event_id) == {Status.CONFIRMED: 1}


def test_capacity_then_waiting_list_with_positions(app):
    event_id = new_event(app, capacity=2)
    with app.test_request_context():
        made = [sign_up(event_id, form(n)) for n in range(5)]
        assert [r.status for r in made] == [Status.CONFIRMED] * 2 + [Status.WAITLISTED] * 3
        assert [services.waitlist_position(r) for r in made] == [None, None, 1, 2, 3]
        assert all(r.waitlisted_at is not None for r in made[2:])
        assert services.public_seats_taken(db.session.get(Event, event_id)) == 2


def test_cancel_promotes_the_first_waiting_in_order(app):
    event_id = new_event(app, capacity=1)
    with app.test_request_context():
        first, second, third = (sign_up(event_id, form(n)) for n in range(3))
        ids = first.id, second.id, third.id

        # Leaving the waiting list moves the others up, and frees no seat.
        assert services.cancel(second) == []
        third = db.session.get(Registration, ids[2])
        assert services.waitlist_position(third) == 1

        promoted = services.cancel(db.session.get(Registration, ids[0]))
        assert [r.id for r in promoted] == [ids[2]]
        assert promoted[0].status == Status.CONFIRMED
        assert services.cancel(db.session.get(Registration, ids[0])) == []  # twice: no-op
        assert statuses(event_id) == {Status.CONFIRMED: 1, Status.CANCELLED: 2}
        actions = db.session.scalars(
            select(ChangeLogEntry.action).where(ChangeLogEntry.entity_id == ids[2])
        ).all()
        assert sorted(actions) == ["create", "promote"]


def test_raised_capacity_promotes_in_order_and_nobody_jumps_the_queue(app):
    event_id = new_event(app, capacity=1)
    with app.test_request_context():
        made = [sign_up(event_id, form(n)) for n in range(4)]
        waiting = [r.id for r in made[1:]]
        event = db.session.get(Event, event_id)
        event.capacity = 3
        db.session.commit()
        # Seats are free, but three people wait for them: a newcomer queues behind.
        late = sign_up(event_id, form("late"))
        assert late.status == Status.WAITLISTED
        assert services.waitlist_position(late) == 4

        event = db.session.get(Event, event_id)
        event.capacity = 4  # not flushed yet: promotion must see it
        promoted = services.promote_from_waitlist(event)
        db.session.commit()
        assert [r.id for r in promoted] == waiting
        assert services.waitlist_position(db.session.get(Registration, late.id)) == 1
        assert services.promote_from_waitlist(db.session.get(Event, event_id)) == []


def test_moderation(app):
    event_id = new_event(app, capacity=1, moderation=True)
    with app.test_request_context():
        a, b, c = (sign_up(event_id, form(n)) for n in range(3))
        assert {a.status, b.status, c.status} == {Status.PENDING}
        assert services.public_seats_taken(db.session.get(Event, event_id)) == 0

        assert services.approve(a).status == Status.CONFIRMED
        assert services.approve(b).status == Status.WAITLISTED  # full
        assert services.waitlist_position(b) == 1
        assert services.decline(c).status == Status.DECLINED
        db.session.commit()
        with pytest.raises(WrongStatus):
            services.approve(a)
        with pytest.raises(WrongStatus):
            services.decline(a)  # confirmed: cancel it instead
        db.session.rollback()

        promoted = services.cancel(db.session.get(Registration, a.id))
        assert [r.id for r in promoted] == [b.id]
        log = db.session.execute(
            select(ChangeLogEntry.entity_id, ChangeLogEntry.action).where(
                ChangeLogEntry.entity == "registration"
            )
        ).all()
        assert {
            (a.id, "approve"),
            (b.id, "approve"),
            (c.id, "decline"),
            (a.id, "cancel"),
            (b.id, "promote"),
        } <= set(log)


@pytest.mark.parametrize(
    "again",
    [
        "anna@example.org",
        "ANNA@EXAMPLE.ORG",
        "  Anna@Example.Org  ",
    ],
)
def test_a_second_sign_up_with_the_same_address_creates_nothing(app, again):
    event_id = new_event(app)
    with app.test_request_context():
        first = sign_up(event_id, form(1, email="Anna@example.org"))
        with pytest.raises(AlreadyRegistered) as raised:
            sign_up(event_id, form(2, email=again))
        assert raised.value.existing.id == first.id
        assert raised.value.existing.token == first.token
        assert "already registered" in str(raised.value)
        assert statuses(event_id) == {Status.CONFIRMED: 1}


@pytest.mark.parametrize(
    "again",
    [
        "ÉLODIE@exemple.fr",  # other case, accented capital
        "e\u0301lodie@exemple.fr",  # "e" + combining accent (NFD), as some keyboards send it
        "E\u0301LODIE@EXEMPLE.FR",
    ],
)
def test_duplicates_are_found_beyond_ascii(app, again):
    event_id = new_event(app)
    with app.test_request_context():
        sign_up(event_id, form(1, email="élodie@exemple.fr"))
        with pytest.raises(AlreadyRegistered):
            sign_up(event_id, form(2, email=again))
        assert db.session.scalar(select(func.count(Registration.id))) == 1


def test_the_same_address_may_register_for_another_event(app):
    one, two = new_event(app), new_event(app)
    with app.test_request_context():
        sign_up(one, form(1))
        assert sign_up(two, form(1)).status == Status.CONFIRMED


def test_registration_window(app):
    opens = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)
    closes = datetime(2030, 4, 1, 8, 0, tzinfo=UTC)
    event_id = new_event(app, registration_opens_at=opens, registration_closes_at=closes)
    with app.test_request_context():
        with pytest.raises(RegistrationClosed) as early:
            sign_up(event_id, form(1), now=opens - timedelta(seconds=1))
        assert early.value.not_yet_open
        assert "2030-03-01 09:00 CET" in str(early.value)  # the event's local time

        with pytest.raises(RegistrationClosed) as late:
            sign_up(event_id, form(2), now=closes)
        assert not late.value.not_yet_open
        assert "closed" in str(late.value)

        assert sign_up(event_id, form(3), now=opens).status == Status.CONFIRMED
        assert statuses(event_id) == {Status.CONFIRMED: 1}


def test_one_window_rule_for_the_page_and_the_sign_up(app):
    """services.window decides for both the sign-up page and register(): open from its
    opening instant, closed from its closing instant; either end may be missing."""
    opens = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)
    closes = datetime(2030, 4, 1, 8, 0, tzinfo=UTC)
    event = Event(registration_opens_at=opens, registration_closes_at=closes)
    second = timedelta(seconds=1)
    assert services.window(event, opens - second) == services.NOT_YET_OPEN
    assert services.window(event, opens) == services.OPEN
    assert services.window(event, closes - second) == services.OPEN
    assert services.window(event, closes) == services.CLOSED
    assert services.window(Event(registration_closes_at=closes), opens - second) == "open"
    assert services.window(Event(registration_opens_at=opens), closes) == "open"
    assert services.window(Event(), opens) == "open"


def test_added_by_hand_outside_the_public_capacity(app):
    event_id = new_event(app, capacity=1, registration_closes_at=datetime(2020, 1, 1, tzinfo=UTC))
    with app.test_request_context():
        event = db.session.get(Event, event_id)
        participant = services.add_by_hand(event, form(1), category=Category.PARTICIPANT)
        speaker = services.add_by_hand(event, form(2, email=""), category=Category.SPEAKER)
        db.session.commit()
        for registration in participant, speaker:
            assert registration.status == Status.CONFIRMED
            assert registration.counts_towards_capacity is False
        assert speaker.email is None and participant.privacy_consent_at is not None
        assert services.public_seats_taken(event) == 0

        with pytest.raises(AlreadyRegistered):
            services.add_by_hand(event, form(9, email="P1@EXAMPLE.ORG"), category=Category.SPEAKER)
        db.session.rollback()

        event.registration_closes_at = None
        db.session.commit()
        with pytest.raises(AlreadyRegistered):  # the public form refuses it too
            sign_up(event_id, form(1))
        assert sign_up(event_id, form(3)).status == Status.CONFIRMED  # the seat was free


def test_only_public_sign_ups_take_seats_by_default(app):
    """Data loaded by other paths (demo, tests): participants and press count, others not;
    joining the waiting list by any path stamps the queue time."""
    with app.test_request_context():
        event = make_event()
        speaker = make_registration(event, category=Category.SPEAKER)
        press = make_registration(event, category=Category.PRESS)
        waiting = make_registration(event, status=Status.WAITLISTED)
        db.session.commit()
        assert (speaker.counts_towards_capacity, press.counts_towards_capacity) == (False, True)
        assert waiting.waitlisted_at is not None


def test_anonymise_keeps_counts_and_erases_the_person(app):
    event_id = new_event(app, capacity=2)
    with app.test_request_context():
        made = [
            sign_up(event_id, form(n, accessibility="hearing loop", dietary="halal"))
            for n in range(3)
        ]
        registration = db.session.get(Registration, made[0].id)
        old_token = registration.token
        services.anonymise(registration)
        db.session.commit()

        assert registration.anonymised_at is not None
        assert (
            registration.given_name,
            registration.family_name,
            registration.email,
            registration.email_key,
            registration.organisation,
            registration.accessibility,
            registration.dietary,
        ) == ("", "", None, None, "", "", Dietary.NONE)
        assert registration.token != old_token
        assert (registration.status, registration.category, registration.country) == (
            Status.CONFIRMED,
            Category.PARTICIPANT,
            "BE",
        )
        assert registration.privacy_consent_at is not None
        scrubbed = db.session.scalars(
            select(ChangeLogEntry).where(
                ChangeLogEntry.entity_id == registration.id, ChangeLogEntry.action == "create"
            )
        ).one()
        assert scrubbed.changes == {} and scrubbed.summary == ""

        event = db.session.get(Event, event_id)
        assert services.anonymise_event(event) == 2
        db.session.commit()
        assert services.anonymise_event(event) == 0
        assert statuses(event_id) == {Status.CONFIRMED: 2, Status.WAITLISTED: 1}
        assert services.public_seats_taken(event) == 2
        names = db.session.scalars(select(Registration.given_name)).all()
        assert names == ["", "", ""]


# --- A rush of sign-ups -------------------------------------------------------------------


def rush(app, event_id: int, forms: list[dict]) -> tuple[list, list]:
    """Run register() for every form at once, one thread (and connection) each.

    Gives the outcomes (a status, or ("already registered", id of the existing one)) and
    any other exception."""
    start = threading.Barrier(len(forms))
    results: list = []
    errors: list = []
    lock = threading.Lock()

    def one(data: dict) -> None:
        try:
            with app.test_request_context():
                event = db.session.get(Event, event_id)
                start.wait(timeout=30)
                try:
                    outcome = services.register(event, data, language="en").status
                except AlreadyRegistered as refused:
                    outcome = ("already registered", refused.existing.id)
                finally:
                    db.session.remove()
            with lock:
                results.append(outcome)
        except BaseException as exc:  # reported in the main thread
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=one, args=(data,)) for data in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


@pytest.fixture
def rush_app(app, database_url):
    """The test's database through a pool as large as the rush, so that every thread
    holds a connection of its own at once, as many workers would."""
    app = make_app(
        database_url,
        SQLALCHEMY_ENGINE_OPTIONS={
            "pool_pre_ping": True,
            "pool_size": 60,
            "max_overflow": 0,
            "pool_timeout": 60,
        },
    )
    yield app
    with app.app_context():
        close_db()


def test_a_rush_fills_exactly_the_seats_and_queues_the_rest(app, rush_app):
    event_id = new_event(app, capacity=40)
    results, errors = rush(rush_app, event_id, [form(n) for n in range(60)])

    assert errors == []
    assert sorted(results) == sorted([Status.CONFIRMED] * 40 + [Status.WAITLISTED] * 20)
    with app.test_request_context():
        assert statuses(event_id) == {Status.CONFIRMED: 40, Status.WAITLISTED: 20}
        keys = db.session.scalars(select(Registration.email_key)).all()
        assert len(keys) == len(set(keys)) == 60
        waiting = db.session.scalars(
            select(Registration).where(Registration.status == Status.WAITLISTED)
        ).all()
        assert sorted(services.waitlist_position(r) for r in waiting) == list(range(1, 21))


def test_the_same_address_submitted_at_once_registers_once(app, rush_app):
    event_id = new_event(app, capacity=40)
    results, errors = rush(
        rush_app,
        event_id,
        [form(n, email="Rush@Example.org" if n % 2 else "rush@example.ORG") for n in range(10)],
    )

    assert errors == []
    assert results.count(Status.CONFIRMED) == 1
    with app.test_request_context():
        only = db.session.scalars(select(Registration)).one()
    assert results.count(("already registered", only.id)) == 9
