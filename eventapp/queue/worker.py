"""`flask --app eventapp worker`: the Huey consumer, running the queued tasks."""

from __future__ import annotations

import logging
import os

import click
from flask.cli import with_appcontext

from eventapp.queue.tasks import enqueue_start_tasks, get_huey


@click.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, type=click.IntRange(1))
@click.option(
    "--worker-type",
    "-k",
    type=click.Choice(["thread", "process"]),
    default="thread",
    show_default=True,
)
@click.option(
    "--nice",
    default=10,
    show_default=True,
    type=click.IntRange(0, 19),
    help="How much lower than the web server's the workers' CPU priority is.",
)
@click.option("--verbose", "-v", is_flag=True, help="Log every task.")
@with_appcontext
def worker_command(workers: int, worker_type: str, nice: int, verbose: bool) -> None:
    """Run the task queue's consumer (e-mails, scheduled work) until stopped."""
    # Here, for the whole consumer, rather than in each job: the process workers (and any
    # process they start) inherit it, so a long render on every core still leaves the web
    # workers, and the door's scans, the CPU first. E-mails lose nothing by waiting a few
    # milliseconds behind a page. Lowering one's priority needs no privilege.
    if nice:
        os.nice(nice)
    # max_delay: how long an idle worker waits at most before polling SQLite again (Redis
    # tells it at once). A quarter of a second: each step of a job (its parts, then the
    # join) waits no longer than that for an idle worker, at a few cheap queries a second.
    from huey.consumer_options import ConsumerConfig

    config = ConsumerConfig(
        workers=workers, worker_type=worker_type, verbose=True if verbose else None, max_delay=0.25
    )
    config.setup_logger()
    # WeasyPrint tells every step of every document at INFO: a badge run would fill the
    # worker's log.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    enqueue_start_tasks()
    get_huey().create_consumer(**config.values).run()
