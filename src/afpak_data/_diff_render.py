"""Render a :class:`~afpak_data._diff.PackageDiff` as text, Markdown (for a pull request) or JSON.

Text is for a terminal: ``+`` added, ``-`` removed, ``~`` changed, values JSON-quoted so that empty
cells and spaces are visible. Markdown starts with a summary table and puts each table's details in
a ``<details>`` block, cut to :data:`MARKDOWN_ROW_LIMIT` rows per list so that a large change still
fits in a comment. JSON carries everything, for scripts. All three are deterministic (golden tests).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

from afpak_data._diff import PackageDiff, Record, SchemaChange, TableDiff

FORMATS = ("text", "markdown", "json")
#: Rows shown per list (added, removed, changed cells) in Markdown; the rest are counted.
MARKDOWN_ROW_LIMIT = 100


def render(diff: PackageDiff, fmt: str) -> str:
    """Render ``diff`` in format ``fmt`` (one of :data:`FORMATS`), ending with a newline."""
    renderers = {"text": text, "markdown": markdown, "json": as_json}
    return renderers[fmt](diff)


def describe_schema_change(change: SchemaChange, code: Callable[[str], str] = repr) -> str:
    """One schema change in words; ``code`` quotes names (repr in text, backticks in Markdown)."""
    name = code(change.field) if change.field else ""
    kind = change.kind
    if kind == "field_added":
        return f"field added: {name} ({change.after})"
    if kind == "field_removed":
        return f"field removed: {name} (was {change.before})"
    if kind == "field_retyped":
        return f"field retyped: {name}: {change.before} -> {change.after}"
    if kind == "enum_added":
        return f"categories added to {name}: {_names(change.after, code)}"
    if kind == "enum_removed":
        return f"categories removed from {name}: {_names(change.before, code)}"
    if kind == "primary_key_changed":
        before = _names(change.before, code) or "(none)"
        after = _names(change.after, code) or "(none)"
        return f"primary key changed: {before} -> {after}"
    if kind == "field_changed":
        return f"field properties changed: {name}: {change.after}"
    if kind == "fields_reordered":
        return f"fields reordered: {_names(change.before, code)} -> {_names(change.after, code)}"
    return f"table schema properties changed: {change.after}"


def summary_counts(table: TableDiff) -> str:
    """``1 added, 2 removed, 3 changed; 1 schema change`` (records counted, zeros kept)."""
    parts = f"{len(table.added)} added, {len(table.removed)} removed, {len(table.changed)} changed"
    n = len(table.schema_changes)
    if n:
        parts += f"; {n} schema change{'s' if n != 1 else ''}"
    return parts


def text(diff: PackageDiff) -> str:
    """The terminal format."""
    lines = [_headline(diff)]
    for table in diff.differing:
        lines.append("")
        label = table.name + {"added": " (table added)", "removed": " (table removed)"}.get(
            table.status, ""
        )
        lines.append(f"{label}: {summary_counts(table)}")
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
    lines = [f"### Data changes: {_versions(diff)}", ""]
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
            lines += ["**Schema**", ""]
            lines += [f"- {describe_schema_change(c, _code)}" for c in t.schema_changes]
            lines.append("")
        for title, records in (("Added", t.added), ("Removed", t.removed)):
            if records:
                lines += [f"**{title}**", "", *_record_table(t, records), ""]
        if t.changed:
            lines += ["**Changed**", "", *_changes_table(t), ""]
        lines.append("</details>")
    return "\n".join(lines) + "\n"


def as_json(diff: PackageDiff) -> str:
    """Everything, as one JSON object (tables without differences only named in ``unchanged``)."""
    document: dict[str, Any] = {
        "old_version": diff.old_version,
        "new_version": diff.new_version,
        "tables": [
            {
                "name": t.name,
                "status": t.status,
                "primary_key": list(t.key_fields),
                "schema_changes": [
                    {"kind": c.kind, "field": c.field, "before": c.before, "after": c.after}
                    for c in t.schema_changes
                ],
                "added": [{"key": list(r.key), "record": r.values} for r in t.added],
                "removed": [{"key": list(r.key), "record": r.values} for r in t.removed],
                "changed": [
                    {
                        "key": list(c.key),
                        "fields": [
                            {"field": cell.field, "before": cell.before, "after": cell.after}
                            for cell in c.cells
                        ],
                    }
                    for c in t.changed
                ],
            }
            for t in diff.differing
        ],
        "unchanged": list(diff.unchanged),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _versions(diff: PackageDiff) -> str:
    return f"{diff.old_version or '(no version)'} → {diff.new_version or '(no version)'}"


def _headline(diff: PackageDiff) -> str:
    counts = {status: 0 for status in ("changed", "added", "removed", "unchanged")}
    for t in diff.tables:
        counts[t.status] += 1
    old, new = diff.old_version or "(no version)", diff.new_version or "(no version)"
    return (
        f"diff {old} -> {new}: tables {counts['changed']} changed, {counts['added']} added, "
        f"{counts['removed']} removed, {counts['unchanged']} unchanged"
    )


def _key(table: TableDiff, key: tuple[str, ...]) -> str:
    if not table.key_fields:
        return "row " + ", ".join(_quote(k) for k in key)
    return ", ".join(key)


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _names(joined: str, code: Callable[[str], str]) -> str:
    return ", ".join(code(n) for n in joined.split(", ")) if joined else ""


def _code(name: str) -> str:
    return f"`{name}`"


def _cell(value: str) -> str:
    """A value inside a Markdown table cell: escaped, one line, empty made visible."""
    if value == "":
        return "*(empty)*"
    escaped = html.escape(value, quote=False).replace("|", "\\|")
    return escaped.replace("\r\n", "<br>").replace("\n", "<br>")


def _record_table(table: TableDiff, records: tuple[Record, ...]) -> list[str]:
    columns = list(records[0].values)
    lines = [
        "| " + " | ".join(f"`{c}`" for c in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for record in records[:MARKDOWN_ROW_LIMIT]:
        lines.append("| " + " | ".join(_cell(record.values[c]) for c in columns) + " |")
    return lines + _more(len(records))


def _changes_table(table: TableDiff) -> list[str]:
    rows = [(change.key, cell) for change in table.changed for cell in change.cells]
    key_title = ", ".join(table.key_fields) or "row"
    lines = [f"| {key_title} | field | before | after |", "|---|---|---|---|"]
    for key, cell in rows[:MARKDOWN_ROW_LIMIT]:
        lines.append(
            f"| {_cell(_key(table, key))} | `{cell.field}` | {_cell(cell.before)} | "
            f"{_cell(cell.after)} |"
        )
    return lines + _more(len(rows))


def _more(total: int) -> list[str]:
    if total <= MARKDOWN_ROW_LIMIT:
        return []
    return ["", f"… and {total - MARKDOWN_ROW_LIMIT} more (run `afpak-data diff` for all)."]
