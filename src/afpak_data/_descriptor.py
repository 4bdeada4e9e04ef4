"""The package model: a data package read once into frozen dataclasses, with its problems.

:func:`read` never raises on what a package says: every property it cannot use becomes a located
:class:`Problem` (the validator reports them all) and is left out of the model. :func:`read_package`
is what every other command uses (loader, exports, site, diff, bundle, info, release-check): the
same reading, refused with a :class:`PackageError` when a problem in :data:`REFUSED` makes the
package unsafe or meaningless to use. One reading means one verdict for the validator and the rest.

Names, paths and every text field are checked here, before any command uses them: resource names
are safe file names, paths stay inside the package (``..``, absolute paths, URLs, NUL and symlinks
that leave the package are refused), special files (a FIFO, a device) are never opened, and control
characters or bidirectional overrides in any text are refused with the character and its position.
Only the standard library is used: reading the descriptor must not cost a pandas import.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from afpak_data._errors import PackageError, Problem, UnknownTableError
from afpak_data._resources import Source, csv_only, descriptor_path

__all__ = [
    "DATE_FORMAT",
    "DESCRIPTOR",
    "FORMULA_CHARS",
    "SEMVER",
    "Field",
    "ForeignKey",
    "Package",
    "PackageError",
    "PolymorphicReference",
    "Resource",
    "RowRule",
    "Schema",
    "UnknownTableError",
    "parse_schema",
    "read",
    "read_package",
    "safe_path",
]

DESCRIPTOR = "datapackage.json"
#: The one version pattern (MAJOR.MINOR.PATCH, no leading zeros).
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
#: The one date format of ``date`` fields (Table Schema's default).
DATE_FORMAT = "%Y-%m-%d"
#: Characters a spreadsheet runs as a formula when a text starts with one (the validator refuses
#: such text; the xlsx export writes it as text).
FORMULA_CHARS = "=+-@\t\r"
#: A version used as a file or directory name (a bundle, a cache entry): no separator, no dot first.
SAFE_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}")
#: A resource name is used as a file name, an SQL identifier and a URL part: a safe slug.
RESOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
#: Characters refused in every text: C0 controls but TAB, LF and CR; DEL and C1; bidi controls.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: A descriptor or schema larger than this is not a hand-written JSON file.
MAX_JSON_BYTES = 16 * 1024 * 1024
UTF8 = frozenset({"utf-8", "utf8"})
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
#: ``x-rules`` kinds the validator knows (docs/architecture.md); any other kind is a schema problem.
RULE_KINDS = frozenset({"paired", "ordered", "unknown_when_empty", "empty_when"})
DEFAULT_TRUE_VALUES = ("true", "True", "TRUE", "1")
DEFAULT_FALSE_VALUES = ("false", "False", "FALSE", "0")
#: Which constraints a type can carry (frictionless-py's table); others are ``unsupported``.
_LENGTH_TYPES = frozenset({"string", "array", "object", "list", "any"})
_RANGE_TYPES = frozenset(
    {"integer", "number", "date", "datetime", "time", "year", "yearmonth", "duration", "any"}
)
_FORMATS: dict[str, frozenset[str]] = {
    "string": frozenset({"default", "email", "uri", "binary", "uuid"}),
}
_FIELD_KEYS = frozenset(
    {
        "name",
        "type",
        "format",
        "title",
        "description",
        "example",
        "constraints",
        "rdfType",
        "trueValues",
        "falseValues",
        "x-vocabulary",
        "x-maxWords",
    }
)
_CONSTRAINTS = frozenset(
    {"required", "unique", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum"}
)
_UNSUPPORTED_RESOURCE = ("dialect", "compression", "stats", "rows")

#: Descriptor problems the validator reports but that do not stop a package being read.
_ADVISORY = ("required property 'name'", "required property 'version'")
#: Problems that make a package unusable by the loader, exports, site, diff, bundle and info.
REFUSED = frozenset(
    {
        "descriptor-unreadable",
        "descriptor-property",
        "resource-name",
        "resource-path",
        "schema",
        "special-file",
        "json-number",
        "bom",
        "control-character",
        "encoding",
    }
)


@dataclass(frozen=True)
class Field:
    """One Table Schema field, with the constraints and custom properties we use."""

    name: str
    type: str = "string"
    description: str = ""
    format: str = "default"
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
    """``field`` refers to the primary key of one of ``resources`` (``x-polymorphicReferences``)."""

    fields: tuple[str, ...]
    resources: tuple[str, ...]

    @property
    def field(self) -> str:
        """The one referring field."""
        return self.fields[0]


@dataclass(frozen=True)
class RowRule:
    """A rule between two fields of one row (``x-rules``): ``kind`` names it, ``fields`` are its
    operands in order, ``description`` says it in words (see docs/architecture.md)."""

    kind: str
    fields: tuple[str, ...]
    description: str = ""
    #: for ``empty_when`` (``unknown_when_empty`` is the case "unknown"): b's value when a is empty
    value: str = "unknown"


@dataclass(frozen=True)
class Schema:
    """A Table Schema: fields in order, keys, row rules and missing-value markers.

    A schema that could not be read has no fields (the problems say why).
    """

    fields: tuple[Field, ...] = ()
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique_keys: tuple[tuple[str, ...], ...] = ()
    polymorphic_references: tuple[PolymorphicReference, ...] = ()
    rules: tuple[RowRule, ...] = ()
    missing_values: tuple[str, ...] = ("",)
    fields_match: str = "exact"

    @property
    def field_names(self) -> tuple[str, ...]:
        """Names of the fields, in schema order (the expected CSV header)."""
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field | None:
        """The field called ``name``, if any."""
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Resource:
    """One tabular resource: a CSV file in the package and its schema.

    ``safe_file`` is the file resolved inside the package (None when its path was refused);
    ``line`` is the line of the resource in ``datapackage.json``.
    """

    name: str
    path: str
    schema: Schema
    root: Path
    line: int | None = None
    title: str = ""
    description: str = ""
    encoding: str = "utf-8"
    bytes: int | None = None
    hash: str | None = None
    safe_file: Path | None = None
    #: the schema's file as the descriptor names it (None: an inline schema)
    schema_path: str | None = None

    @property
    def file(self) -> Path:
        """The CSV on disk (``path`` is relative to the package root)."""
        return self.safe_file if self.safe_file is not None else self.root / self.path


@dataclass(frozen=True)
class Package:
    """A data package: its root directory, descriptor, resources in order, and the problems found.

    ``readable`` is False when ``datapackage.json`` could not be read as a JSON object at all.
    """

    root: Path
    descriptor_file: Path
    descriptor: dict[str, Any] = field(compare=False, repr=False, hash=False)
    resources: tuple[Resource, ...] = ()
    problems: tuple[Problem, ...] = ()
    readable: bool = True

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

    @property
    def refusals(self) -> list[Problem]:
        """The problems that make the package unusable (see :data:`REFUSED`); a missing ``name``
        or ``version`` is the validator's to report, the tables can still be read."""
        return [
            p for p in self.problems if p.check in REFUSED and not p.message.startswith(_ADVISORY)
        ]

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
    """The package ``source`` designates (see ``_resources.descriptor_path``), or PackageError.

    Refused when any problem in :data:`REFUSED` was found; the message lists them, located.
    """
    package = read(descriptor_path(source))
    refusals = package.refusals
    if refusals:
        shown = "\n".join(f"{package.root / p.file}{str(p)[len(p.file) :]}" for p in refusals)
        raise PackageError(shown, refusals)
    return package


