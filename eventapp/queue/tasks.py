"""The app's Huey: one instance, configured from TASKS_URL when the app is created.

Storage: a SQLite file in the instance folder by default (instance/tasks.sqlite3, what
`make run` wants: nothing to install), or Redis when TASKS_URL is redis://... (several app
servers and workers share it). TASKS_IMMEDIATE=True runs each task as it is enqueued, in
the same process (the tests: an e-mail is there right after the request).

Features declare their tasks with `task` / `periodic_task` below, in their own tasks.py:
each run gets an app context of its own (so its own database session) of the app the
process created, since a task runs in a worker that serves no request.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

#: Results are not kept: tasks record what they did in the database.
huey = Huey("eventapp", results=False, storage_class=MemoryStorage)

_app: Flask | None = None
#: Tasks enqueued each time a worker starts (at_start).
_at_start: list[Any] = []


class _SqliteStorage(SqliteStorage):
    """Huey's SQLite storage, synchronous=NORMAL like our own database (eventapp.database):
    in WAL mode a commit then waits for no fsync, which Huey's default (FULL) made every
    sign-up wait for in the request, and the file stays consistent after a power cut. A
    task lost with the last commits before one is found again: the outbox's sweep
    re-enqueues queued e-mails, a starting worker its jobs (enqueue_start_tasks)."""

    def _create_connection(self) -> sqlite3.Connection:
        connection = super()._create_connection()
        connection.execute("PRAGMA synchronous = NORMAL")
        return connection


def init_app(app: Flask) -> None:
    """Point the Huey at the storage TASKS_URL names; tasks run in this app."""
    global _app
    _app = app
    url = app.config.get("TASKS_URL") or ""
    if url.startswith(("redis://", "rediss://", "unix://")):
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": url}
    else:
        filename = url.removeprefix("sqlite:///") or str(Path(app.instance_path) / "tasks.sqlite3")
        # Every web worker and queue worker writes to the one file: a rush waits its
        # turn rather than failing after SQLite's default 5 s.
        Path(filename).parent.mkdir(parents=True, exist_ok=True)  # Huey creates its tables
        huey.storage_class = _SqliteStorage
        huey.storage_kwargs = {"filename": filename, "timeout": 30}
    # Not the `immediate` setter, which keeps the storage when the flag does not change.
    huey._immediate = bool(app.config.get("TASKS_IMMEDIATE"))
    huey.storage = huey.create_storage()


def _in_app(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        assert _app is not None, "create_app() configures the queue before any task runs"
        with _app.app_context():
            return fn(*args, **kwargs)

    return run


def task(**settings: Any) -> Callable[[Callable[..., Any]], Any]:
    """huey.task, the function run inside an app context of its own."""
    return lambda fn: huey.task(**settings)(_in_app(fn))


def periodic_task(validate_datetime: Callable, **settings: Any) -> Callable[..., Any]:
    """huey.periodic_task (run by the workers' scheduler), inside an app context."""
    return lambda fn: huey.periodic_task(validate_datetime, **settings)(_in_app(fn))


def at_start(queued_task: Any) -> Any:
    """Enqueue this task (one without arguments) whenever a worker starts: to pick up at
    once what a worker killed before it left half done, rather than at the next periodic
    run."""
    _at_start.append(queued_task)
    return queued_task


def enqueue_start_tasks() -> None:
    """Enqueue the at_start tasks (the `worker` command, before it consumes)."""
    for queued_task in _at_start:
        queued_task()
