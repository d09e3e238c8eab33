"""The outbox through real workers: `flask --app eventapp worker` processes, started on
the suite's database and task storage (TEST_TASKS_URL: .ci/run's PostgreSQL run uses
Redis, the SQLite run a SQLite file), deliver to aiosmtpd on 127.0.0.1. A message goes once,
however many times its task runs or however many workers share the queue; a mail server
that is down only delays it. The programme is rebuilt by a worker after an agenda change."""

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.mail import outbox, resend
from eventapp.mail import records as mail_records
from eventapp.models import Event, MailRecord, MailStatus, Registration
from eventapp.models.types import utcnow
from eventapp.testing import free_port, kill
from eventapp.testing import worker as run_worker

from .conftest import Inbox, _empty_all_tables, close_db, make_app
from .factories import make_event, make_item, make_registration

FROM = "Forum <events@example.org>"


@pytest.fixture
def queued_app(database_url, _schema, tasks_url):
    """The app enqueueing into the test's task storage (no immediate mode), and the FLASK_*
    settings a worker needs to share its database, queue and mail server."""
    tasks = tasks_url
    port = free_port()
    app = make_app(
        database_url,
        TASKS_IMMEDIATE=False,
        TASKS_URL=tasks,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        # Long: a reply later than this counts as a failure and the message is sent again
        # (the SMTP ambiguity the outbox documents); a loaded CI machine can be that slow.
        MAIL_TIMEOUT=30,
        MAIL_FROM=FROM,
    )
    app.worker_env = {  # type: ignore[attr-defined]
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_TASKS_URL": tasks,
        "FLASK_MAIL_SERVER": "127.0.0.1",
        "FLASK_MAIL_PORT": str(port),
        "FLASK_MAIL_TIMEOUT": "30",
        "FLASK_MAIL_FROM": FROM,
        "FLASK_SECRET_KEY": "test-secret-key",
        "FLASK_PUBLIC_BASE_URL": "http://localhost",
        "FLASK_MAIL_RETRY_DELAYS": "[1, 1, 1, 1, 1]",
    }
    app.mail_port = port  # type: ignore[attr-defined]
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        close_db()
    # The next test's app configures the shared Huey again (immediate mode).


@contextlib.contextmanager
def mail_server(port: int) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def worker(env: dict[str, str], instance: Path) -> contextlib.AbstractContextManager:
    return run_worker({"EVENTAPP_INSTANCE_PATH": str(instance), **env})


def queue_signups(app, count: int) -> list[int]:
    """`count` sign-ups' e-mails queued (committed, tasks enqueued); their records' ids."""
    with app.app_context():
        event = make_event()
        registrations = [make_registration(event) for _ in range(count)]
        db.session.add_all(registrations)
        db.session.commit()
        for registration in registrations:
            assert mail_records.send_signup(registration)
        ids = list(db.session.scalars(select(MailRecord.id).order_by(MailRecord.id)))
        assert {r.status for r in db.session.scalars(select(MailRecord))} == {MailStatus.QUEUED}
        return ids


def statuses(app) -> dict[int, tuple[MailStatus, int]]:
    with app.app_context():
        return {r.id: (r.status, r.attempts) for r in db.session.scalars(select(MailRecord))}


def wait_until(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.1)  # polling interval


@pytest.mark.slow
def test_a_worker_delivers_a_signups_email(queued_app, tmp_path):
    (record_id,) = queue_signups(queued_app, 1)
    with mail_server(queued_app.mail_port) as inbox, worker(queued_app.worker_env, tmp_path):
        (message,) = inbox.wait_for(1, seconds=20)
        wait_until(lambda: statuses(queued_app)[record_id][0] == MailStatus.SENT)
    assert statuses(queued_app)[record_id] == (MailStatus.SENT, 1)
    assert message["To"].addresses[0].addr_spec.endswith("@example.org")


@pytest.mark.slow
def test_a_mail_server_down_only_delays_the_email(queued_app, tmp_path):
    (record_id,) = queue_signups(queued_app, 1)
    with worker(queued_app.worker_env, tmp_path):
        # Refused: the record waits for its next attempt rather than failing.
        wait_until(lambda: statuses(queued_app)[record_id][0] == MailStatus.RETRYING)
        with queued_app.app_context():
            assert "ConnectionRefusedError" in db.session.get(MailRecord, record_id).error
        with mail_server(queued_app.mail_port) as inbox:
            inbox.wait_for(1, seconds=20)
            wait_until(lambda: statuses(queued_app)[record_id][0] == MailStatus.SENT)
            time.sleep(1.5)  # no further attempt sends it again
            assert len(inbox.messages) == 1
    status, attempts = statuses(queued_app)[record_id]
    assert status == MailStatus.SENT and attempts >= 2


