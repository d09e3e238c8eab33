"""Travel support: requests and decisions against the budget, the traveller's form,
bookings in local times, the arrivals board, the rooming list, the cost summary, the
e-mails and who may open what."""

import csv
import io
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import icalendar
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import (
    ChangeLogEntry,
    Event,
    MailRecord,
    Registration,
    SupportStatus,
    TravelSupport,
    User,
    UserRole,
)
from eventapp.travel import board, exports, services

from .conftest import csrf_token_from
from .factories import make_event, make_registration

BRUSSELS_DAY_BEFORE = date(2030, 5, 13)


@pytest.fixture
def world(app):
    """An event with budgets (starting 14 May 2030, 09:00 in Brussels) and two people."""
    with app.app_context():
        event = make_event(
            slug="forum",
            currency="EUR",
            budget_travel=Decimal("3000"),
            budget_accommodation=Decimal("500"),
            budget_per_diem=Decimal("200"),
        )
        ana = make_registration(
            event,
            given_name="Ana Lúcia",
            family_name="Fortes",
            language="fr",
            email="ana@example.org",
        )
        other = make_registration(event, given_name="Айнура", family_name="Абдыкадырова")
        db.session.commit()
        return {"slug": event.slug, "ana": ana.id, "other": other.id, "token": ana.token}


def praia_flights(support):
    """Praia → Lisbon → Brussels the day before, and home two days later."""
    for number, frm, ftz, dep, to, ttz, arr in (
        (
            "TP 1548",
            "RAI",
            "Atlantic/Cape_Verde",
            "2030-05-13T00:50",
            "LIS",
            "Europe/Lisbon",
            "2030-05-13T06:05",
        ),
        (
            "TP 644",
            "LIS",
            "Europe/Lisbon",
            "2030-05-13T08:20",
            "BRU",
            "Europe/Brussels",
            "2030-05-13T12:05",
        ),
        (
            "TP 645",
            "BRU",
            "Europe/Brussels",
            "2030-05-15T12:55",
            "LIS",
            "Europe/Lisbon",
            "2030-05-15T14:35",
        ),
    ):
        services.add_segment(
            support,
            {
                "number": number,
                "from_code": frm,
                "from_place": frm,
                "departs_local": datetime.fromisoformat(dep),
                "departs_tz": ftz,
                "to_code": to,
                "to_place": to,
                "arrives_local": datetime.fromisoformat(arr),
                "arrives_tz": ttz,
                "cost": Decimal("400"),
            },
        )


def approve(registration, **estimates):
    return services.decide(
        registration,
        SupportStatus.APPROVED,
        lines=["travel", "accommodation"],
        estimates={k: Decimal(v) for k, v in (estimates or {"travel": "1450"}).items()},
    )


# --- Services ---------------------------------------------------------------------------


def test_approval_commits_estimates_against_the_budget_and_is_logged(app, world):
    with app.app_context():
        ana = db.session.get(Registration, world["ana"])
        services.request_support(ana, ["travel", "per_diem"], "No funds at my ministry.")
        support = approve(ana, travel="1450", accommodation="380", per_diem="90")
        db.session.commit()
        # Per diem was asked for, not granted: nothing committed on that line.
        assert (support.travel, support.accommodation, support.per_diem) == (True, True, False)
        lines = {line.name: line for line in services.budget_lines(support.event)}
        assert lines["travel"].committed == Decimal("1450")
        assert lines["travel"].remaining == Decimal("1550")
        assert lines["accommodation"].committed == Decimal("380")
        assert lines["per_diem"].committed == Decimal("0")
        assert lines["accommodation"].over is False
        log = db.session.scalars(
            select(ChangeLogEntry.action).where(ChangeLogEntry.entity_id == ana.id)
        ).all()
        assert {"support_request", "support_decision"} <= set(log)
        assert db.session.scalars(select(MailRecord.kind)).all() == ["support_approved"]

        services.decide(ana, SupportStatus.DECLINED, note="Budget spent.")
        db.session.commit()
        assert services.budget_lines(support.event)[0].committed == Decimal("0")


