"""How to cite the package, from its descriptor (title, version, contributors, created, homepage).

``CITATION.cff`` (in a checkout and in the wheel) is generated from the same
``metadata/package.toml`` as the descriptor, so the descriptor gives the same citation everywhere,
including packages that have no ``CITATION.cff``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def citation(root: Path, descriptor: dict[str, Any]) -> str:
    """Return a one-line citation for the package at ``root`` (from its descriptor, which the
    build generates from the same metadata/package.toml as CITATION.cff)."""
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