def read(descriptor_file: Path) -> Package:
    """Read ``descriptor_file`` and its schemas; every problem is recorded, nothing is raised."""
    root = descriptor_file.parent
    data, problems, text = read_json(descriptor_file, DESCRIPTOR)
    if data is None or not isinstance(data, dict):
        if data is not None:
            problems.append(
                Problem(DESCRIPTOR, 1, None, None, "descriptor-unreadable", "not a JSON object")
            )
        return Package(root, descriptor_file, {}, (), tuple(problems), readable=False)

    def bad(check: str, message: str, line: int | None = None, column: str | None = None) -> None:
        problems.append(Problem(DESCRIPTOR, line, None, column, check, message))

    problems.extend(control_characters(data, DESCRIPTOR, text))
    for key in ("name", "version"):
        if not isinstance(data.get(key), str) or not data.get(key):
            bad("descriptor-property", f"required property '{key}' is missing or not a string", 1)
    version = data.get("version")
    if isinstance(version, str) and version and not SEMVER.fullmatch(version):
        bad(
            "version",
            f"version {version!r} is not MAJOR.MINOR.PATCH (for example 1.2.0)",
            line_of(text, '"version"'),
        )
    raw_resources = data.get("resources")
    if not isinstance(raw_resources, list) or not raw_resources:
        bad(
            "descriptor-property",
            "required property 'resources' is missing or not a non-empty list",
            1,
        )
        return Package(root, descriptor_file, data, (), tuple(problems))
    not_csv = csv_only(raw_resources)
    if not_csv:  # a JSON export, say: its rows are not ours to read (frictionless reads them)
        problems.append(Problem(DESCRIPTOR, 1, None, None, "descriptor-unreadable", not_csv))
        return Package(root, descriptor_file, data, (), tuple(problems), readable=False)
    resources: list[Resource] = []
    names: set[str] = set()
    cursor = 0
    for i, raw in enumerate(raw_resources, 1):
        name = raw.get("name") if isinstance(raw, dict) else None
        found = (
            re.compile(r'"name"\s*:\s*' + re.escape(json.dumps(name))).search(text, cursor)
            if isinstance(name, str)
            else None
        )
        line = text.count("\n", 0, found.start()) + 1 if found else None
        cursor = found.end() if found else cursor
        if not isinstance(raw, dict) or not isinstance(name, str) or not name:
            bad("descriptor-property", f"resource {i} has no 'name'", line)
            continue
        if not RESOURCE_NAME.fullmatch(name):
            bad(
                "resource-name",
                f"resource name {name!r} must be a lowercase slug: a-z or 0-9 first, then "
                "a-z, 0-9, '.', '_', '-' (at most 100 characters)",
                line,
            )
            continue
        if name in names:
            bad("descriptor-property", f"resource name {name!r} is used twice", line)
            continue
        names.add(name)
        resources.append(_resource(root, raw, name, line, bad, problems))
    problems.extend(_references(resources))
    return Package(root, descriptor_file, data, tuple(resources), tuple(problems))