def test_a_decision_made_meanwhile_by_another_organiser_stands(app, world):
    """Two organisers open Ana's page (no support yet) and decide at once: the second
    decision is refused with a sentence, not a unique-constraint error, and changes
    nothing; the person gets one e-mail."""
    with app.app_context():
        ana = db.session.get(Registration, world["ana"])
        assert services.support_of(ana) is None  # what the first organiser's page showed
        with app.app_context():  # the other organiser's request, its own session
            services.decide(
                db.session.get(Registration, world["ana"]),
                SupportStatus.DECLINED,
                note="Budget spent",
                seen="",
            )
            db.session.commit()
        with pytest.raises(services.AlreadyDecided):
            services.decide(ana, SupportStatus.APPROVED, lines=["travel"], estimates={}, seen="")
        db.session.rollback()
        assert db.session.scalars(select(TravelSupport.status)).all() == [SupportStatus.DECLINED]
        assert db.session.scalars(select(MailRecord.kind)).all() == ["support_declined"]
        # Changing one's mind on what one saw is a decision like any other.
        support = services.decide(
            ana, SupportStatus.APPROVED, lines=["travel"], estimates={}, seen="declined"
        )
        db.session.commit()
        assert support.status == SupportStatus.APPROVED


def test_two_organisers_deciding_at_the_same_moment(app, world):
    """The first one's transaction is open, its support row written, when the second
    decides: the second waits for it (PostgreSQL: on the lock; SQLite: on the writer),
    then is told it was decided, rather than failing on the unique support row."""
    written, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def first() -> None:
        with app.app_context():
            services.decide(
                db.session.get(Registration, world["ana"]), SupportStatus.DECLINED, seen=""
            )
            written.set()
            release.wait(5)
            time.sleep(0.3)  # the second is waiting by now: it cannot go on before this
            db.session.commit()

    thread = threading.Thread(target=first)
    thread.start()
    assert written.wait(5)
    with app.app_context():
        release.set()
        try:
            services.decide(
                db.session.get(Registration, world["ana"]),
                SupportStatus.APPROVED,
                lines=["travel"],
                seen="",
            )
        except services.AlreadyDecided as exc:
            outcome.append(exc)
        db.session.rollback()
        thread.join(10)
        assert len(outcome) == 1
        assert db.session.scalars(select(TravelSupport.status)).all() == [SupportStatus.DECLINED]
        assert db.session.scalars(select(MailRecord.kind)).all() == ["support_declined"]


def test_the_second_of_two_organisers_sees_the_first_ones_decision(app, client, world, organiser):
    with app.app_context():
        event = db.session.scalar(select(Event))
        event.managers.append(db.session.scalar(select(User).where(User.email == organiser.email)))
        db.session.commit()
    page = organiser.get(f"/manage/events/forum/travel/{world['ana']}").text
    assert 'name="seen" type="hidden" value=""' in page
    with app.app_context():  # meanwhile, another organiser grants it
        approve(db.session.get(Registration, world["ana"]))
        db.session.commit()
    url = f"/manage/events/forum/travel/{world['ana']}/decision"
    response = organiser.post(url, {"decision": "declined", "seen": ""})
    assert response.status_code == 302
    assert (
        "Another organiser decided this request meanwhile" in organiser.get(response.location).text
    )
    with app.app_context():
        assert db.session.scalar(select(TravelSupport.status)) == SupportStatus.APPROVED


def test_over_budget_is_flagged(app, world):
    with app.app_context():
        support = approve(db.session.get(Registration, world["ana"]), accommodation="900")
        lines = {line.name: line for line in services.budget_lines(support.event)}
        assert lines["accommodation"].over and lines["accommodation"].remaining == Decimal("-400")


def test_flights_keep_local_times_and_the_board_shows_the_last_leg_in_event_time(app, world):
    with app.app_context():
        support = approve(db.session.get(Registration, world["ana"]))
        praia_flights(support)
        db.session.commit()
        first = support.segments[0]
        assert first.departs_local == datetime(2030, 5, 13, 0, 50)
        assert first.departs_tz == "Atlantic/Cape_Verde"
        # 00:50 in Praia (UTC-1) is 01:50 UTC.
        assert first.departs_utc == datetime(2030, 5, 13, 1, 50, tzinfo=UTC)
        event = support.event
        moves = board.movements(event, services.supports(event))
        # The Lisbon connection is no pick-up: one arrival (Brussels) and one departure.
        assert [(m.direction, m.segment.number, m.at.strftime("%d %H:%M")) for m in moves] == [
            ("arrival", "TP 644", "13 12:05"),
            ("departure", "TP 645", "15 12:55"),
        ]
        days = board.by_day(moves)
        assert [d.day for d in days] == [BRUSSELS_DAY_BEFORE, date(2030, 5, 15)]
        assert days[0].hours[0][0] == 12
        lines = {line.name: line for line in services.budget_lines(event)}
        assert lines["travel"].booked == Decimal("1200")


