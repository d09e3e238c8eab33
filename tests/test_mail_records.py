"""Every e-mail to a participant, recorded and resendable: the organisers' approval and
decline, cancellation and promotion, delivered to a real SMTP server (aiosmtpd on
127.0.0.1) and read back; a mail server that is down (a closed port), then up again;
the rate limits of the sign-up form; erasing personal data from the records."""

import hashlib
import re

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.mail import records as mail_records
from eventapp.mail import resend
from eventapp.models import (
    ChangeLogEntry,
    Event,
    MailRecord,
    MailStatus,
    Registration,
    Status,
    User,
    UserRole,
)
from eventapp.testing import free_port

from .conftest import Inbox, SignedIn, csrf_token_from
from .factories import make_event, make_item, make_registration
from .test_registration_emails import parts

SLUG = "mail-forum"
DESK = f"/manage/events/{SLUG}/registrations"


class MailServer:
    """aiosmtpd on a port of 127.0.0.1 chosen up front, started and stopped at will."""

    def __init__(self, app):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None
        app.config.update(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=self.port,
            MAIL_TIMEOUT=2,
            MAIL_FROM="Forum <events@example.org>",
        )

    @property
    def messages(self):
        return self.inbox.messages

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail_server(app):
    """The app sends to this server; it is down until the test starts it."""
    server = MailServer(app)
    yield server
    server.stop()


@pytest.fixture
def smtp(mail_server):
    mail_server.start()
    return mail_server


@pytest.fixture
def event_id(app):
    with app.app_context():
        event = make_event(
            slug=SLUG, title="Forum", capacity=1, moderation=True, venue_name="Maison du Dialogue"
        )
        make_item(event, title="Opening session")
        db.session.commit()
        return event.id


@pytest.fixture
def organiser(app, make_user, sign_in, event_id):
    """A manager of the event, signed in."""
    user_id = make_user("manager@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = db.session.get(Event, event_id)
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()
    return sign_in("manager@example.org")


def sign_up(client, email: str, lang: str = "en", **fields):
    url = f"/events/{SLUG}/register?lang={lang}"
    token = csrf_token_from(client.get(url).text)
    return client.post(
        url,
        data={
            "csrf_token": token,
            "given_name": "Nino",
            "family_name": "Gogoladze",
            "email": email,
            "organisation": "PSDA",
            "country": "GE",
            "dietary": "none",
            "privacy_consent": "y",
            **fields,
        },
    )


def registration_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Registration.id).where(Registration.email == email))


def records(app, **where) -> list[MailRecord]:
    with app.app_context():
        query = select(MailRecord).order_by(MailRecord.id)
        for name, value in where.items():
            query = query.where(getattr(MailRecord, name) == value)
        found = list(db.session.scalars(query))
        for mail in found:
            db.session.expunge(mail)
        return found


def set_status(organiser: SignedIn, rid: int, action: str):
    return organiser.post(f"{DESK}/{rid}/status", data={"action": action})


def link_in(text: str) -> str:
    return re.search(r"http://localhost(/r/[\w-]+)", text).group(1)


# --- Each transition, read back from the server -----------------------------------------


def test_approval_confirms_and_sends_the_agenda(app, client, smtp, organiser):
    sign_up(client, "nino@example.org")
    [received] = smtp.messages
    assert received["Subject"] == "Sign-up received: Forum"
    rid = registration_id(app, "nino@example.org")
    set_status(organiser, rid, "approve")
    approval = smtp.messages[-1]
    assert approval["To"].addresses[0].addr_spec == "nino@example.org"
    assert approval["Subject"] == "Your sign-up is approved: Forum"
    text, html = parts(approval)
    assert "the organisers have approved your sign-up" in text
    assert "Your registration for Forum is confirmed." in text
    assert "Maison du Dialogue" in text and "Maison du Dialogue" in html
    assert "<p>Good news: the organisers have approved" in html
    [attachment] = list(approval.iter_attachments())
    assert attachment.get_filename() == "agenda.ics"
    # The link opens the person's page, which says the same.
    page = client.get(link_in(text))
    assert page.status_code == 200 and "Your registration is confirmed." in page.text
    assert [(m.kind, m.status, m.recipient) for m in records(app)] == [
        ("pending", MailStatus.SENT, "nino@example.org"),
        ("approval", MailStatus.SENT, "nino@example.org"),
    ]
    assert records(app)[-1].subject == "Your sign-up is approved: Forum"
    assert records(app)[-1].sent_at is not None


