"""The report of one validation, and the stable vocabulary of check names.

Checks never print or raise: they return located :class:`Problem` records, so one run reports
everything and tests assert ``(file, line, column, check)`` instead of prose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from afpak_data._errors import Problem

__all__ = ["CHECKS", "Problem", "Report", "Skipped"]

#: The stable vocabulary of ``check`` names, by section: the one registry that ``--list-checks``,
#: the JSON reports and the CONTRIBUTING.md table are generated from (a test compares them).
#: Renaming one breaks users' filters on ``--format json``: add names, never reuse or rename them.
SECTIONS: dict[str, dict[str, str]] = {
    "The descriptor": {
        "descriptor-unreadable": "datapackage.json is missing, unreadable, not UTF-8, not JSON or not an object",
        "descriptor-property": "a required descriptor or resource property is missing or has the wrong type",
        "version": "the package version is not MAJOR.MINOR.PATCH",
        "resource-path": "a resource or schema path is absolute, contains '..', is a URL or leaves the package (never opened)",
        "portable-path": "a resource or schema path would not unpack the same on Linux, macOS and Windows: a part that is not a plain name (letters, digits, '.', '_', '-', '+', spaces; not '.' first, not a dot or space last, at most 128 characters), a Windows device name (`con`, `nul.csv`, ...), more than 8 parts, two paths differing only by case, a path that is also a folder, or the descriptor's own name",
        "schema": "a Table Schema is missing, unreadable or invalid (fields, types, constraints, keys)",
        "bytes": "the resource's declared `bytes` differs from the file's size",
        "hash": "the resource's declared `hash` (sha256:<hex>) differs from the file's digest, or is malformed",
        "resource-name": "a resource name is not a lowercase slug or is a Windows device name such as `aux` (it becomes a file name and an SQL identifier)",
        "special-file": "a descriptor, schema or resource is a FIFO, device or directory (never opened)",
        "json-number": "a number in a JSON file is too long to read (over 4,300 digits)",
        "control-character": "a text holds a control character or a bidirectional override (the character and its position are named)",
        "unsupported": "a Table Schema or Data Package property the validator does not check, such as a field type other than string, integer, number, boolean, date and year, a `format` other than the default (and a date's `%Y-%m-%d`) or a `fieldsMatch` other than `exact` (reported, so that 'not checked' never reads as 'passed')",
    },
    "Files": {
        "file-missing": "a resource file does not exist",
        "file-empty": "a resource file is empty (no header)",
        "file-size": "a file is larger than the validator's size limit (not read, to avoid a memory blow-up)",
        "encoding": "a file is not valid UTF-8 (the line is named), or a resource declares another encoding",
        "bom": "a file starts with a byte-order mark (spreadsheets add it; the header's first name breaks)",
        "csv-syntax": "the CSV cannot be parsed (for example a quote that is never closed)",
        "missing-column": "a schema field has no column in the header",
        "extra-column": "the header has a column the schema does not define",
        "duplicate-column": "the header names a column twice",
        "misnamed-column": "a header column looks like a misspelt schema field",
        "column-order": "the header's columns are not in the schema's order",
        "extra-cells": "a row has more cells than the header",
        "missing-cells": "a row has fewer cells than the header",
        "blank-row": "a row is empty",
        "cell-size": "a cell is longer than the validator's size limit",
    },
    "Cells": {
        "type": "a value is not of the field's type (integer, number, boolean, date or year; any text is a string)",
        "required": "a required value (or part of the primary key) is missing",
        "enum": "a value is not in the field's vocabulary",
        "pattern": "a value does not match the field's pattern (IDs: lowercase prefixed slugs)",
        "min-length": "a value is shorter than minLength",
        "max-length": "a value is longer than maxLength",
        "minimum": "a value is below minimum",
        "maximum": "a value is above maximum",
        "whitespace": "a value has leading or trailing white space",
        "formula": "a text value starts with =, +, -, @, tab or carriage return (spreadsheets execute it as a formula)",
        "max-words": "a quote is longer than the schema's x-maxWords",
        "rule": "a row breaks one of its table's `x-rules`: `paired` fields filled or empty together, `ordered` fields (first not after second, compared as numbers, years or dates), `unknown_when_empty` (a date is empty exactly when its precision is `unknown`), `empty_when` (a field is empty exactly when another has the rule's `value`, e.g. `certainty_signal` is empty exactly when `certainty` is `asserted`); the message quotes the rule",
    },
    "Tables and keys": {
        "primary-key": "two rows share a primary key (both lines are named)",
        "unique": "two rows share a value that must be unique",
        "foreign-key": "a value refers to a row that does not exist (link tables and self-references included)",
        "polymorphic-key": "an x-polymorphicReferences value matches no table's ID pattern or no row in it",
        "withdrawn-id": "a row's ID is listed in `data/withdrawn.csv`: withdrawn IDs stay reserved, choose a new one",
    },
    "Evidence and release": {
        "source-text": "with `--sources-dir`: a source text cannot be matched to its `sources` row, or its sha256 or paragraph count differs from the row's `sha256` / `paragraph_count`",
        "paragraph": "a row names a paragraph beyond its source's `paragraph_count` (checked without the texts too; with `--sources-dir`, against the text itself)",
        "quote": "a quote does not occur verbatim in the paragraph its row names",
        "changelog": "the descriptor version is not the top `## [X.Y.Z]` entry of CHANGELOG.md",
        "internal-error": "the validator failed unexpectedly on this input (please report it)",
    },
}
CHECKS: dict[str, str] = {
    name: text for checks in SECTIONS.values() for name, text in checks.items()
}


@dataclass(frozen=True, slots=True)
class Skipped:
    """A check that was not run, and why: reported so that 'not checked' never reads as 'passed'."""

    check: str
    reason: str


@dataclass
class Report:
    """The outcome of one validation: what was checked, what is wrong, what was not checked."""

    package: Path
    origin: str
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    #: a usage error found on the way (``--sources-dir`` holds none of the texts): exit 2, no report
    refused: str | None = None

    @property
    def exit_code(self) -> int:
        """0 valid, 1 invalid, 2 unreadable input (``descriptor-unreadable``) or refused."""
        unreadable = any(p.check == "descriptor-unreadable" for p in self.problems)
        return 2 if unreadable or self.refused else 1 if self.problems else 0


def markdown() -> str:
    """The check vocabulary as CONTRIBUTING.md shows it: one table per section."""
    parts = []
    for title, checks in SECTIONS.items():
        rows = "\n".join(f"| `{name}` | {text} |" for name, text in checks.items())
        parts.append(f"**{title}**\n\n| check | what it means |\n|---|---|\n{rows}\n")
    return "\n".join(parts)


if __name__ == "__main__":  # python -m afpak_data._validate.problems > the CONTRIBUTING block
    print(markdown(), end="")