def test_bookings_wait_for_approval(app, world):
    with app.app_context():
        ana = db.session.get(Registration, world["ana"])
        support = services.request_support(ana, ["travel"], "Please")
        with pytest.raises(services.NotAllowed):
            services.save_form(support, {"passport_name": "X"})
        with pytest.raises(services.NotAllowed):
            services.add_stay(
                support,
                {"hotel": "H", "check_in": date(2030, 5, 13), "check_out": date(2030, 5, 14)},
            )


def test_rooming_list_and_cost_summary_read_back(app, world):
    with app.app_context():
        ana = db.session.get(Registration, world["ana"])
        ana.dietary_other, ana.dietary, ana.accessibility = "no pork", "other", "Step-free room"
        support = approve(ana, travel="1450", accommodation="380")
        support.passport_name = '=HYPERLINK("http://evil")'
        services.add_stay(
            support,
            {
                "hotel": "Hôtel Mont des Arts",
                "check_in": BRUSSELS_DAY_BEFORE,
                "check_out": date(2030, 5, 15),
                "room_type": "Single",
                "cost": Decimal("360"),
            },
        )
        db.session.commit()
        event = support.event
        sheet = load_workbook(
            io.BytesIO(exports.rooming_list_xlsx(event, services.supports(event)))
        ).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:6] == (
            "Name as in the passport",
            "Hotel",
            "Check-in",
            "Check-out",
            "Nights",
            "Room type",
        )
        name, hotel, check_in, _out, nights, room, dietary, access, _mail = rows[1]
        assert name == '\'=HYPERLINK("http://evil")'  # text, never a formula
        assert (hotel, check_in.date(), nights, room) == (
            "Hôtel Mont des Arts",
            BRUSSELS_DAY_BEFORE,
            2,
            "Single",
        )
        assert (dietary, access) == ("no pork", "Step-free room")

        body = exports.costs_csv(event, services.supports(event)).decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(body)))
        assert table[0] == ["Budget line", "Currency", "Budget", "Committed", "Booked", "Remaining"]
        assert table[1] == ["Travel", "EUR", "3000.00", "1450.00", "0.00", "1550.00"]
        assert table[2] == ["Accommodation", "EUR", "500.00", "380.00", "360.00", "120.00"]
        assert table[4] == ["Total", "EUR", "3700.00", "1830.00", "360.00", "1870.00"]


# --- Pages ------------------------------------------------------------------------------


def test_organiser_grants_support_on_the_registration_page_and_the_person_is_told(
    app, client, smtp, world, sign_in, make_user
):
    with app.app_context():
        user_id = make_user("boss@example.org", UserRole.ORGANISER)
        event = db.session.scalar(select(Event).where(Event.slug == world["slug"]))
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()
    boss = sign_in("boss@example.org")
    page = f"/manage/events/forum/registrations/{world['ana']}"
    assert "Travel support" in boss.get(page).text
    url = f"/manage/events/forum/travel/{world['ana']}/decision"
    # Approving without a line: the error is next to the field.
    bad = boss.post(url, {"decision": "approved", "travel_estimate": "-5", "back": "registration"})
    assert bad.status_code == 422
    assert 'id="travel-error"' in bad.text and 'id="travel_estimate-error"' in bad.text
    response = boss.post(
        url,
        {
            "decision": "approved",
            "travel": "y",
            "travel_estimate": "1450.50",
            "note": "Bon voyage",
            "back": "registration",
        },
    )
    assert response.status_code == 302 and response.location.endswith(
        f"/registrations/{world['ana']}#support"
    )
    [message] = smtp.wait_for(1)
    assert message["To"].addresses[0].addr_spec == "ana@example.org"
    assert message["Subject"].startswith("Prise en charge accordée : ")  # French too
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("Bonjour Ana Lúcia,")  # in her language
    assert "Bon voyage" in text and f"/r/{world['token']}/travel" in text
    assert "€1,450.50" in boss.get(page).text  # committed, in the page's number format
    assert "Support approved" in boss.get("/manage/events/forum/log").text


