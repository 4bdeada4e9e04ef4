"""Compare two versions of the data package: records by primary key, schemas field by field.

Cells are compared as the raw text of the CSVs (read with the ``csv`` module, nothing converted), so
the diff is exact: ``"1.0"`` and ``"1"`` differ, and nothing is lost to type conversion. The result
is a tree of frozen dataclasses; ``_diff_render`` turns it into text, Markdown or JSON, and
``_release`` judges it against the versioning policy. Only the standard library is used.

Order is deterministic: tables in the order of NEW's descriptor (then tables only OLD has, in OLD's
order), records by primary key (numbers as numbers), fields in schema order.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from typing import Any

from afpak_data._descriptor import Package, PackageError, Resource, read_package
from afpak_data._errors import AfpakDataError
from afpak_data._resources import Source

#: Schema properties of a field that get their own kind of change; the rest are "field_changed".
_OWN_KINDS = ("type", "constraints.enum")
_INTEGER = re.compile(r"[+-]?\d+")
#: Order of schema changes within a table: by kind (breaking first), then by field order.
KIND_ORDER = (
    "field_added",
    "field_removed",
    "field_retyped",
    "enum_added",
    "enum_removed",
    "field_changed",
)


class DiffInputError(AfpakDataError, ValueError):
    """A package that cannot be read for a diff (``path:row: what is wrong``); exit status 2."""


class DuplicateKeyError(DiffInputError):
    """Two records of one table share the key the diff matches records by."""


@dataclass(frozen=True)
class Table:
    """A table as text: header, rows keyed by primary key, and the CSV row number of each."""

    resource: Resource
    header: tuple[str, ...]
    key_fields: tuple[str, ...]
    rows: dict[tuple[str, ...], dict[str, str]]
    row_numbers: dict[tuple[str, ...], int]


@dataclass(frozen=True)
class CellChange:
    """One field of one record: its text before and after."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class RecordChange:
    """A record present in both versions whose cells differ."""

    key: tuple[str, ...]
    cells: tuple[CellChange, ...]


@dataclass(frozen=True)
class Record:
    """A record added or removed: its key and all its cells (field -> text)."""

    key: tuple[str, ...]
    values: dict[str, str] = field(compare=False)


@dataclass(frozen=True)
class SchemaChange:
    """One change of a table's schema.

    ``kind``: ``field_added``, ``field_removed``, ``field_retyped``, ``enum_added``,
    ``enum_removed``, ``primary_key_changed``, ``field_changed`` (other properties of a field,
    named in ``after``), ``fields_reordered`` or ``schema_changed`` (table-level properties).
    """

    kind: str
    field: str | None
    before: str
    after: str


@dataclass(frozen=True)
class TableDiff:
    """What changed in one table. ``status``: ``added``, ``removed``, ``changed``, ``unchanged``."""

    name: str
    status: str
    key_fields: tuple[str, ...]
    fields: tuple[str, ...]
    schema_changes: tuple[SchemaChange, ...] = ()
    added: tuple[Record, ...] = ()
    removed: tuple[Record, ...] = ()
    changed: tuple[RecordChange, ...] = ()


@dataclass(frozen=True)
class PackageDiff:
    """Every table's diff, in deterministic order, with both versions."""

    old_version: str
    new_version: str
    tables: tuple[TableDiff, ...]

    @property
    def differing(self) -> tuple[TableDiff, ...]:
        """The tables that are not unchanged."""
        return tuple(t for t in self.tables if t.status != "unchanged")

    @property
    def unchanged(self) -> tuple[str, ...]:
        """Names of the tables with no difference at all."""
        return tuple(t.name for t in self.tables if t.status == "unchanged")


def open_package(source: Source) -> Package:
    """Read a local package for a diff; anything unreadable becomes :class:`DiffInputError`."""
    try:
        from afpak_data._loader import local_source

        return read_package(local_source(source))
    except (PackageError, OSError) as exc:
        raise DiffInputError(" ".join(str(exc).split())) from exc


def diff_paths(old: Source, new: Source) -> PackageDiff:
    """Diff two packages (directories, ``datapackage.json`` files or URLs)."""
    return diff_packages(open_package(old), open_package(new))


