"""The kinds of job, each with its runner, registered by the feature that owns it:

    @registry.runner("badges")
    def run_badges(job: Job) -> None:
        ...  # services.progress(job, done, total), services.check_cancelled(job),
             # services.finish(job, data, name, mimetype)

A run that is worth splitting over several worker processes registers `part` and `join`
too: `run` plans the parts (services.split), each part runs as a task of its own on
whichever worker is free, and `join` runs once, after the last part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from eventapp.models import Job


@dataclass(frozen=True)
class Runner:
    kind: str
    run: Callable[[Job], None]
    part: Callable[[Job, int], None] | None = None
    join: Callable[[Job], None] | None = None


RUNNERS: dict[str, Runner] = {}


def register(
    kind: str,
    run: Callable[[Job], None],
    *,
    part: Callable[[Job, int], None] | None = None,
    join: Callable[[Job], None] | None = None,
) -> None:
    """Make `kind` a kind of job, run by these functions (see the module's docstring)."""
    RUNNERS[kind] = Runner(kind, run, part, join)


def runner(kind: str) -> Callable[[Callable[[Job], None]], Callable[[Job], None]]:
    """Decorator form of register() for a job done in one piece."""

    def decorate(fn: Callable[[Job], None]) -> Callable[[Job], None]:
        register(kind, fn)
        return fn

    return decorate


def get(kind: str) -> Runner:
    return RUNNERS[kind]
