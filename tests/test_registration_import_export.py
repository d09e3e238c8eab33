"""Registrations out to CSV/XLSX and back in: formula cells neutralised, the catering
summary, and imports with broken files, all or nothing."""

import csv
import io
import re
import time
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, update

from eventapp.extensions import db
from eventapp.models import (
    Category,
    ChangeLogEntry,
    Dietary,
    Event,
    Registration,
    Status,
    User,
    UserRole,
)

from .conftest import SignedIn
from .factories import make_event, make_registration

SLUG = "io-forum"
DESK = f"/manage/events/{SLUG}/registrations"
HEADER = "Given name,Family name,E-mail,Organisation,Country,Category"


@pytest.fixture
def organiser(app, make_user, sign_in):
    """A manager of an event with two registrations, signed in."""
    user_id = make_user("manager@example.org", UserRole.ORGANISER)
    with app.app_context():
        event = make_event(slug=SLUG, capacity=10)
        event.managers.append(db.session.get(User, user_id))
        make_registration(
            event,
            given_name="José",
            family_name="Núñez",
            email="jose@example.mx",
            organisation='=HYPERLINK("http://x")',
            country="MX",
            dietary=Dietary.VEGAN,
        )
        make_registration(
            event,
            given_name="+Гульнара",
            family_name="-Абдыкадырова",
            email="gulnara@example.kg",
            organisation="@SUM(A1)",
            country="KG",
            dietary=Dietary.OTHER,
            dietary_other="No nuts",
            category=Category.SPEAKER,
        )
        make_registration(
            event,
            given_name="Gone",
            email="gone@example.org",
            status=Status.CANCELLED,
            dietary=Dietary.HALAL,
        )
        db.session.commit()
    return sign_in("manager@example.org")


def registrations(app) -> list[Registration]:
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        rows = list(
            db.session.scalars(
                select(Registration)
                .where(Registration.event_id == event.id)
                .order_by(Registration.id)
            )
        )
        db.session.expunge_all()
        return rows


