"""Jobs: the services (progress, cancel, failure reasons, estimate, expiry), the organiser
pages and who may see them, and large badge runs as jobs, through the test client (tasks
run at once) and through real process workers."""

import logging
import time
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import select, update

from eventapp.extensions import db
from eventapp.jobs import registry, services
from eventapp.models import Event, Job, JobStatus, Registration, User, UserRole
from eventapp.models.types import utcnow

from . import factories
from .conftest import _empty_all_tables, close_db, csrf_token_from, make_app
from .pdfcheck import page_texts

# -- a kind of job for the tests: counts to params["n"] --------------------------------------


def _count(job: Job) -> None:
    n = job.params["n"]
    services.progress(job, 0, n)
    for i in range(1, n + 1):
        if job.params.get("cancel_at") == i:  # an organiser presses Cancel meanwhile
            db.session.execute(update(Job).where(Job.id == job.id).values(cancel_requested=True))
            db.session.commit()
        services.check_cancelled(job)
        if job.params.get("fail_at") == i:
            raise services.JobError("The logo file is missing: upload it again.")
        if job.params.get("crash_at") == i:
            raise ZeroDivisionError("a bug")
        services.progress(job, i)
    services.finish(job, b"counted\n", "count.txt", "text/plain")


registry.register("test-count", _count)


def start(app, event_slug=None, **params) -> int:
    with app.app_context():
        event = (
            db.session.scalar(select(Event).where(Event.slug == event_slug))
            if event_slug
            else factories.make_event()
        )
        db.session.add(event)
        db.session.flush()
        job = services.start_job(event, "test-count", "Counting", {"n": 5, **params}, None)
        db.session.commit()  # the job runs now (TASKS_IMMEDIATE)
        return job.id


