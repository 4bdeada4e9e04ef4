"""How to cite the package, and the descriptor's lists that every published format reads.

The citation comes from the descriptor, generated from the same ``metadata/package.toml`` as
``CITATION.cff``: the same text everywhere, even without the file.
"""

from __future__ import annotations

from typing import Any


def items(descriptor: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """A descriptor list's objects (``licenses``, ``sources``): the model does not vet these."""
    value = descriptor.get(key)
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


def creators(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """Contributors with the ``creator`` role (v2 ``roles`` or v1 ``role``), else all of them."""
    people = items(descriptor, "contributors")
    return [c for c in people if "creator" in (c.get("roles") or [c.get("role")])] or people


def citation(descriptor: dict[str, Any]) -> str:
    """``Authors (year). Title (Version v) [Data set]. URL``, absent parts left out."""
    year = str(descriptor.get("created", ""))[:4]
    title = str(descriptor.get("title") or descriptor.get("name", ""))
    version = str(descriptor.get("version", ""))
    url = str(descriptor.get("homepage", ""))
    text = ", ".join(str(c["title"]) for c in creators(descriptor) if c.get("title"))
    text = (text or "Anonymous") + (f" ({year})." if year else ".")
    text += f" {title}" if title else ""
    text += f" (Version {version})" if version else ""
    return text + " [Data set]." + (f" {url}" if url else "")
