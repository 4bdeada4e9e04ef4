"""scripts/build_datapackage.py: the generator that keeps derived files in step with metadata/."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location(
    "build_datapackage", ROOT / "scripts" / "build_datapackage.py"
)
build_datapackage = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(build_datapackage)


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of the inputs and outputs of the generator, safe to modify."""
    for part in ("metadata", "data", "schemas", "docs"):
        shutil.copytree(ROOT / part, tmp_path / part)
    for part in ("datapackage.json", "CITATION.cff", ".zenodo.json"):
        shutil.copy2(ROOT / part, tmp_path / part)
    return tmp_path


def test_check_passes_on_a_current_copy(repo_copy: Path) -> None:
    """--check exits 0 when nothing is stale."""
    assert build_datapackage.main(["--check", "--root", str(repo_copy)]) == 0


def test_check_names_stale_descriptor_after_a_data_edit(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Editing a CSV makes datapackage.json stale (its bytes/hash), and --check says so."""
    csv_path = repo_copy / "data" / "risks.csv"
    csv_path.write_text(csv_path.read_text("utf-8").replace("Durand Line", "Durand line"), "utf-8")
    before = (repo_copy / "datapackage.json").read_bytes()
    assert build_datapackage.main(["--check", "--root", str(repo_copy)]) == 1
    out = capsys.readouterr().out
    assert out == "datapackage.json: out of date (run python scripts/build_datapackage.py)\n"
    assert (repo_copy / "datapackage.json").read_bytes() == before, "--check must not write"


def test_rebuild_records_new_bytes_and_hash(repo_copy: Path) -> None:
    """A rebuild after an edit writes the new size and sha256 of the edited file."""
    csv_path = repo_copy / "data" / "risks.csv"
    original = csv_path.read_bytes()
    csv_path.write_bytes(original.replace(b"Durand Line,", b"The Durand Line,"))
    assert csv_path.read_bytes() != original
    assert build_datapackage.main(["--root", str(repo_copy)]) == 0
    descriptor = json.loads((repo_copy / "datapackage.json").read_text("utf-8"))
    risks = next(r for r in descriptor["resources"] if r["name"] == "risks")
    new = csv_path.read_bytes()
    disk = (len(new), "sha256:" + hashlib.sha256(new).hexdigest())
    assert (risks["bytes"], risks["hash"]) == disk
    assert build_datapackage.main(["--check", "--root", str(repo_copy)]) == 0


def test_vocabulary_change_reaches_schema_and_codebook(repo_copy: Path) -> None:
    """A value added to a vocabulary appears in the schemas' enum and in the codebook."""
    vocab = repo_copy / "metadata" / "vocabularies.toml"
    text = vocab.read_text("utf-8").replace(
        'trust = "Mistrust between the two sides."',
        'trust = "Mistrust between the two sides."\neconomic = "Economic disputes."',
    )
    vocab.write_text(text, "utf-8")
    assert build_datapackage.main(["--root", str(repo_copy)]) == 0
    schema = json.loads((repo_copy / "schemas" / "risks.schema.json").read_text("utf-8"))
    category = next(f for f in schema["fields"] if f["name"] == "category")
    assert "economic" in category["constraints"]["enum"]
    assert "| `economic` | Economic disputes. |" in (repo_copy / "docs" / "codebook.md").read_text(
        "utf-8"
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('use = "quote"', 'use = "quotation"'), "unknown shared field 'quotation'"),
        (('vocabulary = "risk_category"', 'vocabulary = "nope"'), "unknown vocabulary 'nope'"),
        (("max_length = 80\n", ""), "needs max_length"),
    ],
    ids=["unknown-shared-field", "unknown-vocabulary", "text-without-max-length"],
)
def test_inconsistent_metadata_is_refused_with_its_file(
    repo_copy: Path, capsys: pytest.CaptureFixture[str], edit: tuple[str, str], message: str
) -> None:
    """Broken metadata exits 2 with a message naming the file, and writes nothing."""
    path = repo_copy / "metadata" / "tables" / "risks.toml"
    path.write_text(path.read_text("utf-8").replace(*edit, 1), "utf-8")
    before = {p: p.read_bytes() for p in (repo_copy / "schemas").iterdir()}
    assert build_datapackage.main(["--root", str(repo_copy)]) == 2
    err = capsys.readouterr().err
    assert "metadata/tables/risks.toml" in err and message in err
    assert {p: p.read_bytes() for p in (repo_copy / "schemas").iterdir()} == before


def test_failed_write_leaves_the_old_files_and_no_temporary(
    repo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error while writing keeps every previous file intact and removes the temporary files."""
    targets = [repo_copy / "CITATION.cff", repo_copy / "datapackage.json"]
    before = [t.read_bytes() for t in targets]

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="No space left on device"):
        build_datapackage.write_all({t: "new content\n" for t in targets})
    assert [t.read_bytes() for t in targets] == before
    assert [p.name for p in repo_copy.iterdir() if ".afpak-" in p.name] == []


def test_version_bump_makes_citation_and_zenodo_stale(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new version makes CITATION.cff and .zenodo.json stale; a rebuild writes it in both."""
    toml = repo_copy / "metadata" / "package.toml"
    old = json.loads((repo_copy / ".zenodo.json").read_text("utf-8"))["version"]
    bumped = toml.read_text("utf-8").replace(f'version = "{old}"', 'version = "9.8.7"')
    toml.write_text(bumped, "utf-8")
    assert build_datapackage.main(["--check", "--root", str(repo_copy)]) == 1
    stale = set(capsys.readouterr().out.splitlines())
    assert {line.split(":")[0] for line in stale} >= {".zenodo.json", "CITATION.cff"}
    assert build_datapackage.main(["--root", str(repo_copy)]) == 0
    zenodo = json.loads((repo_copy / ".zenodo.json").read_text("utf-8"))
    assert zenodo["version"] == "9.8.7"
    assert zenodo["upload_type"] == "dataset" and zenodo["license"] == "cc-by-4.0"
    assert 'version: "9.8.7"' in (repo_copy / "CITATION.cff").read_text("utf-8")
