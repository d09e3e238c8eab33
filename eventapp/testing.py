"""A real server for the tests and bench scripts that need one: gunicorn with several
worker processes on a free port of 127.0.0.1, started and stopped around a block.

    with gunicorn({"FLASK_SQLALCHEMY_DATABASE_URI": url}, workers=3) as server:
        urlopen(server.url + "/healthz")
    print(server.output)  # what gunicorn printed, once it has stopped

`worker` runs the task queue's consumer (`flask --app eventapp worker`) the same way.

Used by tests/test_registration_concurrency.py, bench/registration.py and bench/badges.py;
`Session` is a signed-in HTTP client for the ones that need a user.
gunicorn runs from the project folder, so it reads gunicorn.conf.py as `make run` does.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from eventapp.core.paths import ROOT


def free_port() -> int:
    """A TCP port of 127.0.0.1 nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    #: gunicorn's master process.
    pid: int
    #: What gunicorn printed (warnings and errors), once it has stopped.
    output: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str],
    *,
    app: str = "eventapp:create_app()",
    workers: int = 2,
    pythonpath: Path | None = None,
    up_within: float = 30,
    access_log: Path | None = None,
) -> Iterator[Server]:
    """`app` under gunicorn (sync workers), with `env` over this process's environment;
    yields once it answers GET /healthz, and stops it after the block. Its public base
    URL is its own address unless `env` says otherwise; `access_log` is a file for
    gunicorn's access log (none by default)."""
    port = free_port()
    server = Server(port, 0)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    if pythonpath is not None:
        command += ["--pythonpath", str(pythonpath)]
    if access_log is not None:
        command += ["--access-logfile", str(access_log)]
    # Its own address for links; no second factor for the scripted sign-ins (tests of
    # second factors set FLASK_SECOND_FACTOR_REQUIRED themselves).
    env = {"FLASK_PUBLIC_BASE_URL": server.url, "FLASK_SECOND_FACTOR_REQUIRED": "none", **env}
    with _output() as output:
        process = _start([*command, app], env, output)
        server.pid = process.pid
        try:
            _wait_until_up(process, port, up_within, output)
            yield server
        finally:
            server.output = _stop(process, output)


@contextlib.contextmanager
def worker(
    env: dict[str, str], *, workers: int = 2, kind: str = "thread", nice: int = 0
) -> Iterator[subprocess.Popen]:
    """`flask --app eventapp worker` with `env` over this process's environment (the same
    database, EVENTAPP_INSTANCE_PATH or FLASK_TASKS_URL as the app's, so the same queue),
    until the end of the block; what it printed is shown if it or the block failed."""
    command = [sys.executable, "-m", "flask", "--app", "eventapp", "worker"]
    with _output() as output:
        # A session of its own: kill(process) ends its worker processes (-k process) too.
        options = ["-w", str(workers), "-k", kind, "--nice", str(nice)]
        process = _start([*command, *options], env, output, session=True)
        failed = False
        try:
            yield process
        except BaseException:
            failed = True
            raise
        finally:
            printed = _stop(process, output)
            if failed or process.returncode not in (0, -15, -9):
                print(printed[-5000:])


@contextlib.contextmanager
def _output() -> Iterator[typing.BinaryIO]:
    """A file for what a server prints. Not a pipe: nobody reads a pipe while the server
    runs, and once its 64 KiB were full the server blocked on its next log line (a
    worker stopped delivering after about 130 e-mails of a rush, its threads waiting to
    log)."""
    with tempfile.TemporaryFile() as file:
        yield file


def kill(process: subprocess.Popen) -> None:
    """SIGKILL a worker started by `worker` and every process it started, at once, as a
    machine losing power or the OOM killer would: nothing of it runs another line."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _start(
    command: list[str], env: dict[str, str], output: typing.BinaryIO, session: bool = False
) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=session,
    )


def _printed(output: typing.BinaryIO) -> str:
    output.flush()
    output.seek(0)
    return output.read().decode(errors="replace")


def _stop(process: subprocess.Popen, output: typing.BinaryIO) -> str:
    """Stop a server process (SIGTERM, then SIGKILL after 15 s); what it printed."""
    if process.poll() is not None:
        return _printed(output)
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return _printed(output)


def _wait_until_up(
    process: subprocess.Popen, port: int, seconds: float, output: typing.BinaryIO
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {_printed(output)}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer /healthz within {seconds:g} s")


#: The CSRF token in a page's hidden input (Flask-WTF's csrf_token field).
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of a page; an error naming the page's start if it has none."""
    match = CSRF.search(html)
    if match is None:
        raise RuntimeError(f"no CSRF token in the page: {html[:200]!r}")
    return match.group(1)


class Session:
    """One browser's session over plain HTTP (http.client): its cookies and CSRF token,
    signed in as a user. Requests take the connection to use, so several threads (the
    devices of one account) can share the session, each with a connection of its own.

    Used by tests/test_checkin_concurrency.py and bench/checkin.py.
    """

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.token = ""

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def call(
        self,
        conn: http.client.HTTPConnection,
        method: str,
        path: str,
        body: str | None = None,
        headers: dict | None = None,
    ) -> tuple[int, str]:
        """One request with the session's cookies; keeps the cookies it sets."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for name, header in response.getheaders():
            if name.lower() == "set-cookie":
                key, value = header.split(";", 1)[0].split("=", 1)
                self.cookies[key.strip()] = value
        return response.status, text

    def post_json(
        self, conn: http.client.HTTPConnection, path: str, payload: dict
    ) -> tuple[int, str]:
        """A JSON POST with the CSRF header, as the check-in page sends it."""
        return self.call(
            conn,
            "POST",
            path,
            json.dumps(payload),
            {"Content-Type": "application/json", "X-CSRFToken": self.token},
        )

    def login(self, email: str, password: str, landing: str = "/checkin/") -> None:
        """Sign in, then take the CSRF token from `landing`, a page of the new session."""
        conn = self.connect()
        try:
            status, html = self.call(conn, "GET", "/login")
            status, _ = self.call(
                conn,
                "POST",
                "/login",
                urlencode({"email": email, "password": password, "csrf_token": csrf_token(html)}),
                {"Content-Type": "application/x-www-form-urlencoded"},
            )
            if status != 302:
                raise RuntimeError(f"login of {email}: {status}")
            status, html = self.call(conn, "GET", landing)
            if status != 200:
                raise RuntimeError(f"GET {landing}: {status}")
            self.token = csrf_token(html)
        finally:
            conn.close()