def test_traveller_form_errors_next_to_fields_then_saved(app, client, world):
    with app.app_context():
        approve(db.session.get(Registration, world["ana"]))
        db.session.commit()
    url = f"/r/{world['token']}/travel?lang=en"
    page = client.get(url)
    assert page.status_code == 200 and 'id="travel-form"' in page.text
    token = csrf_token_from(page.text)
    bad = client.post(
        url,
        data={
            "csrf_token": token,
            "passport_name": "",
            "departure_city": "Praia",
            "departure_airport": "Praia",
            "hotel_check_in": "2030-05-13",
            "hotel_check_out": "2030-05-12",
        },
    )
    assert bad.status_code == 422
    for name in ("passport_name", "departure_airport", "hotel_check_out"):
        assert f'id="{name}-error"' in bad.text, name
    good = client.post(
        url,
        data={
            "csrf_token": token,
            "passport_name": "FORTES SEMEDO ANA LUCIA",
            "departure_city": "Praia",
            "departure_airport": "rai",
            "outbound_date": "2030-05-13",
            "hotel_check_in": "2030-05-13",
            "hotel_check_out": "2030-05-15",
        },
    )
    assert good.status_code == 302
    with app.app_context():
        support = db.session.scalar(select(TravelSupport))
        assert support.departure_airport == "RAI" and support.form_saved_at is not None
    assert client.get("/r/not-a-token/travel").status_code == 404


def test_sign_up_asks_for_support_only_when_the_event_offers_it(app, client, world):
    url = "/events/forum/register?lang=en"
    assert 'name="support_travel"' not in client.get(url).text
    with app.app_context():
        db.session.scalar(select(Event)).support_on_signup = True
        db.session.commit()
    page = client.get(url).text
    assert 'name="support_travel"' in page
    data = {
        "csrf_token": csrf_token_from(page),
        "given_name": "Grace",
        "family_name": "Nakato",
        "email": "grace@example.org",
        "organisation": "Ministry of Internal Affairs",
        "country": "UG",
        "dietary": "none",
        "privacy_consent": "y",
        "support_travel": "y",
    }
    missing = client.post(url, data=data)
    assert missing.status_code == 422 and 'id="support_justification-error"' in missing.text
    assert (
        client.post(url, data={**data, "support_justification": "Flight from Entebbe"}).status_code
        == 302
    )
    with app.app_context():
        support = db.session.scalar(select(TravelSupport))
        assert support.status == SupportStatus.REQUESTED and support.travel and not support.per_diem
        assert support.registration.email == "grace@example.org"


def test_booking_pages_the_itinerary_e_mail_and_its_ics(
    app, client, smtp, world, organiser, make_user
):
    with app.app_context():
        event = db.session.scalar(select(Event))
        event.managers.append(db.session.scalar(select(User).where(User.email == organiser.email)))
        approve(db.session.get(Registration, world["ana"]))
        db.session.commit()
    smtp.messages.clear()
    base = f"/manage/events/forum/travel/{world['ana']}"
    assert organiser.get(base).status_code == 200
    flight = {
        "kind": "flight",
        "number": "TP 644",
        "from_code": "LIS",
        "from_place": "Lisbon",
        "departs_local": "2030-05-13T08:20",
        "departs_tz": "Europe/Lisbon",
        "to_code": "BRU",
        "to_place": "Brussels",
        "arrives_local": "2030-05-13T09:05",  # before the departure, once zones count
        "arrives_tz": "Europe/Brussels",
    }
    bad = organiser.post(f"{base}/segments", {**flight, "to_code": "BRUX"})
    assert bad.status_code == 422
    assert 'id="to_code-error"' in bad.text and 'id="arrives_local-error"' in bad.text
    assert (
        organiser.post(
            f"{base}/segments", {**flight, "arrives_local": "2030-05-13T12:05"}
        ).status_code
        == 302
    )
    stay = {
        "hotel": "Hôtel Mont des Arts",
        "check_in": "2030-05-13",
        "check_out": "2030-05-15",
        "room_type": "Single",
    }
    assert organiser.post(f"{base}/stays", stay).status_code == 302
    assert organiser.post(f"{base}/itinerary").status_code == 302
    [message] = smtp.wait_for(1)
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = icalendar.Calendar.from_ical(ics.get_payload(decode=True))
    flight_event, hotel_event = calendar.walk("VEVENT")
    assert flight_event.decoded("dtstart") == datetime(
        2030, 5, 13, 8, 20, tzinfo=flight_event.decoded("dtstart").tzinfo
    )
    assert str(flight_event["dtstart"].params["TZID"]) == "Europe/Lisbon"
    assert str(flight_event["dtend"].params["TZID"]) == "Europe/Brussels"
    assert "TP 644" in str(flight_event["summary"])
    assert hotel_event.decoded("dtstart") == BRUSSELS_DAY_BEFORE
    assert hotel_event.decoded("dtend") == date(2030, 5, 15)
    # The person sees the same itinerary on their page, in local times with their zones.
    page = client.get(f"/r/{world['token']}/travel?lang=en").text
    assert "TP 644" in page and "(Europe/Lisbon)" in page and "Hôtel Mont des Arts" in page
    assert "Hôtel Mont des Arts" in client.get(f"/r/{world['token']}?lang=en").text
    assert client.get(f"/r/{world['token']}/travel/itinerary.ics").mimetype == "text/calendar"
    # Board, rooming list and costs answer; the board prints with its own stylesheet.
    board_page = organiser.get("/manage/events/forum/travel/board").text
    assert "TP 644" in board_page
    assert "travel-board" in board_page, board_page[:1500]
    assert organiser.get("/manage/events/forum/travel/rooming-list.xlsx").status_code == 200
    assert organiser.get("/manage/events/forum/travel/costs.csv").text.startswith(
        "\ufeffBudget line"
    )