def _references(resources: list[Resource]) -> list[Problem]:
    """Foreign keys and polymorphic references must name resources and fields that exist."""
    by_name = {r.name: r for r in resources}
    problems = []

    def bad(res: Resource, column: str, message: str) -> None:
        problems.append(
            Problem(
                DESCRIPTOR, res.line, None, column, "schema", f"resource '{res.name}': {message}"
            )
        )

    for res in resources:
        for fk in res.schema.foreign_keys:
            target = by_name.get(fk.resource) if fk.resource else res
            if target is None:
                bad(
                    res,
                    ", ".join(fk.fields),
                    f"foreign key refers to unknown resource '{fk.resource}'",
                )
            elif target.schema.fields and any(
                target.schema.field(f) is None for f in fk.reference_fields
            ):
                bad(
                    res,
                    ", ".join(fk.fields),
                    f"foreign key refers to unknown fields {list(fk.reference_fields)} "
                    f"of '{target.name}'",
                )
        for ref in res.schema.polymorphic_references:
            for name in ref.resources:
                if name not in by_name:
                    bad(res, ref.field, f"x-polymorphicReferences names unknown resource '{name}'")
    return problems


def line_of(text: str, needle: str, start: int = 0) -> int | None:
    """The 1-based line of the first ``needle`` in ``text`` from ``start`` on (None if absent)."""
    pos = text.find(needle, start)
    return None if pos < 0 else text.count("\n", 0, pos) + 1


