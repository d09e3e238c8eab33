"""An import file (CSV or XLSX) read as a stream of rows, within limits checked while
reading, so that no upload makes a worker hold much more than an upload's own size.

A 199 KB workbook can hold a cell of a gigabyte, or declare a million rows by a million
columns: nothing here trusts a size the file states. CSV is decoded a line at a time and
a record may not grow past the columns times the cell length. XLSX is parsed by expat
with defusedxml's rules (no DTD, no entities, nothing external), fed from the zip member
a chunk at a time, stopping as soon as the bytes decompressed pass their limit; text is
counted as it arrives, so one huge cell stops the reading at the limit, and the sheet's
stated dimension is never read. Rows are kept as UTF-8 bytes, one object per row (Rows).
"""

from __future__ import annotations

import csv
import io
import posixpath
import zipfile
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat as pyexpat
from xml.parsers.expat import ExpatError

from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)
from flask import current_app
from flask_babel import gettext as _

MB = 1024 * 1024
#: Bytes handed to the XML parser at a time.
CHUNK = 64 * 1024


class ImportFileError(Exception):
    """The file cannot be read as a table; str(error) tells the organiser why."""


@dataclass(frozen=True)
class Limits:
    rows: int
    columns: int
    #: Characters in one cell.
    cell: int
    #: Bytes of XML decompressed from a workbook.
    unzipped: int
    #: Bytes of text kept: a workbook holds no more text than a CSV upload could.
    text: int

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(
            rows=config["IMPORT_MAX_ROWS"],
            columns=config["IMPORT_MAX_COLUMNS"],
            cell=config["IMPORT_MAX_CELL_LENGTH"],
            unzipped=config["IMPORT_MAX_UNZIPPED_BYTES"],
            text=config["MAX_CONTENT_LENGTH"] or 16 * MB,
        )


class Rows(Sequence):
    """Rows of cell text, each kept as one bytes object (cells joined by NUL, which
    neither CSV nor XML text may hold) and read back as a list as long as the headers:
    a small fraction of the memory of lists of str."""

    def __init__(self, width: int):
        self.width = width
        self._rows: list[bytes] = []

    def append(self, cells: list[str]) -> int:
        """Keep a row; the bytes it takes."""
        data = "\0".join(cells[: self.width]).encode()
        self._rows.append(data)
        return len(data)

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        cells = self._rows[index].decode().split("\0")
        return cells + [""] * (self.width - len(cells))


@dataclass
class Table:
    headers: list[str]
    #: Rows of cell text, each as long as headers; `numbers` are the file's row numbers.
    rows: Sequence[list[str]]
    numbers: list[int]
    #: Row number -> bit mask of the XLSX cells holding a formula instead of a value
    #: (a mask per row rather than a set of cells: a sheet may hold millions).
    formulas: dict[int, int] = field(default_factory=dict)

    def holds_formula(self, number: int, index: int) -> bool:
        return bool(self.formulas.get(number, 0) >> index & 1)


def read_table(path: Path, limits: Limits | None = None) -> Table:
    """The first sheet of an XLSX file, or a CSV file (UTF-8, with or without BOM; comma,
    semicolon or tab separated). Raises ImportFileError with a message for people."""
    limits = limits or Limits.from_config(current_app.config)
    with path.open("rb") as stream:
        if stream.read(4) == b"PK\x03\x04":
            return _read_xlsx(path, limits)
        stream.seek(0)
        return _read_csv(stream, limits)