def test_approval_onto_the_waiting_list_gives_the_position(app, client, smtp, organiser, event_id):
    with app.app_context():
        make_registration(db.session.get(Event, event_id), counts_towards_capacity=True)
        db.session.commit()
    sign_up(client, "second@example.org")
    set_status(organiser, registration_id(app, "second@example.org"), "approve")
    approval = smtp.messages[-1]
    assert approval["Subject"] == "Your sign-up is approved, on the waiting list: Forum"
    text, html = parts(approval)
    assert "on the waiting list at position 1" in text and "at position 1" in html
    assert list(approval.iter_attachments()) == []


def test_decline_from_the_bulk_action_in_french(app, client, smtp, organiser):
    sign_up(client, "amelie@example.org", lang="fr")
    sign_up(client, "bob@example.org")
    ids = [registration_id(app, "amelie@example.org"), registration_id(app, "bob@example.org")]
    organiser.post(f"{DESK}/bulk", data={"ids": ids, "action": "decline"})
    declines = {m["To"].addresses[0].addr_spec: m for m in smtp.messages[2:]}
    assert set(declines) == {"amelie@example.org", "bob@example.org"}
    assert declines["bob@example.org"]["Subject"] == "Your sign-up was not accepted: Forum"
    text, html = parts(declines["bob@example.org"])
    assert "could not accept your sign-up for Forum" in text
    assert "could not accept your sign-up for Forum" in html
    # The French sign-up gets the French message (its words follow the catalogue).
    text, html = parts(declines["amelie@example.org"])
    assert '<html lang="fr">' in html
    assert link_in(text) in html
    assert client.get(link_in(text)).status_code == 200
    assert [m.kind for m in records(app, kind="decline")] == ["decline", "decline"]


def test_bulk_approve_tells_each_person(app, client, smtp, organiser):
    sign_up(client, "first@example.org")
    sign_up(client, "second@example.org", lang="fr")
    ids = [registration_id(app, "first@example.org"), registration_id(app, "second@example.org")]
    organiser.post(f"{DESK}/bulk", data={"ids": ids, "action": "approve"})
    approvals = {m["To"].addresses[0].addr_spec: m for m in smtp.messages[2:]}
    assert approvals["first@example.org"]["Subject"] == "Your sign-up is approved: Forum"
    # In the language Ana signed up in.
    assert "liste d’attente" in approvals["second@example.org"]["Subject"]
    text, html = parts(approvals["second@example.org"])
    assert '<html lang="fr">' in html and "mardi 14 mai 2030" in text


def test_organiser_cancellation_promotes_and_tells_both(app, client, smtp, organiser, event_id):
    with app.app_context():
        event = db.session.get(Event, event_id)
        first = make_registration(event, email="first@example.org", language="fr")
        second = make_registration(event, email="second@example.org", status=Status.WAITLISTED)
        db.session.commit()
        first_id, second_id = first.id, second.id
    set_status(organiser, first_id, "cancel")
    cancellation, promotion = smtp.messages
    assert cancellation["To"].addresses[0].addr_spec == "first@example.org"
    assert cancellation["Subject"] == "Inscription annulée : Forum"  # signed up in French
    assert '<html lang="fr">' in parts(cancellation)[1]
    assert promotion["To"].addresses[0].addr_spec == "second@example.org"
    assert promotion["Subject"] == "A seat is yours: Forum"
    assert "now confirmed" in parts(promotion)[0]
    [attachment] = list(promotion.iter_attachments())
    assert attachment.get_filename() == "agenda.ics"
    assert [(m.registration_id, m.kind) for m in records(app)] == [
        (first_id, "cancellation"),
        (second_id, "promotion"),
    ]


