"""What the app writes is readable by its owner only: an install started from nothing (the
command line creates the database, gunicorn serves it) under the permissive umask 022,
then used over HTTP: a sign-up (its e-mail goes to the outbox folder), a speaker photo,
an import file, the programme PDF (cached). Every folder under the instance path is 0700
and every file 0600."""

import io
import os
import stat
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest
from PIL import Image

from eventapp import ROOT
from eventapp.testing import CSRF, Session, gunicorn, worker

from .conftest import DEMO_SLUG

PASSWORD = "a long password for the test 42"


@contextmanager
def umask(mask: int):
    """The processes started inside get `mask` (the test process's own is stricter)."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def multipart(fields: dict[str, str], name: str, filename: str, data: bytes) -> tuple[str, bytes]:
    """(Content-Type, body) of a form with one file."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    return f"multipart/form-data; boundary={boundary}", b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode()


def upload(session: Session, path: str, fields: dict, name: str, filename: str, data: bytes) -> int:
    conn = session.connect()
    try:
        _, html = session.call(conn, "GET", path)
        content_type, body = multipart(
            {"csrf_token": CSRF.search(html).group(1), **fields}, name, filename, data
        )
        status, _ = session.call(conn, "POST", path, body, {"Content-Type": content_type})
        return status
    finally:
        conn.close()


def modes(folder: Path) -> dict[str, str]:
    """Every path under `folder` (itself included) with its permission bits."""
    found = {".": oct(stat.S_IMODE(folder.stat().st_mode))}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = oct(stat.S_IMODE(path.stat().st_mode))
    return found


@pytest.mark.slow
def test_a_new_install_writes_only_private_files(tmp_path, monkeypatch):
    instance = tmp_path / "instance"  # does not exist yet
    for name in (
        "FLASK_SQLALCHEMY_DATABASE_URI",
        "FLASK_SECRET_KEY",
        "FLASK_MAIL_SERVER",
        "FLASK_MAIL_OUTBOX",
    ):
        monkeypatch.delenv(name, raising=False)
    env = {
        **os.environ,
        "EVENTAPP_INSTANCE_PATH": str(instance),
        "FLASK_PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "FLASK_RATELIMIT_ENABLED": "false",
    }

    def flask(*args: str, stdin: str | None = None) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "eventapp", *args],
            cwd=ROOT,
            env=env,
            input=stdin,
            text=True,
            capture_output=True,
        )
        assert done.returncode == 0, f"flask {' '.join(args)}:\n{done.stderr[-3000:]}"

    with umask(0o022):
        flask("db", "upgrade")
        flask("demo", "--upcoming")
        flask(
            "create-user",
            "admin@example.org",
            "--role",
            "admin",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        # The queue's worker beside the web server, as `make run` starts them: it writes
        # the sign-up's e-mail into instance/outbox.
        with (
            gunicorn({"EVENTAPP_INSTANCE_PATH": str(instance)}, workers=1) as server,
            worker({"EVENTAPP_INSTANCE_PATH": str(instance), "FLASK_PUBLIC_BASE_URL": server.url}),
        ):
            session = Session(server.port)
            conn = session.connect()
            _, html = session.call(conn, "GET", f"/events/{DEMO_SLUG}/register")
            status, _ = session.call(
                conn,
                "POST",
                f"/events/{DEMO_SLUG}/register",
                urlencode(
                    {
                        "csrf_token": CSRF.search(html).group(1),
                        "given_name": "Nino",
                        "family_name": "Gogoladze",
                        "email": "nino@example.org",
                        "organisation": "PSDA",
                        "country": "GE",
                        "dietary": "none",
                        "privacy_consent": "y",
                    }
                ),
                {"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert status == 302
            conn.request("GET", f"/events/{DEMO_SLUG}/programme.pdf")
            response = conn.getresponse()
            assert response.status == 200 and response.read().startswith(b"%PDF")
            conn.close()
            session.login("admin@example.org", PASSWORD, landing="/manage/")
            photo = io.BytesIO()
            Image.new("RGB", (64, 64), (200, 80, 40)).save(photo, "JPEG")
            manage = f"/manage/events/{DEMO_SLUG}"
            assert (
                upload(
                    session,
                    f"{manage}/speakers/new",
                    {"given_name": "Ana"},
                    "photo",
                    "ana.jpg",
                    photo.getvalue(),
                )
                == 302
            )
            assert (
                upload(
                    session,
                    f"{manage}/registrations/import",
                    {},
                    "file",
                    "people.csv",
                    b"Given name,Family name,E-mail\nLea,Roux,lea@example.org\n",
                )
                == 200
            )
            deadline = time.monotonic() + 20
            while not any((instance / "outbox").glob("*.eml")) and time.monotonic() < deadline:
                time.sleep(0.1)  # polling interval: the worker writes it
    found = modes(instance)
    # What this test means to cover is there (names as the app chose them).
    for expected in ("eventapp.sqlite3", "secret_key", "outbox", "uploads/photos"):
        assert expected in found, sorted(found)
    assert any(name.endswith(".eml") for name in found), sorted(found)
    assert any(name.startswith("imports/") for name in found), sorted(found)
    assert any(name.endswith(".pdf") for name in found), sorted(found)
    wrong = {
        name: mode
        for name, mode in found.items()
        if mode != ("0o700" if (instance / name).is_dir() else "0o600")
    }
    assert wrong == {}
