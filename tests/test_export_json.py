"""JSON export: records per table and a descriptor that describes the JSON files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import afpak_data
from afpak_data._model.descriptor import read_package
from afpak_data._publish.export import export, rows

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
    names = resource.schema.field_names
    body = rows(afpak_data.load(name), resource.schema, iso_dates=True)
    expected = [dict(zip(names, row, strict=True)) for row in body]
    if not expected:  # an empty table: its header only, so readers know the columns
        assert data == [list(resource.schema.field_names)]
        return
    assert data == expected
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
        assert "bytes" not in resource  # frictionless 5 cannot count a JSON file's bytes
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        original = PACKAGE.resource(resource["name"]).schema
        assert [f["name"] for f in resource["schema"]["fields"]] == list(original.field_names)
        assert resource["schema"]["primaryKey"] == list(original.primary_key)


@pytest.mark.slow
def test_frictionless_accepts_the_export(out: Path) -> None:
    """``frictionless validate`` finds the exported package valid, empty table and keys included."""
    frictionless = pytest.importorskip("frictionless", reason="needs frictionless[json]")
    pytest.importorskip("ijson", reason="frictionless reads JSON with ijson (frictionless[json])")
    report = frictionless.validate(str(out / "datapackage.json"))
    errors = [(t.name, e.type, e.note) for t in report.tasks for e in t.errors]
    assert (report.valid, errors) == (True, [])
    assert sorted(t.name for t in report.tasks) == sorted(NAMES)


def test_loader_says_it_reads_csv_packages_only(out: Path) -> None:
    """``load(source=<JSON export>)`` refuses with a message naming the reason, not a traceback."""
    with pytest.raises(afpak_data.PackageError, match="reads CSV data packages only"):
        afpak_data.load("agreements", source=out)


def test_validator_says_it_reads_csv_packages_only(out: Path) -> None:
    """``afpak-data validate <JSON export>`` reports one problem (CSV only) and exits 2."""
    from click.testing import CliRunner

    from afpak_data.cli import cli

    result = CliRunner().invoke(cli, ["validate", str(out)])
    assert result.exit_code == 2, result.output
    problems = [line for line in result.output.splitlines() if line.startswith("datapackage")]
    assert len(problems) == 1 and "reads CSV data packages only" in problems[0]
    assert "frictionless validate" in problems[0]