def test_confirming_by_hand_sends_the_confirmation(app, client, smtp, organiser, event_id):
    sign_up(client, "nino@example.org")
    set_status(organiser, registration_id(app, "nino@example.org"), "confirm")
    assert smtp.messages[-1]["Subject"] == "Your registration is confirmed: Forum"


# --- A mail server that is down, then up ------------------------------------------------


def test_dead_server_keeps_the_sign_up_and_resend_all_delivers(app, client, mail_server, organiser):
    response = sign_up(client, "nino@example.org")
    assert response.status_code == 302 and "/done" in response.headers["Location"]
    sign_up(client, "ana@example.org", lang="fr")
    rid = registration_id(app, "nino@example.org")
    with app.app_context():
        assert db.session.get(Registration, rid).status == Status.PENDING
    failed = records(app)
    assert [(m.kind, m.status, m.attempts) for m in failed] == [
        ("pending", MailStatus.FAILED, 1),
        ("pending", MailStatus.FAILED, 1),
    ]
    assert "ConnectionRefusedError" in failed[0].error and failed[0].sent_at is None
    # No change-log line for a failure any more: the record is the place.
    with app.app_context():
        assert not db.session.scalar(
            select(ChangeLogEntry).where(ChangeLogEntry.action == "email_failed")
        )

    # The approval fails too; the decision stands.
    set_status(organiser, rid, "approve")
    with app.app_context():
        assert db.session.get(Registration, rid).status == Status.CONFIRMED
    desk = client.get(f"{DESK}?lang=en").text  # Ana's French sign-up set the language
    # Nino's "pending" message is out of date (he is confirmed): only 2 to resend.
    assert re.search(r'data-count="failed-mails">2<', desk)
    assert "Resend all failed" in desk
    page = client.get(f"{DESK}/{rid}").text
    mails = page.split('id="mails"')[1].split("</table>")[0]
    assert mails.count('data-status="failed"') == 2
    assert mails.count(">Resend</button>") == 1  # the approval, not the outdated one
    assert "ConnectionRefusedError" in mails

    # A new link meanwhile: the resent message carries the current one.
    organiser.post(f"{DESK}/{rid}/link")
    mail_server.start()
    response = organiser.post(f"{DESK}/mail/resend-failed")
    assert response.status_code == 302
    assert "2 e-mails sent again." in client.get(DESK).text
    subjects = sorted(m["Subject"] for m in mail_server.messages)
    # Each in its person's language: Ana signed up in French.
    assert subjects == ["Inscription reçue : Forum", "Your sign-up is approved: Forum"]
    approval = next(
        m for m in mail_server.messages if m["To"].addresses[0].addr_spec == "nino@example.org"
    )
    with app.app_context():
        token = db.session.get(Registration, rid).token
    assert link_in(parts(approval)[0]) == f"/r/{token}"
    assert client.get(f"/r/{token}").status_code == 200
    approval_record = records(app, kind="approval")[0]
    assert (approval_record.status, approval_record.attempts, approval_record.error) == (
        MailStatus.SENT,
        2,
        "",
    )
    assert approval_record.sent_at is not None
    assert not re.search(r'data-count="failed-mails"', client.get(DESK).text)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(ChangeLogEntry)
                .where(ChangeLogEntry.action == "email_resend")
            )
            == 2
        )


