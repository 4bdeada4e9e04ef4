"""Compare two versions of the data package: records by primary key, schemas field by field.

Cells are compared as the CSVs' raw text (read by the validator's reader), so the diff is exact:
``"1.0"`` and ``"1"`` differ. Order is deterministic: tables in NEW's order (then those only OLD
has), records by key (numbers as numbers), schema changes by kind, then field order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from afpak_data._errors import AfpakDataError
from afpak_data._model.descriptor import Field, Package, PackageError, Resource, Schema
from afpak_data._model.resources import Source

_INTEGER = re.compile(r"[+-]?\d+")


class DiffInputError(AfpakDataError, ValueError):
    """A package that cannot be read for a diff (``path:row: what is wrong``)."""


class DuplicateKeyError(DiffInputError):
    """Two records of one table share the key the diff matches records by."""


@dataclass(frozen=True)
class Table:
    """A table as text: rows keyed by ``key_fields``, and the editor line of each."""

    key_fields: tuple[str, ...]
    rows: dict[tuple[str, ...], dict[str, str]]
    lines: dict[tuple[str, ...], int]


@dataclass(frozen=True)
class CellChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class RecordChange:
    key: tuple[str, ...]
    cells: tuple[CellChange, ...]


@dataclass(frozen=True)
class Record:
    """A record added or removed: its key and all its cells (field -> text)."""

    key: tuple[str, ...]
    values: dict[str, str] = field(compare=False)


@dataclass(frozen=True)
class SchemaChange:
    """``kind``: see :func:`diff_schemas`; ``field_changed`` names the properties in ``after``."""

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
    schema_changes: tuple[SchemaChange, ...] = ()
    added: tuple[Record, ...] = ()
    removed: tuple[Record, ...] = ()
    changed: tuple[RecordChange, ...] = ()


@dataclass(frozen=True)
class PackageDiff:
    old_version: str
    new_version: str
    tables: tuple[TableDiff, ...]

    @property
    def differing(self) -> tuple[TableDiff, ...]:
        return tuple(t for t in self.tables if t.status != "unchanged")

    @property
    def unchanged(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables if t.status == "unchanged")


def open_package(source: Source) -> Package:
    """Read a package for a diff; anything unreadable becomes :class:`DiffInputError`."""
    from afpak_data._load.loader import whole_package

    try:
        return whole_package(source)
    except (PackageError, OSError) as exc:
        raise DiffInputError(" ".join(str(exc).split())) from exc


def diff_paths(old: Source, new: Source) -> PackageDiff:
    """Diff two packages (directories, ``datapackage.json`` files or URLs)."""
    return diff_packages(open_package(old), open_package(new))


def diff_packages(old: Package, new: Package) -> PackageDiff:
    result = [
        diff_tables(old.resource(name), new.resource(name))
        if name in old.names
        else _whole(new.resource(name), "added")
        for name in new.names
    ]
    result += [_whole(old.resource(n), "removed") for n in old.names if n not in new.names]
    return PackageDiff(old.version, new.version, tuple(result))


def _whole(resource: Resource, status: str) -> TableDiff:
    """A table only one version has: all its records added or removed."""
    table = read_table(resource)
    records = _records(table, table.rows)
    added, removed = (records, ()) if status == "added" else ((), records)
    return TableDiff(resource.name, status, table.key_fields, (), added, removed)


def diff_tables(old_resource: Resource, new_resource: Resource) -> TableDiff:
    schema_changes = diff_schemas(old_resource, new_resource)
    # Keys to match records by, best first: NEW's primary key, OLD's (when the key changed and
    # NEW's does not identify OLD's records uniquely), then whole rows; each in both versions.
    both = set(old_resource.schema.field_names) & set(new_resource.schema.field_names)
    keys = (new_resource.schema.primary_key, old_resource.schema.primary_key)
    candidates = [*dict.fromkeys(k for k in keys if k and both.issuperset(k)), ()]
    for key_fields in candidates:
        try:
            old = read_table(old_resource, key_fields)
            new = read_table(new_resource, key_fields)
            break
        except DuplicateKeyError:
            if key_fields == candidates[-1]:
                raise
    # A new column counts as empty in OLD, so values filled into it show as changes of their
    # records; a removed column is reported once, as a schema change, not once per record.
    cells = {
        key: tuple(
            CellChange(name, old.rows[key].get(name, ""), value)
            for name, value in new.rows[key].items()
            if old.rows[key].get(name, "") != value
        )
        for key in sorted((k for k in new.rows if k in old.rows), key=sort_key)
    }
    changed = tuple(RecordChange(key, c) for key, c in cells.items() if c)
    added = _records(new, (k for k in new.rows if k not in old.rows))
    removed = _records(old, (k for k in old.rows if k not in new.rows))
    status = "changed" if schema_changes or added or removed or changed else "unchanged"
    name = new_resource.name
    return TableDiff(name, status, key_fields, schema_changes, added, removed, changed)


def diff_schemas(old: Resource, new: Resource) -> tuple[SchemaChange, ...]:
    """Field-level then table-level schema changes, breaking kinds first, each in field order."""
    old_fields = {f.name: f for f in old.schema.fields}
    new_fields = {f.name: f for f in new.schema.fields}
    both = [(old_fields[n], f) for n, f in new_fields.items() if n in old_fields]
    added = [f for n, f in new_fields.items() if n not in old_fields]
    removed = [f for n, f in old_fields.items() if n not in new_fields]
    changes = [
        *(SchemaChange("field_added", f.name, "", f.type) for f in added),
        *(SchemaChange("field_removed", f.name, f.type, "") for f in removed),
        *(SchemaChange("field_retyped", b.name, a.type, b.type) for a, b in both),
        *(SchemaChange("enum_added", b.name, "", _gained(a.enum, b.enum)) for a, b in both),
        *(SchemaChange("enum_removed", b.name, _gained(b.enum, a.enum), "") for a, b in both),
        *(SchemaChange("field_changed", b.name, "", _changed_properties(a, b)) for a, b in both),
        SchemaChange(
            "primary_key_changed",
            None,
            ", ".join(old.schema.primary_key),
            ", ".join(new.schema.primary_key),
        ),
        SchemaChange(
            "fields_reordered",
            None,
            ", ".join(n for n in old_fields if n in new_fields),
            ", ".join(n for n in new_fields if n in old_fields),
        ),
        SchemaChange("schema_changed", None, "", _table_properties_changed(old, new)),
    ]
    return tuple(c for c in changes if c.before != c.after)


def _gained(before: Sequence[Any] | None, after: Sequence[Any] | None) -> str:
    """The categories of ``after`` that ``before`` does not have, compared as text."""
    known = {str(v) for v in before or ()}
    return ", ".join(str(v) for v in after or () if str(v) not in known)


def read_table(resource: Resource, key_fields: tuple[str, ...] | None = None) -> Table:
    """A CSV as text rows keyed by ``key_fields`` (default: the primary key; (): whole rows), read
    by the validator's reader (blank rows are no records); an unusable file (a ragged row, a header
    not the schema's) or a duplicate key raise DiffInputError."""
    from afpak_data._validate.files import read_usable

    table, refused = read_usable(resource)
    if table is None:
        raise DiffInputError(refused[0].under(resource.root))
    key_fields = resource.schema.primary_key if key_fields is None else key_fields
    names = resource.schema.field_names
    cells = [table.columns[name].to_pylist() for name in names]
    rows: dict[tuple[str, ...], dict[str, str]] = {}
    lines: dict[tuple[str, ...], int] = {}
    for i in table.usable.nonzero()[0].tolist():
        record = {name: column[i] for name, column in zip(names, cells, strict=True)}
        key = tuple(record[n] for n in key_fields) if key_fields else tuple(record.values())
        line = int(table.lines[i])
        if key in rows:
            raise DuplicateKeyError(
                f"{resource.file}:{line}: duplicate key ({', '.join(key)}), first on line "
                f"{lines[key]} (expected one record per {', '.join(key_fields) or 'row'})"
            )
        rows[key], lines[key] = record, line
    return Table(tuple(key_fields), rows, lines)