def safe_path(root: Path, path: Any) -> tuple[Path | None, str | None]:
    """Resolve ``path`` inside ``root``: (the file, None) or (None, why it is refused).

    Symlinks are followed, and refused when they lead outside the package or loop.
    """
    if not isinstance(path, str) or not path:
        return None, f"path {path!r} is not a relative file path"
    if CONTROL.search(path):
        return None, f"path {path!r} contains a control character"
    if "://" in path or path.startswith("//"):
        return None, f"path {path!r} is a URL; the validator checks local files only"
    if path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", path):
        return None, f"path {path!r} is absolute; resource paths must be relative to the package"
    if "\\" in path:
        return None, f"path {path!r} uses backslashes; resource paths use '/'"
    if ".." in PurePosixPath(path).parts:
        return None, f"path {path!r} contains '..'; resource paths must stay inside the package"
    try:
        target = (root / path).resolve(strict=False)
        inside = target.is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a name too long
        return None, f"path {path!r} cannot be resolved ({exc})"
    if not inside:
        return None, f"path {path!r} resolves to {target}, outside the package"
    return target, None


def sha256_of(path: Path) -> tuple[int, str]:
    """Size in bytes and sha256 hex digest of a file, read in chunks (the one digest of a file)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def declared_sha256(value: Any) -> str | None:
    """The hex digest of a descriptor ``hash`` of the form ``sha256:<hex>`` (else None)."""
    if isinstance(value, str) and value.startswith("sha256:"):
        hexdigest = value.removeprefix("sha256:").lower()
        if re.fullmatch(r"[0-9a-f]{64}", hexdigest):
            return hexdigest
    return None


def _special(file: Path) -> bool:
    """Whether ``file`` exists but is not a regular file (a FIFO, a device, a directory)."""
    try:
        return not stat.S_ISREG(file.stat().st_mode)
    except OSError:
        return False  # missing: the validator's file check says so


def read_json(file: Path, shown: str) -> tuple[Any, list[Problem], str]:
    """Read a JSON file: (value, problems, text); the value is None when it cannot be read."""

    def fail(check: str, message: str, line: int | None = None) -> tuple[Any, list[Problem], str]:
        return None, [Problem(shown, line, None, None, check, message)], ""

    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            return fail("special-file", "not a regular file (a directory, FIFO or device)")
        if info.st_size > MAX_JSON_BYTES:
            return fail(
                "descriptor-unreadable",
                f"{info.st_size} bytes; JSON files over {MAX_JSON_BYTES} bytes are not read",
            )
        with open(file, "rb") as handle:
            raw = handle.read(MAX_JSON_BYTES + 1)
    except FileNotFoundError:
        return fail("descriptor-unreadable", "file not found")
    except (OSError, RuntimeError, ValueError) as exc:
        return fail(
            "descriptor-unreadable", f"cannot be read: {getattr(exc, 'strerror', 0) or exc}"
        )
    problems = []
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append(
            Problem(shown, 1, None, None, "bom", "starts with a byte-order mark; save without BOM")
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return fail("descriptor-unreadable", "not valid UTF-8", raw.count(b"\n", 0, exc.start) + 1)
    try:
        return json.loads(text), problems, text
    except json.JSONDecodeError as exc:
        return fail(
            "descriptor-unreadable", f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno
        )
    except RecursionError:
        return fail("descriptor-unreadable", "not valid JSON: nested too deeply")
    except ValueError as exc:  # an integer beyond Python's digit limit
        digits = re.search(r"\d{1000,}", text)
        line = text.count("\n", 0, digits.start()) + 1 if digits else None
        return fail("json-number", f"a number is too long to read ({exc})", line)


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every string in a JSON value (keys included), with its JSON path."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield f"{where}.{key}", str(key)
            yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}[{i}]")


def control_characters(value: Any, shown: str, text: str) -> list[Problem]:
    """A problem for every text of a JSON document holding a control or bidi character."""
    problems = []
    for where, string in _strings(value, "$"):
        hit = CONTROL.search(string)
        if hit:
            needle = json.dumps(string)[1:-1][:40]
            problems.append(
                Problem(
                    shown,
                    line_of(text, needle) or line_of(text, json.dumps(string, ensure_ascii=False)),
                    None,
                    None,
                    "control-character",
                    f"{where}: U+{ord(hit.group()):04X} at position {hit.start() + 1}; control "
                    "characters and bidirectional overrides are refused in every text",
                )
            )
    return problems


def _resource(
    root: Path,
    raw: dict[str, Any],
    name: str,
    line: int | None,
    bad: Callable[..., None],
    problems: list[Problem],
) -> Resource:
    """Vet one resource's path, schema, encoding, bytes and hash declarations."""
    path = raw.get("path")
    safe_file = None
    if path is None:
        why = "has inline 'data'" if "data" in raw else "has no 'path'"
        bad(
            "descriptor-property",
            f"resource '{name}' {why}; this package keeps tables in CSV files",
            line,
        )
    elif isinstance(path, list):
        bad("descriptor-property", f"resource '{name}': a list of paths is not supported", line)
    else:
        safe_file, refused = safe_path(root, path)
        if refused:
            bad("resource-path", f"resource '{name}': {refused}", line)
        elif safe_file is not None and _special(safe_file):
            bad("special-file", f"resource '{name}': {path} is not a regular file", line)
            safe_file = None
    encoding = raw.get("encoding", "utf-8")
    if not isinstance(encoding, str) or encoding.lower().replace("_", "-") not in UTF8:
        bad(
            "encoding",
            f"resource '{name}': encoding {encoding!r} is not supported (UTF-8 only)",
            line,
        )
    for key in _UNSUPPORTED_RESOURCE:
        if key in raw:
            bad("unsupported", f"resource '{name}': property '{key}' is not checked", line)
    size = raw.get("bytes")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        bad(
            "descriptor-property",
            f"resource '{name}': 'bytes' must be a non-negative integer",
            line,
        )
        size = None
    digest = raw.get("hash")
    if digest is not None and not isinstance(digest, str):
        bad("hash", f"resource '{name}': 'hash' must be a string like sha256:<hex>", line)
        digest = None
    schema = Schema()
    raw_schema = raw.get("schema")
    if raw_schema is None:
        bad("schema", f"resource '{name}' has no 'schema'", line)
    elif isinstance(raw_schema, str):
        file, refused = safe_path(root, raw_schema)
        if refused or file is None:
            bad("resource-path", f"resource '{name}': schema {refused}", line)
        else:
            value, found, text = read_json(file, raw_schema)
            if value is None:
                message = found[0].message if found else "cannot be read"
                what = "is missing" if message == "file not found" else message
                check = (
                    found[0].check
                    if found and found[0].check != "descriptor-unreadable"
                    else "schema"
                )
                bad(check, f"resource '{name}': schema file {raw_schema} {what}", line)
            else:
                problems.extend(found)
                problems.extend(control_characters(value, raw_schema, text))
                schema, found = parse_schema(value, raw_schema, None)
                problems.extend(found)
    else:
        schema, found = parse_schema(raw_schema, DESCRIPTOR, line)
        problems.extend(found)
    return Resource(
        name=name,
        path=path if isinstance(path, str) else "",
        schema=schema,
        root=root,
        line=line,
        title=str(raw.get("title", "")),
        description=str(raw.get("description", "")),
        encoding=encoding if isinstance(encoding, str) else "utf-8",
        bytes=size,
        hash=digest,
        safe_file=safe_file,
        schema_path=raw_schema if isinstance(raw_schema, str) else None,
    )