def get_job(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def test_a_job_runs_after_commit_reports_progress_and_keeps_its_result(app):
    job = get_job(app, start(app))
    assert (job.status, job.done, job.total) == (JobStatus.DONE, 5, 5)
    assert job.started_at and job.finished_at and job.started_at <= job.finished_at
    assert job.expires_at == job.finished_at + timedelta(hours=24)
    with app.app_context():
        path = services.result_path(job)
        assert path is not None and path.read_bytes() == b"counted\n"
        assert path.parent.name == "jobs" and len(path.stem) >= 30  # random, unguessable


def test_a_rolled_back_start_runs_nothing(app):
    with app.app_context():
        event = factories.make_event()
        db.session.add(event)
        db.session.commit()
        services.start_job(event, "test-count", "Counting", {"n": 2}, None)
        db.session.rollback()
        db.session.commit()
        assert db.session.scalars(select(Job)).all() == []


def test_a_cancelled_job_stops_between_chunks_and_keeps_no_result(app):
    job = get_job(app, start(app, cancel_at=3))
    assert job.status == JobStatus.CANCELLED and job.done == 2
    assert job.result_file == "" and job.finished_at is not None


def test_a_queued_job_is_cancelled_at_once_and_never_runs(app):
    with app.app_context():
        event = factories.make_event()
        job = Job(event=event, kind="test-count", title="t", status=JobStatus.QUEUED, params={})
        db.session.add(job)
        db.session.commit()
        assert services.cancel(job)
        db.session.commit()
        from eventapp.jobs.tasks import run_job

        run_job.call_local(job.id)  # its task comes later: it finds it cancelled
        db.session.refresh(job)
        assert job.status == JobStatus.CANCELLED and job.started_at is None
        assert not services.cancel(job)


def test_a_failure_says_why_and_the_traceback_goes_to_the_log(app, caplog):
    job = get_job(app, start(app, fail_at=2))
    assert job.status == JobStatus.FAILED
    assert job.error == "The logo file is missing: upload it again."
    with caplog.at_level(logging.ERROR, logger="eventapp.jobs.services"):
        crashed = get_job(app, start(app, crash_at=1))
    assert crashed.status == JobStatus.FAILED
    assert "unexpected" in crashed.error and "ZeroDivisionError" not in crashed.error
    assert "ZeroDivisionError: a bug" in caplog.text


def test_the_estimate_follows_the_pace_so_far(app):
    now = utcnow()
    job = Job(status=JobStatus.RUNNING, done=25, total=100, started_at=now - timedelta(seconds=10))
    assert services.seconds_left(job, now) == 30
    job.done = 0
    assert services.seconds_left(job, now) is None


def test_results_are_deleted_after_24_hours(app):
    job_id = start(app)
    with app.app_context():
        job = db.session.get(Job, job_id)
        path = services.result_path(job)
        assert path is not None
        assert services.delete_expired(now=utcnow() + timedelta(hours=23)) == 0
        assert path.exists()
        assert services.delete_expired(now=utcnow() + timedelta(hours=24, seconds=1)) == 1
        assert not path.exists()
        db.session.refresh(job)
        assert job.result_file == ""


def test_a_job_whose_worker_died_is_marked_failed(app):
    with app.app_context():
        event = factories.make_event()
        quiet = utcnow() - timedelta(minutes=121)
        stalled = Job(event=event, kind="t", title="t", status=JobStatus.RUNNING, updated_at=quiet)
        alive = Job(event=event, kind="t", title="t", status=JobStatus.RUNNING, updated_at=utcnow())
        db.session.add_all([stalled, alive])
        db.session.commit()
        assert services.fail_stalled() == 1
        db.session.refresh(stalled)
        db.session.refresh(alive)
        assert stalled.status == JobStatus.FAILED and "start the job again" in stalled.error
        assert alive.status == JobStatus.RUNNING


def test_progress_updates_are_at_most_twice_a_second(app):
    with app.app_context():
        event = factories.make_event()
        job = Job(event=event, kind="test-count", title="t", status=JobStatus.RUNNING, total=9)
        db.session.add(job)
        db.session.commit()
        services.progress(job, 1, force=True)
        services.progress(job, 2)  # too soon: not written
        assert db.session.scalar(select(Job.done).where(Job.id == job.id)) == 1
        time.sleep(services.PROGRESS_EVERY)
        services.progress(job, 3)
        assert db.session.scalar(select(Job.done).where(Job.id == job.id)) == 3


# -- the pages -----------------------------------------------------------------------------


@pytest.fixture
def my_event(app, organiser):
    with app.app_context():
        event = factories.make_event(slug="forum")
        user = db.session.scalar(select(User).where(User.email == organiser.email))
        event.managers.append(user)
        db.session.add(event)
        db.session.commit()
    return "forum"


def test_the_job_page_shows_the_bar_status_and_the_download(client, app, my_event, organiser):
    job_id = start(app, my_event)
    page = organiser.get(f"/manage/events/{my_event}/jobs/{job_id}")
    assert page.status_code == 200
    assert f'<progress id="job-progress-{job_id}"' in page.text
    assert 'max="5" value="5"' in page.text
    assert 'aria-live="polite"' in page.text and "Done: 5 of 5." in page.text
    assert "/static/js/job." in page.text and "<script>" not in page.text
    assert "Cancel this job" not in page.text
    state = organiser.get(f"/manage/events/{my_event}/jobs/{job_id}/status.json").json
    assert state["status"] == "done" and state["done"] == state["total"] == 5
    assert state["download"] is True

    result = organiser.get(f"/manage/events/{my_event}/jobs/{job_id}/result")
    assert result.status_code == 200 and result.data == b"counted\n"
    assert 'attachment; filename="count.txt"' in result.headers["Content-Disposition"]
    assert result.headers["Cache-Control"] == "private, no-store"

    listing = organiser.get(f"/manage/events/{my_event}/jobs")
    assert "Counting" in listing.text and f"/jobs/{job_id}" in listing.text
    events_page = organiser.get(f"/manage/events/{my_event}/badges")
    assert f'href="/manage/events/{my_event}/jobs"' in events_page.text


def test_an_expired_result_is_gone(client, app, my_event, organiser):
    job_id = start(app, my_event)
    with app.app_context():
        db.session.execute(
            update(Job).where(Job.id == job_id).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert organiser.get(f"/manage/events/{my_event}/jobs/{job_id}/result").status_code == 410
    assert "has been deleted" in organiser.get(f"/manage/events/{my_event}/jobs/{job_id}").text


def test_cancel_is_a_post_with_csrf(client, app, my_event, organiser):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == my_event))
        job = Job(event=event, kind="test-count", title="t", status=JobStatus.RUNNING, total=3)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    url = f"/manage/events/{my_event}/jobs/{job_id}"
    assert "Cancel this job" in organiser.get(url).text
    assert client.post(url + "/cancel").status_code == 400  # no CSRF token
    assert not get_job(app, job_id).cancel_requested
    response = organiser.post(url + "/cancel")
    assert response.status_code == 302 and response.headers["Location"] == url
    assert get_job(app, job_id).cancel_requested
    assert "Stopping" in organiser.get(url).text


