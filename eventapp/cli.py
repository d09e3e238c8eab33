"""Command-line tasks: `flask --app eventapp <command>`."""

import sys
from datetime import date, timedelta

import click
from flask import Flask
from flask.cli import ScriptInfo, with_appcontext
from sqlalchemy import func, select

from eventapp.auth.services import AccountError, create_user, random_password
from eventapp.config import LANGUAGES
from eventapp.core.paths import ROOT
from eventapp.demo.loader import DEFAULT_PARTICIPANTS, load_demo
from eventapp.extensions import db
from eventapp.mail.resend import resend_failed
from eventapp.models import Category, Event, MailRecord, MailStatus, Registration, User, UserRole
from eventapp.printing.badges import LAYOUTS as BADGE_LAYOUTS
from eventapp.printing.badges import SORTS as BADGE_SORTS
from eventapp.printing.badges import print_badges
from eventapp.printing.programme import SIZES as PROGRAMME_SIZES
from eventapp.printing.programme import programme_size, render_programme
from eventapp.registration.services import anonymise_event
from eventapp.registration.spreadsheets import discard_old_uploads, imports_folder
from eventapp.web.public_url import external_url


@click.command("demo")
@with_appcontext
@click.option(
    "--participants",
    "count",
    default=DEFAULT_PARTICIPANTS,
    show_default=True,
    type=click.IntRange(0),
    help="Fictional participants to generate.",
)
@click.option(
    "--upcoming",
    is_flag=True,
    help="Hold the event four weeks from today, its sign-up window open now.",
)
@click.option(
    "--seats-left",
    type=click.IntRange(0),
    default=None,
    help="Capacity = participants + this many seats (default: the data file's).",
)
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
    summary = (
        f"Loaded {event.title} ({event.slug}): {len(event.agenda_items)} agenda items, "
        f"{len(event.people)} speakers, {len(event.registrations)} registrations."
    )
    db.session.commit()
    click.echo(summary)


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in UserRole]), required=True)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of prompting.",
)
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
        click.echo(
            "Accounts exist already: sign in with yours "
            "(or add one with `flask --app eventapp create-user`)."
        )
        return
    password = random_password()
    create_user(email, password, UserRole.ADMIN)
    db.session.commit()
    rule = "=" * 64
    click.echo(
        f"\n{rule}\n  Organiser login (shown this once, keep it safe):\n"
        f"    e-mail:   {email}\n    password: {password}\n"
        f"  Sign in at {external_url('auth.login')}\n{rule}\n"
    )


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
    remaining = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.anonymised_at.is_(None))
    )
    if not remaining:
        click.echo(f"Nothing to erase: the registrations of {event.title} are anonymised already.")
        return
    if not yes:
        click.confirm(
            f"Erase the personal data of {remaining} registrations of "
            f"{event.title} ({slug})? This cannot be undone.",
            abort=True,
        )
    erased = anonymise_event(event)
    db.session.commit()
    click.echo(
        f"Personal data of {erased} registrations of {event.title} erased; the counts are kept."
    )
    by_status = db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.status)
        .order_by(Registration.status)
    ).all()
    click.echo(
        "Registrations kept by status: "
        + ", ".join(f"{status} {n}" for status, n in by_status)
        + "."
    )


@click.command("resend-mail")
@with_appcontext
@click.argument("slug")
def resend_mail_command(slug: str) -> None:
    """Send again the participants' e-mails that failed (the mail server was down, say).

    Each is queued for the worker, which rebuilds it from its registration as it is then,
    with the current link; messages that are out of date (a confirmation to someone who
    has cancelled since) are left. Links start with PUBLIC_BASE_URL.
    """
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"No event with the slug {slug!r}.")

    def tell(mail: MailRecord) -> None:
        outcome = {
            MailStatus.FAILED: f"failed: {mail.error}",
            MailStatus.SENT: "sent",
            MailStatus.WRITTEN: "sent",
        }.get(mail.status, "queued")
        click.echo(f"  {mail.kind} to {mail.recipient}: {outcome}")

    result = resend_failed(event, on_each=tell)
    queued = f", {result.queued} queued for the worker" if result.queued else ""
    click.echo(f"{result.delivered} e-mails sent again{queued}, {result.failed} failed.")
    if result.failed:
        raise click.ClickException("Some e-mails could not be sent: is the mail server up?")


