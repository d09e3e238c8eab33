"""Bounded imports: files built to exhaust a worker (a huge cell, a forged sheet size, a
decompression bomb, XML entity bombs and external entities, too many rows, columns or
characters) get a 422 with a clear message and import nothing, and a worker under real
gunicorn grows by less than 100 MB for each. Uploaded files are deleted when the import
ends, is cancelled, or after an hour.
"""

import io
import os
import re
import time
import zipfile
from pathlib import Path
from urllib.parse import urlencode

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from eventapp.extensions import db
from eventapp.models import Registration, User, UserRole
from eventapp.registration.spreadsheets import imports_folder
from eventapp.testing import Session, gunicorn

from .conftest import PASSWORD
from .factories import make_event

SLUG = "bounded-forum"
IMPORT = f"/manage/events/{SLUG}/registrations/import"
EMAIL = "organiser@example.org"
MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Given name</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Family name</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>E-mail</t></is></c></row>'
)


def workbook(sheet_parts) -> bytes:
    """A real workbook (made by openpyxl) whose first sheet's XML is replaced by the
    strings of `sheet_parts`, written (and compressed) as they come."""
    made = io.BytesIO()
    Workbook().save(made)
    out = io.BytesIO()
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != SHEET:
                target.writestr(info, source.read(info))
        info = zipfile.ZipInfo(SHEET)
        info.compress_type = zipfile.ZIP_DEFLATED
        with target.open(info, "w", force_zip64=True) as sheet:
            for part in sheet_parts:
                sheet.write(part.encode() if isinstance(part, str) else part)
    return out.getvalue()


def one_huge_cell(megabytes: int = 200) -> bytes:
    """The review's file: about 200 KB holding one cell of 200 MB."""

    def parts():
        yield (
            SHEET_START + "<sheetData>" + HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>'
        )
        chunk = "A" * MB
        for _ in range(megabytes):
            yield chunk
        yield "</t></is></c></row></sheetData></worksheet>"

    return workbook(parts())


def forged_dimension(rows: int = 1000) -> bytes:
    """The review's other file: a sheet that says it spans A1:XFD1048576."""
    lines = [
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Name{n}</t></is></c>'
        f'<c r="B{n}" t="inlineStr"><is><t>Person</t></is></c>'
        f'<c r="C{n}" t="inlineStr"><is><t>p{n}@example.org</t></is></c></row>'
        for n in range(2, rows + 2)
    ]
    return workbook(
        [
            SHEET_START,
            '<dimension ref="A1:XFD1048576"/><sheetData>',
            HEADER_ROW,
            *lines,
            "</sheetData></worksheet>",
        ]
    )


def far_column() -> bytes:
    """A cell in the sheet's last column (XFD), past the column limit."""
    return workbook(
        [
            SHEET_START,
            "<sheetData>",
            HEADER_ROW,
            '<row r="2"><c r="XFD2"><v>1</v></c></row></sheetData></worksheet>',
        ]
    )


