"""Read one CSV resource safely into a :class:`TableContext`: size limits, bytes and hash, encoding,
shape, header, and for every row the physical line an editor shows (newlines in quoted cells count).

The file is read once, in binary. Rows of the wrong shape are reported and left out, so the cell
checks see only rows whose columns mean what the header says.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from afpak_data._csvfmt import CsvFormatError, not_utf8, records
from afpak_data._errors import Problem
from afpak_data._model.descriptor import Resource, Schema
from afpak_data._validate.arrow import Column, call, isin, kernels, numbers, strings

#: Files beyond this are not read (a clear error rather than a memory blow-up).
MAX_FILE_BYTES = 1024 * 1024 * 1024
#: Cells beyond this many characters are refused (spreadsheets cap cells at 32,767 characters).
MAX_CELL_CHARS = 32_767
#: Encoding problems reported per file before the rest are summarised.
MAX_ENCODING_REPORTS = 20
#: Files at least this large are parsed by pyarrow (below, its fixed cost is more than the parse).
ARROW_FROM = 64 * 1024
_UNCLOSED = (
    "an odd number of '\"' in the file: the last one opens a quoted cell that is never closed, "
    "so the rest of the file reads as that one cell (close it, or quote the cell and write a "
    'quote inside it as "")'
)
#: Separator of the parts of a composite key (never in a CSV value a person types).
KEY_SEPARATOR = "\x1f"


@dataclass
class TableContext:
    """A parsed resource: string columns by field name, each row's line, the rows that reached the
    cell checks (``usable``), and (``typed``) the values the cell checks converted (null if invalid
    or missing), so that ``x-rules`` compare numbers and dates without parsing a column twice."""

    name: str
    shown: str
    schema: Schema
    columns: dict[str, Column]
    lines: np.ndarray
    usable: np.ndarray
    typed: dict[str, Column] = field(default_factory=dict)
    missing_cache: dict[str, np.ndarray] = field(default_factory=dict)
    #: distinct referenced values per key, built once however many foreign keys point here
    key_sets: dict[tuple[str, ...], Column] = field(default_factory=dict)

    def record_id(self, row: int) -> str | None:
        """The row's primary key as shown to people (composite keys joined with '/')."""
        pk = self.schema.primary_key
        if not pk or any(f not in self.columns for f in pk):
            return None
        values = [str(self.columns[f][row].as_py()) for f in pk]
        return "/".join(values) if any(values) else None

    def problem(self, row: int, column: str | None, check: str, message: str) -> Problem:
        """A problem located at data row ``row`` (0-based in ``columns``)."""
        line = int(self.lines[row])
        return Problem(self.shown, line, self.record_id(row), column, check, message)

    def key(self, fields: Sequence[str]) -> Column | None:
        """The values of ``fields`` as one string array (composites joined with a separator)."""
        if any(f not in self.columns for f in fields):
            return None
        parts = [self.columns[f] for f in fields]
        if len(parts) == 1:
            return parts[0]
        return call("binary_join_element_wise", *parts, strings([KEY_SEPARATOR])[0])

    def missing(self, name: str) -> np.ndarray:
        """Rows whose ``name`` cell is a missing value (``missingValues``, usually "")."""
        if name not in self.missing_cache:
            self.missing_cache[name] = isin(self.columns[name], list(self.schema.missing_values))
        return self.missing_cache[name]

    def present(self, fields: Sequence[str]) -> np.ndarray:
        """Rows where every one of ``fields`` has a value (and the row is usable)."""
        mask = self.usable.copy()
        for f in fields:
            mask &= ~self.missing(f)
        return mask


#: Problems that make a file unusable as its table: it cannot be read, or its rows and header do
#: not line up with the schema (``bom``, ``blank-row``, ``cell-size``... do not).
UNUSABLE = frozenset(
    {"file-missing", "file-size", "file-empty", "encoding", "csv-syntax", "extra-cells"}
    | {"missing-cells", "missing-column", "extra-column", "duplicate-column", "misnamed-column"}
    | {"column-order"}
)


def read_usable(spec: Resource) -> tuple[TableContext | None, list[Problem]]:
    """The table for the loader and diff, which read what the validator reads (the declared
    ``bytes`` and ``hash`` not verified: an edited checkout still loads); None and the problems
    that make it unusable (see :data:`UNUSABLE`) when it is."""
    problems: list[Problem] = []
    table = read_table(spec, problems, verify=False)
    refused = [p for p in problems if p.check in UNUSABLE]
    return (None, refused or problems) if table is None or refused else (table, [])


