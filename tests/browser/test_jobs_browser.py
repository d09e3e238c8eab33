"""An organiser prints the demo's badges as a new user would: the badges page answers with
the job's page, whose bar fills as a real worker lays the badges out, then the PDF
downloads from it."""

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import Event, User, UserRole
from eventapp.queue.tasks import huey
from eventapp.testing import worker

from ..conftest import _empty_all_tables, close_db, make_app
from ..pdfcheck import page_texts
from .conftest import axe_violations, sign_in_page


@pytest.fixture
def app(database_url, _schema, tmp_path) -> Iterator[Flask]:
    """The app enqueueing for a real worker (not immediate); small parts, so the demo's
    hundred badges fill the bar in several steps."""
    tasks = f"sqlite:///{tmp_path / 'tasks.sqlite3'}"
    app = make_app(
        database_url, TASKS_IMMEDIATE=False, TASKS_URL=tasks, BADGE_JOB_ABOVE=20, BADGE_CHUNK=8
    )
    app.worker_env = {  # type: ignore[attr-defined]
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_TASKS_URL": tasks,
        "FLASK_SECRET_KEY": "test-secret-key",
        "FLASK_PUBLIC_BASE_URL": "http://localhost",
        "FLASK_BADGE_JOB_ABOVE": "20",
        "FLASK_BADGE_CHUNK": "8",
    }
    yield app
    huey.storage.flush_all()
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        close_db()


def test_an_organiser_prints_the_demos_badges_and_watches_the_bar_fill(
    page: Page, app, live_server, demo, make_user
):
    user_id = make_user("manager@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == demo))
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()
    sign_in_page(page, live_server, "manager@example.org")
    page.get_by_role("link", name="MIEUX Impact Event").click()
    page.locator(".manage-nav").get_by_role("link", name="Badges").click()
    page.get_by_role("button", name="Print").click()

    # The page answers at once, before any worker runs: the job waits.
    expect(page).to_have_url(f"{live_server}/manage/events/{demo}/jobs/1")
    expect(page.get_by_role("status")).to_contain_text("Waiting for a worker")
    bar = page.locator("progress")
    with worker(app.worker_env, workers=2, kind="process"):
        # Part of the way, then all of it, without a reload.
        expect(page.get_by_role("status")).to_contain_text(" of ", timeout=120_000)
        expect(page.get_by_role("status")).to_contain_text("Done", timeout=180_000)
    total = int(bar.get_attribute("max"))
    assert total > 20 and bar.get_attribute("value") == str(total)
    assert axe_violations(page) == []
    link = page.get_by_role("link", name="Download")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    pdf = download.value.path().read_bytes()
    text = "".join(page_texts(pdf))
    with app.app_context():
        from eventapp.printing import badges

        people = badges.select_registrations(db.session.scalar(select(Event)))
    assert len(people) == total and len(page_texts(pdf)) == -(-total // 4)  # 4 a sheet
    # Right-to-left names come out of the PDF's text in visual order: the others checked.
    ltr = [p.family_name for p in people if badges.text_direction(p.family_name) == "ltr"]
    assert len(ltr) > 20 and [name for name in ltr if name not in text] == []

    # After a reload the page is the same, and the event's jobs list it.
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("Done")
    page.locator(".manage-nav").get_by_role("link", name="Jobs").click()
    expect(page.get_by_role("table")).to_contain_text("Badges:")