def diff_packages(old: Package, new: Package) -> PackageDiff:
    """Diff two packages already read (every CSV of both is read as text)."""
    old_names, new_names = old.names, new.names
    result: list[TableDiff] = []
    for name in new_names:
        resource = new.resource(name)
        if name in old_names:
            result.append(diff_tables(old.resource(name), resource))
        else:
            table = read_table(resource)
            result.append(
                TableDiff(
                    name=name,
                    status="added",
                    key_fields=table.key_fields,
                    fields=table.header,
                    added=_records(table, sorted(table.rows, key=sort_key)),
                )
            )
    for name in old_names:
        if name not in new_names:
            table = read_table(old.resource(name))
            result.append(
                TableDiff(
                    name=name,
                    status="removed",
                    key_fields=table.key_fields,
                    fields=table.header,
                    removed=_records(table, sorted(table.rows, key=sort_key)),
                )
            )
    return PackageDiff(old.version, new.version, tuple(result))


def diff_tables(old_resource: Resource, new_resource: Resource) -> TableDiff:
    """Diff one table present in both versions: schema first, then records by primary key."""
    schema_changes = diff_schemas(old_resource, new_resource)
    candidates = _key_candidates(old_resource, new_resource)
    for attempt, key_fields in enumerate(candidates, start=1):
        try:
            old = read_table(old_resource, key_fields)
            new = read_table(new_resource, key_fields)
            break
        except DuplicateKeyError:
            if attempt == len(candidates):
                raise
    # A new column counts as empty in OLD, so values filled into it show as changes of their
    # records; a removed column is reported once, as a schema change, not once per record.
    fields = new.header
    added = sorted((k for k in new.rows if k not in old.rows), key=sort_key)
    removed = sorted((k for k in old.rows if k not in new.rows), key=sort_key)
    changed = []
    for key in sorted((k for k in new.rows if k in old.rows), key=sort_key):
        before, after = old.rows[key], new.rows[key]
        cells = tuple(
            CellChange(name, before.get(name, ""), after.get(name, ""))
            for name in fields
            if before.get(name, "") != after.get(name, "")
        )
        if cells:
            changed.append(RecordChange(key, cells))
    differs = bool(schema_changes or added or removed or changed)
    return TableDiff(
        name=new_resource.name,
        status="changed" if differs else "unchanged",
        key_fields=key_fields,
        fields=new.header,
        schema_changes=schema_changes,
        added=_records(new, added),
        removed=_records(old, removed),
        changed=tuple(changed),
    )


def diff_schemas(old: Resource, new: Resource) -> tuple[SchemaChange, ...]:
    """Field-level and table-level schema changes between two versions of one table."""
    old_fields = {f.name: f for f in old.schema.fields}
    new_fields = {f.name: f for f in new.schema.fields}
    by_kind: dict[str, list[SchemaChange]] = {kind: [] for kind in KIND_ORDER}
    for name, spec in new_fields.items():
        if name not in old_fields:
            by_kind["field_added"].append(SchemaChange("field_added", name, "", spec.type))
    for name, spec in old_fields.items():
        if name not in new_fields:
            by_kind["field_removed"].append(SchemaChange("field_removed", name, spec.type, ""))
    for name, after in new_fields.items():
        before = old_fields.get(name)
        if before is None:
            continue
        if before.type != after.type:
            by_kind["field_retyped"].append(
                SchemaChange("field_retyped", name, before.type, after.type)
            )
        old_enum = [str(v) for v in before.enum or ()]
        new_enum = [str(v) for v in after.enum or ()]
        gained = [v for v in new_enum if v not in old_enum]
        lost = [v for v in old_enum if v not in new_enum]
        if gained:
            by_kind["enum_added"].append(SchemaChange("enum_added", name, "", ", ".join(gained)))
        if lost:
            by_kind["enum_removed"].append(SchemaChange("enum_removed", name, ", ".join(lost), ""))
        other = _changed_properties(before.raw, after.raw)
        if other:
            by_kind["field_changed"].append(
                SchemaChange("field_changed", name, "", ", ".join(other))
            )
    changes = [change for kind in KIND_ORDER for change in by_kind[kind]]
    if old.schema.primary_key != new.schema.primary_key:
        changes.append(
            SchemaChange(
                "primary_key_changed",
                None,
                ", ".join(old.schema.primary_key),
                ", ".join(new.schema.primary_key),
            )
        )
    old_order = [n for n in old_fields if n in new_fields]
    new_order = [n for n in new_fields if n in old_fields]
    if old_order != new_order:
        changes.append(
            SchemaChange("fields_reordered", None, ", ".join(old_order), ", ".join(new_order))
        )
    table_level = _table_properties_changed(old, new)
    if table_level:
        changes.append(SchemaChange("schema_changed", None, "", ", ".join(table_level)))
    return tuple(changes)


