"""Organisers' messages to participants, read the way people get them: the recipients
each filter picks, placeholders filled and escaped, each person's language (or the
first version written), one copy per person however often the task runs, a scheduled
message and the automatic reminder going out when due; and through HTTP: errors next to
their field, the count, the preview, the test to oneself and "send now" arriving in a
real SMTP server's inbox, once per person, in their language."""

from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.mail import organiser_messages as services
from eventapp.mail import placeholders, tasks
from eventapp.mail.messages import build, organiser_message
from eventapp.models import (
    Category,
    Event,
    MailRecord,
    MessageKind,
    MessageStatus,
    MessageVersion,
    OrganiserMessage,
    Registration,
    Status,
    User,
)
from eventapp.models.types import utcnow

from .conftest import ORGANISER
from .factories import make_event, make_registration
from .test_eticket import decoded, inline_image
from .test_mail_headers import BASE, IMAGE_RULES, on_the_wire, parse, spam_score

PRACTICAL_EN = (
    "Dear {given_name},\n\nThe venue is **{venue}**. Your page: [your registration]({link}).\n\n"
    "{ticket}\n"
)
PRACTICAL_FR = "Bonjour {given_name},\n\nLe lieu : **{venue}**.\n\n{ticket}\n"


@pytest.fixture
def world(app):
    """An event in Brussels with people of every status, category, country, language
    and script; ids by name."""
    with app.app_context():
        event = make_event(
            slug="mieux",
            title="MIEUX Impact Event",
            venue_name="Maison du Dialogue",
            venue_address="Rue du Commerce 72",
            starts_at=utcnow() + timedelta(days=10),
        )
        people = {
            "natia": make_registration(
                event,
                given_name="ნათია",
                family_name="გოგოლაძე",
                country="GE",
                language="en",
                email="natia@example.org",
            ),
            "aigul": make_registration(
                event,
                given_name="Айгүл",
                family_name="Бекова",
                country="KG",
                language="fr",
                category=Category.SPEAKER,
                checked_in_at=utcnow(),
                email="aigul@example.org",
            ),
            "ines": make_registration(
                event,
                given_name="<b>Inês</b> *star*",
                family_name="Tavares",
                country="CV",
                language="fr",
                email="ines@example.org",
            ),
            "waiting": make_registration(
                event, given_name="Wanda", status=Status.WAITLISTED, country="MX", language="en"
            ),
            "cancelled": make_registration(
                event, given_name="Carlos", status=Status.CANCELLED, country="CR"
            ),
            "no_address": make_registration(event, given_name="Nobody", email=None),
        }
        db.session.commit()
        return {"event": event.id, **{name: r.id for name, r in people.items()}}


def draft(event_id: int, recipients=None, **versions) -> int:
    """A draft message with the versions given ({language: (subject, body)}), by default
    the practical information in English and French; its id. Committed."""
    event = db.session.get(Event, event_id)
    message = services.new_message(event, None)
    given = versions or {
        "en": ("Practical information for {given_name}", PRACTICAL_EN),
        "fr": ("Informations pratiques pour {given_name}", PRACTICAL_FR),
    }
    services.save(message, given, {"status": "confirmed"} if recipients is None else recipients)
    db.session.commit()
    return message.id


def names(event_id: int, recipients: dict) -> set[str]:
    event = db.session.get(Event, event_id)
    return {
        db.session.get(Registration, i).given_name
        for i in services.recipient_ids(event, recipients)
    }


# --- Services ---------------------------------------------------------------------------


def test_recipients_by_each_filter(app, world):
    with app.app_context():
        e = world["event"]
        every = {"ნათია", "Айгүл", "<b>Inês</b> *star*", "Wanda", "Carlos"}
        assert names(e, {}) == every  # Nobody has no address
        assert names(e, {"status": "confirmed"}) == {"ნათია", "Айгүл", "<b>Inês</b> *star*"}
        assert names(e, {"status": "waitlisted"}) == {"Wanda"}
        assert names(e, {"category": "speaker"}) == {"Айгүл"}
        assert names(e, {"country": "ge"}) == {"ნათია"}
        assert names(e, {"checked_in": "yes"}) == {"Айгүл"}
        assert names(e, {"checked_in": "no", "status": "confirmed"}) == {
            "ნათია",
            "<b>Inês</b> *star*",
        }
        assert services.count(db.session.get(Event, e), {"status": "declined"}) == 0


