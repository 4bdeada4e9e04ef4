#!/usr/bin/env python3
"""Check a release tag against the package version, and find the release before it.

The release workflow runs on tags ``v*``; a tag that names another version than the one the files
carry would publish a wheel whose version contradicts its tag. The version's one source is
``metadata/package.toml``; ``datapackage.json`` is generated from it and must agree too.

    python scripts/check_tag.py v1.0.1                 # exit 0 if the files say 1.0.1, else 1
    git tag --list 'v*' | python scripts/check_tag.py v1.0.1 --previous
                                                       # prints the highest tag below v1.0.1
                                                       # (nothing when this is the first release)

Exit status: 0 the tag matches, 1 it does not, 2 usage error or unreadable files. Standard library
only, so the workflow runs it before installing anything.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAG = re.compile(r"v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


def parse_tag(tag: str) -> tuple[int, int, int] | None:
    """``"v1.2.3"`` -> ``(1, 2, 3)``; anything else (``1.2.3``, ``v1.2``, ``v1.2.3rc1``) -> None."""
    match = TAG.fullmatch(tag.strip())
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def versions(root: Path) -> dict[str, str]:
    """The version each file states: ``metadata/package.toml`` and ``datapackage.json``."""
    with (root / "metadata" / "package.toml").open("rb") as handle:
        toml_version = tomllib.load(handle)["version"]
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    return {
        "metadata/package.toml": str(toml_version),
        "datapackage.json": str(descriptor.get("version")),
    }


def tag_problems(tag: str, stated: dict[str, str]) -> list[str]:
    """One line per file whose version is not the tag's (empty when they all agree)."""
    if parse_tag(tag) is None:
        return [f"tag {tag!r} is not a release tag (expected v<MAJOR.MINOR.PATCH>, e.g. v1.0.1)"]
    wanted = tag.strip().removeprefix("v")
    return [
        f"{path}: version {version!r}, but the tag is {tag.strip()!r} (expected {wanted!r})"
        for path, version in stated.items()
        if version != wanted
    ]


def previous_tag(tag: str, tags: Iterable[str]) -> str | None:
    """The highest release tag strictly below ``tag`` (other tags ignored), or None."""
    current = parse_tag(tag)
    if current is None:
        raise ValueError(f"tag {tag!r} is not a release tag (expected v<MAJOR.MINOR.PATCH>)")
    older = [(parsed, t.strip()) for t in tags if (parsed := parse_tag(t)) and parsed < current]
    return max(older)[1] if older else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", help="the release tag, e.g. v1.0.1 (GITHUB_REF_NAME in a workflow)")
    parser.add_argument(
        "--previous",
        action="store_true",
        help="print the highest release tag below TAG, read from the tags on standard input",
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="repository root (default: this repository)"
    )
    args = parser.parse_args(argv)
    if args.previous:
        try:
            found = previous_tag(args.tag, sys.stdin.read().split())
        except ValueError as error:
            print(f"check_tag: {error}", file=sys.stderr)
            return 2
        if found:
            print(found)
        return 0
    try:
        stated = versions(args.root)
    except (OSError, KeyError, ValueError, tomllib.TOMLDecodeError) as error:
        print(f"check_tag: cannot read the version ({error})", file=sys.stderr)
        return 2
    problems = tag_problems(args.tag, stated)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"tag {args.tag} matches the package version {stated['metadata/package.toml']}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
