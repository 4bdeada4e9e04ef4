"""Excel export: an ``about`` sheet, a sheet per table, ``codebook`` and ``vocabularies`` sheets.

Typed cells, a frozen filterable header, long text wrapped on rows tall enough (neither Excel nor
LibreOffice grows a row on opening). Text is never interpreted (``strings_to_*`` off), and text a
spreadsheet would run as a formula gets the quote-prefix style, so editing keeps it text.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from afpak_data._model.descriptor import FORMULA_CHARS
from afpak_data._publish.citation import citation, items
from afpak_data._publish.export import rows
from afpak_data._publish.export.codebook import constraints_text, vocabularies

if TYPE_CHECKING:
    import pandas as pd
    from xlsxwriter.format import Format  # type: ignore[import-untyped]
    from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

    from afpak_data._model.descriptor import Package

MAX_SHEET_NAME = 31
MAX_COLUMN_WIDTH = 60
#: Width (in characters) of the about sheet's text column, and the height of one line of it.
ABOUT_WIDTH = 100
LINE_HEIGHT = 15
#: Workbook options that keep every string a string (no formula, number or URL made of it).
AS_TEXT = dict.fromkeys(("strings_to_formulas", "strings_to_numbers", "strings_to_urls"), False)
STYLES: dict[str, dict[str, Any]] = {
    "header": {"bold": True, "bg_color": "#E8E8E8", "bottom": 1},
    "title": {"bold": True, "font_size": 14},
    "prefixed": {"quote_prefix": True},
    "wrap": {"text_wrap": True, "valign": "top"},
}


def write(package: Package, frames: dict[str, pd.DataFrame], staging: Path) -> None:
    import xlsxwriter  # type: ignore[import-untyped]  # xlsxwriter ships no type hints

    path = staging / f"{package.name or 'datapackage'}.xlsx"
    # Built in memory and written in one call: a full disk then fails in that write, with no
    # half-written zip left for xlsxwriter to close (noisily) later, and no temp files in /tmp.
    buffer = io.BytesIO()
    options = {"in_memory": True, "default_date_format": "yyyy-mm-dd", **AS_TEXT}
    workbook = xlsxwriter.Workbook(buffer, options)
    styles = {name: workbook.add_format(spec) for name, spec in STYLES.items()}
    names = sheet_names(["about", *package.names, "codebook", "vocabularies"])
    about, *tables, codebook, vocabulary_sheet = [workbook.add_worksheet(n) for n in names]
    write_about(about, package, styles)
    for sheet, resource in zip(tables, package.resources, strict=True):
        body = list(rows(frames[resource.name], resource.schema))
        write_grid(sheet, list(resource.schema.field_names), body, styles)
    fields = [
        (
            r.name,
            f.name,
            f.type,
            "yes" if f.required else "no",
            f.vocabulary or "",
            constraints_text(f),
            f.description,
        )
        for r in package.resources
        for f in r.schema.fields
    ]
    header = ["table", "field", "type", "required", "vocabulary", "constraints", "description"]
    write_grid(codebook, header, fields, styles)
    # Each vocabulary's own description on a row with an empty value, then its values.
    values: list[tuple[Any, ...]] = []
    for vocabulary in vocabularies(package):
        values.append((vocabulary.name, None, vocabulary.description))
        values.extend((vocabulary.name, value, text) for value, text in vocabulary.values)
    write_grid(vocabulary_sheet, ["vocabulary", "value", "definition"], values, styles)
    workbook.close()
    path.write_bytes(buffer.getvalue())


def sheet_names(wanted: list[str]) -> list[str]:
    """Unique sheet names of at most 31 characters (resource names are safe lowercase slugs)."""
    result: list[str] = []
    for name in wanted:
        candidate, n = name[:MAX_SHEET_NAME], 1
        while candidate in result:
            n += 1
            candidate = name[: MAX_SHEET_NAME - len(f"~{n}")] + f"~{n}"
        result.append(candidate)
    return result


def write_grid(
    sheet: Worksheet, header: list[str], body: list[tuple[Any, ...]], styles: dict[str, Format]
) -> None:
    """A frozen, filtered header and the body, columns sized to fit, formula-like text prefixed."""
    sheet.write_row(0, 0, header, styles["header"])
    for r, values in enumerate(body, start=1):
        for col, value in enumerate(values):
            if isinstance(value, str):
                prefixed = value.startswith(tuple(FORMULA_CHARS))
                sheet.write_string(r, col, value, styles["prefixed"] if prefixed else None)
            else:  # None (left empty), bool, number, or a date in the default date format
                sheet.write(r, col, value)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(body), 1), len(header) - 1)
    for col, name in enumerate(header):
        longest = max([len(name) + 2, *(len(str(v[col])) for v in body if v[col] is not None)])
        sheet.set_column(col, col, min(longest + 1, MAX_COLUMN_WIDTH))


def lines_needed(text: str, width: int) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (a safe estimate)."""
    usable = max(int(width * 0.95) - 2, 10)
    return sum(max(1, -(-len(part) // usable)) for part in text.split("\n"))


def write_about(sheet: Worksheet, package: Package, styles: dict[str, Format]) -> None:
    """Title, version, description, how to cite, licence, sources, and what each table is."""
    descriptor = package.descriptor
    sheet.write_string(0, 0, package.title or package.name, styles["title"])
    licences = [
        f"{x.get('name', '')}: {x.get('title', '')} {x.get('path', '')}".strip()
        for x in items(descriptor, "licenses")
    ]
    sources = [
        f"{s.get('title', '')}. {s.get('description', '')}".strip()
        for s in items(descriptor, "sources")
    ]
    facts = [
        ("name", package.name),
        ("version", package.version),
        ("description", str(descriptor.get("description", ""))),
        ("how to cite", citation(package.descriptor)),
        ("homepage", str(descriptor.get("homepage", ""))),
        ("licence", "\n".join(licences)),
        ("sources", "\n".join(sources)),
        ("empty cells", "An empty cell always means the source does not say."),
        ("sheet codebook", "Every field of every table: type, required, constraints, meaning."),
        ("sheet vocabularies", "Every category value, with its definition."),
    ]
    for r, (key, value) in enumerate(facts, start=2):
        sheet.write_string(r, 0, key, styles["header"])
        sheet.write_string(r, 1, value, styles["wrap"])
        sheet.set_row(r, LINE_HEIGHT * lines_needed(value, ABOUT_WIDTH))
    start = len(facts) + 3
    sheet.write_row(start, 0, ["table", "what it holds"], styles["header"])
    for r, resource in enumerate(package.resources, start=start + 1):
        sheet.write_string(r, 0, resource.name)
        text = f"{resource.title}. {resource.description}".strip(". ") + "."
        sheet.write_string(r, 1, text, styles["wrap"])
        sheet.set_row(r, LINE_HEIGHT * lines_needed(text, ABOUT_WIDTH))
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, ABOUT_WIDTH)