def read_table(spec: Resource, problems: list[Problem], verify: bool = True) -> TableContext | None:
    """File-level checks of one resource; its parsed table, ready for the cell checks."""
    shown = spec.path

    def bad(check: str, message: str, line: int | None = None, column: str | None = None) -> None:
        problems.append(Problem(shown, line, None, column, check, message))

    raw = _read_bytes(spec.safe_file, bad) if spec.safe_file is not None and shown else None
    if raw is None:
        return None
    if verify:
        _integrity(raw, spec.bytes, spec.hash, bad)
    ignorable = b"\xef\xbb\xbf \t\r\n"
    if not raw[:4096].strip(ignorable) and not raw.strip(ignorable):  # its start decides, usually
        bad("file-empty", "the file is empty (expected a header row)")
        return None
    raw = _decode(raw, bad)
    if raw.count(b'"') % 2:  # both readers then read the rest of the file as one cell
        line = raw.count(b"\n", 0, raw.rfind(b'"')) + 1
        bad("csv-syntax", _UNCLOSED, line)
    try:  # the standard library's reader is exact, but Arrow's is ten times faster on big files
        header, cells, lines = (_parse_stdlib if len(raw) < ARROW_FROM else _parse_arrow)(raw, bad)
    except Exception:
        # pyarrow refuses some inputs the standard library reads (huge rows, odd quoting): the
        # slow, exact reader then decides, and reports what is wrong.
        header, cells, lines = _parse_stdlib(raw, bad)
    if not spec.schema.fields:
        return None
    columns = _check_header(header, spec.schema, bad)
    empty = [numbers(call("binary_length", column)) == 0 for column in cells]
    blank = np.logical_and.reduce(empty) if empty else np.ones(len(lines), bool)
    for row in np.flatnonzero(blank):
        bad("blank-row", "the row is empty; delete it", int(lines[row]))
    series = {name: cells[i] for name, i in columns.items()}
    table = TableContext(spec.name, shown, spec.schema, series, lines, ~blank)
    if spec.schema.missing_values == ("",):  # the usual missing value, an empty cell: known now
        table.missing_cache.update({name: empty[i] for name, i in columns.items()})
    return table


Bad = Callable[..., None]


def _read_bytes(file: Path, bad: Bad) -> bytes | None:
    """The file's bytes, or None and why not (missing, a directory, too large, unreadable)."""
    try:  # the model refused a path that is not a regular file
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            bad("file-size", f"{size} bytes; files over {MAX_FILE_BYTES} bytes are not read")
        else:
            with open(file, "rb") as handle:
                return handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        bad("file-missing", "file not found")
    except OSError as exc:
        bad("file-missing", f"cannot be read: {exc.strerror or exc}")
    return None


def _integrity(raw: bytes, size: int | None, digest: str | None, bad: Bad) -> None:
    """The declared ``bytes`` and ``hash`` (``<algorithm>:<hex>``; bare hex is v1's md5)."""
    rebuild = "(run python scripts/build_datapackage.py)"
    if size is not None and size != len(raw):
        bad("bytes", f"declared bytes={size}, file has {len(raw)} {rebuild}")
    if digest is not None:
        algorithm, sep, expected = digest.partition(":")
        if not sep:
            algorithm, expected = "md5", digest
        if algorithm not in hashlib.algorithms_available or not expected:
            bad("hash", f"declared hash {digest!r} is not <algorithm>:<hex>")
        elif (actual := hashlib.new(algorithm, raw).hexdigest()) != expected.lower():
            bad("hash", f"declared hash={digest}, file has {algorithm}:{actual} {rebuild}")