def _names(value: Any) -> tuple[str, ...] | None:
    """A key's field list: a string or a non-empty list of strings (Table Schema allows both)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def parse_schema(
    raw: Any, where: str = "schema", line: int | None = None
) -> tuple[Schema, list[Problem]]:
    """The one Table Schema reader: the usable schema and the problems in it.

    Each invalid property is reported (check ``schema``) and left out; a property the validator
    does not check is reported as ``unsupported``. ``where`` is the file the problems are reported
    on (the schema file, or datapackage.json for an inline schema), ``line`` the line there.
    """
    problems: list[Problem] = []

    def bad(message: str, column: str | None = None, check: str = "schema") -> None:
        problems.append(Problem(where, line, None, column, check, message))

    if not isinstance(raw, dict):
        bad(f"the schema must be a JSON object, not {type(raw).__name__}")
        return Schema(), problems
    raw_fields = raw.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        bad("the schema has no 'fields' list")
        return Schema(), problems
    fields: list[Field] = []
    seen: set[str] = set()
    for i, item in enumerate(raw_fields, 1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            bad(f"field {i} has no 'name'")
            continue
        spec = _parse_field(item, bad)
        if spec.name in seen:
            bad(f"field '{spec.name}' is defined twice", spec.name)
            continue
        seen.add(spec.name)
        fields.append(spec)
    if not fields:
        return Schema(), problems
    missing = raw.get("missingValues", [""])
    if not (isinstance(missing, list) and all(isinstance(v, str) for v in missing)):
        bad("'missingValues' must be a list of strings")
        missing = [""]
    match = raw.get("fieldsMatch", "exact")
    if match not in {"exact", "equal", "subset", "superset", "partial"}:
        bad(f"'fieldsMatch' {match!r} is not one of exact, equal, subset, superset, partial")
        match = "exact"
    primary_key: tuple[str, ...] = ()
    if "primaryKey" in raw:
        pk = _names(raw["primaryKey"])
        if pk is None or any(n not in seen for n in pk):
            bad(f"'primaryKey' names no field of this schema: {raw['primaryKey']!r}")
        else:
            primary_key = pk
    unique_keys = []
    uks = raw.get("uniqueKeys", [])
    for uk in uks if isinstance(uks, list) else [0]:
        names = _names(uk)
        if names is None or any(n not in seen for n in names):
            bad(f"'uniqueKeys' entry {uk!r} names no field of this schema")
        else:
            unique_keys.append(names)
    foreign_keys = []
    for fk in _listed(raw.get("foreignKeys", [])):
        parsed_fk = _parse_fk(fk, seen)
        if isinstance(parsed_fk, str):
            bad(parsed_fk)
        else:
            foreign_keys.append(parsed_fk)
    polymorphic = []
    for ref in _listed(raw.get("x-polymorphicReferences", [])):
        names = _names(ref.get("fields")) if isinstance(ref, dict) else None
        targets = _names(ref.get("resources")) if isinstance(ref, dict) else None
        if names is None or len(names) != 1 or names[0] not in seen or targets is None:
            bad(
                f"'x-polymorphicReferences' entry {ref!r} needs one known field "
                "and a list of resources"
            )
        else:
            polymorphic.append(PolymorphicReference(names, targets))
    rules = []
    for rule in _listed(raw.get("x-rules", [])):
        parsed_rule = _parse_rule(rule, seen)
        if isinstance(parsed_rule, str):
            bad(parsed_rule)
        else:
            rules.append(parsed_rule)
    schema = Schema(
        fields=tuple(fields),
        primary_key=primary_key,
        foreign_keys=tuple(foreign_keys),
        unique_keys=tuple(unique_keys),
        polymorphic_references=tuple(polymorphic),
        rules=tuple(rules),
        missing_values=tuple(missing),
        fields_match=match,
    )
    return schema, problems


def _parse_rule(rule: Any, seen: set[str]) -> RowRule | str:
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
    return RowRule(str(kind), (names[0], names[1]), description, str(value))


def _parse_fk(fk: Any, seen: set[str]) -> ForeignKey | str:
    """One foreign key, or the message saying why it is unusable."""
    if not isinstance(fk, dict):
        return f"foreign key {fk!r} is not an object"
    names = _names(fk.get("fields"))
    ref = fk.get("reference")
    if names is None or any(n not in seen for n in names):
        return f"foreign key fields {fk.get('fields')!r} name no field of this schema"
    if not isinstance(ref, dict):
        return f"foreign key on {list(names)} has no 'reference' object"
    ref_names = _names(ref.get("fields"))
    resource = ref.get("resource")
    if ref_names is None or len(ref_names) != len(names):
        return f"foreign key on {list(names)}: reference fields {ref.get('fields')!r} do not match"
    if resource is not None and not isinstance(resource, str):
        return f"foreign key on {list(names)}: reference resource {resource!r} is not a name"
    return ForeignKey(names, resource or None, ref_names)


def _parse_field(raw: dict[str, Any], bad: Callable[..., None]) -> Field:
    """One field; each invalid property is reported and dropped, the rest is kept."""
    name = raw["name"]
    values: dict[str, Any] = {"name": name, "raw": raw}
    ftype = raw.get("type", "string")
    if ftype in TYPES:
        values["type"] = ftype
    else:
        bad(f"field '{name}': unknown type {ftype!r}", name)
        ftype = values["type"] = "any"
    if isinstance(raw.get("description"), str):
        values["description"] = raw["description"]
    fmt = raw.get("format", "default")
    if isinstance(fmt, str):
        values["format"] = fmt
        known = _FORMATS.get(ftype)
        if known is not None and fmt not in known:
            bad(f"field '{name}': format {fmt!r} is not checked", name, "unsupported")
    for key in sorted(set(raw) - _FIELD_KEYS):
        if not key.startswith("x-"):
            bad(f"field '{name}': property '{key}' is not checked", name, "unsupported")
    for key, attr in (("trueValues", "true_values"), ("falseValues", "false_values")):
        if key in raw:
            listed = raw[key]
            if isinstance(listed, list) and all(isinstance(v, str) for v in listed):
                values[attr] = tuple(listed)
            else:
                bad(f"field '{name}': '{key}' must be a list of strings", name)
    if isinstance(raw.get("x-vocabulary"), str):
        values["vocabulary"] = raw["x-vocabulary"]
    words = raw.get("x-maxWords")
    if words is not None:
        if _count(words) and words > 0:
            values["max_words"] = words
        else:
            bad(f"field '{name}': 'x-maxWords' must be a positive integer", name)
    cons = raw.get("constraints", {})
    if not isinstance(cons, dict):
        bad(f"field '{name}': 'constraints' must be an object", name)
        return Field(**values)
    for key in sorted(set(cons) - _CONSTRAINTS):
        bad(f"field '{name}': constraint '{key}' is not checked", name, "unsupported")
    for key in ("required", "unique"):
        if key in cons:
            if isinstance(cons[key], bool):
                values[key] = cons[key]
            else:
                bad(f"field '{name}': constraint '{key}' must be true or false", name)
    if "enum" in cons:
        if isinstance(cons["enum"], list) and cons["enum"]:
            values["enum"] = tuple(cons["enum"])
        else:
            bad(f"field '{name}': constraint 'enum' must be a non-empty list", name)
    if "pattern" in cons:
        try:
            re.compile(cons["pattern"])
            values["pattern"] = cons["pattern"]
        except (re.error, TypeError) as exc:
            bad(f"field '{name}': constraint 'pattern' is not a regular expression ({exc})", name)
    for key, attr in (("minLength", "min_length"), ("maxLength", "max_length")):
        if key in cons:
            if ftype not in _LENGTH_TYPES:
                bad(
                    f"field '{name}': constraint '{key}' does not apply to {ftype}",
                    name,
                    "unsupported",
                )
            elif _count(cons[key]):
                values[attr] = cons[key]
            else:
                bad(f"field '{name}': constraint '{key}' must be a non-negative integer", name)
    for key in ("minimum", "maximum"):
        if key in cons:
            bound = cons[key]
            if ftype not in _RANGE_TYPES:
                bad(
                    f"field '{name}': constraint '{key}' does not apply to {ftype}",
                    name,
                    "unsupported",
                )
            elif isinstance(bound, bool) or not isinstance(bound, int | float | str):
                bad(f"field '{name}': constraint '{key}' must be a number or a date", name)
            else:
                values[key] = bound
    return Field(**values)
