"""Read a Table Schema tolerantly: keep what is usable, report what is not.

The loader's reader refuses a bad schema outright; the validator must instead report every problem
and still check the data against the parts of the schema that make sense, so it has its own lenient
reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from afpak_data._validate.problems import Problem

TYPES = frozenset(
    {
        "string",
        "integer",
        "number",
        "boolean",
        "date",
        "datetime",
        "time",
        "year",
        "yearmonth",
        "duration",
        "object",
        "array",
        "geopoint",
        "geojson",
        "list",
        "any",
    }
)
DEFAULT_TRUE = ("true", "True", "TRUE", "1")
DEFAULT_FALSE = ("false", "False", "FALSE", "0")


@dataclass
class FieldSpec:
    """The parts of one field the checks use; constraints that were invalid are left out."""

    name: str
    type: str = "string"
    format: str = "default"
    required: bool = False
    unique: bool = False
    enum: list[Any] | None = None
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: Any = None
    maximum: Any = None
    max_words: int | None = None
    vocabulary: str | None = None
    true_values: tuple[str, ...] = DEFAULT_TRUE
    false_values: tuple[str, ...] = DEFAULT_FALSE


@dataclass
class ForeignKeySpec:
    """``fields`` refer to ``ref_fields`` of ``resource`` (None: the same table)."""

    fields: list[str]
    resource: str | None
    ref_fields: list[str]


@dataclass
class PolymorphicSpec:
    """``x-polymorphicReferences``: ``field`` points into one of ``resources`` (by ID prefix)."""

    field: str
    resources: list[str]


#: ``x-rules`` kinds the validator knows (docs/architecture.md); any other kind is a schema problem.
RULE_KINDS = frozenset({"paired", "ordered", "unknown_when_empty", "empty_when"})


@dataclass
class RuleSpec:
    """One ``x-rules`` entry: ``kind`` relates ``fields`` (a, b) of one row, as described."""

    kind: str
    fields: tuple[str, str]
    description: str
    #: for ``empty_when`` (``unknown_when_empty`` is the case "unknown"): b's value when a is empty
    value: str = "unknown"


@dataclass
class SchemaSpec:
    """A usable reading of a Table Schema."""

    fields: list[FieldSpec]
    primary_key: list[str] = field(default_factory=list)
    unique_keys: list[list[str]] = field(default_factory=list)
    foreign_keys: list[ForeignKeySpec] = field(default_factory=list)
    polymorphic: list[PolymorphicSpec] = field(default_factory=list)
    rules: list[RuleSpec] = field(default_factory=list)
    missing_values: list[str] = field(default_factory=lambda: [""])
    fields_match: str = "exact"

    def field(self, name: str) -> FieldSpec | None:
        """The field called ``name``, if any."""
        return next((f for f in self.fields if f.name == name), None)


def _names(value: Any) -> list[str] | None:
    """A key's field list: a string or a list of strings (Table Schema allows both)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def parse_schema(
    schema: Any, where: str, line: int | None
) -> tuple[SchemaSpec | None, list[Problem]]:
    """Return the usable schema (None when it has no usable fields) and the problems in it.

    ``where`` is the file the problems are reported on (the schema file, or datapackage.json for an
    inline schema) and ``line`` the line to name there.
    """
    problems: list[Problem] = []

    def bad(message: str, column: str | None = None) -> None:
        problems.append(Problem(where, line, None, column, "schema", message))

    if not isinstance(schema, dict):
        bad(f"the schema must be a JSON object, not {type(schema).__name__}")
        return None, problems
    raw_fields = schema.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        bad("the schema has no 'fields' list")
        return None, problems
    fields: list[FieldSpec] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_fields, 1):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
            bad(f"field {i} has no 'name'")
            continue
        spec = _parse_field(raw, bad)
        if spec.name in seen:
            bad(f"field '{spec.name}' is defined twice", spec.name)
            continue
        seen.add(spec.name)
        fields.append(spec)
    if not fields:
        return None, problems
    out = SchemaSpec(fields=fields)
    missing = schema.get("missingValues", [""])
    if isinstance(missing, list) and all(isinstance(v, str) for v in missing):
        out.missing_values = list(missing)
    else:
        bad("'missingValues' must be a list of strings")
    match = schema.get("fieldsMatch", "exact")
    if match in {"exact", "equal", "subset", "superset", "partial"}:
        out.fields_match = match
    else:
        bad(f"'fieldsMatch' {match!r} is not one of exact, equal, subset, superset, partial")
    if "primaryKey" in schema:
        pk = _names(schema["primaryKey"])
        unknown = [n for n in pk or [] if n not in seen]
        if pk is None or unknown:
            bad(f"'primaryKey' names no field of this schema: {schema['primaryKey']!r}")
        else:
            out.primary_key = pk
    for uk in (
        schema.get("uniqueKeys", []) if isinstance(schema.get("uniqueKeys", []), list) else [0]
    ):
        names = _names(uk)
        if names is None or any(n not in seen for n in names):
            bad(f"'uniqueKeys' entry {uk!r} names no field of this schema")
        else:
            out.unique_keys.append(names)
    fks = schema.get("foreignKeys", [])
    for fk in fks if isinstance(fks, list) else [fks]:
        spec_fk = _parse_fk(fk, seen)
        if isinstance(spec_fk, str):
            bad(spec_fk)
        else:
            out.foreign_keys.append(spec_fk)
    poly = schema.get("x-polymorphicReferences", [])
    for ref in poly if isinstance(poly, list) else [poly]:
        names = _names(ref.get("fields")) if isinstance(ref, dict) else None
        targets = ref.get("resources") if isinstance(ref, dict) else None
        ok_targets = (
            isinstance(targets, list) and targets and all(isinstance(t, str) for t in targets)
        )
        if names is None or len(names) != 1 or names[0] not in seen or not ok_targets:
            bad(
                f"'x-polymorphicReferences' entry {ref!r} needs one known field "
                "and a list of resources"
            )
        else:
            out.polymorphic.append(PolymorphicSpec(names[0], list(targets)))
    rules = schema.get("x-rules", [])
    for rule in rules if isinstance(rules, list) else [rules]:
        parsed = _parse_rule(rule, seen)
        if isinstance(parsed, str):
            bad(parsed)
        else:
            out.rules.append(parsed)
    return out, problems


