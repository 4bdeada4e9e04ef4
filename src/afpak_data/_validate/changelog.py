"""In a repository checkout, the descriptor's version must be the top CHANGELOG entry (outside one
there is no CHANGELOG.md beside the descriptor, and nothing is checked)."""

from __future__ import annotations

import re
from pathlib import Path

from afpak_data._errors import Problem

ENTRY = re.compile(r"^## \[(?P<version>[^\]]+)\]", re.MULTILINE)


def check_changelog(root: Path, version: object) -> list[Problem]:
    """Compare ``version`` with the first ``## [X.Y.Z]`` heading (``[Unreleased]`` is skipped)."""
    file = root / "CHANGELOG.md"
    if not file.is_file() or not isinstance(version, str):
        return []
    try:
        top = top_entry(file.read_bytes().decode("utf-8", errors="replace"))
    except OSError as exc:
        return [Problem.whole_file("CHANGELOG.md", "changelog", f"cannot be read: {exc}")]
    if top is None:
        message = f"no '## [{version}]' entry; add one for this version"
        return [Problem.whole_file("CHANGELOG.md", "changelog", message)]
    if top[0] != version:
        message = f"the top entry is [{top[0]}], datapackage.json says version {version}"
        return [Problem("CHANGELOG.md", top[1], None, None, "changelog", message)]
    return []


def top_entry(text: str) -> tuple[str, int] | None:
    """The one changelog rule's reading: the first ``## [X.Y.Z]`` heading (``[Unreleased]``
    skipped), as (version, line); validate and release-check both require it to be the version."""
    for match in ENTRY.finditer(text):
        if match["version"].lower() != "unreleased":
            return match["version"], text.count("\n", 0, match.start()) + 1
    return None