@click.command("clean-imports")
@with_appcontext
def clean_imports_command() -> None:
    """Delete the uploaded import files older than an hour (imports never finished);
    each new upload does it too. For a nightly cron job."""
    removed = discard_old_uploads(imports_folder())
    click.echo(f"{removed} old import files deleted.")


#: Options the PDF commands share.
pdf_output = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="The PDF file to write.",
)
labels_language = click.option(
    "--lang",
    "language",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the labels and dates (default: the site's first language).",
)


@click.command("badges")
@with_appcontext
@click.argument("slug")
@pdf_output
@click.option(
    "--layout",
    type=click.Choice(list(BADGE_LAYOUTS)),
    default=None,
    help="Badge layout (default: the event's setting).",
)
@click.option(
    "--category",
    type=click.Choice([c.value for c in Category]),
    default=None,
    help="Only this category (default: every confirmed registration).",
)
@click.option("--unprinted", is_flag=True, help="Only badges not printed yet.")
@click.option(
    "--id", "registration_id", type=int, default=None, help="Only this registration (a reprint)."
)
@click.option(
    "--sort",
    type=click.Choice(list(BADGE_SORTS)),
    default=None,
    help="Order of the badges (default: the event's setting).",
)
def badges_command(
    slug: str,
    output: str,
    layout: str | None,
    category: str | None,
    unprinted: bool,
    registration_id: int | None,
    sort: str | None,
) -> None:
    """Print an event's badges to a PDF; the badges printed are marked as printed."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"No event with the slug {slug!r}.")
    run = print_badges(
        event,
        layout=layout,
        category=category,
        unprinted=unprinted,
        registration_id=registration_id,
        sort=sort,
    )
    if run is None:
        raise click.ClickException("No confirmed registration matches: nothing printed.")
    with open(output, "wb") as f:
        f.write(run.pdf)
    db.session.commit()  # only once the file is written
    click.echo(f"Wrote {len(run.registrations)} badges ({run.layout}) to {output}.")


@click.command("programme")
@with_appcontext
@click.argument("slug")
@pdf_output
@click.option(
    "--size",
    type=click.Choice(list(PROGRAMME_SIZES), case_sensitive=False),
    default=None,
    help="Page size (default: the event's setting, else A5).",
)
@labels_language
def programme_command(slug: str, output: str, size: str | None, language: str | None) -> None:
    """Print an event's programme booklet to a PDF (published or not)."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"No event with the slug {slug!r}.")
    pdf = render_programme(event, size=size, language=language)
    with open(output, "wb") as f:
        f.write(pdf)
    click.echo(f"Wrote the programme of {event.title} ({programme_size(event, size)}) to {output}.")


@click.command("certificates")
@with_appcontext
@click.argument("slug")
@click.option(
    "-o",
    "--out",
    "output",
    type=click.Path(writable=True),
    help="A folder (one PDF per person) or a .pdf file (all in one).",
)
@click.option(
    "--email",
    is_flag=True,
    help="E-mail each person theirs, except those sent one already (no time "
    "limit, unlike the organisers' button: for large events).",
)
def certificates_command(slug: str, output: str | None, email: bool) -> None:
    """Write the certificates of attendance of everyone checked in: one PDF per person
    into a folder, or all in one file when OUT ends in .pdf; and/or e-mail them."""
    from pathlib import Path

    from eventapp.certificates import services as certificates
    from eventapp.certificates.mailing import send_certificates

    if not output and not email:
        raise click.UsageError("Give --out, --email or both.")
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"No event with the slug {slug!r}.")
    people = certificates.attendees(event)
    if not people:
        raise click.ClickException("Nobody is checked in: no certificate written.")
    if output:
        target = Path(output)
        if target.suffix.lower() == ".pdf":
            target.write_bytes(certificates.render_certificates(event, people))
        else:
            target.mkdir(parents=True, exist_ok=True)
            for registration in people:
                pdf = certificates.render_certificates(event, [registration])
                (target / certificates.file_name(event, registration)).write_bytes(pdf)
        db.session.commit()  # the verification codes, once the files are written
        click.echo(f"Wrote {len(people)} certificates to {target}.")
    if email:
        result = send_certificates(event)
        click.echo(
            f"E-mailed {result.delivered}, failed {result.failed}, sent before "
            f"{result.already}, without an address {result.skipped}."
        )