def test_resend_one_from_the_registration_page(app, client, mail_server, organiser):
    sign_up(client, "nino@example.org")
    rid = registration_id(app, "nino@example.org")
    [mail] = records(app)
    # Still down: the attempt is counted and the error kept.
    response = organiser.post(f"{DESK}/{rid}/mail/resend", data={"mail_id": mail.id})
    assert response.status_code == 302
    assert "could not be sent this time either" in client.get(f"{DESK}/{rid}").text
    assert (records(app)[0].attempts, records(app)[0].status) == (2, MailStatus.FAILED)
    mail_server.start()
    organiser.post(f"{DESK}/{rid}/mail/resend", data={"mail_id": mail.id})
    assert "E-mail sent again to nino@example.org." in client.get(f"{DESK}/{rid}").text
    [received] = mail_server.messages
    assert received["Subject"] == "Sign-up received: Forum"
    assert (records(app)[0].attempts, records(app)[0].status) == (3, MailStatus.SENT)
    # Delivered: no button, and resending again is refused.
    page = client.get(f"{DESK}/{rid}").text
    assert ">Resend</button>" not in page
    organiser.post(f"{DESK}/{rid}/mail/resend", data={"mail_id": mail.id})
    assert "This e-mail was delivered." in client.get(f"{DESK}/{rid}").text
    assert len(mail_server.messages) == 1
    # Without the CSRF token, or for another registration's message: nothing.
    assert client.post(f"{DESK}/{rid}/mail/resend", data={"mail_id": mail.id}).status_code == 400
    other = make_other_registration(app)
    assert (
        organiser.post(f"{DESK}/{other}/mail/resend", data={"mail_id": mail.id}).status_code == 404
    )


def test_the_desk_counts_the_emails_waiting_retrying_and_failed_with_links(
    app, client, organiser, event_id
):
    with app.app_context():
        event = db.session.get(Event, event_id)
        people = {
            state: make_registration(event, email=f"{state}@example.org", family_name=state)
            for state in ("queued", "sending", "retrying", "failed", "sent")
        }
        db.session.flush()
        for state, registration in people.items():
            db.session.add(
                MailRecord(
                    event_id=event.id,
                    registration_id=registration.id,
                    kind="confirmation",
                    recipient=registration.email,
                    status=MailStatus(state),
                )
            )
        db.session.commit()
    desk = client.get(f"{DESK}?lang=en").text
    counts = {state: int(n) for state, n in re.findall(r'data-count="mail-(\w+)">(\d+)<', desk)}
    # Queued and being sent both wait: 2.
    assert counts == {"waiting": 2, "retrying": 1, "failed": 1}
    for state, emails in (
        ("waiting", {"queued@example.org", "sending@example.org"}),
        ("retrying", {"retrying@example.org"}),
        ("failed", {"failed@example.org"}),
    ):
        assert f'href="{DESK}?mail={state}"' in desk
        page = client.get(f"{DESK}?mail={state}").text
        listed = set(re.findall(r"[a-z]+@example\.org", page.split("<table")[-1]))
        assert listed == emails, state
        assert f'<option value="{state}" selected>' in page
    # A value that means nothing filters nothing.
    assert "sent@example.org" in client.get(f"{DESK}?mail=sent").text


def test_the_desk_shows_no_email_counts_when_nothing_waits_or_failed(client, organiser):
    assert 'id="mail-counts"' not in client.get(DESK).text


def make_other_registration(app) -> int:
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        registration = make_registration(event)
        db.session.commit()
        return registration.id


def test_resend_service_refuses_what_is_no_longer_true(app, mail_server, event_id):
    with app.test_request_context():
        event = db.session.get(Event, event_id)
        registration = make_registration(event, email="nino@example.org")
        db.session.commit()
        assert mail_records.send_confirmation(registration) is False
        mail = db.session.scalars(select(MailRecord)).one()
        assert resend.failed_to_resend(event) == [mail]
        registration.status = Status.CANCELLED
        db.session.commit()
        assert resend.failed_to_resend(event) == []
        with pytest.raises(resend.CannotResend, match="Out of date"):
            resend.resend(mail)
        assert mail.attempts == 1
        # A newer message of the same kind supersedes the old one.
        registration.status = Status.CONFIRMED
        db.session.commit()
        mail_records.send_confirmation(registration)
        with pytest.raises(resend.CannotResend, match="newer"):
            resend.resend(mail)
        mail_server.start()
        result = resend.resend_failed(event)
        assert (result.delivered, result.failed) == (1, 0)
        assert [m["Subject"] for m in mail_server.messages] == [
            "Your registration is confirmed: Forum"
        ]


