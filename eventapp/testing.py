"""A real server for the tests and bench scripts that need one: gunicorn with several
worker processes on a free port of 127.0.0.1, started and stopped around a block.

    with gunicorn({"FLASK_SQLALCHEMY_DATABASE_URI": url}, workers=3) as server:
        urlopen(server.url + "/healthz")
    print(server.output)  # what gunicorn printed, once it has stopped

Used by tests/test_registration_concurrency.py, bench/registration.py and bench/badges.py.
gunicorn runs from the project folder, so it reads gunicorn.conf.py as `make run` does.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import ROOT


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
def gunicorn(env: dict[str, str], *, app: str = "eventapp:create_app()", workers: int = 2,
             pythonpath: Path | None = None, up_within: float = 30) -> Iterator[Server]:
    """`app` under gunicorn (sync workers), with `env` over this process's environment;
    yields once it answers GET /healthz, and stops it after the block."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--log-level", "warning"]
    if pythonpath is not None:
        command += ["--pythonpath", str(pythonpath)]
    process = subprocess.Popen([*command, app], cwd=ROOT, env={**os.environ, **env},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    server = Server(port, process.pid)
    try:
        _wait_until_up(process, port, up_within)
        yield server
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        server.output = output.decode(errors="replace")


def _wait_until_up(process: subprocess.Popen, port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {process.stdout.read().decode()}")
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
