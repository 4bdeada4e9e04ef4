"""In a repository checkout, the descriptor's version must be the top CHANGELOG entry (outside one
there is no CHANGELOG.md beside the descriptor, and nothing is checked)."""

from __future__ import annotations

import re
from pathlib import Path

from afpak_data._errors import Problem

ENTRY = re.compile(r"^## \[(?P<version>[^\]]+)\]", re.MULTILINE)


def check_changelog(root: Path, version: object) -> list[Problem]:
    """Compare ``version`` with the first ``## [X.Y.Z]`` heading (``[Unreleased]`` is skipped);
    validate and release-check both require it to be the version."""
    file = root / "CHANGELOG.md"
    if not file.is_file() or not isinstance(version, str):
        return []
    try:
        text = file.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        return [Problem.whole_file("CHANGELOG.md", "changelog", f"cannot be read: {exc}")]
    top = next((m for m in ENTRY.finditer(text) if m["version"].lower() != "unreleased"), None)
    if top is None:
        message = f"no '## [{version}]' entry; add one for this version"
        return [Problem.whole_file("CHANGELOG.md", "changelog", message)]
    if top["version"] != version:
        line = text.count("\n", 0, top.start()) + 1
        message = f"the top entry is [{top['version']}], datapackage.json says version {version}"
        return [Problem("CHANGELOG.md", line, None, None, "changelog", message)]
    return []