def test_placeholders_are_checked_and_filled_escaped(app, world):
    assert placeholders.unknown("Hello {given_name} {nom} {1} { x }") == ["nom"]
    assert placeholders.unknown("{ticket}", subject=True) == ["ticket"]
    assert "{prénom}" in services.problems("Hi {prénom}", "Hello")[0]
    subject_problem, body_problem = services.problems("Hello", "Dear {first_name}")
    assert subject_problem is None and "{first_name}" in body_problem
    with app.test_request_context():
        message = db.session.get(OrganiserMessage, draft(world["event"]))
        ines = db.session.get(Registration, world["ines"])
        written = organiser_message(ines, message)
        # Markdown of the organiser, the name as text: neither HTML nor Markdown.
        assert "<strong>Maison du Dialogue, Rue du Commerce 72</strong>" in written.html
        assert "Bonjour &lt;b&gt;Inês&lt;/b&gt; *star*," in written.html
        assert written.subject == "Informations pratiques pour <b>Inês</b> *star*"
        assert "Bonjour <b>Inês</b> *star*," in written.text
        natia = db.session.get(Registration, world["natia"])
        written = organiser_message(natia, message)
        link = f"http://localhost/r/{natia.token}"
        assert f'<a href="{link}">your registration</a>' in written.html
        bare = db.session.get(OrganiserMessage, draft(world["event"], en=("Link", "Yours: {link}")))
        assert f'Yours: <a href="{link}">{link}</a>' in organiser_message(natia, bare).html
        assert written.subject == "Practical information for ნათია"


def test_each_person_gets_their_language_or_the_first_version(app, world):
    with app.test_request_context():
        both = db.session.get(OrganiserMessage, draft(world["event"]))
        only_fr = db.session.get(
            OrganiserMessage,
            draft(world["event"], fr=("Bonjour {given_name}", "Le programme change.")),
        )
        natia = db.session.get(Registration, world["natia"])
        aigul = db.session.get(Registration, world["aigul"])
        assert organiser_message(aigul, both).language == "fr"
        assert organiser_message(natia, both).language == "en"
        # No English version: the French one, in French around it too.
        written = organiser_message(natia, only_fr)
        assert (written.language, written.subject) == ("fr", "Bonjour ნათია")
        assert "Votre inscription" in written.html


def test_the_ticket_only_for_confirmed_people(app, world):
    with app.test_request_context():
        message = db.session.get(
            OrganiserMessage, draft(world["event"], {}, en=("Hello", "Hi {given_name}\n\n{ticket}"))
        )
        natia = db.session.get(Registration, world["natia"])
        natia_mail = build(natia, "message", message)
        png, alt = inline_image(parse(on_the_wire(natia_mail)))
        assert alt == "Check-in code for ნათია გოგოლაძე"
        assert decoded(png) == [f"http://localhost/checkin/mieux/c/{natia.checkin_code}"]
        waiting = db.session.get(Registration, world["waiting"])
        waiting.email = "wanda@example.org"
        written = organiser_message(waiting, message)
        assert written.inline == [] and "cid:" not in written.html


def copies(message_id: int) -> list[tuple[int, str]]:
    return sorted(
        db.session.execute(
            select(MailRecord.registration_id, MailRecord.recipient).where(
                MailRecord.message_id == message_id
            )
        ).all()
    )


