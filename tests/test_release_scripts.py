"""The release workflow's helpers: the tag-version check and the CHANGELOG section as notes."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def script(name: str) -> ModuleType:
    """Import scripts/<name>.py as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_tag = script("check_tag")
changelog_section = script("changelog_section")

CHANGELOG = """\
# Changelog

Intro text.

## [Unreleased]

## [1.1.0] - 2026-12-01

New records. **Data users:** nothing to act on.

### Added
- Two risks.

## [1.0.10] - 2026-11-30

### Fixed
- A quote.

## [1.0.1] - 2026-11-29

### Fixed
- A paragraph number.

[1.1.0]: https://github.com/afpak-data/afpak-data/compare/v1.0.1...v1.1.0
[1.0.1]: https://github.com/afpak-data/afpak-data/compare/v1.0.0...v1.0.1
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the files that state the version."""
    (tmp_path / "metadata").mkdir()
    shutil.copy2(ROOT / "metadata" / "package.toml", tmp_path / "metadata" / "package.toml")
    shutil.copy2(ROOT / "datapackage.json", tmp_path / "datapackage.json")
    return tmp_path


def version_of(root: Path) -> str:
    return json.loads((root / "datapackage.json").read_text(encoding="utf-8"))["version"]


def test_matching_tag_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """v<version> of the files exits 0 and says so."""
    version = version_of(repo)
    assert check_tag.main([f"v{version}", "--root", str(repo)]) == 0
    assert capsys.readouterr().out == f"tag v{version} matches the package version {version}\n"


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("v9.9.9", "version '{v}', but the tag is 'v9.9.9' (expected '9.9.9')"),
        ("{v}", "is not a release tag (expected v<MAJOR.MINOR.PATCH>, e.g. v1.0.1)"),
        ("v{v}rc1", "is not a release tag"),
        ("v1.0", "is not a release tag"),
    ],
    ids=["other-version", "no-v", "pre-release", "two-parts"],
)
def test_mismatching_tag_fails(
    repo: Path, capsys: pytest.CaptureFixture[str], tag: str, message: str
) -> None:
    """A tag naming another version, or not of the form vX.Y.Z, exits 1 and says why."""
    version = version_of(repo)
    assert check_tag.main([tag.format(v=version), "--root", str(repo)]) == 1
    assert message.format(v=version) in capsys.readouterr().err


def test_descriptor_disagreeing_with_metadata_is_named(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stale datapackage.json fails the check even when metadata/package.toml matches the tag."""
    version = version_of(repo)
    descriptor = json.loads((repo / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = "0.0.1"
    (repo / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert check_tag.main([f"v{version}", "--root", str(repo)]) == 1
    err = capsys.readouterr().err
    expected = f"version '0.0.1', but the tag is 'v{version}' (expected '{version}')"
    assert err == f"datapackage.json: {expected}\n"


def test_unreadable_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without metadata/package.toml the check is a usage error, one line on stderr."""
    assert check_tag.main(["v1.0.0", "--root", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("check_tag: cannot read the version")


@pytest.mark.parametrize(
    ("tag", "tags", "expected"),
    [
        ("v1.1.0", ["v1.0.0", "v1.0.10", "v1.0.9", "v1.1.0", "v2.0.0"], "v1.0.10"),
        ("v1.0.0", ["v1.0.0"], None),
        ("v1.0.1", ["v1.0.0", "v1.0.1rc1", "latest", "1.0.0"], "v1.0.0"),
        ("v2.0.0", [], None),
    ],
    ids=["numeric-not-text-order", "first-release", "other-tags-ignored", "no-tags"],
)
def test_previous_tag(tag: str, tags: list[str], expected: str | None) -> None:
    """The previous release is the highest vX.Y.Z below the tag, compared as numbers."""
    assert check_tag.previous_tag(tag, tags) == expected


def test_previous_tag_command_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--previous reads the tags from standard input and prints the previous one."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("v1.0.0\nv1.0.1\nv1.1.0\n"))
    assert check_tag.main(["v1.1.0", "--previous"]) == 0
    assert capsys.readouterr().out == "v1.0.1\n"


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.1.0", "New records. **Data users:** nothing to act on.\n\n### Added\n- Two risks.\n"),
        ("1.0.10", "### Fixed\n- A quote.\n"),
        ("1.0.1", "### Fixed\n- A paragraph number.\n"),
    ],
    ids=["middle", "prefix-of-another-version", "last-without-link-definitions"],
)
def test_changelog_section(version: str, expected: str) -> None:
    """The section is the text under its heading up to the next one, links and blanks trimmed."""
    assert changelog_section.section(CHANGELOG, version) == expected


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.2.0", "no section for 1.2.0 (expected a heading '## [1.2.0] - YYYY-MM-DD')"),
        ("Unreleased", "the section of Unreleased is empty"),
    ],
    ids=["missing", "empty"],
)
def test_changelog_section_refused(version: str, message: str) -> None:
    """No section, or an empty one, is an error: a release is never published without notes."""
    with pytest.raises(changelog_section.SectionError, match=re.escape(message)):
        changelog_section.section(CHANGELOG, version)


def test_changelog_section_command(tmp_path: Path) -> None:
    """Run as the workflow runs it: notes on stdout (exit 0); a missing version exits 1."""
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(CHANGELOG, encoding="utf-8")
    command = [sys.executable, str(ROOT / "scripts" / "changelog_section.py")]
    ok = subprocess.run([*command, "v1.0.10", str(changelog)], capture_output=True, text=True)
    assert (ok.returncode, ok.stdout) == (0, "### Fixed\n- A quote.\n")
    missing = subprocess.run([*command, "3.0.0", str(changelog)], capture_output=True, text=True)
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr == (
        f"changelog_section: {changelog}: no section for 3.0.0 "
        "(expected a heading '## [3.0.0] - YYYY-MM-DD')\n"
    )


def test_repository_changelog_has_the_current_version() -> None:
    """The repository's own CHANGELOG gives notes for the version being released."""
    version = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]
    assert changelog_section.section((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), version)