def test_desk_filters_by_support_status_and_shows_committed_against_budget(app, world, organiser):
    with app.app_context():
        event = db.session.scalar(select(Event))
        event.managers.append(db.session.scalar(select(User).where(User.email == organiser.email)))
        approve(db.session.get(Registration, world["ana"]))
        db.session.commit()
    page = organiser.get("/manage/events/forum/registrations?support=approved&lang=en").text
    assert "Fortes" in page and "Абдыкадырова" not in page
    assert 'id="desk-travel-budget"' in page
    none = organiser.get("/manage/events/forum/registrations?support=none").text
    assert "Абдыкадырова" in none and "Fortes" not in none


def test_settings_keep_currency_and_budgets(app, world, organiser):
    with app.app_context():
        event = db.session.scalar(select(Event))
        event.managers.append(db.session.scalar(select(User).where(User.email == organiser.email)))
        db.session.commit()
    url = "/manage/events/forum/settings"
    page = organiser.get(url)
    assert 'id="travel-settings"' in page.text
    data = {
        "title": "Forum",
        "slug": "forum",
        "timezone": "Europe/Brussels",
        "starts_at": "2030-05-14T09:00",
        "ends_at": "2030-05-14T18:00",
        "capacity": "100",
        "programme_size": "A5",
        "currency": "XXY",
        "budget_travel": "12000",
    }
    bad = organiser.post(url, data)
    assert bad.status_code == 422 and 'id="currency-error"' in bad.text
    assert (
        organiser.post(url, {**data, "currency": "usd", "support_on_signup": "y"}).status_code
        == 302
    )
    with app.app_context():
        event = db.session.scalar(select(Event))
        assert (event.currency, event.budget_travel, event.support_on_signup) == (
            "USD",
            Decimal("12000"),
            True,
        )


# --- Access -----------------------------------------------------------------------------


def test_travel_agent_reaches_only_the_travel_pages_of_their_events(
    app, client, demo, sign_in, make_user
):
    agent_id = make_user("agent@example.org", UserRole.TRAVEL)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        event.managers.append(db.session.get(User, agent_id))
        other = make_event(slug="elsewhere")
        someone = make_registration(other)
        support = db.session.scalar(
            select(TravelSupport).where(TravelSupport.status == SupportStatus.APPROVED)
        )
        registration_id, elsewhere_id = support.registration_id, None
        db.session.flush()
        elsewhere_id = someone.id
        db.session.commit()
    agent = sign_in("agent@example.org")
    assert client.get("/manage/travel/").status_code == 200
    base = f"/manage/events/{demo}/travel"
    for url in (base, f"{base}/board", f"{base}/{registration_id}", f"{base}/costs.csv"):
        assert client.get(url).status_code == 200, url
    # Bookings yes, decisions (budget) no.
    stay = {"hotel": "Ibis", "check_in": "2024-03-11", "check_out": "2024-03-12"}
    assert agent.post(f"{base}/{registration_id}/stays", stay).status_code == 302
    assert 'id="decision-form"' not in client.get(f"{base}/{registration_id}").text
    assert (
        agent.post(f"{base}/{registration_id}/decision", {"decision": "declined"}).status_code
        == 403
    )
    for url in (f"/manage/events/{demo}/", f"/manage/events/{demo}/registrations", "/manage/"):
        assert client.get(url).status_code == 403, url
    # Another event's travel: not theirs.
    assert client.get(f"/manage/events/elsewhere/travel/{elsewhere_id}").status_code == 403
    agent.sign_out()
    assert client.get(base).status_code == 302  # anonymous: to the sign-in page