def decompression_bomb() -> bytes:
    """Rows of empty cells, 300 MB of XML once decompressed."""

    def parts():
        yield SHEET_START + "<sheetData>" + HEADER_ROW
        row = '<row><c r="D9"/></row>' * (MB // 22)
        for _ in range(300):
            yield row
        yield "</sheetData></worksheet>"

    return workbook(parts())


def empty_rows(count: int = 1_000_000) -> bytes:
    """Rows with one empty cell each: little text, many elements to go through."""
    row = '<row><c r="D9"/></row>'
    return workbook(
        [SHEET_START, "<sheetData>", HEADER_ROW, row * count, "</sheetData></worksheet>"]
    )


def empty_cells(count: int = 2_100_000) -> bytes:
    """Rows of 100 empty cells."""
    row = "<row>" + '<c s="1"/>' * 100 + "</row>"
    return workbook(
        [SHEET_START, "<sheetData>", HEADER_ROW, row * (count // 100), "</sheetData></worksheet>"]
    )


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol%s;" % (n - 1 or "")) * 10}">' for n in range(1, 10))
    + ']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main"><sheetData>'
    + HEADER_ROW
    + '<row r="2"><c t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    "</sheetData></worksheet>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM '
    '"file:///etc/passwd">]>\n<worksheet xmlns="http://schemas.openxmlformats.'
    'org/spreadsheetml/2006/main"><sheetData>'
    + HEADER_ROW
    + '<row r="2"><c t="inlineStr"><is><t>&xxe;</t></is></c>'
    '<c t="inlineStr"><is><t>Doe</t></is></c><c t="inlineStr"><is>'
    "<t>x@example.org</t></is></c></row></sheetData></worksheet>"
)
BROKEN_XML = SHEET_START + "<sheetData>" + HEADER_ROW + '<row r="2"><c><v>1</c></row>'


def csv_file(lines) -> bytes:
    return ("\n".join(lines) + "\n").encode()


#: (file name, bytes maker, status, message shown on the form)
BAD_FILES = {
    "huge-cell": (
        "huge.xlsx",
        one_huge_cell,
        422,
        "The workbook is larger than 50 MB once decompressed: split it.",
    ),
    # Within the decompressed size: refused while reading the cell.
    "huge-cell-40-mb": (
        "huge40.xlsx",
        lambda: one_huge_cell(40),
        422,
        "Row 2 has a cell longer than 10000 characters.",
    ),
    "forged-dimension": (
        "forged.xlsx",
        forged_dimension,
        200,
        "1000 rows; 1000 ready; 0 with errors.",
    ),
    "far-column": ("far.xlsx", far_column, 422, "Row 2 has more than 200 columns."),
    "decompression-bomb": (
        "bomb.xlsx",
        decompression_bomb,
        422,
        "The workbook is larger than 50 MB once decompressed",
    ),
    "empty-rows": (
        "empty.xlsx",
        empty_rows,
        422,
        "The sheet has more than 100000 rows, empty ones included",
    ),
    "empty-cells": (
        "cells.xlsx",
        empty_cells,
        422,
        "The sheet has more than 2000000 cells, empty ones included",
    ),
    "billion-laughs": (
        "laughs.xlsx",
        lambda: workbook([BILLION_LAUGHS]),
        422,
        "refused for safety",
    ),
    "external-entity": ("xxe.xlsx", lambda: workbook([EXTERNAL_ENTITY]), 422, "refused for safety"),
    "broken-xml": (
        "broken.xlsx",
        lambda: workbook([BROKEN_XML]),
        422,
        "The workbook is damaged: its XML is malformed",
    ),
    "csv-huge-cell": (
        "huge.csv",
        lambda: csv_file(["Given name,Family name,E-mail", "Ana," + "B" * MB + ",a@b.org"]),
        422,
        "Row 2 has a cell longer than 10000 characters.",
    ),
    "csv-one-long-line": (
        "wide.csv",
        lambda: csv_file(["Given name,Family name,E-mail", "," * 15 * MB]),
        422,
        "Row 2 is too long: more than 200 columns of 10000 characters.",
    ),
    # The largest file the limits let through: 10,000 rows of 200 small cells.
    "csv-limits-full": (
        "full.csv",
        lambda: csv_file(
            ["Given name,Family name,E-mail," + ",".join(f"c{n}" for n in range(197))]
            + [f"Ana,Ribeiro,a{n}@example.org," + ",".join(["ab"] * 197) for n in range(10_000)]
        ),
        200,
        "10000 rows; 10000 ready; 0 with errors.",
    ),
}


def multipart(token: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = "----eventapp-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def post_file(session: Session, filename: str, data: bytes) -> tuple[int, str]:
    body, content_type = multipart(session.token, filename, data)
    conn = session.connect()
    try:
        return session.call(conn, "POST", IMPORT, body, {"Content-Type": content_type})
    finally:
        conn.close()


@pytest.fixture
def organiser(app, make_user):
    user_id = make_user(EMAIL, UserRole.ORGANISER)
    with app.app_context():
        event = make_event(slug=SLUG)
        event.managers.append(db.session.get(User, user_id))
        db.session.commit()


def signed_in(url: str) -> Session:
    session = Session(int(url.rsplit(":", 1)[1]), timeout=120)
    session.login(EMAIL, PASSWORD, landing=IMPORT)
    return session


def registrations(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Registration))


@pytest.fixture(autouse=True)
def _no_uploads_left(app):
    """The instance folder is shared by the run: start without other tests' uploads."""
    for path in uploads(app):
        path.unlink()


def uploads(app) -> list[Path]:
    with app.test_request_context():
        return sorted(imports_folder().glob("*/*.*"))


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    return {
        key: int(re.search(rf"{key}:\s+(\d+) kB", status).group(1)) * 1024
        for key in ("VmRSS", "VmHWM")
    }


def worker_of(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def settled(pid: int) -> int:
    """The worker's resident size once it stops changing (its fonts warm-up is over)."""
    last = memory(pid)["VmRSS"]
    for _ in range(50):
        time.sleep(0.3)
        now = memory(pid)["VmRSS"]
        if abs(now - last) < MB:
            return now
        last = now
    return last


@pytest.mark.slow
def test_bad_files_stay_within_100_mb_of_a_gunicorn_worker(app, organiser, database_url, tmp_path):
    files = {
        name: (filename, make(), status, message)
        for name, (filename, make, status, message) in BAD_FILES.items()
    }
    assert len(files["huge-cell"][1]) < 400_000  # a few hundred KB holding 200 MB
    env = {
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_SECRET_KEY": "import-limits-secret",
        "EVENTAPP_INSTANCE_PATH": str(tmp_path),
    }
    growth = {}
    with gunicorn(env, workers=1) as server:
        session = signed_in(server.url)
        worker = worker_of(server.pid)
        post_file(
            session,
            "warm.csv",
            csv_file(["Given name,Family name,E-mail", "Ana,Ribeiro,ana@example.org"]),
        )
        for name, (filename, data, status, message) in files.items():
            before = settled(worker)
            # Reset the worker's peak (VmHWM) so that it tells this request's peak.
            Path(f"/proc/{worker}/clear_refs").write_text("5")
            answer, page = post_file(session, filename, data)
            growth[name] = (memory(worker)["VmHWM"] - before) / MB
            assert (answer, message in page) == (status, True), (name, page[-3000:])
    print({name: f"{mb:.1f} MB" for name, mb in growth.items()})
    assert all(mb < 100 for mb in growth.values()), growth
    assert registrations(app) == 0
    assert "Traceback" not in server.output, server.output


@pytest.mark.parametrize(
    "name", [name for name, (_f, _m, status, _t) in BAD_FILES.items() if status == 422]
)
def test_a_refused_file_is_a_message_on_the_form(app, organiser, live_server, name):
    filename, make, status, message = BAD_FILES[name]
    session = signed_in(live_server)
    answer, page = post_file(session, filename, make())
    assert answer == 422
    error = re.search(r'<p class="field__error" id="file-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    assert "root:" not in page  # /etc/passwd was never read
    assert registrations(app) == 0
    assert uploads(app) == []  # the refused file is not kept


def test_limits_are_settings(app, organiser, live_server):
    app.config.update(IMPORT_MAX_ROWS=2, IMPORT_MAX_COLUMNS=4, IMPORT_MAX_CELL_LENGTH=12)
    session = signed_in(live_server)
    head = "Given name,Family name,E-mail"
    cases = [
        (
            [head, "A,B,a@x.org", "C,D,c@x.org", "E,F,e@x.org"],
            "The file has more than 2 rows: split it.",
        ),
        ([head, "A,B,a@x.org,1,2"], "Row 2 has more than 4 columns."),
        ([head, "Abcdefghijklm,B,a@x.org"], "Row 2 has a cell longer than 12 characters."),
        # A quoted field spanning lines is one cell, of the row it starts on.
        ([head, '"A\nB\nC\nD\nE\nF\nG",B,a@x.org'], "Row 2 has a cell longer than 12 characters."),
    ]
    for lines, message in cases:
        answer, page = post_file(session, "small.csv", csv_file(lines))
        assert (answer, message in page) == (422, True), page
    # Trailing empty cells are not columns; 2 rows are within the limit.
    answer, page = post_file(session, "ok.csv", csv_file([head + ",,,", "A,B,a@x.org,,,,,"]))
    assert answer == 200 and "1 rows; 1 ready" in page


def test_shared_strings_and_formulas_of_a_real_workbook(app, organiser, live_server):
    book = Workbook()
    sheet = book.active
    sheet.append(["Given name", "Family name", "E-mail", "Organisation", "Photo consent"])
    sheet.append(["Ana", "Ribeiro", "ana@example.pt", "ICMPD", True])
    sheet.append(["Nino", "Beridze", "nino@example.ge", '=HYPERLINK("http://evil")', False])
    sheet.append([42, "Number", "n@example.org", 3.0, None])
    out = io.BytesIO()
    book.save(out)
    session = signed_in(live_server)
    answer, page = post_file(session, "people.xlsx", out.getvalue())
    assert answer == 200
    assert "3 rows; 2 ready; 1 with errors." in page
    assert "Organisation holds a formula" in page
    assert "<td>42</td><td>Number</td>" in page


def test_upload_is_deleted_when_imported_cancelled_or_an_hour_old(app, organiser, live_server):
    session = signed_in(live_server)
    head = "Given name,Family name,E-mail"

    def preview(email: str) -> str:
        answer, page = post_file(session, "one.csv", csv_file([head, f"A,B,{email}"]))
        assert answer == 200, page
        return re.search(r'name="upload" value="([^"]+)"', page).group(1)

    def send(upload: str, action: str) -> tuple[int, str]:
        conn = session.connect()
        try:
            return session.call(
                conn,
                "POST",
                IMPORT + "/preview",
                urlencode(
                    {
                        "csrf_token": session.token,
                        "upload": upload,
                        "map-given_name": "0",
                        "map-family_name": "1",
                        "map-email": "2",
                        "action": action,
                    }
                ),
                {"Content-Type": "application/x-www-form-urlencoded"},
            )
        finally:
            conn.close()

    # Cancelled: the file is gone and nothing is imported.
    upload = preview("a@example.org")
    assert [path.name for path in uploads(app)] == [upload]
    assert send(upload, "cancel")[0] == 302
    assert uploads(app) == [] and registrations(app) == 0
    # Imported: the file is gone.
    upload = preview("b@example.org")
    assert send(upload, "import")[0] == 302
    assert uploads(app) == [] and registrations(app) == 1
    # An hour old: refused with a message, deleted; the next upload clears older ones.
    upload = preview("c@example.org")
    old = uploads(app)[0]
    os.utime(old, (time.time() - 3601, time.time() - 3601))
    answer, _ = send(upload, "import")
    assert answer == 302 and not old.exists() and registrations(app) == 1
    preview("d@example.org")
    stale = uploads(app)[0]
    os.utime(stale, (time.time() - 3601, time.time() - 3601))
    preview("e@example.org")
    assert not stale.exists() and len(uploads(app)) == 1


def test_clean_imports_command(app, organiser, runner, live_server):
    session = signed_in(live_server)
    post_file(session, "one.csv", csv_file(["Given name,Family name,E-mail", "A,B,a@x.org"]))
    (kept,) = uploads(app)
    result = runner.invoke(args=["clean-imports"])
    assert "0 old import files deleted." in result.output and kept.exists()
    os.utime(kept, (time.time() - 3601, time.time() - 3601))
    result = runner.invoke(args=["clean-imports"])
    assert "1 old import files deleted." in result.output and not kept.exists()