def test_resend_mail_command(app, runner, mail_server, event_id):
    with app.test_request_context():
        event = db.session.get(Event, event_id)
        registration = make_registration(event, email="nino@example.org", language="fr")
        db.session.commit()
        mail_records.send_confirmation(registration)
        token = registration.token
    result = runner.invoke(args=["resend-mail", SLUG])
    assert result.exit_code == 1
    assert "0 e-mails sent again, 1 failed." in result.output
    assert "confirmation to nino@example.org: failed: ConnectionRefusedError" in result.output
    assert records(app)[0].attempts == 2
    mail_server.start()
    app.config["PUBLIC_BASE_URL"] = "https://events.example.org"
    result = runner.invoke(args=["resend-mail", SLUG])
    assert result.exit_code == 0, result.output
    assert "1 e-mails sent again, 0 failed." in result.output
    [message] = mail_server.messages
    text, html = parts(message)
    # Built outside a request: the link starts with the public address, in French.
    assert f"https://events.example.org/r/{token}" in text
    assert '<html lang="fr">' in html
    assert (records(app)[0].status, records(app)[0].attempts) == (MailStatus.SENT, 3)
    result = runner.invoke(args=["resend-mail", SLUG])
    assert result.exit_code == 0 and "0 e-mails sent again, 0 failed." in result.output
    result = runner.invoke(args=["resend-mail", "no-such-event"])
    assert result.exit_code != 0 and "No event" in result.output


# --- Rate limits ------------------------------------------------------------------------


def test_link_again_at_most_three_times_an_hour_per_address(app, client, smtp, event_id):
    with app.app_context():
        db.session.execute(Event.__table__.update().values(moderation=False, capacity=10))
        db.session.commit()
    sign_up(client, "nino@example.org")
    pages = []
    for _ in range(5):
        response = sign_up(client, "Nino@Example.org")
        assert response.status_code == 422
        pages.append(re.sub(r"csrf_token[^>]*>", "", response.text))
    subjects = [m["Subject"] for m in smtp.messages]
    assert (
        subjects
        == ["Your registration is confirmed: Forum"] + ["Your registration link: Forum"] * 3
    )
    # The same page whether the link went or not: nothing tells the limit apart.
    assert "We have sent the link to your registration to it again." in pages[4]
    assert pages[2] == pages[3] == pages[4]
    assert [m.kind for m in records(app)] == ["confirmation", "link", "link", "link"]
    # Another address is not affected.
    sign_up(client, "ana@example.org")
    sign_up(client, "ana@example.org")
    assert smtp.messages[-1]["Subject"] == "Your registration link: Forum"


def test_sign_up_posts_are_limited_per_client_and_nothing_typed_is_lost(
    app, client, smtp, event_id
):
    app.config["SIGNUP_RATE_LIMIT"] = "3 per minute"
    with app.app_context():
        db.session.execute(Event.__table__.update().values(moderation=False, capacity=10))
        db.session.commit()
    for n in range(3):
        assert sign_up(client, f"p{n}@example.org").status_code == 302
    response = sign_up(client, "late@example.org", given_name="Gulnara", family_name="Гульнара")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many sign-ups from your network" in response.text
    # Every answer is back in the form, ready to send again.
    assert 'value="late@example.org"' in response.text
    assert 'value="Гульнара"' in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 3
    # Another client address is counted on its own.
    token = csrf_token_from(client.get(f"/events/{SLUG}/register").text)
    other = client.post(
        f"/events/{SLUG}/register",
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
        data={
            "csrf_token": token,
            "given_name": "Ana",
            "family_name": "R",
            "email": "ana@example.org",
            "organisation": "ICMPD",
            "country": "GE",
            "dietary": "none",
            "privacy_consent": "y",
        },
    )
    assert other.status_code == 302