def test_sending_in_batches_gives_each_person_one_copy_however_often_it_runs(app, world):
    with app.app_context():
        message_id = draft(world["event"], {})
        message = db.session.get(OrganiserMessage, message_id)
        services.start(message)
        db.session.commit()
        assert message.recipient_count == 5
        # One person's copy made by another run meanwhile: skipped, not doubled.
        db.session.add(
            MailRecord(
                event_id=world["event"],
                registration_id=world["natia"],
                message_id=message_id,
                kind="message",
                recipient="natia@example.org",
                status="sent",
            )
        )
        db.session.commit()
        assert services.queue_batch(message_id, size=2) is True
        assert services.queue_batch(message_id, size=2) is False
        assert services.queue_batch(message_id, size=2) is False  # sent: nothing more
        tasks.send_batch(message_id)  # the task run once more
        assert len(copies(message_id)) == 5 == len(set(copies(message_id)))
        # Two runs that read "no copy yet" at once: the second's insert skips, unique.
        message = db.session.get(OrganiserMessage, message_id)
        ines = db.session.get(Registration, world["ines"])
        assert services._insert_new([services._copy(message, ines, utcnow())]) == []
        db.session.commit()
        assert len(copies(message_id)) == 5
        message = db.session.get(OrganiserMessage, message_id)
        assert message.status == MessageStatus.SENT
        progress = services.progress(message)
        assert (progress.recipients, progress.sent, progress.failed) == (5, 5, 0)


def test_a_scheduled_message_goes_when_due_and_a_cancelled_one_never(app, world):
    with app.app_context():
        due = db.session.get(OrganiserMessage, draft(world["event"]))
        later = db.session.get(OrganiserMessage, draft(world["event"]))
        cancelled = db.session.get(OrganiserMessage, draft(world["event"]))
        with pytest.raises(services.CannotSend):
            services.schedule(due, utcnow() - timedelta(minutes=1))
        for message in (due, later, cancelled):
            services.schedule(message, utcnow() + timedelta(minutes=5))
        services.cancel(cancelled)
        db.session.commit()
        tasks.send_due()
        assert copies(due.id) == []  # not yet
        due.send_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        tasks.send_due()
        tasks.send_due()
        db.session.expire_all()
        assert len(copies(due.id)) == 3
        assert (due.status, later.status, cancelled.status) == (
            MessageStatus.SENT,
            MessageStatus.SCHEDULED,
            MessageStatus.CANCELLED,
        )
        assert copies(later.id) == copies(cancelled.id) == []


def test_a_message_whose_task_was_lost_is_sent_by_the_periodic_task(app, world):
    with app.app_context():
        message = db.session.get(OrganiserMessage, draft(world["event"]))
        services.start(message)  # committed, but its task never enqueued
        message.progress_at = utcnow() - timedelta(minutes=3)
        db.session.commit()
        tasks.send_due()
        assert len(copies(message.id)) == 3


def test_the_reminder_goes_once_to_confirmed_people_when_due(app, world):
    with app.app_context():
        event = db.session.get(Event, world["event"])
        event.reminder_days = 3  # the event is in ten days
        db.session.commit()
        tasks.send_due()
        assert db.session.scalar(select(func.count()).select_from(OrganiserMessage)) == 0
        event.starts_at = utcnow() + timedelta(days=2, hours=23)
        event.ends_at = event.starts_at + timedelta(hours=8)
        db.session.commit()
        tasks.send_due()
        tasks.send_due()
        [reminder] = db.session.scalars(select(OrganiserMessage)).all()
        assert reminder.kind == MessageKind.REMINDER and reminder.status == MessageStatus.SENT
        records = db.session.scalars(select(MailRecord).order_by(MailRecord.recipient)).all()
        assert [(r.recipient, r.kind) for r in records] == [
            ("aigul@example.org", "reminder"),
            ("ines@example.org", "reminder"),
            ("natia@example.org", "reminder"),
        ]
        # Each in the person's language (Айгүл's is French).
        day = event.starts_at.astimezone(event.tz)
        assert records[0].subject.endswith(f"MIEUX Impact Event, {format_date(day, 'long', 'fr')}")
        assert (
            records[2].subject
            == f"Reminder: MIEUX Impact Event, {format_date(day, 'long', 'en_GB')}"
        )
        # Confirmed after it went out: their confirmation says as much; no reminder.
        make_registration(event, given_name="Late", email="late@example.org")
        db.session.commit()
        tasks.send_due()
        assert db.session.scalar(select(func.count()).select_from(MailRecord)) == 3


