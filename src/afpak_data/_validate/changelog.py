"""In a repository checkout, the descriptor's version must be the top CHANGELOG entry.

A release that forgets its changelog entry (or an entry that forgets the version bump) is caught by
CI; outside a checkout there is no CHANGELOG.md beside the descriptor and nothing is checked.
"""

from __future__ import annotations

import re
from pathlib import Path

from afpak_data._validate.problems import Problem

ENTRY = re.compile(r"^## \[(?P<version>[^\]]+)\]", re.MULTILINE)


def check_changelog(root: Path, version: object) -> list[Problem]:
    """Compare ``version`` with the first ``## [X.Y.Z]`` heading (``[Unreleased]`` is skipped)."""
    file = root / "CHANGELOG.md"
    if not file.is_file() or not isinstance(version, str):
        return []
    try:
        text = file.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        return [Problem.whole_file("CHANGELOG.md", "changelog", f"cannot be read: {exc}")]
    top = top_entry(text)
    if top is None:
        return [
            Problem.whole_file(
                "CHANGELOG.md", "changelog", f"no '## [{version}]' entry; add one for this version"
            )
        ]
    found, line = top
    if found != version:
        message = f"the top entry is [{found}], datapackage.json says version {version}"
        return [Problem("CHANGELOG.md", line, None, None, "changelog", message)]
    return []


def top_entry(text: str) -> tuple[str, int] | None:
    """The one changelog rule's reading: the first ``## [X.Y.Z]`` heading (``[Unreleased]``
    skipped), as (version, line); validate and release-check both require it to be the version."""
    for match in ENTRY.finditer(text):
        if match["version"].lower() != "unreleased":
            return match["version"], text.count("\n", 0, match.start()) + 1
    return None
