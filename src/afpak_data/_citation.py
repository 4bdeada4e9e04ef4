"""How to cite the package: from ``CITATION.cff`` when the package has one, else the descriptor.

A checkout and the wheel's bundled copy have ``CITATION.cff`` beside ``datapackage.json``; any
other package without one gets the same text rebuilt from the descriptor (title, version,
contributors, created, homepage).
Only the flat subset of CFF that our generator writes is read, so no YAML library is needed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def citation(root: Path, descriptor: dict[str, Any]) -> str:
    """Return a one-line citation for the package at ``root``."""
    cff_file = root / "CITATION.cff"
    if cff_file.is_file():
        cff = read_cff(cff_file.read_text(encoding="utf-8"))
        authors = [a.get("name") or _person(a) for a in cff.get("authors", [])]
        return format_citation(
            authors=[a for a in authors if a],
            year=str(cff.get("date-released", ""))[:4],
            title=str(cff.get("title", "")),
            version=str(cff.get("version", "")),
            url=str((cff.get("doi") and f"https://doi.org/{cff['doi']}") or cff.get("url", "")),
        )
    contributors = descriptor.get("contributors", [])
    creators = [c for c in contributors if "creator" in c.get("roles", [])] or contributors
    return format_citation(
        authors=[str(c.get("title", "")) for c in creators if c.get("title")],
        year=str(descriptor.get("created", ""))[:4],
        title=str(descriptor.get("title") or descriptor.get("name", "")),
        version=str(descriptor.get("version", "")),
        url=str(descriptor.get("homepage", "")),
    )


def format_citation(authors: list[str], year: str, title: str, version: str, url: str) -> str:
    """``Authors (year). Title (Version v) [Data set]. URL`` with absent parts left out."""
    text = ", ".join(authors) or "Anonymous"
    text += f" ({year})." if year else "."
    text += f" {title}" if title else ""
    text += f" (Version {version})" if version else ""
    text += " [Data set]."
    text += f" {url}" if url else ""
    return text


def read_cff(text: str) -> dict[str, Any]:
    """Read top-level scalars and the ``authors`` list of a flat CITATION.cff."""
    data: dict[str, Any] = {}
    authors: list[dict[str, str]] = []
    section = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            key, _, value = line.partition(":")
            section = key.strip()
            if value.strip():
                data[section] = _scalar(value)
            continue
        if section != "authors":
            continue
        item = line.strip()
        if item.startswith("- "):
            authors.append({})
            item = item[2:]
        key, _, value = item.partition(":")
        if authors and value.strip():
            authors[-1][key.strip()] = _scalar(value)
    data["authors"] = authors
    return data


def _scalar(value: str) -> str:
    value = value.strip()
    if value.startswith('"'):
        try:
            return str(json.loads(value))
        except json.JSONDecodeError:
            return value.strip('"')
    return value.strip("'")


def _person(author: dict[str, str]) -> str:
    return " ".join(p for p in (author.get("given-names"), author.get("family-names")) if p)
