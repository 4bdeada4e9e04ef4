#!/usr/bin/env python3
"""Print one version's section of CHANGELOG.md: the GitHub release notes of that version.

    python scripts/changelog_section.py 1.0.1               # reads ./CHANGELOG.md
    python scripts/changelog_section.py 1.0.1 path/to/CHANGELOG.md > notes.md

The section is everything under ``## [1.0.1] - <date>`` (Keep a Changelog) up to the next ``## ``
heading, without its heading, without link reference definitions (``[1.0.1]: https://...``) and
without blank lines at either end. Exit status: 0 printed, 1 no section or an empty one for that
version (a release without notes is refused), 2 usage error or unreadable file. Standard library
only.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

LINK_DEFINITION = re.compile(r"^\[[^\]]+\]:\s+\S+")


class SectionError(ValueError):
    """The changelog has no usable section for the version."""


def section(changelog: str, version: str) -> str:
    """The body of ``version``'s section, as text ending in one newline."""
    heading = re.compile(rf"^## \[{re.escape(version)}\](?:\s|$)")
    lines = changelog.splitlines()
    start = next((i for i, line in enumerate(lines) if heading.match(line)), None)
    if start is None:
        raise SectionError(
            f"no section for {version} (expected a heading '## [{version}] - YYYY-MM-DD')"
        )
    body: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if not LINK_DEFINITION.match(line):
            body.append(line)
    text = "\n".join(body).strip("\n")
    if not text.strip():
        raise SectionError(f"the section of {version} is empty (expected what changed)")
    return text + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", help="the version, e.g. 1.0.1 (a leading v is accepted)")
    parser.add_argument("changelog", nargs="?", type=Path, default=Path("CHANGELOG.md"))
    args = parser.parse_args(argv)
    try:
        text = args.changelog.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"changelog_section: {args.changelog}: cannot be read ({error})", file=sys.stderr)
        return 2
    try:
        sys.stdout.write(section(text, args.version.removeprefix("v")))
    except SectionError as error:
        print(f"changelog_section: {args.changelog}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