def _parse_rule(rule: Any, seen: set[str]) -> RuleSpec | str:
    """One ``x-rules`` entry, or the message saying why it cannot be checked."""
    if not isinstance(rule, dict):
        return f"'x-rules' entry {rule!r} is not an object"
    kind = rule.get("kind")
    if kind not in RULE_KINDS:
        return f"'x-rules' kind {kind!r} is unknown (known kinds: {', '.join(sorted(RULE_KINDS))})"
    names = rule.get("fields")
    if (
        not isinstance(names, list)
        or len(names) != 2
        or not all(isinstance(n, str) and n in seen for n in names)
    ):
        return f"'x-rules' {kind} rule needs two fields of this schema, not {names!r}"
    value = rule.get("value", "unknown") if kind == "empty_when" else "unknown"
    if kind == "empty_when" and (not isinstance(value, str) or "value" not in rule):
        return f"'x-rules' empty_when rule needs a string 'value', not {value!r}"
    description = rule.get("description")
    if not isinstance(description, str) or not description.strip():
        description = f"{kind} ({names[0]}, {names[1]})"
    return RuleSpec(kind, (names[0], names[1]), description, str(value))


def _parse_fk(fk: Any, seen: set[str]) -> ForeignKeySpec | str:
    """One foreign key, or the message saying why it is unusable."""
    if not isinstance(fk, dict):
        return f"foreign key {fk!r} is not an object"
    names = _names(fk.get("fields"))
    ref = fk.get("reference")
    if names is None or any(n not in seen for n in names):
        return f"foreign key fields {fk.get('fields')!r} name no field of this schema"
    if not isinstance(ref, dict):
        return f"foreign key on {names} has no 'reference' object"
    ref_names = _names(ref.get("fields"))
    resource = ref.get("resource")
    if ref_names is None or len(ref_names) != len(names):
        return f"foreign key on {names}: reference fields {ref.get('fields')!r} do not match"
    if resource is not None and not isinstance(resource, str):
        return f"foreign key on {names}: reference resource {resource!r} is not a name"
    return ForeignKeySpec(names, resource or None, ref_names)


def _parse_field(raw: dict[str, Any], bad: Any) -> FieldSpec:
    """One field; each invalid property is reported and dropped, the rest is kept."""
    name = raw["name"]
    spec = FieldSpec(name=name)
    ftype = raw.get("type", "string")
    if ftype in TYPES:
        spec.type = ftype
    else:
        bad(f"field '{name}': unknown type {ftype!r}", name)
        spec.type = "any"
    if isinstance(raw.get("format"), str):
        spec.format = raw["format"]
    for key, attr in (("trueValues", "true_values"), ("falseValues", "false_values")):
        if key in raw:
            values = raw[key]
            if isinstance(values, list) and all(isinstance(v, str) for v in values):
                setattr(spec, attr, tuple(values))
            else:
                bad(f"field '{name}': '{key}' must be a list of strings", name)
    if isinstance(raw.get("x-vocabulary"), str):
        spec.vocabulary = raw["x-vocabulary"]
    words = raw.get("x-maxWords")
    if words is not None:
        if _int(words) and words > 0:
            spec.max_words = words
        else:
            bad(f"field '{name}': 'x-maxWords' must be a positive integer", name)
    cons = raw.get("constraints", {})
    if not isinstance(cons, dict):
        bad(f"field '{name}': 'constraints' must be an object", name)
        return spec
    for key in ("required", "unique"):
        if key in cons:
            if isinstance(cons[key], bool):
                setattr(spec, key, cons[key])
            else:
                bad(f"field '{name}': constraint '{key}' must be true or false", name)
    if "enum" in cons:
        if isinstance(cons["enum"], list) and cons["enum"]:
            spec.enum = cons["enum"]
        else:
            bad(f"field '{name}': constraint 'enum' must be a non-empty list", name)
    if "pattern" in cons:
        try:
            re.compile(cons["pattern"])
            spec.pattern = cons["pattern"]
        except (re.error, TypeError) as exc:
            bad(f"field '{name}': constraint 'pattern' is not a regular expression ({exc})", name)
    for key, attr in (("minLength", "min_length"), ("maxLength", "max_length")):
        if key in cons:
            if _int(cons[key]):
                setattr(spec, attr, cons[key])
            else:
                bad(f"field '{name}': constraint '{key}' must be a non-negative integer", name)
    for key in ("minimum", "maximum"):
        if key in cons:
            value = cons[key]
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                bad(f"field '{name}': constraint '{key}' must be a number or a date", name)
            else:
                setattr(spec, key, value)
    return spec