def upload(organiser: SignedIn, data: bytes, filename: str):
    response = organiser.post(
        f"{DESK}/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    # Werkzeug's test client spools a body over 500 KB to a temporary file it leaves open.
    response.request.environ["wsgi.input"].close()
    return response


def preview_form(page: str) -> dict:
    """The preview's form as the browser would send it (mapping as shown, nothing ticked)."""
    form = {"upload": re.search(r'name="upload" value="([^"]+)"', page).group(1)}
    for name, body in re.findall(r'<select id="(map-\w+)"[^>]*>(.*?)</select>', page, re.S):
        selected = re.search(r'<option value="(\d+)" selected', body)
        form[name] = selected.group(1) if selected else ""
    return form


def commit(organiser: SignedIn, page: str, **extra):
    return organiser.post(
        f"{DESK}/import/preview", data={**preview_form(page), "action": "import", **extra}
    )


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- Export -----------------------------------------------------------------------------


def test_csv_export_has_a_bom_and_neutralised_formulas(client, organiser):
    response = client.get(f"{DESK}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 3
    by_email = {row["E-mail"]: row for row in rows}
    jose, gulnara = by_email["jose@example.mx"], by_email["gulnara@example.kg"]
    assert (jose["Given name"], jose["Family name"], jose["Country code"]) == (
        "José",
        "Núñez",
        "MX",
    )
    assert jose["Organisation"] == '\'=HYPERLINK("http://x")'
    assert (gulnara["Given name"], gulnara["Family name"], gulnara["Organisation"]) == (
        "'+Гульнара",
        "'-Абдыкадырова",
        "'@SUM(A1)",
    )
    assert gulnara["Category"] == "speaker" and gulnara["Dietary needs (other)"] == "No nuts"
    assert "Token" not in rows[0]  # the self-service key stays secret
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value
    # The desk's filters apply.
    filtered = client.get(f"{DESK}/export.csv", query_string={"q": "jose"})
    assert len(list(csv.reader(io.StringIO(filtered.data.decode("utf-8-sig"))))) == 2


def test_xlsx_export_reads_back(client, organiser):
    response = client.get(f"{DESK}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert len(rows) == 4
    col = {
        name: header.index(name) for name in ("Given name", "Organisation", "Registered", "E-mail")
    }
    by_email = {row[col["E-mail"]]: row for row in rows[1:]}
    jose, gulnara = by_email["jose@example.mx"], by_email["gulnara@example.kg"]
    assert jose[col["Given name"]] == "José"
    assert jose[col["Organisation"]] == '\'=HYPERLINK("http://x")'
    assert gulnara[col["Given name"]] == "'+Гульнара"
    assert jose[col["Registered"]].year >= 2024
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_catering_counts_confirmed_only(client, organiser):
    page = client.get(f"{DESK}/catering").text
    table = page.split('id="catering"')[1]
    assert re.search(r'data-need="vegan"><th scope="row">Vegan</th><td>1<', table)
    assert re.search(r'data-need="other"><th scope="row">Other</th><td>1<', table)
    assert re.search(r'data-need="halal"><th scope="row">Halal</th><td>0<', table)
    assert "No nuts (1)" in page
    assert "2 confirmed registrations" in page


# --- Import -----------------------------------------------------------------------------


def test_import_csv_with_preview(app, client, organiser):
    data = csv_bytes(
        HEADER,
        "Ana,Ribeiro,ana@example.pt,ICMPD,Portugal,speaker",
        "Нино,Беридзе,nino@example.ge,PSDA,ge,",
        "Émile,Durand,emile@example.fr,'=1+2,FR,Participant",
    )
    page = upload(organiser, data, "people.csv")
    assert page.status_code == 200
    assert "3 rows; 3 ready; 0 with errors." in page.text
    response = commit(organiser, page.text)
    assert response.status_code == 302, response.text
    imported = {r.email: r for r in registrations(app)[3:]}
    assert set(imported) == {"ana@example.pt", "nino@example.ge", "emile@example.fr"}
    ana, nino, emile = (
        imported[k] for k in ("ana@example.pt", "nino@example.ge", "emile@example.fr")
    )
    assert (ana.category, ana.country, ana.status) == (Category.SPEAKER, "PT", Status.CONFIRMED)
    assert not ana.counts_towards_capacity
    assert (nino.given_name, nino.country, nino.category) == ("Нино", "GE", Category.PARTICIPANT)
    assert emile.organisation == "=1+2"  # our own export's apostrophe is taken off
    assert "3 registrations imported" in client.get(DESK).text
    assert "Added by hand" in client.get(f"{DESK}/{ana.id}").text


def test_semicolon_csv_and_round_trip_of_our_own_export(app, client, organiser):
    exported = client.get(f"{DESK}/export.csv").data
    with app.app_context():
        other = make_event(slug="other-forum")
        other.managers.append(db.session.scalar(select(User)))
        db.session.commit()
    page = organiser.post(
        "/manage/events/other-forum/registrations/import",
        data={"file": (io.BytesIO(exported), "export.csv")},
        content_type="multipart/form-data",
    )
    assert "3 rows; 3 ready" in page.text, page.text
    form = preview_form(page.text)
    response = organiser.post(
        "/manage/events/other-forum/registrations/import/preview", data={**form, "action": "import"}
    )
    assert response.status_code == 302
    with app.app_context():
        other = db.session.scalar(select(Event).where(Event.slug == "other-forum"))
        copied = {r.email: r for r in other.registrations}
    assert copied["gulnara@example.kg"].given_name == "+Гульнара"
    assert copied["gulnara@example.kg"].organisation == "@SUM(A1)"
    assert copied["gulnara@example.kg"].dietary_other == "No nuts"
    assert copied["jose@example.mx"].dietary == Dietary.VEGAN
    semicolons = "Prénom;Nom;Courriel\nAnne;Martin;anne@example.fr\n".encode()
    page = upload(organiser, semicolons, "fr.csv")
    assert "1 rows; 1 ready" in page.text


def test_latin1_csv_gives_a_clear_message(app, client, organiser):
    data = (HEADER + "\nJosé,Núñez,other@example.mx,,MX,\n").encode("latin-1")
    response = upload(organiser, data, "excel.csv")
    assert response.status_code == 422
    assert "not in UTF-8" in response.text
    assert len(registrations(app)) == 3


def test_broken_files(client, organiser):
    assert "cannot be read as an XLSX" in upload(organiser, b"PK\x03\x04garbage", "x.xlsx").text
    assert "The file is empty" in upload(organiser, b"\n\n", "x.csv").text
    assert (
        "Choose a file" in organiser.post(f"{DESK}/import", content_type="multipart/form-data").text
    )


def test_missing_columns_are_reported_and_can_be_mapped(app, client, organiser):
    data = csv_bytes("First,Last,Address", "Ana,Ribeiro,ana@example.pt")
    page = upload(organiser, data, "odd.csv")
    assert page.status_code == 422
    assert "Required columns are missing: E-mail." in page.text
    form = preview_form(page.text)
    assert (form["map-given_name"], form["map-family_name"]) == ("0", "1")  # guessed
    response = organiser.post(
        f"{DESK}/import/preview", data={**form, "map-email": "2", "action": "import"}
    )
    assert response.status_code == 302
    assert registrations(app)[-1].family_name == "Ribeiro"


def test_one_bad_row_imports_nothing_until_skipped(app, client, organiser):
    data = csv_bytes(
        HEADER,
        "Ana,Ribeiro,ana@example.pt,,PT,",
        "Bad,Address,not-an-address,,PT,",
        ",Nameless,nameless@example.org,,,",
        "Where,Land,where@example.org,,Atlantis,",
        "Again,Ana,ANA@example.pt,,,",
        "Already,There,jose@example.mx,,,",
        "Odd,Category,odd@example.org,,,astronaut",
        "Fine,Person,fine@example.org,,,",
    )
    page = upload(organiser, data, "people.csv")
    assert "8 rows; 2 ready; 6 with errors." in page.text
    errors = page.text.split('id="import-errors"')[1]
    assert "“not-an-address” is not a valid e-mail address." in errors
    assert "The given name is missing." in errors
    assert "Unknown country “Atlantis”." in errors
    assert "ANA@example.pt is also on row 2." in errors
    assert "jose@example.mx is already registered for this event." in errors
    assert "Unknown category “astronaut”." in errors
    response = commit(organiser, page.text)
    assert response.status_code == 422
    assert "Nothing was imported" in response.text
    assert len(registrations(app)) == 3
    # Ticking only some of the bad rows is not enough.
    response = commit(organiser, page.text, skip=["3", "4"])
    assert response.status_code == 422 and len(registrations(app)) == 3
    # Ticking them all imports the rest.
    response = commit(organiser, page.text, skip=["3", "4", "5", "6", "7", "8"])
    assert response.status_code == 302, response.text
    assert {r.email for r in registrations(app)[3:]} == {"ana@example.pt", "fine@example.org"}


def test_xlsx_import_with_a_formula_cell(app, client, organiser):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Given name", "Family name", "E-mail", "Organisation"])
    sheet.append(["Ana", "Ribeiro", "ana@example.pt", "ICMPD"])
    sheet.append(["Nino", "Beridze", "nino@example.ge", '=HYPERLINK("http://evil")'])
    sheet.append([42, "Number", "n@example.org", 3.0])
    out = io.BytesIO()
    workbook.save(out)
    page = upload(organiser, out.getvalue(), "people.xlsx")
    assert "Organisation holds a formula" in page.text
    response = commit(organiser, page.text, skip_errors="1")
    assert response.status_code == 302
    imported = registrations(app)[3:]
    assert [(r.given_name, r.organisation) for r in imported] == [("Ana", "ICMPD"), ("42", "3")]


def test_ten_thousand_rows(app, client, organiser):
    lines = [HEADER] + [
        f"Name{n},Família {n},person{n}@example.org,Org {n % 50},BE," for n in range(10_000)
    ]
    started = time.perf_counter()
    page = upload(organiser, csv_bytes(*lines), "big.csv")
    assert "10000 rows; 10000 ready; 0 with errors." in page.text
    response = commit(organiser, page.text)
    assert response.status_code == 302
    elapsed = time.perf_counter() - started
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 10_003
    assert elapsed < 60, elapsed
    desk = client.get(DESK, query_string={"q": "familia 9999"}).text
    assert "Família 9999" in desk


def test_import_reads_spanish_headers_and_names_in_any_interface_language(app, client, organiser):
    """A list written in Spanish or Portuguese: its headers, countries, categories and
    languages (a code, a regional tag or a name) are recognised like English ones."""
    data = csv_bytes(
        "Nombre,Apellidos,Correo electrónico,Organización,País,Categoría,Idioma",
        "Ana,Lopes,ana@example.cv,Governo,Cabo Verde,Ponente,pt-PT",
        "Aibek,Osmonov,aibek@example.kg,SMS,Quirguistão,Prensa,español",
        "Lucía,Vega,lucia@example.cr,DGME,Costa Rica,Participante,Portuguese",
        "Bo,Li,bo@example.org,X,Kirguistán,,klingon",
    )
    page = upload(organiser, data, "personas.csv")
    assert "4 rows; 3 ready; 1 with errors." in page.text
    assert "Unknown language “klingon”." in page.text
    response = commit(organiser, page.text, skip=["5"])
    assert response.status_code == 302, response.text
    imported = {r.email: r for r in registrations(app)[3:]}
    ana, aibek, lucia = (
        imported[k] for k in ("ana@example.cv", "aibek@example.kg", "lucia@example.cr")
    )
    assert (ana.country, ana.category, ana.language) == ("CV", Category.SPEAKER, "pt")
    assert (aibek.country, aibek.category, aibek.language) == ("KG", Category.PRESS, "es")
    assert (lucia.country, lucia.language) == ("CR", "pt")


# --- Large imports as jobs ----------------------------------------------------------------


def job_state(organiser: SignedIn, response) -> dict:
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    return organiser.get(response.headers["Location"] + "/status.json").json


def people(count: int, start: int = 0) -> list[str]:
    return [f"Name{n},Família {n},person{n}@example.org,Org,BE," for n in range(start, count)]


def test_a_large_import_is_written_by_a_job_with_its_page(app, client, organiser):
    app.config["IMPORT_JOB_ABOVE"] = 3
    data = csv_bytes(HEADER, *people(250), "Bad,Address,not-an-address,,PT,")
    page = upload(organiser, data, "people.csv")
    assert "251 rows; 250 ready; 1 with errors." in page.text  # the preview, as before
    response = commit(organiser, page.text)
    assert response.status_code == 422 and "Nothing was imported" in response.text
    assert len(registrations(app)) == 3

    response = commit(organiser, page.text, skip=["252"])
    state = job_state(organiser, response)
    assert (state["status"], state["done"], state["total"]) == ("done", 251, 251), state
    imported = registrations(app)[3:]
    assert len(imported) == 250 and imported[0].email == "person0@example.org"
    assert all(r.status == Status.CONFIRMED and not r.counts_towards_capacity for r in imported)
    job_page = organiser.get(response.headers["Location"]).text
    assert "Import: 250 registrations" in job_page
    assert re.search(r"Registrations imported</dt><dd>250<", job_page)
    assert re.search(r"Rows left out</dt><dd>1<", job_page)
    # Logged as the organiser's, as in the page; the stored file is gone.
    with app.app_context():
        entries = db.session.scalars(
            select(ChangeLogEntry).where(ChangeLogEntry.action.in_(["import", "create"]))
        ).all()
        assert len(entries) == 251 and {e.actor for e in entries} == {"manager@example.org"}
        assert "250 registrations imported" in {e.summary for e in entries}
    assert commit(organiser, page.text, skip=["252"]).status_code == 302  # back to the upload
    assert len(registrations(app)) == 253


def test_an_import_job_writes_nothing_when_an_address_was_taken_meanwhile(app, organiser):
    """Someone signs up with an address of the file between the preview and the worker:
    the job fails with the row and its reason, and none of the rows is written."""
    from eventapp.jobs.tasks import run_job
    from eventapp.models import Job, JobStatus
    from eventapp.queue.tasks import huey

    app.config["IMPORT_JOB_ABOVE"] = 3
    page = upload(organiser, csv_bytes(HEADER, *people(120)), "people.csv")
    huey._immediate = False  # the worker comes later
    try:
        response = commit(organiser, page.text)
    finally:
        huey._immediate = True
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        make_registration(event, email="Person110@example.org")
        db.session.commit()
        run_job.call_local(job_id)
        job = db.session.get(Job, job_id)
        assert job.status == JobStatus.FAILED
        assert job.error == (
            "Nothing was imported: the registrations changed meanwhile. Row 112: "
            "person110@example.org is already registered for this event."
        )
    assert len(registrations(app)) == 4


def test_an_import_job_run_twice_registers_nobody_twice(app, organiser):
    from eventapp.jobs import services as jobs
    from eventapp.jobs.tasks import run_job
    from eventapp.models import Job, JobStatus

    app.config["IMPORT_JOB_ABOVE"] = 3
    page = upload(organiser, csv_bytes(HEADER, *people(5)), "people.csv")
    # The stored file is kept, to show a second run would find the rows to write again.
    name = preview_form(page.text)["upload"]
    stored = next(p for p in (Path(app.instance_path) / "imports").glob(f"*/{name}"))
    kept = stored.read_bytes()
    response = commit(organiser, page.text)
    assert job_state(organiser, response)["status"] == "done"
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    stored.write_bytes(kept)
    with app.app_context():
        run_job.call_local(job_id)  # the same task again: the job is claimed once
        assert db.session.get(Job, job_id).status == JobStatus.DONE
        # Even forced to run again, the database refuses the second copies: it fails.
        db.session.execute(update(Job).values(status=JobStatus.QUEUED))
        db.session.commit()
        run_job.call_local(job_id)
        job = db.session.get(Job, job_id)
        assert job.status == JobStatus.FAILED and "Nothing was imported" in job.error
        # A cancel that comes while its last step writes wins over it.
        job.status, job.cancel_requested = JobStatus.RUNNING, True
        db.session.commit()
        with pytest.raises(jobs.JobCancelled):
            jobs.hold_unless_cancelled(job)
        db.session.rollback()
    assert len(registrations(app)) == 8


def test_an_import_job_cancelled_while_it_checks_writes_nothing(app, organiser):
    """The organiser presses Cancel while the worker checks the rows: no row is written."""
    from sqlalchemy import event as sa_event
    from sqlalchemy.orm import Session

    from eventapp.models import Job, JobStatus

    app.config["IMPORT_JOB_ABOVE"] = 3
    page = upload(organiser, csv_bytes(HEADER, *people(250)), "people.csv")

    def press_cancel(session) -> None:  # as soon as the worker has taken the job
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(
                update(Job).where(Job.status == JobStatus.RUNNING).values(cancel_requested=True)
            )

    sa_event.listen(Session, "after_commit", press_cancel)
    try:
        state = job_state(organiser, commit(organiser, page.text))
    finally:
        sa_event.remove(Session, "after_commit", press_cancel)
    assert state["status"] == "cancelled" and state["done"] < 250, state
    assert len(registrations(app)) == 3