def read_table(resource: Resource, key_fields: tuple[str, ...] | None = None) -> Table:
    """Read a resource's CSV as text rows keyed by ``key_fields`` (default: its primary key).

    A table without a primary key is keyed by whole rows. A missing file, a row with the wrong
    number of cells or a duplicate key makes the diff meaningless and raises DiffInputError.
    """
    path = resource.path
    try:
        with resource.file.open(encoding=resource.encoding, newline="") as handle:
            raw_rows = list(csv.reader(handle))
    except FileNotFoundError as exc:
        raise DiffInputError(f"{resource.file}: file not found (table {resource.name!r})") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DiffInputError(f"{resource.file}: cannot be read as CSV ({exc})") from exc
    if not raw_rows:
        raise DiffInputError(f"{resource.file}:1: no header row (expected the field names)")
    header = tuple(raw_rows[0])
    if key_fields is None:
        key_fields = resource.schema.primary_key
    missing = [name for name in key_fields if name not in header]
    if missing:
        raise DiffInputError(
            f"{resource.file}:1: key column {missing[0]!r} is not in the header "
            f"(expected the key {', '.join(key_fields)})"
        )
    positions = [header.index(name) for name in key_fields]
    rows: dict[tuple[str, ...], dict[str, str]] = {}
    numbers: dict[tuple[str, ...], int] = {}
    for number, cells in enumerate(raw_rows[1:], start=2):
        if not cells:
            continue  # a blank line is not a record
        if len(cells) != len(header):
            raise DiffInputError(
                f"{resource.file}:{number}: {len(cells)} cells (expected {len(header)}, "
                f"as in the header of {path})"
            )
        key = tuple(cells[i] for i in positions) if positions else tuple(cells)
        if key in rows:
            shown = ", ".join(key)
            raise DuplicateKeyError(
                f"{resource.file}:{number}: duplicate key ({shown}), first on row {numbers[key]} "
                f"(expected one record per {', '.join(key_fields) or 'row'})"
            )
        rows[key] = dict(zip(header, cells, strict=True))
        numbers[key] = number
    return Table(resource, header, tuple(key_fields), rows, numbers)


def sort_key(key: tuple[str, ...]) -> tuple[tuple[int, int, str], ...]:
    """Order keys naturally: integer components as numbers, before text ones."""
    return tuple((0, int(part), "") if _INTEGER.fullmatch(part) else (1, 0, part) for part in key)


def _records(table: Table, keys: list[tuple[str, ...]]) -> tuple[Record, ...]:
    return tuple(Record(key, table.rows[key]) for key in keys)


def _key_candidates(old: Resource, new: Resource) -> list[tuple[str, ...]]:
    """Keys to match records by, best first: NEW's primary key, OLD's, then whole rows.

    A key must exist in both versions; when the primary key changed, the other one is tried if
    the first does not identify OLD's (or NEW's) records uniquely.
    """
    old_names, new_names = old.schema.field_names, new.schema.field_names
    candidates: list[tuple[str, ...]] = []
    for key in (new.schema.primary_key, old.schema.primary_key):
        usable = all(n in old_names for n in key) and all(n in new_names for n in key)
        if key and usable and key not in candidates:
            candidates.append(key)
    return [*candidates, ()]


def _flatten(raw: Any, prefix: str = "") -> dict[str, Any]:
    """``{"constraints": {"maxLength": 3}}`` -> ``{"constraints.maxLength": 3}``."""
    if not isinstance(raw, dict):
        return {prefix: raw}
    flat: dict[str, Any] = {}
    for name, value in raw.items():
        path = f"{prefix}.{name}" if prefix else str(name)
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, path))
        else:
            flat[path] = value
    return flat


def _changed_properties(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Names of the field properties (other than type and enum) that differ, sorted."""
    old, new = _flatten(before), _flatten(after)
    names = sorted(set(old) | set(new))
    return [n for n in names if n not in _OWN_KINDS and n != "name" and old.get(n) != new.get(n)]


def _table_properties_changed(old: Resource, new: Resource) -> list[str]:
    """Table-level schema properties that differ (foreign keys, rules, missing values, ...)."""
    pairs = {
        "foreignKeys": (old.schema.foreign_keys, new.schema.foreign_keys),
        "uniqueKeys": (old.schema.unique_keys, new.schema.unique_keys),
        "x-polymorphicReferences": (
            old.schema.polymorphic_references,
            new.schema.polymorphic_references,
        ),
        "x-rules": (
            [(r.kind, r.fields) for r in old.schema.rules],
            [(r.kind, r.fields) for r in new.schema.rules],
        ),
        "missingValues": (old.schema.missing_values, new.schema.missing_values),
    }
    return [name for name, (a, b) in pairs.items() if a != b]