def test_the_reminder_shows_the_eticket_and_the_practical_details(app, world):
    with app.test_request_context():
        natia = db.session.get(Registration, world["natia"])
        message = parse(on_the_wire(build(natia, "reminder")))
        png, _alt = inline_image(message)
        assert decoded(png) == [f"http://localhost/checkin/mieux/c/{natia.checkin_code}"]
        text = message.get_body(("plain",)).get_content()
        assert "Hello ნათია," in text and "Maison du Dialogue, Rue du Commerce 72" in text
        assert [a.get_filename() for a in message.iter_attachments()] == ["agenda.ics"]


# --- Through HTTP -----------------------------------------------------------------------


@pytest.fixture
def manager(app, world, organiser):
    with app.app_context():
        event = db.session.get(Event, world["event"])
        event.managers.append(db.session.scalar(select(User).where(User.email == ORGANISER)))
        db.session.commit()
    return organiser


def compose_data(**changes) -> dict:
    return {
        "status": "confirmed",
        "category": "",
        "country": "",
        "checked_in": "",
        "subject_en": "Practical information for {given_name}",
        "body_en": PRACTICAL_EN,
        "subject_fr": "Informations pratiques pour {given_name}",
        "body_fr": PRACTICAL_FR,
        "action": "save",
        **changes,
    }


def test_compose_shows_errors_next_to_the_fields_and_saves_nothing(app, manager):
    response = manager.post(
        "/manage/events/mieux/messages/new",
        data=compose_data(body_en="Dear {first_name}", subject_fr="{ticket}", body_fr=""),
    )
    assert response.status_code == 422
    html = response.text
    assert 'id="body_en-error"' in html and "Unknown placeholder: {first_name}" in html
    assert 'id="subject_fr-error"' in html and "The e-ticket cannot go in the subject" in html
    assert 'aria-describedby="body_fr-help body_fr-error"' in html  # "write the message too"
    response = manager.post(
        "/manage/events/mieux/messages/new",
        data=compose_data(subject_en="", body_en="", subject_fr="", body_fr=""),
    )
    assert "Write the message in one language at least." in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OrganiserMessage)) == 0


def test_the_count_without_and_with_javascript(app, manager):
    response = manager.post(
        "/manage/events/mieux/messages/new",
        data=compose_data(action="count", status="", country="KG"),
    )
    assert response.status_code == 200 and "1 person will receive it." in response.text
    answer = manager.get("/manage/events/mieux/messages/count?status=confirmed").json
    assert answer == {"count": 3, "text": "3 people will receive it."}


def test_preview_test_to_self_and_send_now(app, manager, smtp, world):
    response = manager.post("/manage/events/mieux/messages/new", data=compose_data())
    assert response.status_code == 302
    page = manager.get(response.headers["Location"])
    assert "3 people will receive it." in page.text
    assert "Send now to 3 people" in page.text
    with app.app_context():
        message_id = db.session.scalar(select(OrganiserMessage.id))
    base = f"/manage/events/mieux/messages/{message_id}"
    preview = manager.get(f"{base}?recipient={world['ines']}").text
    assert "Informations pratiques pour &lt;b&gt;Inês&lt;/b&gt; *star*" in preview
    assert "Bonjour &lt;b&gt;Inês&lt;/b&gt; *star*," in preview
    assert 'src="data:image/png;base64,' in preview  # her e-ticket
    # The test: to the organiser, as Айгүл gets it.
    manager.post(f"{base}/test", data={"recipient": world["aigul"]})
    [test] = smtp.wait_for(1)
    assert test["To"] == ORGANISER
    assert test["Subject"] == "[Test] Informations pratiques pour Айгүл"
    smtp.messages.clear()
    response = manager.post(f"{base}/send")
    assert response.status_code == 302
    received = {m["To"].addresses[0].addr_spec: m for m in smtp.wait_for(3)}
    assert sorted(received) == ["aigul@example.org", "ines@example.org", "natia@example.org"]
    assert received["natia@example.org"]["Subject"] == "Practical information for ნათია"
    assert received["aigul@example.org"]["Subject"] == "Informations pratiques pour Айгүл"
    assert "Bonjour Айгүл," in received["aigul@example.org"].get_body(("plain",)).get_content()
    # Pressing again sends nothing more.
    manager.post(f"{base}/send")
    assert len(smtp.messages) == 3
    page = manager.get(base).text
    assert "3 recipients · 0 waiting · 3 sent · 0 failed" in page
    log = manager.get("/manage/events/mieux/log").text
    assert "Message sent: Practical information for {given_name}" in log
    registration_page = manager.get(f"/manage/events/mieux/registrations/{world['natia']}").text
    assert "Message from the organisers" in registration_page
    assert "Practical information for ნათია" in registration_page


