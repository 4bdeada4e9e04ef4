"""Read one CSV resource safely: size limits, bytes and hash, encoding, shape, the editor's lines.

The file is read once, in binary, read-only. Parsing is vectorised (pyarrow's CSV reader; the
standard library's where pyarrow refuses the input) into string columns plus, for every kept row,
the physical line an editor shows, counting the newlines inside quoted cells. Rows of the wrong
shape are reported and left out, so the cell checks see only rows whose columns mean what the header
says.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from afpak_data._csvfmt import not_utf8
from afpak_data._validate.arrow import Column, numbers, strings
from afpak_data._validate.problems import Problem

#: Files beyond this are not read (a clear error rather than a memory blow-up).
MAX_FILE_BYTES = 1024 * 1024 * 1024
#: Cells beyond this many characters are refused (spreadsheets cap cells at 32,767 characters).
MAX_CELL_CHARS = 32_767
#: Encoding problems reported per file before the rest are summarised.
MAX_ENCODING_REPORTS = 20


@dataclass
class Table:
    """A parsed CSV: the header, string cells (columns 0..n-1), and each row's physical line."""

    header: list[str]
    cells: list[Column]
    lines: np.ndarray
    problems: list[Problem] = field(default_factory=list)


def read_bytes(file: Path, shown: str) -> tuple[bytes | None, list[Problem]]:
    """The file's bytes, or None and why not (missing, a directory, too large, unreadable)."""

    def fail(check: str, message: str) -> tuple[None, list[Problem]]:
        return None, [Problem.whole_file(shown, check, message)]

    try:
        stat = file.stat()
    except FileNotFoundError:
        return fail("file-missing", "file not found")
    except OSError as exc:
        return fail("file-missing", f"cannot be read: {exc.strerror or exc}")
    if not file.is_file():
        return fail("file-missing", "not a regular file")
    if stat.st_size > MAX_FILE_BYTES:
        return fail(
            "file-size", f"{stat.st_size} bytes; files over {MAX_FILE_BYTES} bytes are not read"
        )
    try:
        with open(file, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1), []
    except OSError as exc:
        return fail("file-missing", f"cannot be read: {exc.strerror or exc}")


def check_integrity(
    raw: bytes, shown: str, declared_bytes: int | None, declared_hash: str | None
) -> list[Problem]:
    """Compare the declared ``bytes`` and ``hash`` with the file (hash as ``sha256:<hex>``)."""
    problems = []
    if declared_bytes is not None and declared_bytes != len(raw):
        problems.append(
            Problem.whole_file(
                shown,
                "bytes",
                f"declared bytes={declared_bytes}, file has {len(raw)} "
                "(run python scripts/build_datapackage.py)",
            )
        )
    if declared_hash is not None:
        algorithm, sep, expected = declared_hash.partition(":")
        if not sep:
            algorithm, expected = "md5", declared_hash  # Data Package v1: a bare hex string is md5
        if algorithm not in hashlib.algorithms_available or not expected:
            problems.append(
                Problem.whole_file(
                    shown,
                    "hash",
                    f"declared hash {declared_hash!r} is not <algorithm>:<hex>",
                )
            )
        else:
            actual = hashlib.new(algorithm, raw).hexdigest()
            if actual != expected.lower():
                problems.append(
                    Problem.whole_file(
                        shown,
                        "hash",
                        f"declared hash={declared_hash}, file has {algorithm}:{actual} "
                        "(run python scripts/build_datapackage.py)",
                    )
                )
    return problems