def test_only_the_events_organisers_see_its_jobs(client, app, my_event, organiser, sign_in):
    job_id = start(app, my_event)
    other_job = start(app)  # another event's
    base = f"/manage/events/{my_event}/jobs"
    urls = [base, f"{base}/{job_id}", f"{base}/{job_id}/status.json", f"{base}/{job_id}/result"]
    # Another event's job through this event's address: not found.
    assert organiser.get(f"{base}/{other_job}").status_code == 404
    assert organiser.get(f"{base}/{other_job}/result").status_code == 404
    organiser.sign_out()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    sign_in("other@example.org", role=UserRole.ORGANISER)
    for url in urls:
        assert client.get(url).status_code == 403, url


# -- badge runs as jobs ---------------------------------------------------------------------

NAMES = ["Ирина", "ნინო", "Zoë", "Aïcha", "José", "Σοφία", "Nguyễn", "Ana", "Lea", "Yusuf"]


@pytest.fixture
def badge_app(database_url, _schema):
    """The app with tiny jobs: more than 4 badges is a job, in chunks of 4 (two parts)."""
    app = make_app(database_url, BADGE_JOB_ABOVE=4, BADGE_CHUNK=4)
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        close_db()


def badge_event(app, organiser_email: str) -> str:
    with app.app_context():
        event = factories.make_event(slug="badges")
        event.managers.append(db.session.scalar(select(User).where(User.email == organiser_email)))
        for n, name in enumerate(NAMES):
            factories.make_registration(event, given_name=name, family_name=f"F{n:02d}")
        db.session.add(event)
        db.session.commit()
    return "badges"


def post_print(client, slug: str, **data):
    page = client.get(f"/manage/events/{slug}/badges")
    form = {"layout": "a6-sheet", "which": "all", "sort": "family_name", **data}
    return client.post(
        f"/manage/events/{slug}/badges/print",
        data={"csrf_token": csrf_token_from(page.text), **form},
    )


def test_a_large_badge_run_is_a_job_whose_pdf_downloads(badge_app):
    client = badge_app.test_client()
    from .conftest import submit_sign_in

    with badge_app.app_context():
        from eventapp.auth.services import create_user

        create_user("org@example.org", "correct horse battery staple", UserRole.ORGANISER)
        db.session.commit()
    submit_sign_in(client, "org@example.org")
    slug = badge_event(badge_app, "org@example.org")

    response = post_print(client, slug)
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    job = get_job(badge_app, job_id)
    assert job.kind == "badges" and job.status == JobStatus.DONE, job.error
    assert (job.done, job.total, job.parts) == (10, 10, 2)
    pdf = client.get(f"/manage/events/{slug}/jobs/{job_id}/result")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    texts = page_texts(pdf.data)
    assert len(texts) == 3  # ten badges, four on a sheet
    assert [name for name in NAMES if name not in "".join(texts)] == []
    assert "".join(texts).index("Ирина") < "".join(texts).index("Yusuf")  # in order
    with badge_app.app_context():
        printed = db.session.scalars(select(Registration.printed_at)).all()
        assert all(printed)

    # A reprint, or a run of at most BADGE_JOB_ABOVE, is still the PDF itself.
    with badge_app.app_context():
        one = db.session.scalar(select(Registration.id).where(Registration.given_name == "Zoë"))
    reprint = post_print(client, slug, which="one", registration_id=str(one))
    assert reprint.status_code == 200 and reprint.mimetype == "application/pdf"


