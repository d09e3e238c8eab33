"""Command-line tasks: `flask --app eventapp <command>`."""

import sys
from datetime import date, timedelta

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .auth.services import AccountError, create_user, random_password
from .demo.loader import DEFAULT_PARTICIPANTS, load_demo
from .extensions import db
from .models import Event, Registration, User, UserRole
from .registration.services import anonymise_event


@click.command("demo")
@with_appcontext
@click.option("--participants", "count", default=DEFAULT_PARTICIPANTS, show_default=True,
              type=click.IntRange(0), help="Fictional participants to generate.")
@click.option("--upcoming", is_flag=True,
              help="Hold the event four weeks from today, its sign-up window open now.")
@click.option("--seats-left", type=click.IntRange(0), default=None,
              help="Capacity = participants + this many seats (default: the data file's).")
def demo_command(count: int, upcoming: bool, seats_left: int | None) -> None:
    """Load the MIEUX Impact Event demo (does nothing if it is there already)."""
    on = date.today() + timedelta(weeks=4) if upcoming else None
    try:
        event = load_demo(count, on=on, seats_left=seats_left)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--participants") from exc
    if event is None:
        click.echo("The demo event is loaded already: nothing changed.")
        return
    summary = (f"Loaded {event.title} ({event.slug}): {len(event.agenda_items)} agenda items, "
               f"{len(event.people)} speakers, {len(event.registrations)} registrations.")
    db.session.commit()
    click.echo(summary)


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in UserRole]), required=True)
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input instead of prompting.")
def create_user_command(email: str, role: str, password_stdin: bool) -> None:
    """Create an account for an organiser, administrator or check-in volunteer."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, password, UserRole(role))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}.")


@click.command("first-admin")
@with_appcontext
@click.option("--email", default="organiser@example.org", show_default=True)
def first_admin_command(email: str) -> None:
    """On a new install, create the first account with a random password and print it once."""
    if db.session.scalar(select(func.count()).select_from(User)):
        click.echo("Accounts exist already: sign in with yours "
                   "(or add one with `flask --app eventapp create-user`).")
        return
    password = random_password()
    create_user(email, password, UserRole.ADMIN)
    db.session.commit()
    rule = "=" * 64
    click.echo(f"\n{rule}\n  Organiser login (shown this once, keep it safe):\n"
               f"    e-mail:   {email}\n    password: {password}\n"
               f"  Sign in at http://127.0.0.1:5000/login\n{rule}\n")


@click.command("anonymise")
@with_appcontext
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def anonymise_command(slug: str, yes: bool) -> None:
    """Erase the personal data of an event's registrations (after the retention period).

    Names, e-mail addresses, organisations and needs go; statuses, categories and
    countries stay, so the counts remain. It cannot be undone.
    """
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"No event with the slug {slug!r}.")
    remaining = db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.anonymised_at.is_(None)))
    if not remaining:
        click.echo(f"Nothing to erase: the registrations of {event.title} are anonymised "
                   "already.")
        return
    if not yes:
        click.confirm(f"Erase the personal data of {remaining} registrations of "
                      f"{event.title} ({slug})? This cannot be undone.", abort=True)
    erased = anonymise_event(event)
    db.session.commit()
    click.echo(f"Personal data of {erased} registrations of {event.title} erased; "
               "the counts are kept.")


def init_app(app: Flask) -> None:
    for command in (demo_command, create_user_command, first_admin_command,
                    anonymise_command):
        app.cli.add_command(command)
