"""One version: the installed distribution, the descriptor and the top CHANGELOG entry agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import afpak_data

ROOT = Path(__file__).resolve().parent.parent
RELEASE_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\]", re.MULTILINE)


def descriptor_version() -> str:
    return str(
        json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8")).get("version", "")
    )


def test_version_is_semantic() -> None:
    """``__version__`` is MAJOR.MINOR.PATCH."""
    assert re.fullmatch(r"\d+\.\d+\.\d+", afpak_data.__version__), afpak_data.__version__


def test_dunder_version_equals_descriptor_version() -> None:
    """The installed distribution's version is the descriptor's ``version``."""
    assert afpak_data.__version__ == descriptor_version()


def test_metadata_api_reports_the_same_version() -> None:
    """``metadata()['version']`` of the bundled package is ``__version__``."""
    assert afpak_data.metadata()["version"] == afpak_data.__version__


def test_top_changelog_release_is_the_descriptor_version() -> None:
    """The first ``## [X.Y.Z]`` heading of CHANGELOG.md (after Unreleased) is the version."""
    version = descriptor_version()
    if not version:
        pytest.skip("datapackage.json has no version yet")
    changelog = ROOT / "CHANGELOG.md"
    assert changelog.is_file(), "CHANGELOG.md is missing but datapackage.json has a version"
    releases = RELEASE_HEADING.findall(changelog.read_text(encoding="utf-8"))
    assert releases, "CHANGELOG.md has no '## [X.Y.Z]' release heading"
    assert releases[0] == version, f"changelog={releases[0]} descriptor={version}"