@pytest.mark.slow
def test_process_workers_lay_out_a_badge_run_side_by_side(database_url, _schema, tmp_path):
    """The real thing: `worker -k process -w 2` takes the run's two parts, the last joins
    them; the page polls status.json until done and the PDF downloads."""
    from eventapp.auth.services import create_user
    from eventapp.queue.tasks import huey
    from eventapp.testing import worker

    from .conftest import submit_sign_in

    tasks = f"sqlite:///{tmp_path / 'tasks.sqlite3'}"
    config = {"BADGE_JOB_ABOVE": 4, "BADGE_CHUNK": 4, "TASKS_URL": tasks}
    app = make_app(database_url, TASKS_IMMEDIATE=False, **config)
    env = {
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_TASKS_URL": tasks,
        "FLASK_SECRET_KEY": "test-secret-key",
        "FLASK_PUBLIC_BASE_URL": "http://localhost",
        "FLASK_BADGE_JOB_ABOVE": "4",
        "FLASK_BADGE_CHUNK": "4",
    }
    try:
        with app.app_context():
            create_user("org@example.org", "correct horse battery staple", UserRole.ORGANISER)
            db.session.commit()
        client = app.test_client()
        submit_sign_in(client, "org@example.org")
        slug = badge_event(app, "org@example.org")
        response = post_print(client, slug)
        assert response.status_code == 302
        job_url = response.headers["Location"]
        assert "Waiting for a worker" in client.get(job_url).text
        with worker(env, workers=2, kind="process"):
            deadline = time.monotonic() + 60
            while (state := client.get(job_url + "/status.json").json)["finished"] is False:
                assert time.monotonic() < deadline, state
                time.sleep(0.2)  # polling interval
        assert state["status"] == "done", state
        assert (state["done"], state["total"]) == (10, 10)
        pdf = client.get(job_url + "/result")
        assert pdf.mimetype == "application/pdf"
        text = "".join(page_texts(pdf.data))
        assert [name for name in NAMES if name not in text] == []
        with app.app_context():
            assert all(db.session.scalars(select(Registration.printed_at)))
    finally:
        huey.storage.flush_all()
        with app.app_context():
            db.session.remove()
            _empty_all_tables()
            close_db()


def test_a_large_export_is_a_job_with_the_desks_filters(client, app, my_event, organiser):
    app.config["EXPORT_JOB_ABOVE"] = 2
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == my_event))
        for n, name in enumerate(["Ирина", "ნინო", "Zoë", "Yusuf"]):
            factories.make_registration(event, given_name=name, family_name=f"F{n}", country="GE")
        factories.make_registration(event, given_name="Kept out", country="BE")
        db.session.commit()
    url = f"/manage/events/{my_event}/registrations/export.xlsx?country=GE"
    page = organiser.get(url)  # a GET changes nothing: it asks
    assert "Export 4 registrations as XLSX" in page.text
    with app.app_context():
        assert db.session.scalars(select(Job)).all() == []
    response = organiser.post(url)
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    state = organiser.get(response.headers["Location"] + "/status.json").json
    assert (state["status"], state["done"], state["total"]) == ("done", 4, 4)
    workbook = organiser.get(response.headers["Location"] + "/result")
    assert workbook.headers["Content-Disposition"].endswith('-registrations.xlsx"')
    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(workbook.data)).active.iter_rows(values_only=True))
    cells = {str(cell) for row in rows[1:] for cell in row}
    assert len(rows) == 5 and {"Ирина", "ნინო", "Zoë", "Yusuf"} <= cells
    # Small enough, the file itself, as before.
    small = organiser.get(f"/manage/events/{my_event}/registrations/export.csv?country=BE")
    assert small.mimetype == "text/csv" and "Kept out" in small.data.decode("utf-8-sig")


