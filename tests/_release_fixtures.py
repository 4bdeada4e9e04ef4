"""A tiny versioned package for the release tests (diff, release-check, remote, bundle).

Kept apart from ``_packages`` so that the golden diffs depend on nothing another test may change.
``make_package`` writes it with correct ``bytes`` and ``hash``; the editing helpers change one
thing and re-hash, so every pair of versions differs exactly as the test says.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any


def field(name: str, type_: str = "string", required: bool = False, **constraints: Any) -> dict:
    """A Table Schema field with a description and explicit ``required``."""
    return {
        "name": name,
        "type": type_,
        "description": f"The {name.replace('_', ' ')}.",
        "constraints": {"required": required, **constraints},
    }


SCHEMAS: dict[str, dict[str, Any]] = {
    "sources": {
        "fields": [field("source_id", required=True), field("title", required=True)],
        "primaryKey": ["source_id"],
        "missingValues": [""],
    },
    "agreements": {
        "fields": [
            field("agreement_id", required=True, pattern="^agr-[a-z0-9]+(?:-[a-z0-9]+)*$"),
            field("title", required=True, maxLength=60),
            field("date", "date"),
            field("status", required=True, enum=["signed", "pledged"]),
            field("parties", "integer", minimum=1),
        ],
        "primaryKey": ["agreement_id"],
        "missingValues": [""],
    },
    "agreement_actors": {
        "fields": [
            field("agreement_id", required=True),
            field("actor_id", required=True),
            field("role", required=True, enum=["party", "host"]),
        ],
        "primaryKey": ["agreement_id", "actor_id", "role"],
        "foreignKeys": [
            {
                "fields": ["agreement_id"],
                "reference": {"resource": "agreements", "fields": ["agreement_id"]},
            }
        ],
        "missingValues": [""],
    },
    "evidence": {
        "fields": [
            field("evidence_id", "integer", required=True, minimum=1),
            field("record_id", required=True),
            field("quote", required=True, maxLength=200),
        ],
        "primaryKey": ["evidence_id"],
        "missingValues": [""],
    },
    "withdrawn": {
        "fields": [
            field("record_id", required=True),
            field("table", required=True),
            field("withdrawn_in", required=True),
            field("reason", required=True),
        ],
        "primaryKey": ["record_id"],
        "missingValues": [""],
    },
}

CSVS: dict[str, str] = {
    "sources": "source_id,title\nsrc-note,Review of Afghanistan developments\n",
    "agreements": (
        "agreement_id,title,date,status,parties\n"
        "agr-rail,Railway study,2025-07-17,signed,3\n"
        "agr-trade,Trade pledge,,pledged,\n"
        "agr-visit,Visit to Kabul,2025-08-01,signed,2\n"
    ),
    "agreement_actors": (
        "agreement_id,actor_id,role\n"
        "agr-rail,act-afg,party\n"
        "agr-rail,act-pak,party\n"
        "agr-trade,act-pak,party\n"
    ),
    "evidence": (
        'evidence_id,record_id,quote\n1,agr-rail,"signed in Kabul, July"\n'
        "2,agr-trade,a pledge\n10,agr-visit,the visit\n"
    ),
    "withdrawn": "record_id,table,withdrawn_in,reason\n",
}

CHANGELOG = "# Changelog\n\n## [Unreleased]\n\n## [{version}] - 2026-01-01\n\n- Release.\n"


def make_package(root: Path, version: str = "1.0.0", *, changelog: bool = True) -> Path:
    """Write the fixture package (with hashes, and a CHANGELOG entry for ``version``) at root."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "schemas").mkdir(exist_ok=True)
    for name, schema in SCHEMAS.items():
        (root / "schemas" / f"{name}.schema.json").write_text(json.dumps(schema, indent=2) + "\n")
        (root / "data" / f"{name}.csv").write_text(CSVS[name], encoding="utf-8", newline="")
    descriptor = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "afpak-data",
        "title": "Fixture package",
        "version": version,
        "created": "2026-01-01T00:00:00Z",
        "homepage": "https://github.com/afpak-data/afpak-data",
        "licenses": [{"name": "CC-BY-4.0"}],
        "resources": [_resource(name) for name in SCHEMAS],
    }
    write_descriptor(root, descriptor)
    if changelog:
        (root / "CHANGELOG.md").write_text(CHANGELOG.format(version=version), encoding="utf-8")
    return root


def copy_package(source: Path, target: Path, version: str | None = None) -> Path:
    """Copy a package to ``target``, optionally with another version (and changelog entry)."""
    shutil.copytree(source, target)
    if version is not None:
        set_version(target, version)
    return target


def descriptor(root: Path) -> dict[str, Any]:
    """The parsed datapackage.json at root."""
    return json.loads((root / "datapackage.json").read_text(encoding="utf-8"))


def write_descriptor(root: Path, data: dict[str, Any]) -> None:
    """Write datapackage.json with every resource's bytes and sha256 recomputed."""
    for resource in data["resources"]:
        raw = (root / resource["path"]).read_bytes()
        resource["bytes"] = len(raw)
        resource["hash"] = "sha256:" + hashlib.sha256(raw).hexdigest()
    (root / "datapackage.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def set_version(root: Path, version: str, *, changelog: bool = True) -> None:
    """Change the version; add its CHANGELOG entry unless told not to."""
    data = descriptor(root)
    data["version"] = version
    write_descriptor(root, data)
    if changelog:
        (root / "CHANGELOG.md").write_text(CHANGELOG.format(version=version), encoding="utf-8")


def set_csv(root: Path, table: str, text: str) -> None:
    """Replace a table's CSV and re-hash."""
    (root / "data" / f"{table}.csv").write_text(text, encoding="utf-8", newline="")
    write_descriptor(root, descriptor(root))


def edit_csv(root: Path, table: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` once in a table's CSV (``old`` must occur)."""
    path = root / "data" / f"{table}.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    set_csv(root, table, text.replace(old, new, 1))


def edit_schema(root: Path, table: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``change`` to a table's schema in place."""
    path = root / "schemas" / f"{table}.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    change(schema)
    path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")


def schema_field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """The field called ``name`` of a parsed schema."""
    return next(f for f in schema["fields"] if f["name"] == name)


def add_table(root: Path, name: str, schema: dict[str, Any], text: str) -> None:
    """Add a resource (schema file, CSV, descriptor entry) at the end of the descriptor."""
    (root / "schemas" / f"{name}.schema.json").write_text(json.dumps(schema, indent=2) + "\n")
    (root / "data" / f"{name}.csv").write_text(text, encoding="utf-8", newline="")
    data = descriptor(root)
    data["resources"].append(_resource(name))
    write_descriptor(root, data)


def remove_table(root: Path, name: str) -> None:
    """Remove a resource from the descriptor and delete its files."""
    data = descriptor(root)
    data["resources"] = [r for r in data["resources"] if r["name"] != name]
    (root / "data" / f"{name}.csv").unlink()
    (root / "schemas" / f"{name}.schema.json").unlink()
    write_descriptor(root, data)


def _resource(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "table",
        "path": f"data/{name}.csv",
        "scheme": "file",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": f"schemas/{name}.schema.json",
    }
