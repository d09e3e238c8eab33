"""Configuration order, the instance secret key, and /healthz."""

import os
import stat

import pytest

from eventapp import create_app
from eventapp.web.public_url import PublicBaseUrlError

from .conftest import close_db


@pytest.fixture
def production(monkeypatch):
    """These apps start as in production (neither TESTING nor DEBUG): they need one."""
    monkeypatch.setenv("FLASK_PUBLIC_BASE_URL", "https://events.example.org")
    monkeypatch.delenv("FLASK_TRUSTED_HOSTS", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)


def test_production_refuses_to_start_without_a_public_base_url(tmp_path, monkeypatch, production):
    monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("FLASK_PUBLIC_BASE_URL")
    with pytest.raises(
        PublicBaseUrlError, match="FLASK_PUBLIC_BASE_URL=https://events.example.org"
    ):
        create_app()
    monkeypatch.setenv("FLASK_PUBLIC_BASE_URL", "events.example.org")  # no scheme
    with pytest.raises(PublicBaseUrlError, match="not an http"):
        create_app()
    # Debugging on one's own machine: the development server's address.
    monkeypatch.delenv("FLASK_PUBLIC_BASE_URL")
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app()
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert app.config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1"]


def test_trusted_hosts_default_to_the_public_host_and_can_be_listed(
    tmp_path, monkeypatch, production
):
    monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("FLASK_PUBLIC_BASE_URL", "https://events.example.org:8443/forum/")
    app = create_app()
    assert app.config["PUBLIC_BASE_URL"] == "https://events.example.org:8443/forum"
    assert app.config["TRUSTED_HOSTS"] == ["events.example.org"]
    monkeypatch.setenv("FLASK_TRUSTED_HOSTS", '["events.example.org", "10.0.0.5"]')
    assert create_app().config["TRUSTED_HOSTS"] == ["events.example.org", "10.0.0.5"]


def test_config_order_defaults_then_instance_file_then_environment(
    tmp_path, monkeypatch, production
):
    monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "config.py").write_text(
        'LOGIN_RATE_LIMIT = "3 per minute"\n'
        "SESSION_COOKIE_SECURE = True\n"
        'SQLALCHEMY_DATABASE_URI = "sqlite:///from-instance-file.sqlite3"\n'
    )
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", "sqlite:///from-environment.sqlite3")
    app = create_app()
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"  # default in code
    assert app.config["LOGIN_RATE_LIMIT"] == "3 per minute"  # instance/config.py
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///from-environment.sqlite3"


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch, production):
    monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("FLASK_SQLALCHEMY_DATABASE_URI", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/eventapp.sqlite3"


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch, production):
    monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    first = create_app().config["SECRET_KEY"]
    assert len(first) == 64
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert create_app().config["SECRET_KEY"] == first
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-environment")
    assert create_app().config["SECRET_KEY"] == "from-environment"


def test_two_installs_get_different_keys(tmp_path, monkeypatch, production):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    keys = set()
    for name in ("a", "b"):
        monkeypatch.setenv("EVENTAPP_INSTANCE_PATH", str(tmp_path / name))
        keys.add(create_app().config["SECRET_KEY"])
    assert len(keys) == 2


def test_healthz_reports_a_database_round_trip(client, demo):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["events"] == 1
    assert body["database"]["dialect"] in ("sqlite", "postgresql")


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    for url in (
        f"sqlite:///{tmp_path}/missing-dir/db.sqlite3",
        "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2",
    ):
        app = create_app({"TESTING": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": url})
        response = app.test_client().get("/healthz")
        assert response.status_code == 503, url
        assert response.get_json()["status"] == "error"
        with app.app_context():
            close_db()


def test_healthz_is_503_when_the_schema_is_missing(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/empty.sqlite3",
        }
    )
    assert app.test_client().get("/healthz").status_code == 503
    with app.app_context():
        close_db()