def test_the_programme_pdfs_are_rebuilt_by_a_job(client, app, demo, organiser):
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        event.managers.append(db.session.scalar(select(User).where(User.email == organiser.email)))
        db.session.commit()
        folder = Path(app.instance_path) / "cache" / "programme"
    for old in folder.glob("*.pdf"):
        old.unlink()
    assert 'action="/manage/events/' in organiser.get(f"/manage/events/{demo}/agenda").text
    response = organiser.post(f"/manage/events/{demo}/programme/rebuild")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    state = organiser.get(response.headers["Location"] + "/status.json").json
    versions = len(app.config["LANGUAGES"]) * 2  # every language, in A5 and A4
    assert state["status"] == "done" and state["done"] == state["total"] == versions
    assert len(list(folder.glob("*.pdf"))) == versions


# -- imports as jobs ------------------------------------------------------------------------


@pytest.mark.slow
def test_a_worker_writes_a_large_import_all_at_once(database_url, _schema, tmp_path):
    """The real thing: the preview in the page, the import queued, a worker process checks
    the stored file again and writes every row, logged as the organiser's."""
    from eventapp.auth.services import create_user
    from eventapp.models import ChangeLogEntry
    from eventapp.queue.tasks import huey
    from eventapp.testing import worker

    from .conftest import submit_sign_in
    from .test_registration_import_export import HEADER, csv_bytes, people, preview_form

    tasks = f"sqlite:///{tmp_path / 'tasks.sqlite3'}"
    app = make_app(database_url, TASKS_IMMEDIATE=False, TASKS_URL=tasks, IMPORT_JOB_ABOVE=4)
    env = {
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_TASKS_URL": tasks,
        "FLASK_SECRET_KEY": "test-secret-key",
        "FLASK_PUBLIC_BASE_URL": "http://localhost",
    }
    try:
        with app.app_context():
            create_user("org@example.org", "correct horse battery staple", UserRole.ORGANISER)
            db.session.commit()
        client = app.test_client()
        submit_sign_in(client, "org@example.org")
        slug = badge_event(app, "org@example.org")  # ten people registered already
        url = f"/manage/events/{slug}/registrations/import"
        token = csrf_token_from(client.get(url).text)
        page = client.post(
            url,
            data={"csrf_token": token, "file": (BytesIO(csv_bytes(HEADER, *people(30))), "p.csv")},
            content_type="multipart/form-data",
        )
        assert "30 rows; 30 ready; 0 with errors." in page.text
        response = client.post(
            f"{url}/preview",
            data={"csrf_token": token, **preview_form(page.text), "action": "import"},
        )
        assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
        job_url = response.headers["Location"]
        assert "Waiting for a worker" in client.get(job_url).text
        with app.app_context():  # nothing written before the worker's commit
            assert len(db.session.scalars(select(Registration)).all()) == 10
        with worker(env, workers=1):
            deadline = time.monotonic() + 60
            while (state := client.get(job_url + "/status.json").json)["finished"] is False:
                assert time.monotonic() < deadline, state
                time.sleep(0.2)
        assert state["status"] == "done", state
        with app.app_context():
            assert len(db.session.scalars(select(Registration)).all()) == 40
            entry = db.session.scalar(
                select(ChangeLogEntry).where(ChangeLogEntry.action == "import")
            )
            assert entry.summary == "30 registrations imported"
            assert entry.actor == "org@example.org"
    finally:
        huey.storage.flush_all()
        with app.app_context():
            db.session.remove()
            _empty_all_tables()
            close_db()
