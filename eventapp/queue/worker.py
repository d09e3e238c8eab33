"""`flask --app eventapp worker`: the Huey consumer, running the queued tasks."""

from __future__ import annotations

import os

import click
from flask.cli import with_appcontext
from huey.consumer_options import ConsumerConfig

from eventapp.queue.tasks import enqueue_start_tasks, huey


@click.command("worker")
@click.option("--workers", "-w", default=2, show_default=True, type=click.IntRange(1))
@click.option(
    "--worker-type",
    "-k",
    type=click.Choice(["thread", "process"]),
    default="thread",
    show_default=True,
)
@click.option("--verbose", "-v", is_flag=True, help="Log every task.")
@click.option(
    "--nice",
    default=0,
    show_default=True,
    type=click.IntRange(0, 19),
    help="Run at a lower CPU priority (as nice(1)): on a machine it shares with the web "
    "server, sign-ups come first and e-mails take the time left.",
)
@with_appcontext
def worker_command(workers: int, worker_type: str, verbose: bool, nice: int) -> None:
    """Run the task queue's consumer (e-mails, scheduled work) until stopped."""
    if nice:
        os.nice(nice)
    # max_delay: how long an idle worker waits at most before polling SQLite again (Redis
    # tells it at once); a second keeps an e-mail's delay short at little cost.
    config = ConsumerConfig(
        workers=workers, worker_type=worker_type, verbose=True if verbose else None, max_delay=1.0
    )
    config.setup_logger()
    enqueue_start_tasks()
    huey.create_consumer(**config.values).run()
