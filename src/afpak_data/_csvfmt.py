"""The canonical bytes of a table's CSV, and the rewrite that brings a spreadsheet's save back.

Why: LibreOffice's CSV import splits on ``;`` as well as ``,`` by default, and a spreadsheet that
saves a CSV re-quotes it and may add a byte-order mark or CRLF, so a contributor's diff shows every
line. In the canonical form every non-empty cell of a ``string`` field is quoted, so no separator
can split it; an empty cell (the missing value) is not; other cells are quoted only where they must
be. LF line endings, one at the end, no byte-order mark, columns in the Table Schema's order.
Standard library only: ``scripts/build_datapackage.py`` uses it before the package is installed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

BOM = b"\xef\xbb\xbf"
#: The csv module's cell limit (process-wide), set by every reader to this one value: any cell a
#: file can hold is read (``validate`` reports those over its limit as ``cell-size``); 2**31 - 1
#: because the limit is a C long, 32 bits on Windows.
FIELD_LIMIT = 2**31 - 1
#: Characters that force quotes on a cell of any type (separators a reader may use, quotes, breaks).
_NEEDS_QUOTES = frozenset(',;"\n\r\t')


class CsvFormatError(ValueError):
    """The file cannot be brought to the canonical form safely; the message says where and why
    (``line`` and ``reason`` are its parts, for a caller with its own wording)."""

    def __init__(self, message: str, line: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.line, self.reason = line, reason


def not_utf8(byte: int, offset: int) -> str:
    """What is wrong with a byte that is not UTF-8 (the validator and ``fmt`` say the same)."""
    return f"byte 0x{byte:02x} at offset {offset} is not valid UTF-8 (save the file as UTF-8)"


def records(
    lines: Iterable[str], shown: str, *, strict: bool = False
) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the editor line it starts on (a quoted line break counts, as in the
    validator); a syntax error raises :class:`CsvFormatError` at the line of its record."""
    csv.field_size_limit(FIELD_LIMIT)
    reader = csv.reader(lines, strict=strict)
    start = 1
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvFormatError(
            f"{shown}:{start}: not a readable CSV ({exc})", start, str(exc)
        ) from None


def _cell(value: str, text: bool) -> str:
    if value == "":
        return ""
    if text or _NEEDS_QUOTES.intersection(value) or value != value.strip():
        return '"' + value.replace('"', '""') + '"'
    return value


def render(header: Sequence[str], rows: Sequence[Sequence[str]], text_fields: set[str]) -> str:
    """The canonical text of a table: ``header`` then ``rows``, text cells quoted, LF endings."""
    text = [name in text_fields for name in header]
    lines = [",".join(_cell(name, False) for name in header)]
    lines += [",".join(_cell(v, flag) for v, flag in zip(row, text, strict=True)) for row in rows]
    return "\n".join(lines) + "\n"


def canonical(raw: bytes, fields: Sequence[tuple[str, str]], shown: str) -> str:
    """The canonical text of the CSV bytes ``raw`` whose schema has ``fields`` (name, type).

    Values are kept, but CRLF inside a cell becomes LF; rows of empty cells (a spreadsheet's) are
    dropped. Columns other than the schema's, or a row of the wrong length, raise
    :class:`CsvFormatError`: only the validator can say what was meant.
    """
    skipped = len(BOM) if raw.startswith(BOM) else 0
    try:
        text = raw[skipped:].decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", skipped, exc.start + skipped) + 1
        byte = not_utf8(raw[exc.start + skipped], exc.start + skipped)
        raise CsvFormatError(f"{shown}:{line}: {byte}") from None
    found = list(records(io.StringIO(text, newline=""), shown, strict=True))
    if not found:
        raise CsvFormatError(f"{shown}:1: the file is empty (expected a header row)")
    header, body = found[0][1], found[1:]
    names = [name for name, _ in fields]
    if sorted(header) != sorted(names) or len(set(header)) != len(header):
        raise CsvFormatError(
            f"{shown}:1: the columns {header} are not the schema's {names} "
            "(expected the same names, in any order; run afpak-data validate)"
        )
    order = [header.index(name) for name in names]
    rows = []
    for line, record in body:
        if not any(record):
            continue
        if len(record) != len(header):
            raise CsvFormatError(
                f"{shown}:{line}: {len(record)} cells where the header has {len(header)} "
                "(expected one cell per column; run afpak-data validate)"
            )
        rows.append([record[i].replace("\r\n", "\n") for i in order])
    return render(names, rows, {name for name, kind in fields if kind == "string"})