def _event_or_fail(slug: str) -> Event:
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"No event with the slug {slug!r}.")
    return event


@click.command("attendance-sheet")
@with_appcontext
@click.argument("slug")
@pdf_output
@click.option(
    "--from-checkins",
    "checkins",
    is_flag=True,
    help="The people checked in each day, with their times, instead of the sheet to sign.",
)
@labels_language
def attendance_sheet_command(slug: str, output: str, checkins: bool, language: str | None) -> None:
    """Print an event's attendance sheet, a section per day: the confirmed people by
    family name with a column to sign, or (--from-checkins) those checked in."""
    from eventapp.printing.attendance_sheet import CHECKINS, SIGN, render_sheet
    from eventapp.reports.attendance_sheet import build_sheet

    event = _event_or_fail(slug)
    sheet = build_sheet(event, CHECKINS if checkins else SIGN, language)
    with open(output, "wb") as f:
        f.write(render_sheet(sheet))
    people = sum(len(day.rows) for day in sheet.days)
    days = f"{len(sheet.days)} day" + ("s" if len(sheet.days) != 1 else "")
    click.echo(f"Wrote the attendance sheet of {event.title} ({days}, {people} lines) to {output}.")


@click.command("report")
@with_appcontext
@click.argument("slug")
@pdf_output
@labels_language
def report_command(slug: str, output: str, language: str | None) -> None:
    """Print the funder report of an event (tagged PDF): attendance by country, region
    and category, speakers and panels, key figures."""
    from eventapp.reports.funder import report_pdf

    event = _event_or_fail(slug)
    pdf = report_pdf(event, language)
    with open(output, "wb") as f:
        f.write(pdf)
    click.echo(f"Wrote the report of {event.title} to {output}.")


@click.command("rotate-encryption-key")
@with_appcontext
def rotate_encryption_key_command() -> None:
    """Add a new encryption key, re-encrypt every passport and bank detail with it, then
    retire the older keys (instance/encryption.keys)."""
    from eventapp.core import crypto

    count = crypto.rotate()
    click.echo(f"New key in {crypto.key_path()}: {count} encrypted values re-encrypted.")


def init_migrations(app: Flask) -> None:
    """Bind Flask-Migrate to the app: for `flask db ...` and for its upgrade() and
    downgrade() functions (tests/test_migrations.py)."""
    # Imported here, not with the other extensions: Alembic takes a third of a second to
    # import, which every other command and every web worker would pay.
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)


@click.command(
    "db",
    # Everything after `db` (the subcommand, its options, --help) is Flask-Migrate's.
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.pass_context
def migrations_command(ctx: click.Context) -> None:
    """Perform database migrations (Flask-Migrate: upgrade, downgrade, migrate...)."""
    from flask_migrate.cli import db as flask_migrate_db  # see init_migrations

    init_migrations(ctx.ensure_object(ScriptInfo).load_app())
    flask_migrate_db.main(args=ctx.args, prog_name=ctx.command_path, obj=ctx.obj)


def init_app(app: Flask) -> None:
    from eventapp.queue.worker import worker_command
    from eventapp.venue.cli import serve_venue_command

    for command in (
        demo_command,
        create_user_command,
        first_admin_command,
        anonymise_command,
        badges_command,
        programme_command,
        resend_mail_command,
        certificates_command,
        clean_imports_command,
        serve_venue_command,
        worker_command,
        rotate_encryption_key_command,
        migrations_command,
        attendance_sheet_command,
        report_command,
    ):
        app.cli.add_command(command)
