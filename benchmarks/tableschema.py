"""The few Table Schema facts the benchmarks need, read from ``datapackage.json`` as plain JSON.

Why not afpak_data's own reader: the benchmarks measure afpak-data from the outside (its CLI and
public API), so they must keep working while its internals are rewritten, and a bug in its reader
must not hide in the yardstick. This reads only what the generator and the peers use: fields with
their type and constraints, primary and foreign keys, ``x-polymorphicReferences`` and ``x-rules``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Field:
    """One Table Schema field: name, type and the constraints the benchmarks use."""

    name: str
    type: str
    required: bool
    enum: tuple[Any, ...] | None
    pattern: str | None
    max_length: int | None
    minimum: float | None
    max_words: int | None
    format: str | None


@dataclass(frozen=True)
class ForeignKey:
    """``fields`` refer to ``reference_fields`` of ``resource`` (None: the same table)."""

    fields: tuple[str, ...]
    resource: str | None
    reference_fields: tuple[str, ...]


@dataclass(frozen=True)
class PolymorphicReference:
    """``fields`` hold a primary key of one of ``resources`` (``x-polymorphicReferences``)."""

    fields: tuple[str, ...]
    resources: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """One ``x-rules`` entry: its kind, the two fields it ties together, its ``value`` if any."""

    kind: str
    fields: tuple[str, ...]
    value: Any = None


@dataclass(frozen=True)
class Schema:
    """A Table Schema: fields in order, keys, references and rules."""

    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    polymorphic_references: tuple[PolymorphicReference, ...]
    rules: tuple[Rule, ...]
    missing_values: tuple[str, ...]

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        return next(f for f in self.fields if f.name == name)


@dataclass(frozen=True)
class Resource:
    """A tabular resource: name, CSV path (relative to the package root) and schema."""

    name: str
    path: str
    schema: Schema


@dataclass(frozen=True)
class Package:
    """A data package on disk: where it is and its resources in descriptor order."""

    root: Path
    descriptor_file: Path
    resources: tuple[Resource, ...]

    @property
    def names(self) -> list[str]:
        """The resource names, in descriptor order."""
        return [r.name for r in self.resources]

    def resource(self, name: str) -> Resource:
        """The resource called ``name``."""
        return next(r for r in self.resources if r.name == name)


def _keys(value: Any) -> tuple[str, ...]:
    """A Table Schema key: one name or a list of names."""
    return (value,) if isinstance(value, str) else tuple(value or ())


def parse_schema(raw: dict[str, Any]) -> Schema:
    """A Table Schema descriptor as a :class:`Schema`."""
    fields = []
    for item in raw["fields"]:
        c = item.get("constraints", {})
        fields.append(
            Field(
                name=item["name"],
                type=item.get("type", "string"),
                required=bool(c.get("required", False)),
                enum=tuple(c["enum"]) if "enum" in c else None,
                pattern=c.get("pattern"),
                max_length=c.get("maxLength"),
                minimum=c.get("minimum"),
                max_words=item.get("x-maxWords"),
                format=item.get("format"),
            )
        )
    foreign = tuple(
        ForeignKey(
            _keys(fk["fields"]),
            fk["reference"].get("resource") or None,
            _keys(fk["reference"]["fields"]),
        )
        for fk in raw.get("foreignKeys", ())
    )
    poly = tuple(
        PolymorphicReference(_keys(p["fields"]), tuple(p["resources"]))
        for p in raw.get("x-polymorphicReferences", ())
    )
    rules = tuple(
        Rule(r["kind"], tuple(r["fields"]), r.get("value")) for r in raw.get("x-rules", ())
    )
    return Schema(
        tuple(fields),
        _keys(raw.get("primaryKey")),
        foreign,
        poly,
        rules,
        tuple(raw.get("missingValues", [""])),
    )


def read_package(root: Path) -> Package:
    """The package whose ``datapackage.json`` is in ``root`` (schemas given inline or by path)."""
    descriptor_file = root / "datapackage.json"
    descriptor = json.loads(descriptor_file.read_text(encoding="utf-8"))
    resources = []
    for res in descriptor["resources"]:
        schema = res["schema"]
        if isinstance(schema, str):
            schema = json.loads((root / schema).read_text(encoding="utf-8"))
        resources.append(Resource(res["name"], res["path"], parse_schema(schema)))
    return Package(root, descriptor_file, tuple(resources))