class _Builder:
    """Collects the rows read, checking the limits on each as it comes."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.headers: list[str] | None = None
        self.rows: Rows | None = None
        self.numbers: list[int] = []
        self.formulas: dict[int, int] = {}
        self.text = 0

    def add(self, number: int, cells: list[str], formulas: int = 0) -> None:
        limits = self.limits
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) > limits.columns:
            raise too_many_columns(number, limits)
        if any(len(cell) > limits.cell for cell in cells):
            raise cell_too_long(number, limits)
        if not any(cell.strip() for cell in cells):
            return
        if self.headers is None or self.rows is None:
            self.headers = [cell.strip() for cell in cells]
            self.rows = Rows(len(self.headers))
            return
        if len(self.numbers) >= limits.rows:
            raise ImportFileError(
                _("The file has more than %(num)d rows: split it.", num=limits.rows)
            )
        self.keep_text(self.rows.append(cells))
        self.numbers.append(number)
        if formulas:
            self.formulas[number] = formulas

    def keep_text(self, size: int) -> None:
        self.text += size
        if self.text > self.limits.text:
            raise ImportFileError(
                _(
                    "The file holds more than %(num)d MB of text: split it.",
                    num=self.limits.text // MB,
                )
            )

    def table(self) -> Table:
        if self.headers is None or self.rows is None:
            raise ImportFileError(_("The file is empty."))
        return Table(self.headers, self.rows, self.numbers, self.formulas)


def too_many_columns(number: int, limits: Limits) -> ImportFileError:
    return ImportFileError(
        _("Row %(row)d has more than %(num)d columns.", row=number, num=limits.columns)
    )


def cell_too_long(number: int | None, limits: Limits) -> ImportFileError:
    if number is None:
        return ImportFileError(
            _("The file has a cell longer than %(num)d characters.", num=limits.cell)
        )
    return ImportFileError(
        _("Row %(row)d has a cell longer than %(num)d characters.", row=number, num=limits.cell)
    )


# --- CSV --------------------------------------------------------------------------------


class _Lines:
    """The text's lines for csv.reader, failing as soon as one record (which may span
    lines, in quotes) grows past `limit` characters; the reader resets `used`."""

    def __init__(self, text: io.TextIOBase, limit: int, limits: Limits):
        self.text, self.limit, self.limits = text, limit, limits
        self.used = 0
        self.number = 1

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self.text.readline(self.limit - self.used + 1)
        if not line:
            raise StopIteration
        self.used += len(line)
        if self.used > self.limit:
            raise ImportFileError(
                _(
                    "Row %(row)d is too long: more than %(columns)d columns of %(num)d characters.",
                    row=self.number,
                    columns=self.limits.columns,
                    num=self.limits.cell,
                )
            )
        if "\x00" in line:
            raise ImportFileError(_("This does not look like a CSV file."))
        return line


def _read_csv(stream: BinaryIO, limits: Limits) -> Table:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    builder = _Builder(limits)
    try:
        sample = text.read(8192)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        text.seek(0)
        lines = _Lines(text, limits.columns * (limits.cell + 3), limits)
        reader = csv.reader(lines, dialect)
        for cells in reader:
            builder.add(lines.number, cells)  # the line the record starts on
            lines.used, lines.number = 0, reader.line_num + 1
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "The file is not in UTF-8, so accented letters and other scripts would be "
                "garbled. In Excel, save it as “CSV UTF-8 (comma delimited)”, or upload the "
                "XLSX file instead."
            )
        ) from None
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # csv's own cap, above ours
            raise cell_too_long(lines.number, limits) from None
        raise ImportFileError(_("The CSV file is malformed: %(error)s", error=str(exc))) from None
    finally:
        text.detach()
    return builder.table()


# --- XLSX -------------------------------------------------------------------------------


class _Budget:
    """The bytes a workbook may decompress to, spent as they are read."""

    def __init__(self, limit: int):
        self.limit, self.used = limit, 0

    def allow(self, size: int) -> None:
        """Refuse a part whose size, as the zip declares it, would not fit."""
        if self.used + size > self.limit:
            raise ImportFileError(
                _(
                    "The workbook is larger than %(num)d MB once decompressed: split it.",
                    num=self.limit // MB,
                )
            )

    def spend(self, size: int) -> None:
        self.allow(size)
        self.used += size


def _read_xlsx(path: Path, limits: Limits) -> Table:
    builder = _Builder(limits)
    try:
        with zipfile.ZipFile(path) as archive:
            budget = _Budget(limits.unzipped)
            sheet, shared = _parts(archive, budget)
            strings = _SharedStrings(limits, builder)
            if shared:
                _parse(archive, shared, budget, strings)
            _parse(archive, sheet, budget, _Sheet(limits, builder, strings))
    except DefusedXmlException:  # before ValueError, its base class
        raise ImportFileError(
            _(
                "The workbook holds XML declarations (DTD or entities) that are refused for "
                "safety. Open it in your spreadsheet program and save it again."
            )
        ) from None
    except (
        zipfile.BadZipFile,
        zlib.error,
        KeyError,
        ValueError,
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ):  # NotImplementedError: a compression zipfile cannot read; RuntimeError: encrypted
        raise ImportFileError(_("The file cannot be read as an XLSX workbook.")) from None
    except ExpatError as exc:
        raise ImportFileError(
            _("The workbook is damaged: its XML is malformed (%(error)s).", error=str(exc))
        ) from None
    return builder.table()


def _local(name: str) -> str:
    """ "main row" (namespace, space, name: see _parse) -> "row"."""
    return name.rpartition(" ")[2]


class _Handler:
    """What _parse calls: start and end of each element, and text."""

    def start(self, name: str, attrs: dict[str, str]) -> None:
        pass

    def end(self, name: str) -> None:
        pass

    def characters(self, content: str) -> None:
        pass


class _Elements(_Handler):
    """The attributes of every element of a small part (workbook, relationships)."""

    def __init__(self):
        self.elements: list[tuple[str, dict[str, str]]] = []

    def start(self, name, attrs):
        self.elements.append((_local(name), {_local(key): value for key, value in attrs.items()}))


def _parts(archive: zipfile.ZipFile, budget: _Budget) -> tuple[str, str | None]:
    """The zip names of the first sheet and of the shared strings, if any."""
    workbook, relations = _Elements(), _Elements()
    _parse(archive, "xl/workbook.xml", budget, workbook)
    _parse(archive, "xl/_rels/workbook.xml.rels", budget, relations)
    targets = {attrs.get("Id"): attrs for tag, attrs in relations.elements if tag == "Relationship"}
    sheets = [attrs for tag, attrs in workbook.elements if tag == "sheet"]
    if not sheets:
        raise KeyError("no sheet")
    sheet = _target(targets[sheets[0]["id"]]["Target"])
    shared = next(
        (
            _target(attrs["Target"])
            for attrs in targets.values()
            if attrs.get("Type", "").endswith("/sharedStrings")
        ),
        None,
    )
    return sheet, shared


def _target(target: str) -> str:
    return (
        target.lstrip("/")
        if target.startswith("/")
        else posixpath.normpath(posixpath.join("xl", target))
    )


def _parse(archive: zipfile.ZipFile, name: str, budget: _Budget, handler: _Handler) -> None:
    """Feed a part of the zip to expat a chunk at a time, its declared size checked
    first and the bytes really decompressed counted as they come."""
    info = archive.getinfo(name)
    budget.allow(info.file_size)
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    # defusedxml's rules set on expat itself: no DTD (so no entity, billion laughs
    # included), nothing external. Its SAX and ElementTree parsers put a layer of Python
    # between expat and each element, which made a large sheet much slower to read.
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.characters
    parser.buffer_text = True  # text in pieces of at most 8 KB, fewer calls
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            budget.spend(len(chunk))
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _refuse_dtd(name, sysid, pubid, has_internal_subset):
    raise DTDForbidden(name, sysid, pubid)


def _refuse_entity(name, is_parameter, value, base, sysid, pubid, notation_name):
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)


def _refuse_external(context, base, sysid, pubid):
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


class _Text(_Handler):
    """Collects the text of <t> elements outside phonetic runs (<rPh>), as shared
    strings and inline strings hold it, counting its length as it comes."""

    def __init__(self, limits: Limits, builder: _Builder):
        self.limits, self.builder = limits, builder
        self.parts: list[str] | None = None
        self.length = 0
        self.phonetic = False
        #: The row, for messages (None for the shared strings).
        self.number: int | None = None

    def characters(self, content: str) -> None:
        if self.parts is not None:
            self.length += len(content)
            if self.length > self.limits.cell:
                raise cell_too_long(self.number, self.limits)
            self.parts.append(content)


class _SharedStrings(_Text):
    """xl/sharedStrings.xml, kept as one bytes object with the offsets of each string."""

    def __init__(self, limits: Limits, builder: _Builder):
        super().__init__(limits, builder)
        self.data = bytearray()
        self.offsets = array("Q", [0])
        self.current: list[str] | None = None

    def start(self, name, attrs):
        tag = _local(name)
        if tag == "si":
            self.current, self.length = [], 0
        elif tag == "rPh":
            self.phonetic = True
        elif tag == "t" and self.current is not None and not self.phonetic:
            self.parts = self.current

    def end(self, name):
        tag = _local(name)
        if tag == "t":
            self.parts = None
        elif tag == "rPh":
            self.phonetic = False
        elif tag == "si" and self.current is not None:
            text = "".join(self.current).encode()
            self.current = None
            self.builder.keep_text(len(text))
            self.data += text
            self.offsets.append(len(self.data))

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < len(self.offsets) - 1:
            raise KeyError(index)
        return self.data[self.offsets[index] : self.offsets[index + 1]].decode()


def _column(ref: str) -> int:
    """0 for the A of "A12", 26 for AA..."""
    index = 0
    for char in ref.upper():
        if not "A" <= char <= "Z":
            break
        index = index * 26 + ord(char) - 64
    if not index:
        raise ValueError(ref)
    return index - 1


#: Row elements a sheet may hold per row of data: Excel writes formatted empty rows too,
#: but millions of them are only there to keep a worker busy.
EMPTY_ROWS_FACTOR = 10


class _Sheet(_Text):
    """A worksheet's rows, cell by cell, as the builder's lists of text. The elements are
    counted too, empty ones included: rows up to EMPTY_ROWS_FACTOR times the row limit,
    cells up to the rows times the columns, so the time spent stays bounded as well."""

    def __init__(self, limits: Limits, builder: _Builder, strings: _SharedStrings):
        super().__init__(limits, builder)
        self.strings = strings
        self.number = 0
        self.row_elements = self.cell_elements = 0
        self.cells: list[str] = []
        self.row_formulas = 0
        self.column = 0
        self.kind = "n"
        self.value: list[str] = []
        self.formula: list[str] | None = None
        self.inline = False

    def start(self, name, attrs):
        tag = _local(name)
        if tag == "row":
            self.row_elements += 1
            if self.row_elements > self.limits.rows * EMPTY_ROWS_FACTOR:
                raise ImportFileError(
                    _(
                        "The sheet has more than %(num)d rows, empty ones included: delete the "
                        "empty rows below your data, or split it.",
                        num=self.limits.rows * EMPTY_ROWS_FACTOR,
                    )
                )
            row = attrs.get("r")
            self.number = int(row) if row else self.number + 1
            self.cells, self.row_formulas = [], 0
        elif tag == "c":
            self.cell_elements += 1
            if self.cell_elements > self.limits.rows * self.limits.columns:
                raise ImportFileError(
                    _(
                        "The sheet has more than %(num)d cells, empty ones included: split it.",
                        num=self.limits.rows * self.limits.columns,
                    )
                )
            ref = attrs.get("r")
            self.column = _column(ref) if ref else len(self.cells)
            if self.column >= self.limits.columns:
                raise too_many_columns(self.number, self.limits)
            self.kind = attrs.get("t", "n")
            self.value, self.formula, self.length = [], None, 0
        elif tag == "v":
            self.parts = self.value
        elif tag == "f":
            self.formula = self.parts = []
        elif tag == "is":
            self.inline = True
        elif tag == "rPh":
            self.phonetic = True
        elif tag == "t" and self.inline and not self.phonetic:
            self.parts = self.value

    def end(self, name):
        tag = _local(name)
        if tag in ("v", "f", "t"):
            self.parts = None
        elif tag == "is":
            self.inline = False
        elif tag == "rPh":
            self.phonetic = False
        elif tag == "c":
            text = self._text()
            self.cells.extend([""] * (self.column + 1 - len(self.cells)))
            self.cells[self.column] = text
        elif tag == "row":
            self.builder.add(self.number, self.cells, self.row_formulas)

    def _text(self) -> str:
        if self.formula is not None:
            self.row_formulas |= 1 << self.column
            return "=" + "".join(self.formula)
        value = "".join(self.value)
        if self.kind == "s":
            return self.strings[int(value)] if value else ""
        if self.kind == "b":
            return {"1": "yes", "0": "no"}.get(value, value)
        if self.kind == "n" and value:
            return _number(value)
        return value


def _number(value: str) -> str:
    """A number as a person would type it: 3 rather than 3.0."""
    try:
        return str(int(value))
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        return value
    return str(int(number)) if number.is_integer() else str(number)
