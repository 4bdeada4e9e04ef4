"""JSON export: records per table and a descriptor that describes the JSON files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import afpak_data
from afpak_data._descriptor import read_package
from afpak_data._export import export
from afpak_data._export.values import records

PACKAGE = read_package()
NAMES = PACKAGE.names


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled package exported once to JSON."""
    directory = tmp_path_factory.mktemp("json")
    written = export("json", directory)
    expected = sorted([*(f"{n}.json" for n in NAMES), "datapackage.json"])
    assert sorted(p.name for p in written) == expected
    return directory


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_records_round_trip(out: Path, name: str) -> None:
    """Each file is an array of objects equal to the loader's rows (null for empty, ISO dates)."""
    resource = PACKAGE.resource(name)
    data = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
    assert data == records(afpak_data.load(name), resource.schema)
    assert all(list(row) == list(resource.schema.field_names) for row in data)
    keys = [tuple(row[k] for k in resource.schema.primary_key) for row in data]
    assert len(set(keys)) == len(keys)


def test_typographic_text_kept_verbatim(out: Path) -> None:
    """Non-ASCII text (typographic apostrophes in quotes) is written as is, not escaped."""
    text = (out / "risk_actors.json").read_text(encoding="utf-8")
    assert "Pakistan\u2019s" in text


def test_descriptor_describes_the_json_files(out: Path) -> None:
    """The descriptor keeps the package properties and points each resource at its JSON file."""
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["version"] == PACKAGE.version
    assert [r["name"] for r in descriptor["resources"]] == NAMES
    for resource in descriptor["resources"]:
        data = (out / resource["path"]).read_bytes()
        assert resource["format"] == "json"
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        original = PACKAGE.resource(resource["name"]).schema
        assert [f["name"] for f in resource["schema"]["fields"]] == list(original.field_names)
        assert resource["schema"]["primaryKey"] == list(original.primary_key)