def decode_checks(raw: bytes, shown: str) -> tuple[bytes, list[Problem]]:
    """Report a BOM and invalid UTF-8 (naming lines); return valid UTF-8 bytes without the BOM."""
    problems = []
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append(
            Problem(
                shown,
                1,
                None,
                None,
                "bom",
                "the file starts with a UTF-8 byte-order mark; save it as UTF-8 without BOM",
            )
        )
        raw = raw[3:]
        offset = 3
    else:
        offset = 0
    if raw.isascii():  # ASCII is UTF-8, and checking it costs a fraction of decoding
        return raw, problems
    try:
        raw.decode("utf-8")
        return raw, problems
    except UnicodeDecodeError:
        pass
    start, reported = 0, 0
    while start < len(raw):
        try:
            raw[start:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            pos = start + exc.start
            line = raw.count(b"\n", 0, pos) + 1
            if reported < MAX_ENCODING_REPORTS:
                problems.append(
                    Problem(
                        shown,
                        line,
                        None,
                        None,
                        "encoding",
                        not_utf8(raw[pos], pos + offset),
                    )
                )
            reported += 1
            start = pos + max(1, exc.end - exc.start)
    if reported > MAX_ENCODING_REPORTS:
        problems.append(
            Problem.whole_file(
                shown,
                "encoding",
                f"{reported - MAX_ENCODING_REPORTS} more invalid UTF-8 sequences",
            )
        )
    return raw.decode("utf-8", errors="replace").encode("utf-8"), problems


def parse_csv(raw: bytes, shown: str) -> Table:
    """Parse valid UTF-8 CSV bytes into a Table (always; problems are attached to it)."""
    try:
        return _parse_arrow(raw, shown)
    except Exception:
        # pyarrow refuses some inputs the standard library reads (huge rows, odd quoting): the slow,
        # exact path then decides, and reports what is wrong.
        return parse_csv_stdlib(raw, shown)


def _newlines(values: Column) -> np.ndarray:
    """Physical line breaks inside each cell (CRLF, LF or a lone CR count once)."""
    return numbers(pc.count_substring_regex(values, "\r\n|\r|\n"))


def _header(raw: bytes) -> list[str]:
    """The header row, parsed by the standard library (it may itself hold quoted newlines)."""
    head = raw[: 1024 * 1024].decode("utf-8", errors="replace")
    return next(csv.reader(io.StringIO(head, newline="")), [])


def _parse_arrow(raw: bytes, shown: str) -> Table:
    header = _header(raw)
    n = len(header)
    bad: list[tuple[int, int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> Literal["skip"]:
        bad.append((row.number or 0, row.actual_columns, row.text))
        return "skip"

    names = [f"c{i}" for i in range(n)]

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
    breaks = _line_breaks(raw)
    lines = breaks + (0 if raw.endswith((b"\n", b"\r")) else 1)
    try:
        table = read(newlines_in_values=False)
        quick = not bad and table.num_rows == lines
    except pa.ArrowInvalid:
        quick = False
    if not quick:
        bad.clear()
        table = read(newlines_in_values=True)
    columns = [table.column(i).combine_chunks() for i in range(n)]
    records = table.num_rows + len(bad)
    # Record numbers (1-based, header = 1) of the rows pyarrow kept, then each record's extra lines.
    keep = np.ones(records, bool)
    keep[np.array([b[0] - 1 for b in bad], dtype=np.int64)] = False
    kept = np.flatnonzero(keep) + 1
    extra = np.zeros(records, dtype=np.int64)
    if breaks > records:
        per_row = sum((_newlines(c) for c in columns), np.zeros(table.num_rows, np.int64))
        extra[kept - 1] = per_row
        for number, _, text in bad:
            extra[number - 1] = text.count("\n") + text.count("\r") - text.count("\r\n")
    starts = np.arange(1, records + 1) + np.concatenate(([0], np.cumsum(extra)[:-1]))
    problems = [
        _shape_problem(shown, int(starts[number - 1]), count, n) for number, count, _ in bad
    ]
    body = [column.slice(1) for column in columns]
    return Table(header, body, starts[kept - 1][1:], problems)


def _line_breaks(raw: bytes) -> int:
    """Physical line breaks in ``raw`` (CRLF, LF or a lone CR count once); one pass without CR."""
    if raw.find(b"\r") < 0:
        return raw.count(b"\n")
    return raw.count(b"\n") + raw.count(b"\r") - raw.count(b"\r\n")


def _shape_problem(shown: str, line: int, count: int, n: int) -> Problem:
    check = "extra-cells" if count > n else "missing-cells"
    return Problem(shown, line, None, None, check, f"row has {count} cells, the header has {n}")


def parse_csv_stdlib(raw: bytes, shown: str) -> Table:
    """The exact, slower reader: the standard library's csv module and its physical line counter."""
    text = raw.decode("utf-8", errors="replace")
    csv.field_size_limit(MAX_CELL_CHARS * 4 + 1)
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] = []
    start = 1
    try:
        for row in reader:
            if not header and not lines and start == 1 and not rows:
                header = row
                n = len(header)
                start = reader.line_num + 1
                continue
            if len(row) != n and row:
                problems.append(_shape_problem(shown, start, len(row), n))
            else:
                rows.append(row or [""] * n)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        message = str(exc)
        check = "cell-size" if "field larger" in message else "csv-syntax"
        if check == "cell-size":
            message = (
                f"a cell is longer than {MAX_CELL_CHARS} characters; "
                "the rest of the file is not read"
            )
        problems.append(Problem(shown, start, None, None, check, message))
    cells = [strings(row[i] for row in rows) for i in range(len(header))]
    return Table(header, cells, np.array(lines, dtype=np.int64), problems)
