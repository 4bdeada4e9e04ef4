"""The package model: a data package read once into immutable records, with its problems.

:func:`read` never raises on what a package says: every property it cannot use becomes a located
:class:`Problem` (the validator reports them all) and is left out. :func:`read_package` (every
other command) is the same reading, refused with a :class:`PackageError` on a problem in
:data:`REFUSED`. Checked here, before any command uses them: resource names are safe file names;
paths stay inside the package (no ``..``, absolute path, URL, NUL, or symlink leading out) and
unpack the same on Linux, macOS and Windows (:func:`refused_path`, the one path rule); special
files are never opened; control characters and bidi overrides are refused in every text. Standard
library only (reading the descriptor must not cost a pandas import); named tuples, not frozen
dataclasses, which cost 2-3 ms more to create at every start-up.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import hashlib
import json
import re
import stat
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from afpak_data._errors import PackageError as PackageError
from afpak_data._errors import Problem
from afpak_data._errors import UnknownTableError as UnknownTableError
from afpak_data._model.resources import DESCRIPTOR as DESCRIPTOR
from afpak_data._model.resources import Source, descriptor_path

#: The one version pattern (MAJOR.MINOR.PATCH, no leading zeros).
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
#: The one date format of ``date`` fields (Table Schema's default), and its lexical form.
DATE_FORMAT = "%Y-%m-%d"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Characters a spreadsheet runs as a formula when a text starts with one (the validator refuses
#: such text; the xlsx export writes it as text).
FORMULA_CHARS = "=+-@\t\r"
#: A version used as a file or directory name (a bundle, a cache entry): no separator, no dot first.
SAFE_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}")
#: A resource name is used as a file name, an SQL identifier and a URL part: a safe slug.
RESOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
#: A path part that unpacks the same everywhere, and the device names Windows reserves in every
#: folder (``nul.csv`` included); a path has at most MAX_PARTS parts.
_PLAIN_PART = re.compile(r"[0-9A-Za-z_][0-9A-Za-z._+ -]*")
_WINDOWS_DEVICE = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.IGNORECASE)
MAX_PARTS = 8
#: Characters refused in every text: C0 controls but TAB, LF and CR; DEL and C1; bidi controls.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: A JSON text can only hold such a character raw or through an escape (``\u``, ``\b``, ``\f``).
_MAYBE_CONTROL = re.compile(CONTROL.pattern + r"|\\[ubf]")
_NAME_KEY = re.compile(r'"name"\s*:\s*("(?:[^"\\]|\\.)*")')
#: A descriptor or schema larger than this is not a hand-written JSON file.
MAX_JSON_BYTES = 16 * 1024 * 1024
UTF8 = frozenset({"utf-8", "utf8"})
#: ``x-rules`` kinds the validator knows (docs/architecture.md); any other kind is a schema problem.
RULE_KINDS = frozenset({"paired", "ordered", "unknown_when_empty", "empty_when"})
#: The field types the validator checks (``_validate.cells``), and the only ones the loader,
#: pandera and the exports type.
CHECKED_TYPES = ("string", "integer", "number", "boolean", "date", "year")
#: Table Schema's other types: known (not a ``schema`` problem) but ``unsupported``; their cells
#: get only the checks that do not depend on a type (required, sizes, white space, enum, ...).
UNCHECKED_TYPES = (
    "datetime",
    "time",
    "yearmonth",
    "duration",
    "geopoint",
    "geojson",
    "object",
    "array",
    "list",
    "any",
)
TYPES = frozenset(CHECKED_TYPES + UNCHECKED_TYPES)
#: The formats checked: "default" for every type, and ``%Y-%m-%d`` (the default spelled out) for
#: dates; any other is ``unsupported``, and the field is checked as without it.
_FORMATS = {"date": frozenset({"default", DATE_FORMAT})}
#: Table Schema's ``fieldsMatch`` values; only "exact" is checked (the loader requires it too).
FIELDS_MATCH = ("exact", "equal", "subset", "superset", "partial")
#: The checked types that carry length and range constraints (frictionless-py's table); on another
#: checked type such a constraint is ``unsupported``, as it is on every type not checked.
_LENGTH_TYPES = frozenset({"string"})
_RANGE_TYPES = frozenset({"integer", "number", "date", "year"})
_FIELD_KEYS = frozenset(
    {"name", "type", "format", "title", "description", "example", "constraints", "rdfType"}
    | {"trueValues", "falseValues", "x-vocabulary", "x-maxWords"}
)
_UNSUPPORTED_RESOURCE = ("dialect", "compression", "stats", "rows")
#: Formats (or file extensions) that are certainly not CSV; other oddities are the validator's.
_NOT_CSV = frozenset({"json", "jsonl", "ndjson", "parquet", "xlsx", "xls", "ods", "sqlite"})

#: Descriptor problems the validator reports but that do not stop a package being read.
_ADVISORY = ("required property 'name'", "required property 'version'")
#: Problems that make a package unusable by the loader, exports, site, diff, bundle and info.
REFUSED = frozenset(
    {"descriptor-unreadable", "descriptor-property", "resource-name", "resource-path", "schema"}
    | {"portable-path", "special-file", "json-number", "bom", "control-character", "encoding"}
)
_T = TypeVar("_T")


class Field(NamedTuple):
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
    true_values: tuple[str, ...] = ("true", "True", "TRUE", "1")
    false_values: tuple[str, ...] = ("false", "False", "FALSE", "0")
    raw: dict[str, Any] = {}  # noqa: RUF012 - read only (a NamedTuple has no default factory)


class ForeignKey(NamedTuple):
    """``fields`` refer to ``reference_fields`` of ``resource`` (None: the same table)."""

    fields: tuple[str, ...]
    resource: str | None
    reference_fields: tuple[str, ...]


class PolymorphicReference(NamedTuple):
    """``field`` refers to the primary key of one of ``resources`` (``x-polymorphicReferences``)."""

    fields: tuple[str, ...]
    resources: tuple[str, ...]

    @property
    def field(self) -> str:
        return self.fields[0]


class RowRule(NamedTuple):
    """An ``x-rules`` rule between two fields of one row (kinds: docs/architecture.md)."""

    kind: str
    fields: tuple[str, ...]
    description: str = ""
    #: for ``empty_when`` (``unknown_when_empty`` is the case "unknown"): b's value when a is empty
    value: str = "unknown"


class Schema(NamedTuple):
    """A Table Schema; one that could not be read has no fields (the problems say why)."""

    fields: tuple[Field, ...] = ()
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique_keys: tuple[tuple[str, ...], ...] = ()
    polymorphic_references: tuple[PolymorphicReference, ...] = ()
    rules: tuple[RowRule, ...] = ()
    missing_values: tuple[str, ...] = ("",)

    @property
    def field_names(self) -> tuple[str, ...]:
        """The expected CSV header."""
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


class Resource(NamedTuple):
    """One CSV of the package and its schema; ``line`` is its line in ``datapackage.json``."""

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
    #: the file resolved inside the package (None when its path was refused)
    safe_file: Path | None = None
    #: the schema's file as the descriptor names it (None: an inline schema)
    schema_path: str | None = None

    @property
    def file(self) -> Path:
        return self.safe_file if self.safe_file is not None else self.root / self.path


class Package(NamedTuple):
    """A data package; ``readable``: False when ``datapackage.json`` is not a JSON object."""

    root: Path
    descriptor_file: Path
    descriptor: dict[str, Any]
    resources: tuple[Resource, ...] = ()
    problems: tuple[Problem, ...] = ()
    readable: bool = True

    @property
    def name(self) -> str:
        return str(self.descriptor.get("name", ""))

    @property
    def title(self) -> str:
        return str(self.descriptor.get("title", ""))

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", ""))

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.resources]

    def link_parents(self) -> dict[str, tuple[str, str]]:
        """Link tables -> (the key field naming the parent record, the parent's table): a composite
        key whose first field refers to a table keyed by one ID. The one rule of what a link table
        is: release-check (a link row is a value of its parent), the site figures, SQLite views."""
        single = {r.name for r in self.resources if len(r.schema.primary_key) == 1}
        found: dict[str, tuple[str, str]] = {}
        for resource in self.resources:
            key = resource.schema.primary_key
            for fk in resource.schema.foreign_keys if len(key) > 1 else ():
                if fk.fields == (key[0],) and fk.resource in single:
                    found[resource.name] = (key[0], fk.resource)
        return found

    def resource(self, name: str) -> Resource:
        """The resource ``name``; an unknown name raises an error listing the tables."""
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
    """The package ``source`` designates (see ``resources.descriptor_path``), refused with a
    PackageError listing the problems, located, when any is in :data:`REFUSED` (a missing
    ``name`` or ``version`` is only reported)."""
    package = read(descriptor_path(source))
    refusals = [p for p in package.problems if p.check in REFUSED]
    refusals = [p for p in refusals if not p.message.startswith(_ADVISORY)]
    if refusals:
        shown = "\n".join(p.under(package.root) for p in refusals)
        raise PackageError(shown, refusals)
    return package


def read(descriptor_file: Path) -> Package:
    """Read ``descriptor_file`` and its schemas; every problem is recorded, nothing is raised."""
    root = descriptor_file.parent
    data, problems, text = read_json(descriptor_file, DESCRIPTOR)

    def bad(check: str, message: str, line: int | None = 1) -> None:
        problems.append(Problem(DESCRIPTOR, line, None, None, check, message))

    if not isinstance(data, dict):
        if data is not None:
            bad("descriptor-unreadable", "not a JSON object")
        return Package(root, descriptor_file, {}, (), tuple(problems), readable=False)
    problems.extend(control_characters(data, DESCRIPTOR, text))
    for key in ("name", "version"):
        if not isinstance(data.get(key), str) or not data.get(key):
            bad("descriptor-property", f"required property '{key}' is missing or not a string")
    version = data.get("version")
    if isinstance(version, str) and version and not SEMVER.fullmatch(version):
        message = f"version {version!r} is not MAJOR.MINOR.PATCH (for example 1.2.0)"
        bad("version", message, line_of(text, '"version"'))
    raw_resources = data.get("resources")
    if not isinstance(raw_resources, list) or not raw_resources:
        message = "required property 'resources' is missing or not a non-empty list"
        bad("descriptor-property", message)
        return Package(root, descriptor_file, data, (), tuple(problems))
    not_csv = _csv_only(raw_resources)
    if not_csv:  # a JSON export, say: its rows are not ours to read (frictionless reads them)
        bad("descriptor-unreadable", not_csv)
        return Package(root, descriptor_file, data, (), tuple(problems), readable=False)
    # A resource's line is that of the first `"name": "<its name>"` after the previous one's.
    name_keys: dict[str, list[int]] = {}
    for found in _NAME_KEY.finditer(text):
        name_keys.setdefault(found[1], []).append(found.start())
    resources: list[Resource] = []
    names: set[str] = set()
    last, line_of_last = -1, 1
    for i, raw in enumerate(raw_resources, 1):
        name = raw.get("name") if isinstance(raw, dict) else None
        line = None
        starts = name_keys.get(json.dumps(name), []) if isinstance(name, str) else []
        k = bisect.bisect_right(starts, last)
        if k < len(starts):
            line = line_of_last + text.count("\n", max(last, 0), starts[k])
            last, line_of_last = starts[k], line
        if not isinstance(raw, dict) or not isinstance(name, str) or not name:
            bad("descriptor-property", f"resource {i} has no 'name'", line)
        elif not RESOURCE_NAME.fullmatch(name):
            message = (
                f"resource name {name!r} must be a lowercase slug: a-z or 0-9 first, then "
                "a-z, 0-9, '.', '_', '-' (at most 100 characters)"
            )
            bad("resource-name", message, line)
        elif _WINDOWS_DEVICE.fullmatch(name):  # it names export files
            bad("resource-name", f"resource name {name!r} is a name Windows reserves", line)
        elif name in names:
            bad("descriptor-property", f"resource name {name!r} is used twice", line)
        else:
            names.add(name)
            resources.append(_resource(root, raw, name, line, problems))
    problems.extend(_layout(resources))
    problems.extend(_references(resources))
    return Package(root, descriptor_file, data, tuple(resources), tuple(problems))


def _csv_only(resources: list[Any]) -> str | None:
    """Why a package whose resources are not all CSV files cannot be read (None if they are):
    afpak-data reads CSV packages only (the JSON export, for instance, is for other tools)."""
    other = []
    for raw in resources:
        if not isinstance(raw, dict):
            continue
        declared, path = raw.get("format"), raw.get("path")
        suffix = Path(path).suffix.lstrip(".") if isinstance(path, str) else ""
        fmt = (declared if isinstance(declared, str) else suffix).lower()
        if fmt in _NOT_CSV or (isinstance(declared, str) and fmt != "csv"):
            other.append(f"{raw.get('name')} ({fmt})")
    if not other:
        return None
    shown = ", ".join(other[:3]) + (f" and {len(other) - 3} more" if len(other) > 3 else "")
    return (
        f"afpak-data reads CSV data packages only, and {len(other)} resource(s) are not CSV: "
        f"{shown} (check this package with `frictionless validate`, or point at the CSV "
        "package it was exported from)"
    )


def _references(resources: list[Resource]) -> list[Problem]:
    """Foreign keys and polymorphic references must name resources and fields that exist."""
    by_name = {r.name: r for r in resources}
    found: list[tuple[Resource, str, str]] = []  # (resource, column, why)
    for res in resources:
        for fk in res.schema.foreign_keys:
            target = by_name.get(fk.resource) if fk.resource else res
            known = set(target.schema.field_names) if target else set()
            if target is None:
                why = f"foreign key refers to unknown resource '{fk.resource}'"
            elif known and not set(fk.reference_fields) <= known:
                fields = list(fk.reference_fields)
                why = f"foreign key refers to unknown fields {fields} of '{target.name}'"
            else:
                continue
            found.append((res, ", ".join(fk.fields), why))
        for ref in res.schema.polymorphic_references:
            found += [
                (res, ref.field, f"x-polymorphicReferences names unknown resource '{name}'")
                for name in ref.resources
                if name not in by_name
            ]
    return [
        Problem(DESCRIPTOR, r.line, None, column, "schema", f"resource '{r.name}': {why}")
        for r, column, why in found
    ]


def line_of(text: str, needle: str) -> int | None:
    """The 1-based line of the first ``needle`` in ``text`` (None if absent)."""
    pos = text.find(needle)
    return None if pos < 0 else text.count("\n", 0, pos) + 1


def refused_path(path: Any) -> tuple[str, str] | None:
    """The one path rule, for local and downloaded packages alike: (check, why) when ``path`` may
    not name a file of a package, None when it may. ``resource-path``: it would leave the package;
    ``portable-path``: it would not unpack the same on Linux, macOS and Windows."""
    if not isinstance(path, str) or not path:
        return "resource-path", f"path {path!r} is not a relative file path"
    parts = path.split("/")
    if CONTROL.search(path):
        why = "contains a control character"
    elif "://" in path or path.startswith("//"):
        why = "is a URL; the validator checks local files only"
    elif path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", path):
        why = "is absolute; resource paths must be relative to the package"
    elif "\\" in path:
        why = "uses backslashes; resource paths use '/'"
    elif ".." in parts:
        why = "contains '..'; resource paths must stay inside the package"
    else:
        unportable = _unportable(parts)
        return None if unportable is None else ("portable-path", f"path {path!r} {unportable}")
    return "resource-path", f"path {path!r} {why}"


def _unportable(parts: list[str]) -> str | None:
    """Why a path of ``parts`` would not unpack the same on every system (None: it would)."""
    if len(parts) > MAX_PARTS:
        return f"has more than {MAX_PARTS} parts (folders and file name)"
    for part in parts:
        subject = "" if len(parts) == 1 else f"has a part {part!r} that "
        if len(part) > 128:
            return f"has a part of {len(part)} characters (at most 128)"
        if not _PLAIN_PART.fullmatch(part):
            return (
                f"{subject}is not a plain name (letters, digits, '.', '_', '-', '+' and "
                "spaces, not '.', '-', '+' or a space first)"
            )
        if part.endswith((".", " ")):
            return f"{subject}ends in a dot or a space (Windows drops them)"
        if _WINDOWS_DEVICE.fullmatch(part):
            return f"{subject}is a name Windows reserves for a device"
    return None


def _layout(resources: list[Resource]) -> Iterator[Problem]:
    """No path may differ from another only by case (macOS and Windows fold case), be a folder
    of another, or take the descriptor's place."""
    owners: dict[str, Resource] = {}
    for res in resources:
        for path in (res.path, res.schema_path):
            if path and refused_path(path) is None:
                owners.setdefault(path, res)
    folders = {
        p.casefold().rsplit("/", i)[0]: p for p in owners for i in range(1, p.count("/") + 1)
    }
    first: dict[str, str] = {}
    for path, res in owners.items():
        folded = path.casefold()
        if first.setdefault(folded, path) != path:
            why = f"paths {first[folded]!r} and {path!r} differ only by case"
        elif folded in folders:
            why = f"path {path!r} is also a folder of {folders[folded]!r}"
        elif folded.split("/")[0] == DESCRIPTOR:
            why = f"path {path!r} takes the place of the package's {DESCRIPTOR}"
        else:
            continue
        yield Problem(
            DESCRIPTOR, res.line, None, None, "portable-path", f"resource '{res.name}': {why}"
        )


def safe_path(root: Path, path: Any) -> Path | tuple[str, str]:
    """``path`` resolved inside ``root``, or (check, why it is refused); symlinks are followed,
    and refused when they lead outside the package or loop."""
    refused = refused_path(path)
    if refused:
        return refused
    try:
        target = root.joinpath(path).resolve(strict=False)
        inside = target.is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a name too long
        return "resource-path", f"path {path!r} cannot be resolved ({exc})"
    if not inside:
        return "resource-path", f"path {path!r} resolves to {target}, outside the package"
    return target


def sha256_of(path: Path) -> tuple[int, str]:
    """Size in bytes and sha256 hex digest of a file, read in chunks (the one digest of a file)."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256")
        return handle.tell(), digest.hexdigest()


def declared_sha256(value: Any) -> str | None:
    """The hex digest of a descriptor ``hash`` of the form ``sha256:<hex>`` (else None)."""
    if isinstance(value, str) and value.startswith("sha256:"):
        hexdigest = value.removeprefix("sha256:").lower()
        if re.fullmatch(r"[0-9a-f]{64}", hexdigest):
            return hexdigest
    return None


def read_json(file: Path, shown: str) -> tuple[Any, list[Problem], str]:
    """Read a JSON file: (value, problems, text); the value is None when it cannot be read."""

    def fail(
        message: str, line: int | None = None, check: str = "descriptor-unreadable"
    ) -> tuple[Any, list[Problem], str]:
        return None, [Problem(shown, line, None, None, check, message)], ""

    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            return fail("not a regular file (a directory, FIFO or device)", None, "special-file")
        if info.st_size > MAX_JSON_BYTES:
            return fail(
                f"{info.st_size} bytes; JSON files over {MAX_JSON_BYTES} bytes are not read"
            )
        with open(file, "rb") as handle:
            raw = handle.read(MAX_JSON_BYTES + 1)
    except FileNotFoundError:
        return fail("file not found")
    except (OSError, RuntimeError, ValueError) as exc:
        return fail(f"cannot be read: {getattr(exc, 'strerror', 0) or exc}")
    problems = []
    if raw.startswith(b"\xef\xbb\xbf"):
        message = "starts with a byte-order mark; save without BOM"
        problems.append(Problem(shown, 1, None, None, "bom", message))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return fail("not valid UTF-8", raw.count(b"\n", 0, exc.start) + 1)
    try:
        return json.loads(text), problems, text
    except json.JSONDecodeError as exc:
        return fail(f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno)
    except RecursionError:
        return fail("not valid JSON: nested too deeply")
    except ValueError as exc:  # an integer beyond Python's digit limit
        digits = re.search(r"\d{1000,}", text)
        line = text.count("\n", 0, digits.start()) + 1 if digits else None
        return fail(f"a number is too long to read ({exc})", line, "json-number")


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
    if not _MAYBE_CONTROL.search(text):  # the common case, without walking every string
        return []
    problems = []
    for where, string in _strings(value, "$"):
        hit = CONTROL.search(string)
        if hit:
            needle = json.dumps(string)[1:-1][:40]
            line = line_of(text, needle) or line_of(text, json.dumps(string, ensure_ascii=False))
            message = (
                f"{where}: U+{ord(hit.group()):04X} at position {hit.start() + 1}; control "
                "characters and bidirectional overrides are refused in every text"
            )
            problems.append(Problem(shown, line, None, None, "control-character", message))
    return problems


def _resource(
    root: Path, raw: dict[str, Any], name: str, line: int | None, problems: list[Problem]
) -> Resource:
    """Vet one resource's path, schema, encoding, bytes and hash declarations."""

    def bad(check: str, message: str) -> None:
        problems.append(Problem(DESCRIPTOR, line, None, None, check, message))

    path = raw.get("path")
    safe_file = None
    if path is None:
        why = "has inline 'data'" if "data" in raw else "has no 'path'"
        bad(
            "descriptor-property",
            f"resource '{name}' {why}; this package keeps tables in CSV files",
        )
    elif isinstance(path, list):
        bad("descriptor-property", f"resource '{name}': a list of paths is not supported")
    else:
        target = safe_path(root, path)
        if isinstance(target, tuple):
            bad(target[0], f"resource '{name}': {target[1]}")
        elif target.exists() and not target.is_file():
            bad("special-file", f"resource '{name}': {path} is not a regular file")
        else:
            safe_file = target
    encoding = raw.get("encoding", "utf-8")
    if not isinstance(encoding, str) or encoding.lower().replace("_", "-") not in UTF8:
        bad("encoding", f"resource '{name}': encoding {encoding!r} is not supported (UTF-8 only)")
    for key in _UNSUPPORTED_RESOURCE:
        if key in raw:
            bad("unsupported", f"resource '{name}': property '{key}' is not checked")
    size = raw.get("bytes")
    if size is not None and not _count(size):
        bad("descriptor-property", f"resource '{name}': 'bytes' must be a non-negative integer")
        size = None
    digest = raw.get("hash")
    if digest is not None and not isinstance(digest, str):
        bad("hash", f"resource '{name}': 'hash' must be a string like sha256:<hex>")
        digest = None
    schema = Schema()
    raw_schema = raw.get("schema")
    if raw_schema is None:
        bad("schema", f"resource '{name}' has no 'schema'")
    elif not isinstance(raw_schema, str):
        schema = parse_schema(raw_schema, DESCRIPTOR, line, problems)
    elif isinstance(file := safe_path(root, raw_schema), tuple):
        bad(file[0], f"resource '{name}': schema {file[1]}")
    else:
        value, found, text = read_json(file, raw_schema)
        if value is None:  # read_json gives one problem then
            what = "is missing" if found[0].message == "file not found" else found[0].message
            check = "schema" if found[0].check == "descriptor-unreadable" else found[0].check
            bad(check, f"resource '{name}': schema file {raw_schema} {what}")
        else:
            problems.extend(found)
            problems.extend(control_characters(value, raw_schema, text))
            in_schema: list[Problem] = []
            schema = parse_schema(value, raw_schema, None, in_schema)
            problems.extend(_at_field_lines(in_schema, text))
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


def _at_field_lines(problems: list[Problem], text: str) -> Iterator[Problem]:
    """A schema file's field problems at the line of the field's ``"name"`` (the first one)."""
    lines: dict[str, int] = {}
    for found in _NAME_KEY.finditer(text):
        with contextlib.suppress(ValueError):
            lines.setdefault(json.loads(found[1]), text.count("\n", 0, found.start()) + 1)
    for problem in problems:
        line = lines.get(problem.column or "") if problem.line is None else problem.line
        yield dataclasses.replace(problem, line=line)


def _names(value: Any) -> tuple[str, ...] | None:
    """A key's field list: a string or a non-empty list of strings (Table Schema allows both)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _parsed(items: Any, parse: Callable[[Any], _T | str], bad: Callable[[str], None]) -> list[_T]:
    """Each of ``items`` (one item: a list of it) parsed; an item it cannot use is reported."""
    kept = []
    for item in items if isinstance(items, list) else [items]:
        result = parse(item)
        if isinstance(result, str):
            bad(result)
        else:
            kept.append(result)
    return kept


def parse_schema(raw: Any, where: str, line: int | None, problems: list[Problem]) -> Schema:
    """The one Table Schema reader: the usable schema; its problems, located at ``where``, ``line``,
    go to ``problems``: each invalid property (check ``schema``, left out), each one not checked
    (``unsupported``)."""

    def bad(message: str, column: str | None = None, check: str = "schema") -> None:
        problems.append(Problem(where, line, None, column, check, message))

    if not isinstance(raw, dict):
        bad(f"the schema must be a JSON object, not {type(raw).__name__}")
        return Schema()
    raw_fields = raw.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        bad("the schema has no 'fields' list")
        return Schema()
    fields: dict[str, Field] = {}
    for i, item in enumerate(raw_fields, 1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            bad(f"field {i} has no 'name'")
            continue
        spec = _parse_field(item, bad)
        if spec.name in fields:
            bad(f"field '{spec.name}' is defined twice", spec.name)
        else:
            fields[spec.name] = spec
    if not fields:
        return Schema()
    missing = raw.get("missingValues", [""])
    if not (isinstance(missing, list) and all(isinstance(v, str) for v in missing)):
        bad("'missingValues' must be a list of strings")
        missing = [""]
    match = raw.get("fieldsMatch", "exact")
    if match not in FIELDS_MATCH:
        bad(f"'fieldsMatch' {match!r} is not one of {', '.join(FIELDS_MATCH)}")
    elif match != "exact":
        message = f"'fieldsMatch' {match!r} is not checked (the header is checked as 'exact')"
        bad(message, check="unsupported")
    primary_key: tuple[str, ...] = ()
    if "primaryKey" in raw:
        pk = _names(raw["primaryKey"])
        if pk is None or any(n not in fields for n in pk):
            bad(f"'primaryKey' names no field of this schema: {raw['primaryKey']!r}")
        else:
            primary_key = pk

    def unique_key(uk: Any) -> tuple[str, ...] | str:
        names = _names(uk)
        if names is None or any(n not in fields for n in names):
            return f"'uniqueKeys' entry {uk!r} names no field of this schema"
        return names

    def polymorphic(ref: Any) -> PolymorphicReference | str:
        names = _names(ref.get("fields")) if isinstance(ref, dict) else None
        targets = _names(ref.get("resources")) if isinstance(ref, dict) else None
        if names is None or len(names) != 1 or names[0] not in fields or targets is None:
            return (
                f"'x-polymorphicReferences' entry {ref!r} needs one known field "
                "and a list of resources"
            )
        return PolymorphicReference(names, targets)

    uks = raw.get("uniqueKeys", [])
    return Schema(
        fields=tuple(fields.values()),
        primary_key=primary_key,
        unique_keys=tuple(_parsed(uks if isinstance(uks, list) else [0], unique_key, bad)),
        foreign_keys=tuple(_parsed(raw.get("foreignKeys", []), lambda fk: _fk(fk, fields), bad)),
        polymorphic_references=tuple(
            _parsed(raw.get("x-polymorphicReferences", []), polymorphic, bad)
        ),
        rules=tuple(_parsed(raw.get("x-rules", []), lambda rule: _rule(rule, fields), bad)),
        missing_values=tuple(missing),
    )


def _rule(rule: Any, fields: dict[str, Field]) -> RowRule | str:
    """One ``x-rules`` entry, or the message saying why it cannot be checked."""
    if not isinstance(rule, dict):
        return f"'x-rules' entry {rule!r} is not an object"
    kind = rule.get("kind")
    if not isinstance(kind, str) or kind not in RULE_KINDS:
        return f"'x-rules' kind {kind!r} is unknown (known kinds: {', '.join(sorted(RULE_KINDS))})"
    names = rule.get("fields")
    if (
        not isinstance(names, list)
        or len(names) != 2
        or not all(isinstance(n, str) and n in fields for n in names)
    ):
        return f"'x-rules' {kind} rule needs two fields of this schema, not {names!r}"
    value = rule.get("value", "unknown") if kind == "empty_when" else "unknown"
    if kind == "empty_when" and (not isinstance(value, str) or "value" not in rule):
        return f"'x-rules' empty_when rule needs a string 'value', not {value!r}"
    description = rule.get("description")
    if not isinstance(description, str) or not description.strip():
        description = f"{kind} ({names[0]}, {names[1]})"
    return RowRule(str(kind), (names[0], names[1]), description, str(value))


def _fk(fk: Any, fields: dict[str, Field]) -> ForeignKey | str:
    """One foreign key, or the message saying why it is unusable."""
    if not isinstance(fk, dict):
        return f"foreign key {fk!r} is not an object"
    names = _names(fk.get("fields"))
    ref = fk.get("reference")
    if names is None or any(n not in fields for n in names):
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


def _is_bound(value: Any, ftype: str) -> bool:
    """A minimum or maximum of the field's type: a date YYYY-MM-DD for a date, else a number or a
    number's text (the validator compares typed values, so nothing else could be compared)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return False
    try:
        if ftype != "date":
            float(value)
        elif ISO_DATE.fullmatch(str(value)) is None:
            return False
        else:
            date.fromisoformat(str(value))  # refuses a day that is not in the calendar
    except (ValueError, OverflowError):  # an integer beyond a float's range overflows
        return False
    return True


def _distinct(value: Any, _type: str) -> bool:
    """An ``enum``: a non-empty list, no null, no value twice as text (a category's values)."""
    if not isinstance(value, list) or not value or None in value:
        return False
    return len({str(v) for v in value}) == len(value)


#: Each constraint we check: its Field attribute, the types it applies to (None: every type), and
#: the test (of the value and the field's type) and wording of a valid value (``pattern`` is tested
#: by compiling it).
_CONSTRAINTS: dict[str, tuple[str, frozenset[str] | None, Callable[[Any, str], bool], str]] = {
    "required": ("required", None, lambda v, _: isinstance(v, bool), "true or false"),
    "unique": ("unique", None, lambda v, _: isinstance(v, bool), "true or false"),
    "enum": ("enum", None, _distinct, "a non-empty list of distinct values, without null"),
    "pattern": ("pattern", None, lambda _v, _t: True, ""),
    "minLength": ("min_length", _LENGTH_TYPES, lambda v, _: _count(v), "a non-negative integer"),
    "maxLength": ("max_length", _LENGTH_TYPES, lambda v, _: _count(v), "a non-negative integer"),
    "minimum": ("minimum", _RANGE_TYPES, _is_bound, "a number"),
    "maximum": ("maximum", _RANGE_TYPES, _is_bound, "a number"),
}


def _parse_field(raw: dict[str, Any], report: Callable[..., None]) -> Field:
    """One field; each invalid property is reported and dropped, the rest is kept."""
    name = raw["name"]

    def bad(message: str, check: str = "schema") -> None:
        report(f"field '{name}': {message}", name, check)

    values: dict[str, Any] = {"name": name, "raw": raw}
    ftype = raw.get("type", "string")
    known = isinstance(ftype, str) and ftype in TYPES
    if not known:  # a schema problem: what depends on the type (format, bounds) is left out
        bad(f"unknown type {ftype!r}")
        ftype = "any"
    elif ftype not in CHECKED_TYPES:
        checked = ", ".join(CHECKED_TYPES)
        bad(f"type {ftype!r} is not checked (checked types: {checked})", "unsupported")
    values["type"] = ftype
    if isinstance(raw.get("description"), str):
        values["description"] = raw["description"]
    fmt = raw.get("format", "default")
    if isinstance(fmt, str):
        values["format"] = fmt
        if known and fmt not in _FORMATS.get(ftype, {"default"}):
            bad(f"format {fmt!r} is not checked", "unsupported")
    else:
        bad("'format' must be a string")
    for key in sorted(set(raw) - _FIELD_KEYS):
        if not key.startswith("x-"):
            bad(f"property '{key}' is not checked", "unsupported")
    for key, attr in (("trueValues", "true_values"), ("falseValues", "false_values")):
        if key in raw:
            listed = raw[key]
            if isinstance(listed, list) and all(isinstance(v, str) for v in listed):
                values[attr] = tuple(listed)
            else:
                bad(f"'{key}' must be a list of strings")
    if isinstance(raw.get("x-vocabulary"), str):
        values["vocabulary"] = raw["x-vocabulary"]
    words = raw.get("x-maxWords")
    if words is not None:
        if _count(words) and words > 0:
            values["max_words"] = words
        else:
            bad("'x-maxWords' must be a positive integer")
    cons = raw.get("constraints", {})
    if not isinstance(cons, dict):
        bad("'constraints' must be an object")
        return Field(**values)
    for key in sorted(set(cons) - _CONSTRAINTS.keys()):
        bad(f"constraint '{key}' is not checked", "unsupported")
    for key, (attr, types, valid, must) in _CONSTRAINTS.items():
        if key not in cons or (types is not None and not known):
            continue
        value = cons[key]
        if types is not None and ftype not in types:
            why = "does not apply to" if ftype in CHECKED_TYPES else "is not checked on type"
            bad(f"constraint '{key}' {why} {ftype}", "unsupported")
        elif key == "pattern":
            try:
                re.compile(value)
                values[attr] = value
            except (re.error, TypeError) as exc:
                bad(f"constraint 'pattern' is not a regular expression ({exc})")
        elif valid(value, ftype):
            values[attr] = tuple(value) if isinstance(value, list) else value
        else:
            must = "a date YYYY-MM-DD" if ftype == "date" and types is _RANGE_TYPES else must
            bad(f"constraint '{key}' must be {must}")
    return Field(**values)
