"""Check ``datapackage.json`` and its resources' paths and schemas, without trusting any of it.

Resource paths come from a contributor's pull request, so a path that is absolute, contains ``..``,
is a URL or resolves (through symlinks) outside the package is refused and never opened.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from afpak_data._validate.problems import Problem
from afpak_data._validate.schema import SchemaSpec, parse_schema

DESCRIPTOR = "datapackage.json"
#: A descriptor or schema larger than this is not a hand-written JSON file.
MAX_JSON_BYTES = 16 * 1024 * 1024
VERSION = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
RESOURCE_NAME = re.compile(r"[a-z0-9._-]+")


@dataclass
class ResourceSpec:
    """What the descriptor says about one resource, with its path vetted."""

    name: str
    line: int | None
    path: str | None = None  # as written, posix
    file: Path | None = None  # resolved, inside the package; None when refused
    schema: SchemaSpec | None = None
    bytes: int | None = None
    hash: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Descriptor:
    """The parsed descriptor (None when unreadable) and its vetted resources."""

    data: dict[str, Any] | None
    resources: list[ResourceSpec]
    problems: list[Problem]


def line_of(text: str, needle: str, start: int = 0) -> int | None:
    """The 1-based line of the first ``needle`` in ``text`` from ``start`` on (None if absent)."""
    pos = text.find(needle, start)
    return None if pos < 0 else text.count("\n", 0, pos) + 1


def safe_path(root: Path, path: Any) -> tuple[Path | None, str | None]:
    """Resolve ``path`` inside ``root``: (the file, None) or (None, why it is refused)."""
    if not isinstance(path, str) or not path:
        return None, f"path {path!r} is not a relative file path"
    if "://" in path or path.startswith("//"):
        return None, f"path {path!r} is a URL; the validator checks local files only"
    if path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", path):
        return None, f"path {path!r} is absolute; resource paths must be relative to the package"
    if "\\" in path:
        return None, f"path {path!r} uses backslashes; resource paths use '/'"
    if ".." in path.split("/"):
        return None, f"path {path!r} contains '..'; resource paths must stay inside the package"
    target = (root / path).resolve()
    if not target.is_relative_to(root.resolve()):
        return None, f"path {path!r} resolves to {target}, outside the package"
    return target, None


def read_json(file: Path, shown: str) -> tuple[Any, Problem | None, str]:
    """Read a JSON file: (value, None, text) or (None, the problem, text so far)."""

    def fail(message: str, line: int | None = None) -> tuple[Any, Problem, str]:
        return None, Problem(shown, line, None, None, "descriptor-unreadable", message), ""

    try:
        size = file.stat().st_size
        if size > MAX_JSON_BYTES:
            return fail(f"{size} bytes; JSON files over {MAX_JSON_BYTES} bytes are not read")
        with open(file, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return fail("file not found")
    except OSError as exc:
        return fail(f"cannot be read: {exc.strerror or exc}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return fail("not valid UTF-8", raw.count(b"\n", 0, exc.start) + 1)
    try:
        return json.loads(text), None, text
    except json.JSONDecodeError as exc:
        return fail(f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno)
    except RecursionError:
        return fail("not valid JSON: nested too deeply")


def check_descriptor(root: Path, descriptor_file: Path) -> Descriptor:
    """Read and check the descriptor; return the resources that can be checked further."""
    data, problem, text = read_json(descriptor_file, DESCRIPTOR)
    if problem is not None:
        return Descriptor(None, [], [problem])
    problems: list[Problem] = []

    def bad(check: str, message: str, line: int | None = None, column: str | None = None) -> None:
        problems.append(Problem(DESCRIPTOR, line, None, column, check, message))

    if not isinstance(data, dict):
        problems.append(
            Problem(
                DESCRIPTOR,
                1,
                None,
                None,
                "descriptor-unreadable",
                "the descriptor is not a JSON object",
            )
        )
        return Descriptor(None, [], problems)
    for key in ("name", "version"):
        if not isinstance(data.get(key), str) or not data.get(key):
            bad("descriptor-property", f"required property '{key}' is missing or not a string", 1)
    version = data.get("version")
    if isinstance(version, str) and version and not VERSION.fullmatch(version):
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
        return Descriptor(data, [], problems)
    from afpak_data._resources import csv_only

    not_csv = csv_only(raw_resources)
    if not_csv:  # a JSON export, say: its rows are not ours to read (frictionless reads them)
        problems.append(Problem(DESCRIPTOR, 1, None, None, "descriptor-unreadable", not_csv))
        return Descriptor(None, [], problems)
    resources: list[ResourceSpec] = []
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
                "descriptor-property",
                f"resource name {name!r} must be lowercase a-z, 0-9, '.', '_', '-'",
                line,
            )
        if name in names:
            bad("descriptor-property", f"resource name {name!r} is used twice", line)
            continue
        names.add(name)
        resources.append(_resource(root, raw, name, line, bad, problems))
    return Descriptor(data, resources, problems)


def _resource(
    root: Path, raw: dict[str, Any], name: str, line: int | None, bad: Any, problems: list[Problem]
) -> ResourceSpec:
    """Vet one resource's path, schema, bytes and hash declarations."""
    spec = ResourceSpec(name=name, line=line, raw=raw)
    path = raw.get("path")
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
        spec.path = path if isinstance(path, str) else None
        spec.file, why = safe_path(root, path)
        if why:
            bad("resource-path", f"resource '{name}': {why}", line)
    declared = raw.get("bytes")
    if declared is not None:
        if isinstance(declared, int) and not isinstance(declared, bool) and declared >= 0:
            spec.bytes = declared
        else:
            bad(
                "descriptor-property",
                f"resource '{name}': 'bytes' must be a non-negative integer",
                line,
            )
    digest = raw.get("hash")
    if digest is not None:
        if isinstance(digest, str):
            spec.hash = digest
        else:
            bad("hash", f"resource '{name}': 'hash' must be a string like sha256:<hex>", line)
    schema = raw.get("schema")
    if schema is None:
        bad("schema", f"resource '{name}' has no 'schema'", line)
    elif isinstance(schema, str):
        file, why = safe_path(root, schema)
        if why:
            bad("resource-path", f"resource '{name}': schema {why}", line)
        else:
            assert file is not None
            value, problem, _ = read_json(file, schema)
            if problem is not None:
                what = "is missing" if problem.message == "file not found" else problem.message
                bad("schema", f"resource '{name}': schema file {schema} {what}", line)
            else:
                spec.schema, found = parse_schema(value, schema, None)
                problems.extend(found)
    else:
        spec.schema, found = parse_schema(schema, DESCRIPTOR, line)
        problems.extend(found)
    return spec
