"""The app's Huey: one instance, configured from TASKS_URL (made on first use, see below).

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
from typing import TYPE_CHECKING, Any

from flask import Flask

if TYPE_CHECKING:
    from huey import Huey

# Huey is imported when a task is first used (enqueued, or the worker starts), not when
# the app is created: its storage module imports the Redis and PostgreSQL drivers
# whichever storage is chosen, about 0.15 s that a command running no task (`flask
# badges`) does not need. The tasks are declared at import all the same (`task` below)
# and all made Huey's tasks at once, when the Huey is made (get_huey).
_huey: Huey | None = None
_app: Flask | None = None
#: Every task declared, in order.
_declared: list[_Task] = []
#: Tasks enqueued each time a worker starts (at_start).
_at_start: list[Any] = []


def get_huey() -> Huey:
    """The app's Huey (results are not kept: tasks record what they did in the
    database), made with every declared task on first use."""
    global _huey
    if _huey is None:
        from huey import Huey
        from huey.storage import MemoryStorage

        _huey = Huey("eventapp", results=False, storage_class=MemoryStorage)
        if _app is not None:
            _configure(_huey, _app)
        for declared in _declared:
            declared.bind(_huey)
    return _huey


def __getattr__(name: str) -> Any:
    # `from eventapp.queue.tasks import huey` (the tests, the worker) makes it.
    if name == "huey":
        return get_huey()
    raise AttributeError(name)


@functools.cache
def _storage_class(name: str) -> Any:
    from huey import storage

    if name == "sqlite":

        class _SqliteStorage(storage.SqliteStorage):
            """Huey's SQLite storage, synchronous=NORMAL like our own database
            (eventapp.database): in WAL mode a commit then waits for no fsync, which
            Huey's default (FULL) made every sign-up wait for in the request, and the file
            stays consistent after a power cut. A task lost with the last commits before
            one is found again: the outbox's sweep re-enqueues queued e-mails, a starting
            worker its jobs (enqueue_start_tasks)."""

            def _create_connection(self) -> sqlite3.Connection:
                connection = super()._create_connection()
                connection.execute("PRAGMA synchronous = NORMAL")
                return connection

        return _SqliteStorage
    return storage.RedisStorage


def init_app(app: Flask) -> None:
    """Point the Huey at the storage TASKS_URL names (now if it is made, else when it
    is); tasks run in this app."""
    global _app
    _app = app
    if _huey is not None:
        _configure(_huey, app)


def _configure(huey: Huey, app: Flask) -> None:
    url = app.config.get("TASKS_URL") or ""
    if url.startswith(("redis://", "rediss://", "unix://")):
        huey.storage_class, huey.storage_kwargs = _storage_class("redis"), {"url": url}
    else:
        filename = url.removeprefix("sqlite:///") or str(Path(app.instance_path) / "tasks.sqlite3")
        # Every web worker and queue worker writes to the one file: a rush waits its
        # turn rather than failing after SQLite's default 5 s.
        Path(filename).parent.mkdir(parents=True, exist_ok=True)  # Huey creates its tables
        huey.storage_class = _storage_class("sqlite")
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


class _Task:
    """A declared task: Huey's task once the Huey is made, which any use of it (calling
    it to enqueue, `.schedule`, ...) makes first."""

    def __init__(
        self, fn: Callable[..., Any], settings: dict[str, Any], crontab: dict[str, str] | None
    ) -> None:
        self.fn, self.settings, self.crontab = fn, settings, crontab
        self.task: Any = None
        functools.update_wrapper(self, fn)
        _declared.append(self)
        if _huey is not None:
            self.bind(_huey)

    def bind(self, huey: Huey) -> None:
        if self.crontab is None:
            self.task = huey.task(**self.settings)(_in_app(self.fn))
        else:
            from huey import crontab

            schedule = crontab(**self.crontab)
            self.task = huey.periodic_task(schedule, **self.settings)(_in_app(self.fn))

    def _made(self) -> Any:
        if self.task is None:
            get_huey()
        return self.task

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._made()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._made(), name)


def task(**settings: Any) -> Callable[[Callable[..., Any]], Any]:
    """huey.task, the function run inside an app context of its own."""
    return lambda fn: _Task(fn, settings, None)


def periodic_task(**crontab: str) -> Callable[..., Any]:
    """huey.periodic_task at the times of Huey's `crontab` with these fields (minute,
    hour, day, month, day_of_week; run by the workers' scheduler), inside an app context."""
    return lambda fn: _Task(fn, {}, crontab)


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
