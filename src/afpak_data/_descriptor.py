"""Read a data package descriptor and its Table Schemas into small frozen dataclasses.

Everything else (loader, pandera schemas, CLI, validator, diff) works from these objects, so the
Table Schema is interpreted in one place. Only the standard library is used: reading the descriptor
must not cost a pandas import. This module reads; it does not validate thoroughly (that is the
validator's job) but refuses what would make reading unsafe or meaningless, with a clear message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from afpak_data._resources import Source, csv_only, descriptor_path

#: Table Schema defaults for boolean fields (trueValues / falseValues).
DEFAULT_TRUE_VALUES = ("true", "True", "TRUE", "1")
DEFAULT_FALSE_VALUES = ("false", "False", "FALSE", "0")


class PackageError(ValueError):
    """The descriptor or a schema cannot be read or makes no sense (``path: what is wrong``)."""


class UnknownTableError(KeyError, ValueError):
    """A table name that the package does not have; the message lists the tables it has."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Field:
    """One Table Schema field, with the constraints and custom properties we use."""

    name: str
    type: str = "string"
    description: str = ""
    format: str | None = None
    required: bool = False
    unique: bool = False
    enum: tuple[Any, ...] | None = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: Any = None
    maximum: Any = None
    vocabulary: str | None = None
    max_words: int | None = None
    true_values: tuple[str, ...] = DEFAULT_TRUE_VALUES
    false_values: tuple[str, ...] = DEFAULT_FALSE_VALUES
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False, hash=False)


@dataclass(frozen=True)
class ForeignKey:
    """``fields`` refer to ``reference_fields`` of ``resource`` (None: the same table)."""

    fields: tuple[str, ...]
    resource: str | None
    reference_fields: tuple[str, ...]


@dataclass(frozen=True)
class PolymorphicReference:
    """``fields`` refer to the primary key of one of ``resources`` (``x-polymorphicReferences``)."""

    fields: tuple[str, ...]
    resources: tuple[str, ...]


@dataclass(frozen=True)
class RowRule:
    """A rule between fields of one row (``x-rules``): ``kind`` names it, ``fields`` are its
    operands in order, ``description`` says it in words (see docs/architecture.md)."""

    kind: str
    fields: tuple[str, ...]
    description: str = ""
    #: for ``empty_when``: the value of the second field that goes with an empty first field
    value: str = "unknown"


@dataclass(frozen=True)
class Schema:
    """A Table Schema: fields in order, keys, and missing-value markers."""

    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique_keys: tuple[tuple[str, ...], ...] = ()
    polymorphic_references: tuple[PolymorphicReference, ...] = ()
    rules: tuple[RowRule, ...] = ()
    missing_values: tuple[str, ...] = ("",)

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of the fields, in schema order (the expected CSV header)."""
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        """Return the field called ``name`` (KeyError if there is none)."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)


@dataclass(frozen=True)
class Resource:
    """One tabular resource: a CSV file in the package and its schema."""

    name: str
    path: str
    schema: Schema
    root: Path
    title: str = ""
    description: str = ""
    encoding: str = "utf-8"
    bytes: int | None = None
    hash: str | None = None

    @property
    def file(self) -> Path:
        """The CSV on disk (``path`` is relative to the package root)."""
        return self.root / self.path


@dataclass(frozen=True)
class Package:
    """A data package on disk: its root directory, descriptor and resources in descriptor order."""

    root: Path
    descriptor_file: Path
    descriptor: dict[str, Any] = field(compare=False, repr=False, hash=False)
    resources: tuple[Resource, ...] = ()

    @property
    def name(self) -> str:
        """The descriptor's ``name``."""
        return str(self.descriptor.get("name", ""))

    @property
    def title(self) -> str:
        """The descriptor's ``title`` (empty if absent)."""
        return str(self.descriptor.get("title", ""))

    @property
    def version(self) -> str:
        """The descriptor's ``version`` (the data version; empty if absent)."""
        return str(self.descriptor.get("version", ""))

    @property
    def names(self) -> list[str]:
        """Resource names in descriptor order."""
        return [r.name for r in self.resources]

    def resource(self, name: str) -> Resource:
        """Return the resource ``name``; an unknown name raises an error listing the tables."""
        for candidate in self.resources:
            if candidate.name == name:
                return candidate
        import difflib

        available = ", ".join(self.names) or "(none)"
        near = difflib.get_close_matches(name, self.names, n=1, cutoff=0.6)
        hint = f"did you mean {near[0]!r}? " if near else ""
        raise UnknownTableError(
            f"{self.descriptor_file}: no table {name!r} ({hint}tables: {available})"
        )


def read_package(source: Source = None) -> Package:
    """Read the descriptor designated by ``source`` (see ``_resources.descriptor_path``)."""
    path = descriptor_path(source)
    root = path.parent
    descriptor = _read_json(path)
    if not isinstance(descriptor, dict):
        raise PackageError(f"{path}: the descriptor must be a JSON object")
    raw_resources = descriptor.get("resources", [])
    if not isinstance(raw_resources, list):
        raise PackageError(f"{path}: 'resources' must be a list")
    not_csv = csv_only(raw_resources)
    if not_csv:
        raise PackageError(f"{path}: {not_csv}")
    resources = tuple(_resource(root, path, i, r) for i, r in enumerate(raw_resources))
    return Package(root=root, descriptor_file=path, descriptor=descriptor, resources=resources)


