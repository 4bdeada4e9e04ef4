"""Shared fixtures: where the repository and the (optional) source texts are."""

from __future__ import annotations

from pathlib import Path

import pytest
from _wheel import build_wheel

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCES_DIR = REPO_ROOT.parent / "shared" / "sources"
SOURCE_TEXT = SOURCES_DIR / "review-of-afghanistan-developments.txt"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository checkout whose datapackage.json is the truth."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def sources_dir() -> Path:
    """The directory of source texts; tests needing it skip where it is absent."""
    if not SOURCE_TEXT.is_file():
        pytest.skip(
            f"source texts not available at {SOURCES_DIR} (../shared/sources is outside the repo)"
        )
    return SOURCES_DIR


@pytest.fixture(scope="session")
def source_text(sources_dir: Path) -> str:
    """The note as received, decoded as UTF-8."""
    return (sources_dir / SOURCE_TEXT.name).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built once for every test that installs it."""
    return build_wheel(tmp_path_factory.mktemp("dist"))
