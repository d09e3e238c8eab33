"""The Alembic migrations build exactly the schema the models describe."""

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from eventapp.cli import init_migrations
from eventapp.extensions import db

from .conftest import close_db, make_app


def migrating_app(database_url: str):
    """The app with Flask-Migrate bound, as `flask db` binds it (create_app does not)."""
    app = make_app(database_url)
    init_migrations(app)
    return app


@pytest.fixture
def empty_database_url(database_url: str, tmp_path) -> Iterator[str]:
    """A database of its own, empty, on the same server as the suite's."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"eventapp_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def schema_drift(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def test_upgrade_downgrade_upgrade_and_no_drift(empty_database_url):
    app = migrating_app(empty_database_url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {
            "event",
            "room",
            "person",
            "agenda_item",
            "agenda_role",
            "registration",
            "user_account",
            "alembic_version",
        } <= tables

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        upgrade()
        with db.engine.connect() as conn:
            drift = schema_drift(conn)
        assert drift == [], f"models and migrations differ: {drift}"
        close_db()


def test_demo_loads_on_the_migrated_schema(empty_database_url):
    """The demo goes through the real migrated schema (constraints included), not create_all."""
    app = migrating_app(empty_database_url)
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo", "--participants", "20"])
        assert result.exit_code == 0, result.output
        assert "37 registrations" in result.output
        close_db()


def test_upgrade_keeps_existing_data(empty_database_url):
    """An install with data on the first schema upgrades without losing or breaking it."""
    app = migrating_app(empty_database_url)
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO event (id, slug, title, subtitle, description, timezone, starts_at,"  # noqa: E501
                    " ends_at, venue_name, venue_address, capacity, published, key_figures,"
                    " created_at, updated_at) VALUES (1, 'old', 'Old', '', '', 'UTC',"
                    " '2024-01-01 09:00:00', '2024-01-01 17:00:00', '', '', 10, true, '[]',"
                    " '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
                )
            )
            for n in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO agenda_item (event_id, kind, title, description, starts_at,"
                        " ends_at, position) VALUES (1, 'talk', :t, '', '2024-01-01 09:00:00',"
                        " '2024-01-01 10:00:00', 0)"
                    ),
                    {"t": f"Talk {n}"},
                )
        upgrade()
        from eventapp.models import AgendaItem, Event

        items = db.session.scalars(db.select(AgendaItem)).all()
        assert len(items) == 2 and len({item.guid for item in items}) == 2
        event = db.session.get(Event, 1)
        assert event.moderation is False and event.privacy_notice == ""
        close_db()


def test_survey_translations_go_and_come_back_with_the_rows_kept(empty_database_url):
    """0018 gives the survey and its questions their column of translations ({} for the
    rows already there); going back drops it and keeps the rows."""
    from eventapp.models import Survey, SurveyQuestion, SurveyQuestionKind

    from .factories import make_event

    def columns(table: str) -> set[str]:
        return {column["name"] for column in inspect(db.engine).get_columns(table)}

    app = migrating_app(empty_database_url)
    with app.app_context():
        upgrade()
        db.session.add(
            Survey(
                event=make_event(extra_languages=["fr"]),
                title="How was it?",
                translations={"fr": {"title": "Alors ?"}},
                questions=[SurveyQuestion(kind=SurveyQuestionKind.RATING, label="Overall")],
            )
        )
        db.session.commit()
        close_db()

        downgrade(revision="0017")
        assert "translations" not in columns("survey") | columns("survey_question")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT title FROM survey")).scalar_one() == "How was it?"
            assert conn.execute(text("SELECT label FROM survey_question")).scalar_one() == "Overall"
        close_db()

        upgrade()
        survey = db.session.scalar(db.select(Survey))
        assert survey.translations == {} and survey.questions[0].translations == {}
        close_db()