def test_other_events_organiser_gets_403(app, demo, sign_in, make_user):
    make_user("outsider@example.org", UserRole.ORGANISER)
    outsider = sign_in("outsider@example.org")
    assert outsider.get(f"/manage/events/{demo}/travel").status_code == 403
    assert outsider.get(f"/manage/events/{demo}/travel/rooming-list.xlsx").status_code == 403


# --- Demo -------------------------------------------------------------------------------


def test_demo_speakers_from_partner_countries_land_in_brussels_the_day_before(app, demo):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        rows = services.supports(event)
        approved = [s for s in rows if s.status == SupportStatus.APPROVED]
        assert {s.registration.country for s in approved} == {
            "CV",
            "ZM",
            "CR",
            "PY",
            "GE",
            "KG",
            "MX",
            "UG",
        }
        arrivals = [m for m in board.movements(event, rows) if m.direction == "arrival"]
        assert len(arrivals) == 8
        assert {(m.segment.to_code, m.at.date()) for m in arrivals} == {("BRU", date(2024, 3, 11))}
        assert all(
            s.stays and services.nights(s) == [date(2024, 3, 11), date(2024, 3, 12)]
            for s in approved
        )
        assert any(s.status == SupportStatus.REQUESTED for s in rows)


def test_erasing_personal_data_keeps_the_budget_figures(app, world):
    from eventapp.registration.services import anonymise

    with app.app_context():
        ana = db.session.get(Registration, world["ana"])
        support = approve(ana, travel="1450")
        services.save_form(support, {"passport_name": "FORTES ANA", "remarks": "Window seat"})
        db.session.commit()
        anonymise(ana)
        db.session.commit()
        db.session.expire_all()
        support = db.session.scalar(select(TravelSupport))
        assert (support.passport_name, support.remarks) == ("", "")
        assert services.budget_lines(support.event)[0].committed == Decimal("1450")


def test_admin_makes_a_travel_agent_and_puts_them_on_the_team(app, client, world, sign_in):
    admin = sign_in("admin@example.org", role=UserRole.ADMIN)
    assert "Travel agent" in admin.get("/manage/users").text
    created = admin.post(
        "/manage/users",
        {"email": "agent@example.org", "role": "travel", "password": "a long enough password 42"},
    )
    assert created.status_code == 302
    with app.app_context():
        agent = db.session.scalar(select(User).where(User.email == "agent@example.org"))
        event = db.session.scalar(select(Event))
        assert agent.role == UserRole.TRAVEL and not agent.may_manage_travel(event)
        agent_id = agent.id
    page = admin.get("/manage/events/forum/managers").text
    assert "agent@example.org (Travel agent)" in page
    assert admin.post("/manage/events/forum/managers", {"user_id": agent_id}).status_code == 302
    admin.sign_out()
    with app.app_context():
        agent = db.session.get(User, agent_id)
        event = db.session.scalar(select(Event))
        assert agent.may_manage_travel(event) and not agent.manages(event)
    # Signing in, the agent lands on the events whose travel they book.
    response = client.post(
        "/login",
        data={
            "email": "agent@example.org",
            "password": "a long enough password 42",
            "csrf_token": csrf_token_from(client.get("/login").text),
        },
    )
    assert response.location == "/manage/travel/"
    assert 'href="/manage/events/forum/travel"' in client.get("/manage/travel/").text


def test_a_copy_of_the_demo_keeps_the_budgets_not_the_support(app, demo):
    from eventapp.events.services import copy_event

    with app.test_request_context():
        source = db.session.scalar(select(Event).where(Event.slug == demo))
        copy = copy_event(
            source, slug="mieux-2026", title="MIEUX 2026", start_date=date(2026, 4, 14)
        )
        db.session.commit()
        assert (copy.currency, copy.budget_travel) == ("EUR", Decimal("14000.00"))
        assert services.supports(copy) == []