@pytest.mark.slow
def test_two_workers_deliver_each_message_once(queued_app, tmp_path):
    ids = queue_signups(queued_app, 12)
    with queued_app.app_context():
        for record_id in ids:  # every task enqueued twice: the claim lets one through
            outbox.deliver_mail(record_id)
    with (
        mail_server(queued_app.mail_port) as inbox,
        worker(queued_app.worker_env, tmp_path / "one"),
        worker(queued_app.worker_env, tmp_path / "two"),
    ):
        inbox.wait_for(12, seconds=30)
        wait_until(lambda: all(s == MailStatus.SENT for s, _ in statuses(queued_app).values()))
        time.sleep(1)  # the duplicate tasks have run too, sending nothing
        assert len(inbox.messages) == 12
    recipients = sorted(r[0] for r in inbox.recipients)
    assert len(set(recipients)) == 12
    assert {attempts for _, attempts in statuses(queued_app).values()} == {1}


def test_a_sent_record_is_not_sent_again_when_its_task_runs_twice(app, smtp):
    with app.app_context():
        event = make_event()
        registration = make_registration(event)
        db.session.add(registration)
        db.session.commit()
        assert mail_records.send_confirmation(registration)
        record = db.session.scalars(select(MailRecord)).one()
        assert (record.status, record.attempts) == (MailStatus.SENT, 1)
        outbox.deliver_mail(record.id)
        outbox.deliver_mail.call_local(record.id)
        db.session.refresh(record)
        assert (record.status, record.attempts) == (MailStatus.SENT, 1)
    assert len(smtp.wait_for(1)) == 1


def test_a_rolled_back_record_is_never_delivered(app, smtp):
    with app.app_context():
        event = make_event()
        registration = make_registration(event)
        db.session.add(registration)
        db.session.commit()
        mail = MailRecord(
            event_id=event.id,
            registration_id=registration.id,
            kind="confirmation",
            status=MailStatus.QUEUED,
            attempts=0,
        )
        db.session.add(mail)
        db.session.flush()
        outbox.queue_delivery(mail)
        db.session.rollback()
        db.session.commit()  # a later commit of the session enqueues nothing either
        assert db.session.scalars(select(MailRecord)).all() == []
    time.sleep(0.2)
    assert smtp.messages == []


def test_a_record_whose_worker_died_is_sent_once_its_claim_has_run_out(app, smtp):
    """A worker killed while sending leaves the record `sending`: the sweep enqueues it
    again once the claim has run out, not before."""
    with app.app_context():
        event = make_event()
        registration = make_registration(event)
        db.session.add(registration)
        db.session.commit()
        mail = MailRecord(
            event_id=event.id,
            registration_id=registration.id,
            kind="confirmation",
            status=MailStatus.SENDING,
            attempts=1,
            next_try_at=utcnow() + timedelta(seconds=30),
        )
        db.session.add(mail)
        db.session.commit()
        outbox.sweep.call_local()
        db.session.refresh(mail)
        assert mail.status == MailStatus.SENDING
        mail.next_try_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
        outbox.sweep.call_local()
        db.session.refresh(mail)
        assert (mail.status, mail.attempts) == (MailStatus.SENT, 2)
    assert len(smtp.wait_for(1)) == 1


class SlowInbox(Inbox):
    """A mail server taking a tenth of a second per message: a run of e-mails lasts long
    enough to kill the worker in its middle."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        await asyncio.sleep(0.1)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["thread", "process"])
def test_a_killed_workers_emails_are_delivered_once_by_the_next(queued_app, tmp_path, kind):
    """SIGKILL in the middle of a run: after a worker is started again, every e-mail
    arrives, and none recorded as sent before the kill arrives a second time (counted by
    Message-ID, the record's own); soon, not after the minute of the periodic sweep."""
    count = 30
    ids = queue_signups(queued_app, count)
    env = {
        **queued_app.worker_env,
        # Longer than a worker takes to start: the periodic sweep it runs when it starts
        # finds the killed worker's claims still running.
        "FLASK_MAIL_LEASE_SECONDS": "8",
        "FLASK_MAIL_LOST_AFTER_SECONDS": "1",
        "EVENTAPP_INSTANCE_PATH": str(tmp_path),
    }
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=queued_app.mail_port)
    controller.start()
    try:
        with run_worker(env, kind=kind) as first:
            wait_until(lambda: len(inbox.messages) >= 8)
            kill(first)
        at_kill = statuses(queued_app)
        arrived_at_kill = len(inbox.messages)
        sent = {i for i, (status, _) in at_kill.items() if status == MailStatus.SENT}
        claimed = {i for i, (status, _) in at_kill.items() if status == MailStatus.SENDING}
        assert sent and len(sent) < count, at_kill  # killed in the middle of the run
        assert arrived_at_kill < count
        restarted = time.monotonic()
        with run_worker(env, kind=kind):
            wait_until(
                lambda: all(s == MailStatus.SENT for s, _ in statuses(queued_app).values()), 30
            )
            time.sleep(1.5)  # a task left over would send a duplicate now
        assert time.monotonic() - restarted < 30  # the next sweep: a minute after its start
    finally:
        controller.stop()
    with queued_app.app_context():
        wanted = {r.id: mail_records.message_id(r) for r in db.session.scalars(select(MailRecord))}
    arrivals = Counter(m["Message-ID"] for m in inbox.messages)
    assert set(arrivals) == set(wanted.values())  # every e-mail, only ours
    twice = {i for i, message_id in wanted.items() if arrivals[message_id] > 1}
    # Only a message the killed worker had handed over but not yet recorded can go twice.
    assert twice <= claimed and not twice & sent, (twice, claimed, sent)
    assert max(arrivals.values()) <= 2
    assert sorted(ids) == sorted(wanted)