# --- Personal data ----------------------------------------------------------------------


def test_consent_is_recorded_with_the_version_of_the_notice_read(app, client, smtp, event_id):
    with app.app_context():
        db.session.execute(
            Event.__table__.update().values(
                moderation=False, capacity=10, privacy_notice="We keep your data until June."
            )
        )
        db.session.commit()
    sign_up(client, "before@example.org")
    with app.app_context():
        db.session.execute(
            Event.__table__.update().values(privacy_notice="We keep your data until July.")
        )
        db.session.commit()
    sign_up(client, "after@example.org")
    with app.app_context():
        before, after = db.session.scalars(select(Registration).order_by(Registration.id))
        assert (
            before.privacy_version == hashlib.sha256(b"We keep your data until June.").hexdigest()
        )
        assert after.privacy_version == hashlib.sha256(b"We keep your data until July.").hexdigest()
        assert before.privacy_consent_at is not None
        assert before.privacy_consent_at <= after.privacy_consent_at


def test_erasing_through_the_link_erases_the_mail_records(app, client, smtp, event_id):
    sign_up(client, "nino@example.org")
    rid = registration_id(app, "nino@example.org")
    with app.app_context():
        token = db.session.get(Registration, rid).token
    page = client.get(f"/r/{token}/erase")
    client.post(f"/r/{token}/erase", data={"csrf_token": csrf_token_from(page.text)})
    [mail] = records(app)
    assert (mail.recipient, mail.subject, mail.error) == ("", "", "")
    assert (mail.registration_id, mail.kind, mail.status) == (rid, "pending", MailStatus.SENT)


def test_anonymise_command_erases_people_and_their_mail_and_keeps_the_counts(
    app, runner, mail_server, event_id
):
    with app.test_request_context():
        event = db.session.get(Event, event_id)
        kept = [
            make_registration(event, email=f"p{n}@example.org", country="BE", organisation="ICMPD")
            for n in range(3)
        ]
        kept.append(make_registration(event, status=Status.WAITLISTED, country="GE"))
        db.session.commit()
        mail_records.send_confirmation(kept[0])  # fails: the server is down
    result = runner.invoke(args=["anonymise", SLUG], input="n\n")
    assert result.exit_code == 1 and "Erase the personal data of 4 registrations" in result.output
    assert records(app)[0].recipient == "p0@example.org"
    result = runner.invoke(args=["anonymise", SLUG], input="y\n")
    assert result.exit_code == 0, result.output
    assert "Personal data of 4 registrations of Forum erased" in result.output
    assert "Registrations kept by status: confirmed 3, waitlisted 1." in result.output
    with app.app_context():
        rows = db.session.execute(
            select(
                Registration.given_name,
                Registration.email,
                Registration.organisation,
                Registration.status,
                Registration.country,
                Registration.category,
                Registration.privacy_consent_at,
            )
        ).all()
        assert sorted((r.status, r.country) for r in rows) == [(Status.CONFIRMED, "BE")] * 3 + [
            (Status.WAITLISTED, "GE")
        ]
        assert {(r.given_name, r.email, r.organisation) for r in rows} == {("", None, "")}
    [mail] = records(app)
    assert (mail.recipient, mail.subject, mail.error) == ("", "", "")
    assert (mail.kind, mail.status) == ("confirmation", MailStatus.FAILED)
    with app.app_context():
        assert resend.failed_to_resend(db.session.get(Event, event_id)) == []
    result = runner.invoke(args=["anonymise", SLUG, "--yes"])
    assert result.exit_code == 0 and "Nothing to erase" in result.output