def _decode(raw: bytes, bad: Bad) -> bytes:
    """Report a BOM and invalid UTF-8 (naming lines); return valid UTF-8 bytes without the BOM."""
    offset = 0
    if raw.startswith(b"\xef\xbb\xbf"):
        bad("bom", "the file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM", 1)
        raw, offset = raw[3:], 3
    if raw.isascii():  # ASCII is UTF-8, and checking it costs a fraction of decoding
        return raw
    start, reported = 0, 0
    while start < len(raw):  # raw[0:] is raw itself: valid UTF-8 is decoded once
        try:
            raw[start:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            pos = start + exc.start
            if reported < MAX_ENCODING_REPORTS:
                bad("encoding", not_utf8(raw[pos], pos + offset), raw.count(b"\n", 0, pos) + 1)
            reported += 1
            start = pos + max(1, exc.end - exc.start)
    if reported > MAX_ENCODING_REPORTS:
        bad("encoding", f"{reported - MAX_ENCODING_REPORTS} more invalid UTF-8 sequences")
    return raw.decode("utf-8", errors="replace").encode("utf-8") if reported else raw


def _bad_shape(bad: Bad, line: int, count: int, n: int) -> None:
    check = "extra-cells" if count > n else "missing-cells"
    bad(check, f"row has {count} cells, the header has {n}", line)


Parsed = tuple[list[str], list[Column], np.ndarray]


def _parse_arrow(raw: bytes, bad: Bad) -> Parsed:
    import pyarrow.csv as pacsv

    # the header by the standard library (it may itself hold quoted newlines)
    head = raw[: 1024 * 1024].decode("utf-8", errors="replace")
    header = next(csv.reader(io.StringIO(head, newline="")), [])
    n = len(header)
    names = [f"c{i}" for i in range(n)]
    invalid: list[tuple[int, int, str]] = []

    def on_invalid(row: Any) -> Literal["skip"]:
        invalid.append((row.number or 0, row.actual_columns, row.text))
        return "skip"

    def read(newlines_in_values: bool) -> pa.Table:
        return pacsv.read_csv(
            io.BytesIO(raw),
            # One thread, so that each invalid row's number is known; blocks of 1 MiB, which the
            # serial reader parses several times faster than one huge block.
            read_options=pacsv.ReadOptions(
                column_names=names, use_threads=False, block_size=1 << 20
            ),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=newlines_in_values,
                invalid_row_handler=on_invalid,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    # Most files have no line break inside a cell: then the reader may cut blocks at any line
    # break, which parses twice as fast. That is known to hold when every record took exactly one
    # line and every row had its cells; otherwise the file is read again, the careful way.
    breaks = raw.count(b"\n")
    if b"\r" in raw:  # CRLF, LF or a lone CR count once
        breaks += raw.count(b"\r") - raw.count(b"\r\n")
    try:
        table = read(newlines_in_values=False)
        quick = not invalid and table.num_rows == breaks + (not raw.endswith((b"\n", b"\r")))
    except pa.ArrowInvalid:
        quick = False
    if not quick:
        invalid.clear()
        table = read(newlines_in_values=True)
    columns = [table.column(i).combine_chunks() for i in range(n)]
    records = table.num_rows + len(invalid)
    # Record numbers (1-based, header = 1) of the rows pyarrow kept, then each record's extra lines.
    keep = np.ones(records, bool)
    keep[np.array([b[0] - 1 for b in invalid], dtype=np.int64)] = False
    kept = np.flatnonzero(keep) + 1
    extra = np.zeros(records, dtype=np.int64)
    if breaks > records:
        options = kernels.MatchSubstringOptions("\r\n|\r|\n")
        per_row = [numbers(call("count_substring_regex", c, options=options)) for c in columns]
        extra[kept - 1] = sum(per_row, np.zeros(table.num_rows, np.int64))
        for number, _, text in invalid:
            extra[number - 1] = text.count("\n") + text.count("\r") - text.count("\r\n")
    starts = np.arange(1, records + 1) + np.concatenate(([0], np.cumsum(extra)[:-1]))
    lines = starts[kept - 1][1:]
    for at, count, _ in invalid:
        _bad_shape(bad, int(starts[at - 1]), count, n)
    return header, [column.slice(1) for column in columns], lines


def _parse_stdlib(raw: bytes, bad: Bad) -> Parsed:
    """The exact, slower reader: the standard library's csv module and its physical line counter."""
    text = io.StringIO(raw.decode("utf-8", errors="replace"), newline="")
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for start, row in records(text, ""):
            if header is None:
                header = row
            elif row and len(row) != len(header):
                _bad_shape(bad, start, len(row), len(header))
            else:
                rows.append(row or [""] * len(header))
                lines.append(start)
    except CsvFormatError as exc:  # cells of any size are read: ``cells`` reports ``cell-size``
        bad("csv-syntax", exc.reason, exc.line)
    header = header or []
    cells = [strings(row[i] for row in rows) for i in range(len(header))]
    return header, cells, np.array(lines, dtype=np.int64)


def _check_header(header: list[str], schema: Schema, report: Bad) -> dict[str, int]:
    """Header problems; returns the column index of each schema field found in the header."""

    def bad(column: str | None, check: str, message: str) -> None:
        report(check, message, 1, column)

    fields = [f.name for f in schema.fields]
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in positions:
            first = positions[name] + 1
            bad(name, "duplicate-column", f"column {i + 1} repeats the name '{name}' "
                f"(first in column {first})")  # fmt: skip
        else:
            positions[name] = i
    extra = [(i, n) for i, n in enumerate(header) if n not in fields and positions.get(n) == i]
    missing = [f for f in fields if f not in positions]
    columns = {f: positions[f] for f in fields if f in positions}
    for i, name in extra:
        guess = fields[i] if i < len(fields) and fields[i] in missing else None
        close = difflib.get_close_matches(name, missing, n=1, cutoff=0.6)
        guess = close[0] if close else guess
        if guess is not None:
            missing.remove(guess)
            columns[guess] = i
            bad(guess, "misnamed-column", f"column {i + 1} is named {name!r}; "
                f"the schema calls it '{guess}'")  # fmt: skip
        else:
            bad(name, "extra-column", f"column {i + 1} {name!r} is not a field of the schema "
                f"(fields: {', '.join(fields)})")  # fmt: skip
    for name in missing:
        bad(name, "missing-column", f"the header has no column '{name}'")
    in_header = [n for n in positions if n in fields]  # first occurrences, in header order
    # with nothing extra or missing, in_header holds every field
    if not extra and not missing and in_header != fields:
        bad(None, "column-order", f"columns are {', '.join(in_header)}; "
            f"the schema's order is {', '.join(fields)}")  # fmt: skip
    return columns
