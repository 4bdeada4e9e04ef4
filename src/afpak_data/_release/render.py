"""Render a :class:`~afpak_data._release.diff.PackageDiff` as text, Markdown or JSON.

Text is for a terminal (``+`` added, ``-`` removed, ``~`` changed, values JSON-quoted so that empty
cells and spaces show). Markdown, for a pull request, is a summary table then a ``<details>`` block
per table, cut to :data:`MARKDOWN_ROW_LIMIT` rows per list so that a large change still fits in a
comment. JSON carries everything, for scripts. All three are deterministic (golden tests).
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from afpak_data._release.diff import PackageDiff, SchemaChange, TableDiff

#: Rows shown per list (added, removed, changed cells) in Markdown; the rest are counted.
MARKDOWN_ROW_LIMIT = 100
#: Each kind of schema change in words: {name} the field; {before_names}: {before} quoted.
_SCHEMA_TEXT = {
    "field_added": "field added: {name} ({after})",
    "field_removed": "field removed: {name} (was {before})",
    "field_retyped": "field retyped: {name}: {before} -> {after}",
    "enum_added": "categories added to {name}: {after_names}",
    "enum_removed": "categories removed from {name}: {before_names}",
    "primary_key_changed": "primary key changed: {before_names} -> {after_names}",
    "field_changed": "field properties changed: {name}: {after}",
    "fields_reordered": "fields reordered: {before_names} -> {after_names}",
    "schema_changed": "table schema properties changed: {after}",
}
#: The JSON name of each dataclass field that is named otherwise in the JSON output.
_JSON_NAMES = {"key_fields": "primary_key", "values": "record", "cells": "fields"}


def render(diff: PackageDiff, fmt: str) -> str:
    """Render ``diff`` as ``text``, ``markdown`` or ``json``, ending with a newline."""
    return {"text": text, "markdown": markdown, "json": as_json}[fmt](diff)


def describe_schema_change(change: SchemaChange, code: Callable[[str], str] = repr) -> str:
    """One schema change in words; ``code`` quotes names (repr in text, backticks in Markdown)."""
    return _SCHEMA_TEXT[change.kind].format(
        name=code(change.field) if change.field else "",
        before=change.before,
        after=change.after,
        before_names=_names(change.before, code),
        after_names=_names(change.after, code),
    )


def summary_counts(table: TableDiff) -> str:
    """``1 added, 2 removed, 3 changed; 1 schema change`` (zeros kept)."""
    parts = f"{len(table.added)} added, {len(table.removed)} removed, {len(table.changed)} changed"
    n = len(table.schema_changes)
    if n:
        parts += f"; {n} schema change{'s' if n != 1 else ''}"
    return parts


def text(diff: PackageDiff) -> str:
    counts = Counter(t.status for t in diff.tables)
    tables = ", ".join(f"{counts[s]} {s}" for s in ("changed", "added", "removed", "unchanged"))
    lines = [f"diff {_versions(diff, '->')}: tables {tables}"]
    for table in diff.differing:
        whole = f" (table {table.status})" if table.status in ("added", "removed") else ""
        lines += ["", f"{table.name}{whole}: {summary_counts(table)}"]
        lines.extend(f"  schema: {describe_schema_change(c)}" for c in table.schema_changes)
        for sign, records in (("+", table.added), ("-", table.removed)):
            for record in records:
                lines.append(f"  {sign} {_key(table, record.key)}")
                lines.extend(
                    f"      {name}: {_quote(value)}"
                    for name, value in record.values.items()
                    if name not in table.key_fields
                )
        for change in table.changed:
            lines.append(f"  ~ {_key(table, change.key)}")
            lines.extend(
                f"      {c.field}: {_quote(c.before)} -> {_quote(c.after)}" for c in change.cells
            )
    if diff.unchanged:
        lines += ["", f"unchanged: {', '.join(diff.unchanged)}"]
    return "\n".join(lines) + "\n"


def markdown(diff: PackageDiff) -> str:
    """The pull-request comment: summary table, then one ``<details>`` block per table."""
    lines = [f"### Data changes: {_versions(diff, '→')}", ""]
    if not diff.differing:
        lines.append("No differences in data or schemas.")
        return "\n".join(lines) + "\n"
    lines += [
        "| table | status | added | removed | changed | schema changes |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for t in diff.differing:
        lines.append(
            f"| `{t.name}` | {t.status} | {len(t.added)} | {len(t.removed)} | "
            f"{len(t.changed)} | {len(t.schema_changes)} |"
        )
    if diff.unchanged:
        lines += ["", f"Unchanged: {', '.join(f'`{n}`' for n in diff.unchanged)}."]
    for t in diff.differing:
        lines += ["", f"<details><summary><code>{t.name}</code>: {summary_counts(t)}</summary>", ""]
        if t.schema_changes:
            schema = [f"- {describe_schema_change(c, _code)}" for c in t.schema_changes]
            lines += ["**Schema**", "", *schema, ""]
        for title, records in (("Added", t.added), ("Removed", t.removed)):
            if records:
                columns = list(records[0].values)
                shown = records[:MARKDOWN_ROW_LIMIT]
                rows = [[_cell(r.values[c]) for c in columns] for r in shown]
                table = _table([f"`{c}`" for c in columns], rows, len(records))
                lines += [f"**{title}**", "", *table, ""]
        if t.changed:
            cells = [(change.key, cell) for change in t.changed for cell in change.cells]
            rows = [
                [_cell(_key(t, key)), f"`{c.field}`", _cell(c.before), _cell(c.after)]
                for key, c in cells[:MARKDOWN_ROW_LIMIT]
            ]
            header = [", ".join(t.key_fields) or "row", "field", "before", "after"]
            lines += ["**Changed**", "", *_table(header, rows, len(cells)), ""]
        lines.append("</details>")
    return "\n".join(lines) + "\n"


def as_json(diff: PackageDiff) -> str:
    """Everything, as one JSON object (tables without differences only named in ``unchanged``)."""

    def named(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        return {_JSON_NAMES.get(name, name): value for name, value in pairs}

    document = {
        "old_version": diff.old_version,
        "new_version": diff.new_version,
        "tables": [asdict(t, dict_factory=named) for t in diff.differing],
        "unchanged": diff.unchanged,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _code(name: str) -> str:
    return f"`{name}`"


def _versions(diff: PackageDiff, arrow: str) -> str:
    return f"{diff.old_version or '(no version)'} {arrow} {diff.new_version or '(no version)'}"


def _key(table: TableDiff, key: tuple[str, ...]) -> str:
    if not table.key_fields:
        return "row " + ", ".join(_quote(k) for k in key)
    return ", ".join(key)


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _names(joined: str, code: Callable[[str], str]) -> str:
    return ", ".join(code(n) for n in joined.split(", ")) if joined else "(none)"


def _cell(value: str) -> str:
    """A value inside a Markdown table cell: escaped, one line, empty made visible."""
    if value == "":
        return "*(empty)*"
    escaped = html.escape(value, quote=False).replace("|", "\\|")
    return escaped.replace("\r\n", "<br>").replace("\n", "<br>")


def _table(header: list[str], rows: list[list[str]], total: int) -> list[str]:
    """A Markdown table of the rows shown, then how many of ``total`` were cut."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    more = total - len(rows)
    return lines + (["", f"… and {more} more (run `afpak-data diff` for all)."] if more else [])
