"""``afpak-data bundle``: a reproducible zip of the package, with a checksum in sha256sum format."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest
from _release_fixtures import make_package
from click.testing import CliRunner

import afpak_data
from afpak_data.cli import cli


def run_bundle(outdir: Path, source: Path | None = None) -> tuple[int, str, str]:
    """Run the command; return (exit code, stdout, stderr)."""
    args = ["bundle", str(outdir)] + (["--source", str(source)] if source else [])
    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.stdout, result.stderr


def test_bundle_contents_and_layout(tmp_path: Path) -> None:
    """The zip holds the descriptor, data, schemas and notes under one folder, sorted."""
    package = make_package(tmp_path / "pkg")
    (package / "LICENSE").write_text("MIT\n", encoding="utf-8")
    (package / "docs").mkdir()
    (package / "docs" / "codebook.md").write_text("# Codebook\n", encoding="utf-8")
    (package / "data" / ".~lock.agreements.csv#").write_text("editor lock", encoding="utf-8")
    code, out, _ = run_bundle(tmp_path / "out", package)
    assert code == 0, out
    with zipfile.ZipFile(tmp_path / "out" / "afpak-data-1.0.0.zip") as archive:
        names = archive.namelist()
        infos = archive.infolist()
    assert names == [
        "afpak-data-1.0.0/" + name
        for name in [
            "CHANGELOG.md",
            "LICENSE",
            "data/agreement_actors.csv",
            "data/agreements.csv",
            "data/evidence.csv",
            "data/sources.csv",
            "data/withdrawn.csv",
            "datapackage.json",
            "docs/codebook.md",
            "schemas/agreement_actors.schema.json",
            "schemas/agreements.schema.json",
            "schemas/evidence.schema.json",
            "schemas/sources.schema.json",
            "schemas/withdrawn.schema.json",
        ]
    ]
    assert {info.date_time for info in infos} == {(2026, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o644}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "afpak-data-1.0.0.zip",
        "afpak-data-1.0.0.zip.sha256",
    ]


def test_checksum_file_verifies(tmp_path: Path) -> None:
    """The .sha256 file is in sha256sum format and matches the zip's bytes."""
    package = make_package(tmp_path / "pkg")
    code, out, _ = run_bundle(tmp_path / "out", package)
    assert code == 0, out
    archive = tmp_path / "out" / "afpak-data-1.0.0.zip"
    line = (tmp_path / "out" / "afpak-data-1.0.0.zip.sha256").read_text(encoding="utf-8")
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert line == f"{digest}  afpak-data-1.0.0.zip\n"
    assert out.splitlines()[-1] == f"sha256 {digest}"


def test_same_package_same_bytes(tmp_path: Path) -> None:
    """Two bundles of one package are byte-identical, even when file times differ."""
    package = make_package(tmp_path / "pkg")
    assert run_bundle(tmp_path / "a", package)[0] == 0
    for path in package.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    assert run_bundle(tmp_path / "b", package)[0] == 0
    first = (tmp_path / "a" / "afpak-data-1.0.0.zip").read_bytes()
    assert first == (tmp_path / "b" / "afpak-data-1.0.0.zip").read_bytes()


def test_repository_bundle_round_trips(tmp_path: Path, repo_root: Path) -> None:
    """The repository's package, bundled and extracted, loads to the same tables."""
    code, out, err = run_bundle(tmp_path / "out", repo_root)
    assert code == 0, out + err
    version = afpak_data.metadata(repo_root)["version"]
    with zipfile.ZipFile(tmp_path / "out" / f"afpak-data-{version}.zip") as archive:
        archive.extractall(tmp_path / "x")
    extracted = tmp_path / "x" / f"afpak-data-{version}"
    for name in ("CHANGELOG.md", "CITATION.cff", "LICENSE", "docs/codebook.md"):
        assert (extracted / name).is_file(), name
    loaded, original = afpak_data.load_all(source=extracted), afpak_data.load_all(repo_root)
    assert list(loaded) == list(original)
    for name, frame in original.items():
        assert loaded[name].equals(frame), name


def test_default_source_is_the_bundled_package(tmp_path: Path) -> None:
    """Without --source the installed (bundled) package is archived."""
    code, out, err = run_bundle(tmp_path / "out")
    assert code == 0, out + err
    version = afpak_data.metadata()["version"]
    assert (tmp_path / "out" / f"afpak-data-{version}.zip").is_file()


def test_stale_hash_refused(tmp_path: Path) -> None:
    """A CSV that no longer matches its declared hash exits 1, and no zip is written."""
    package = make_package(tmp_path / "pkg")
    csv = package / "data" / "agreements.csv"
    csv.write_bytes(csv.read_bytes().replace(b"Railway", b"Roadway"))
    code, _, err = run_bundle(tmp_path / "out", package)
    assert code == 1
    assert err.count("\n") == 1 and "agreements.csv: sha256 " in err
    assert not (tmp_path / "out" / "afpak-data-1.0.0.zip").exists()


@pytest.mark.parametrize("broken", ["missing", "bad-json"], ids=["missing", "bad-json"])
def test_unreadable_source_exit_2(tmp_path: Path, broken: str) -> None:
    """A package that cannot be read exits 2 with one line on stderr."""
    package = make_package(tmp_path / "pkg")
    if broken == "missing":
        package = tmp_path / "nowhere"
    else:
        (package / "datapackage.json").write_text("{", encoding="utf-8")
    code, out, err = run_bundle(tmp_path / "out", package)
    assert (code, out) == (2, "")
    assert err.startswith("Error: ") and err.count("\n") == 1