def test_schedule_and_cancel_through_the_page(app, manager):
    response = manager.post("/manage/events/mieux/messages/new", data=compose_data())
    base = response.headers["Location"]
    response = manager.post(f"{base}/schedule", data={"send_at": "2001-01-01T09:00"})
    assert response.status_code == 422
    assert 'id="send_at-error"' in response.text and "Choose a time in the future." in response.text
    when = (utcnow() + timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    manager.post(f"{base}/schedule", data={"send_at": when})
    assert "Scheduled" in manager.get(base).text
    manager.post(f"{base}/cancel")
    with app.app_context():
        message = db.session.scalar(select(OrganiserMessage))
        assert (message.status, message.send_at) == (MessageStatus.CANCELLED, None)


def test_other_organisers_reach_no_message(app, client, world, sign_in, make_user):
    with app.app_context():
        message_id = draft(world["event"])
    outsider = sign_in(
        "outsider@example.org", role=__import__("eventapp").models.UserRole.ORGANISER
    )
    base = f"/manage/events/mieux/messages/{message_id}"
    assert outsider.get(base).status_code == 403
    assert outsider.post(f"{base}/send").status_code == 403
    with app.app_context():
        assert db.session.get(OrganiserMessage, message_id).status == MessageStatus.DRAFT


@pytest.mark.slow
def test_spamassassin_scores_the_message_and_the_reminder_at_most_one(app, world):
    """As every other message (tests/test_mail_headers.py): at most 1.0 apart from the
    rules any short HTML e-mail showing one image meets (the e-ticket)."""
    app.config.update(PUBLIC_BASE_URL=BASE, MAIL_FROM=None)
    with app.test_request_context():
        message = db.session.get(OrganiserMessage, draft(world["event"]))
        natia = db.session.get(Registration, world["natia"])
        raw = {
            "message": on_the_wire(build(natia, "message", message)),
            "reminder": on_the_wire(build(natia, "reminder")),
        }
    without_image_rules = [f"score {rule} 0" for rule in IMAGE_RULES]
    scores = {kind: spam_score(data, *without_image_rules) for kind, data in raw.items()}
    assert {kind: s for kind, s in scores.items() if s[0] > 1.0} == {}
    whole = {kind: spam_score(data) for kind, data in raw.items()}
    assert {kind: s for kind, s in whole.items() if s[0] > 3.5} == {}


def test_the_reminder_is_an_event_setting(app, manager):
    page = manager.get("/manage/events/mieux/settings").text
    assert 'id="reminder_days"' in page
    with app.app_context():
        event = db.session.scalar(select(Event))
        start = event.local(event.starts_at).strftime("%Y-%m-%dT%H:%M")
        end = event.local(event.ends_at).strftime("%Y-%m-%dT%H:%M")
    form = {
        "title": "MIEUX Impact Event",
        "slug": "mieux",
        "timezone": "Europe/Brussels",
        "starts_at": start,
        "ends_at": end,
        "capacity": "100",
        "published": "y",
        "programme_size": "A5",
        "reminder_days": "3",
    }
    assert manager.post("/manage/events/mieux/settings", data=form).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Event.reminder_days)) == 3
    assert "3 days before the event" in manager.get("/manage/events/mieux/messages").text
    bad = manager.post("/manage/events/mieux/settings", data={**form, "reminder_days": "0"})
    assert bad.status_code == 422 and 'id="reminder_days-error"' in bad.text
    manager.post("/manage/events/mieux/settings", data={**form, "reminder_days": ""})
    with app.app_context():
        assert db.session.scalar(select(Event.reminder_days)) is None