def parse_schema(raw: dict[str, Any], where: str = "schema") -> Schema:
    """Turn a Table Schema (parsed JSON) into a :class:`Schema`."""
    if not isinstance(raw, dict) or not isinstance(raw.get("fields"), list):
        raise PackageError(f"{where}: a Table Schema must be an object with a 'fields' list")
    fields = tuple(_field(f, where) for f in raw["fields"])
    foreign_keys = tuple(_foreign_key(fk, where) for fk in raw.get("foreignKeys", []))
    unique_keys = tuple(_names(u) for u in raw.get("uniqueKeys", []))
    polymorphic = tuple(
        PolymorphicReference(_names(p.get("fields")), _names(p.get("resources")))
        for p in raw.get("x-polymorphicReferences", [])
    )
    rules = tuple(
        RowRule(
            str(r.get("kind", "")),
            _names(r.get("fields")),
            str(r.get("description", "")),
            str(r.get("value", "unknown")) if r.get("kind") == "empty_when" else "unknown",
        )
        for r in raw.get("x-rules", [])
        if isinstance(r, dict)
    )
    missing = raw.get("missingValues", [""])
    return Schema(
        fields=fields,
        primary_key=_names(raw.get("primaryKey", [])),
        foreign_keys=foreign_keys,
        unique_keys=unique_keys,
        polymorphic_references=polymorphic,
        rules=rules,
        missing_values=tuple(str(m) for m in missing),
    )


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PackageError(f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PackageError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from exc


def _safe_relative(value: Any, descriptor: Path, what: str) -> str:
    """Refuse paths that could reach outside the package (absolute, ``..``, URLs)."""
    if not isinstance(value, str) or not value:
        raise PackageError(f"{descriptor}: {what} must be a non-empty relative path")
    pure = PurePosixPath(value)
    if pure.is_absolute() or ".." in pure.parts or "\\" in value or ":" in value:
        raise PackageError(
            f"{descriptor}: {what} {value!r} must be a relative path inside the package"
        )
    return value


def _resource(root: Path, descriptor: Path, index: int, raw: Any) -> Resource:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise PackageError(f"{descriptor}: resources[{index}] needs a 'name'")
    name = raw["name"]
    path = _safe_relative(raw.get("path"), descriptor, f"resource {name!r} path")
    raw_schema = raw.get("schema")
    if isinstance(raw_schema, str):
        schema_rel = _safe_relative(raw_schema, descriptor, f"resource {name!r} schema")
        schema_file = root / schema_rel
        try:
            raw_schema = _read_json(schema_file)
        except OSError as exc:
            raise PackageError(f"{schema_file}: cannot read schema ({exc.strerror})") from exc
        where = str(schema_file)
    else:
        where = f"{descriptor}: resource {name!r} schema"
    schema = parse_schema(raw_schema, where)
    size = raw.get("bytes")
    return Resource(
        name=name,
        path=path,
        schema=schema,
        root=root,
        title=str(raw.get("title", "")),
        description=str(raw.get("description", "")),
        encoding=str(raw.get("encoding", "utf-8")),
        bytes=size if isinstance(size, int) else None,
        hash=raw.get("hash") if isinstance(raw.get("hash"), str) else None,
    )


def _names(value: Any) -> tuple[str, ...]:
    """Table Schema allows a single name or a list of names."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _field(raw: Any, where: str) -> Field:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise PackageError(f"{where}: every field needs a 'name'")
    constraints = raw.get("constraints", {}) or {}
    enum = constraints.get("enum")
    max_words = raw.get("x-maxWords")
    return Field(
        name=raw["name"],
        type=str(raw.get("type", "string")),
        description=str(raw.get("description", "")),
        format=raw.get("format") if raw.get("format") not in (None, "default") else None,
        required=bool(constraints.get("required", False)),
        unique=bool(constraints.get("unique", False)),
        enum=tuple(enum) if enum is not None else None,
        pattern=constraints.get("pattern"),
        min_length=constraints.get("minLength"),
        max_length=constraints.get("maxLength"),
        minimum=constraints.get("minimum"),
        maximum=constraints.get("maximum"),
        vocabulary=raw.get("x-vocabulary"),
        max_words=int(max_words) if max_words is not None else None,
        true_values=tuple(raw.get("trueValues", DEFAULT_TRUE_VALUES)),
        false_values=tuple(raw.get("falseValues", DEFAULT_FALSE_VALUES)),
        raw=raw,
    )


def _foreign_key(raw: Any, where: str) -> ForeignKey:
    if not isinstance(raw, dict) or not isinstance(raw.get("reference"), dict):
        raise PackageError(f"{where}: every foreign key needs 'fields' and a 'reference'")
    reference = raw["reference"]
    return ForeignKey(
        fields=_names(raw.get("fields")),
        resource=reference.get("resource") or None,
        reference_fields=_names(reference.get("fields")),
    )