@pytest.mark.slow
def test_a_resend_from_the_desk_goes_through_the_queue(queued_app, tmp_path):
    """Resending a failed e-mail queues it again: nothing is sent in the organiser's
    request; the worker delivers it, rebuilt, and the record takes the outcome."""
    (record_id,) = queue_signups(queued_app, 1)
    with queued_app.app_context():
        mail = db.session.get(MailRecord, record_id)
        mail.status, mail.attempts, mail.error = MailStatus.FAILED, 6, "SMTPServerDisconnected"
        db.session.commit()
        assert resend.resend(mail) == MailStatus.QUEUED  # on its way, not sent here
    with mail_server(queued_app.mail_port) as inbox:
        time.sleep(0.5)
        assert inbox.messages == []  # nothing went without a worker
        with worker(queued_app.worker_env, tmp_path):
            (message,) = inbox.wait_for(1, seconds=20)
            wait_until(lambda: statuses(queued_app)[record_id][0] == MailStatus.SENT)
    assert statuses(queued_app)[record_id] == (MailStatus.SENT, 7)
    with queued_app.app_context():
        assert message["Message-ID"] == mail_records.message_id(
            db.session.get(MailRecord, record_id)
        )


@pytest.mark.slow
def test_a_starting_worker_anonymises_the_events_past_their_retention(queued_app, tmp_path):
    """The daily retention task also runs when a worker starts (a day the workers were
    down is not skipped)."""
    with queued_app.app_context():
        starts = utcnow() - timedelta(days=40)
        event = make_event(starts_at=starts, ends_at=starts + timedelta(hours=9), retention_days=30)
        registration = make_registration(event)
        db.session.commit()
        event_id, registration_id = event.id, registration.id

    def anonymised() -> bool:
        with queued_app.app_context():
            return db.session.get(Registration, registration_id).anonymised_at is not None

    with worker(queued_app.worker_env, tmp_path):
        wait_until(anonymised)
    with queued_app.app_context():
        assert db.session.get(Event, event_id).anonymised_count == 1


def test_the_sqlite_task_storage_commits_without_waiting_for_the_disk(app, tmp_path):
    """The queue's SQLite file is written like our database: WAL, synchronous=NORMAL, so
    an enqueue in a sign-up's request waits for no fsync (Huey's default is FULL)."""
    from eventapp.queue.tasks import huey, init_app

    queued = make_app(  # points the queue at a SQLite file of the test's own
        app.config["SQLALCHEMY_DATABASE_URI"],
        TASKS_IMMEDIATE=False,
        TASKS_URL=f"sqlite:///{tmp_path / 't.db'}",
    )
    try:
        connection = huey.storage.conn
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
    finally:
        huey.storage.close()
        init_app(app)
        with queued.app_context():
            close_db()


@pytest.mark.slow
def test_a_worker_rebuilds_the_programme_after_the_last_agenda_change(queued_app):
    """Through a real worker sharing the app's instance folder: an agenda change schedules
    the rebuild of its revision, which the worker lays out after the delay, in every
    language, with the change in it; the revision a later change overtook builds nothing."""
    from eventapp.agenda import programme
    from eventapp.agenda.programme import programme_version

    from .pdfcheck import page_texts

    queued_app.config["PROGRAMME_REBUILD_DELAY"] = 1
    instance = Path(queued_app.instance_path)
    with queued_app.app_context():
        folder = programme.cache_folder()
    # The instance folder outlives the tests of this process, and ids are used again.
    for stale in folder.glob("*.pdf"):
        stale.unlink()
    with queued_app.app_context():
        event = make_event(slug="forum", title="Migration Forum", published=True)
        item = make_item(event, title="Opening")
        db.session.commit()
        item.title = "Opening words"
        db.session.commit()
        item.title = "Opening by the hosts"
        db.session.commit()
        event_id = event.id

    def built() -> list[Path]:
        with queued_app.app_context():
            event = db.session.get(Event, event_id, populate_existing=True)
            paths = [
                programme.cached_path(event, programme_version(event, language=language))
                for language in queued_app.config["LANGUAGES"]
            ]
            db.session.rollback()
        return paths if all(path.exists() for path in paths) else []

    env = {**queued_app.worker_env, "FLASK_PROGRAMME_REBUILD_DELAY": "1"}
    with worker(env, instance):
        wait_until(built, seconds=90)
    paths = built()
    assert sorted(folder.glob("*.pdf")) == sorted(paths)  # the overtaken revision: nothing
    for path in paths:
        assert "Opening by the hosts" in " ".join(page_texts(path.read_bytes()))