def test_the_desk_leads_to_a_message_to_the_people_it_shows(app, manager):
    desk = manager.get("/manage/events/mieux/registrations?country=KG&status=confirmed").text
    assert 'href="/manage/events/mieux/messages/new?' in desk
    page = manager.get("/manage/events/mieux/messages/new?status=confirmed&country=KG").text
    assert '<option selected value="KG">' in page and "1 person will receive it." in page


def test_the_reminder_is_listed_with_its_progress(app, manager, world):
    with app.app_context():
        event = db.session.get(Event, world["event"])
        event.reminder_days = 10
        db.session.commit()
        tasks.send_due()
        reminder_id = db.session.scalar(select(OrganiserMessage.id))
    listed = manager.get("/manage/events/mieux/messages").text
    assert "Automatic reminder before the event" in listed
    page = manager.get(f"/manage/events/mieux/messages/{reminder_id}").text
    assert "3 recipients · 0 waiting · 3 sent · 0 failed" in page
    assert "Send now" not in page and "Preview" not in page
    natia = manager.get(f"/manage/events/mieux/registrations/{world['natia']}").text
    assert "Reminder before the event" in natia


def test_the_progress_fills_without_reloading(app, manager, smtp, world):
    """The page's bar and text follow status.json (the job page's script); without
    JavaScript, a Refresh link, hidden once every copy is delivered."""
    with app.app_context():
        message_id = draft(world["event"])
        services.start(db.session.get(OrganiserMessage, message_id))
        db.session.commit()
    base = f"/manage/events/mieux/messages/{message_id}"
    page = manager.get(base).text
    assert f'data-status-url="{base}/status.json"' in page and "/static/js/job." in page
    assert f'<a href="{base}">Refresh</a>' in page and 'id="job-refresh" hidden' not in page
    state = manager.get(f"{base}/status.json").json
    assert state == {
        "status": "sending",
        "status_text": "Being sent",
        "done": 0,
        "total": 3,
        "text": "3 recipients · 0 waiting · 0 sent · 0 failed",
        "estimate": "",
        "finished": False,
        "download": False,
    }
    with app.app_context():
        assert services.queue_batch(message_id) is False  # the task's work: all queued
    smtp.wait_for(3)
    state = manager.get(f"{base}/status.json").json
    assert (state["status"], state["done"], state["total"], state["finished"]) == (
        "sent",
        3,
        3,
        True,
    )
    assert state["text"] == "3 recipients · 0 waiting · 3 sent · 0 failed"
    assert state["status_text"] == "Sent"
    assert 'id="job-refresh" hidden' in manager.get(base).text


def test_a_draft_can_be_deleted_a_sent_message_not(app, client, manager, smtp, world):
    with app.app_context():
        draft_id, sent_id = draft(world["event"]), draft(world["event"])
    base = "/manage/events/mieux/messages"
    page = manager.get(f"{base}/{draft_id}").text
    assert 'data-confirm="Delete this draft? It cannot be undone."' in page
    assert "/static/js/manage." in page
    # The form's CSRF token is required.
    assert client.post(f"{base}/{draft_id}/delete").status_code == 400
    manager.post(f"{base}/{sent_id}/send")
    assert "Delete the draft" not in manager.get(f"{base}/{sent_id}").text
    response = manager.post(f"{base}/{sent_id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(str(sent_id))
    assert "Only a draft can be deleted" in manager.get(response.headers["Location"]).text

    response = manager.post(f"{base}/{draft_id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(base)
    assert "Draft deleted." in manager.get(base).text
    assert manager.get(f"{base}/{draft_id}").status_code == 404
    with app.app_context():
        assert db.session.scalars(select(OrganiserMessage.id)).all() == [sent_id]
        versions = db.session.scalar(
            select(func.count())
            .select_from(MessageVersion)
            .where(MessageVersion.message_id == draft_id)
        )
        assert versions == 0
        assert db.session.scalar(select(func.count()).select_from(MailRecord)) == 3
    log = manager.get("/manage/events/mieux/log").text
    assert "Draft deleted: Practical information for {given_name}" in log