def sort_key(key: tuple[str, ...]) -> tuple[tuple[int, int, str], ...]:
    """Order keys naturally: integer components as numbers, before text ones."""
    return tuple((0, int(part), "") if _INTEGER.fullmatch(part) else (1, 0, part) for part in key)


def _records(table: Table, keys: Iterable[tuple[str, ...]]) -> tuple[Record, ...]:
    return tuple(Record(key, table.rows[key]) for key in sorted(keys, key=sort_key))


def _flatten(raw: Any, prefix: str = "") -> dict[str, Any]:
    """``{"constraints": {"maxLength": 3}}`` -> ``{"constraints.maxLength": 3}``."""
    flat: dict[str, Any] = {}
    for name, value in raw.items():
        path = f"{prefix}.{name}" if prefix else str(name)
        flat.update(_flatten(value, path) if isinstance(value, dict) and value else {path: value})
    return flat


def _changed_properties(before: Field, after: Field) -> str:
    """The field properties other than its name, type and enum that differ, sorted."""
    old, new = _flatten(before.raw), _flatten(after.raw)
    names = sorted((old.keys() | new.keys()) - {"name", "type", "constraints.enum"})
    return ", ".join(n for n in names if old.get(n) != new.get(n))


#: The table-level schema properties compared, by their Table Schema name.
_TABLE_PROPERTIES: dict[str, Callable[[Schema], Any]] = {
    "foreignKeys": lambda s: s.foreign_keys,
    "uniqueKeys": lambda s: s.unique_keys,
    "x-polymorphicReferences": lambda s: s.polymorphic_references,
    "x-rules": lambda s: [(r.kind, r.fields) for r in s.rules],
    "missingValues": lambda s: s.missing_values,
}


def _table_properties_changed(old: Resource, new: Resource) -> str:
    return ", ".join(
        n for n, get in _TABLE_PROPERTIES.items() if get(old.schema) != get(new.schema)
    )
