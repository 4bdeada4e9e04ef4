"""schema.org ``Dataset`` JSON-LD from ``datapackage.json``, so dataset search engines can index it.

Everything comes from the descriptor (the package's one source of metadata), never restated here:
name and title, description, version, licence, keywords, creators, homepage, creation date, and one
``DataDownload`` per resource. Google's Dataset guidelines ask for ``name`` and ``description``
(50 to 5000 characters); the rest is recommended. Standard library only, so it is cheap to call.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

CONTEXT = "https://schema.org/"


def dataset_jsonld(descriptor: dict[str, Any], base_url: str | None = None) -> dict[str, Any]:
    """Return the schema.org ``Dataset`` for ``descriptor``.

    ``base_url``: where the package's files are published; resource paths are resolved against it
    to give absolute ``contentUrl`` values. Without it the paths stay relative (still valid
    JSON-LD, resolved against the page that embeds it).
    """
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "name": str(descriptor.get("title") or descriptor.get("name", "")),
    }
    if descriptor.get("name"):
        data["alternateName"] = str(descriptor["name"])
    optional = {
        "description": descriptor.get("description"),
        "version": descriptor.get("version"),
        "url": descriptor.get("homepage"),
        "dateCreated": descriptor.get("created"),
        "keywords": descriptor.get("keywords"),
    }
    data.update({k: v for k, v in optional.items() if v})
    licenses = [_license(item) for item in descriptor.get("licenses", []) if isinstance(item, dict)]
    if licenses:
        data["license"] = licenses[0] if len(licenses) == 1 else licenses
    creators = [_agent(c) for c in _creators(descriptor)]
    if creators:
        data["creator"] = creators
    data["isAccessibleForFree"] = True
    distribution = [
        _download(r, base_url) for r in descriptor.get("resources", []) if isinstance(r, dict)
    ]
    if distribution:
        data["distribution"] = distribution
    sources = [s for s in descriptor.get("sources", []) if isinstance(s, dict) and s.get("title")]
    if sources:
        data["isBasedOn"] = [_source(s) for s in sources]
    return data


def script_tag(descriptor: dict[str, Any], base_url: str | None = None) -> str:
    """The JSON-LD wrapped in ``<script type="application/ld+json">`` for an HTML page.

    ``<``, ``>`` and ``&`` are written as JSON escapes, so no text in the descriptor can close the
    script element early; JSON parsers read the escapes back as the same characters.
    """
    text = json.dumps(dataset_jsonld(descriptor, base_url), ensure_ascii=False, indent=2)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">\n{text}\n</script>'


def _license(item: dict[str, Any]) -> Any:
    """A licence as a URL where the descriptor gives one, else a CreativeWork with its name."""
    path = str(item.get("path", ""))
    if path.startswith(("http://", "https://")):
        return path
    name = str(item.get("title") or item.get("name", ""))
    return {"@type": "CreativeWork", "name": name}


def _creators(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """Contributors with the ``creator`` role, or every contributor when none has it."""
    people = [c for c in descriptor.get("contributors", []) if isinstance(c, dict)]
    creators = [c for c in people if "creator" in (c.get("roles") or [c.get("role")])]
    return creators or people


def _agent(contributor: dict[str, Any]) -> dict[str, Any]:
    """A Person where given/family names are given, else an Organization named by its title."""
    given, family = contributor.get("givenName"), contributor.get("familyName")
    if given or family:
        agent: dict[str, Any] = {
            "@type": "Person",
            "name": " ".join(str(p) for p in (given, family) if p),
        }
        if given:
            agent["givenName"] = str(given)
        if family:
            agent["familyName"] = str(family)
    else:
        agent = {"@type": "Organization", "name": str(contributor.get("title", ""))}
    if contributor.get("path"):
        agent["url"] = str(contributor["path"])
    if contributor.get("email"):
        agent["email"] = str(contributor["email"])
    return agent


def _download(resource: dict[str, Any], base_url: str | None) -> dict[str, Any]:
    """One resource as a ``DataDownload`` (its file, media type, size and title)."""
    path = str(resource.get("path", ""))
    url = (
        urljoin(base_url if base_url.endswith("/") else base_url + "/", path) if base_url else path
    )
    download: dict[str, Any] = {
        "@type": "DataDownload",
        "name": str(resource.get("name", "")),
        "contentUrl": url,
        "encodingFormat": str(resource.get("mediatype") or "text/csv"),
    }
    if resource.get("title") or resource.get("description"):
        download["description"] = str(resource.get("description") or resource.get("title"))
    if isinstance(resource.get("bytes"), int):
        download["contentSize"] = f"{resource['bytes']} B"
    return download


def _source(source: dict[str, Any]) -> dict[str, Any]:
    """A source the data is coded from, as a CreativeWork."""
    work: dict[str, Any] = {"@type": "CreativeWork", "name": str(source["title"])}
    if source.get("path"):
        work["url"] = str(source["path"])
    if source.get("description"):
        work["description"] = str(source["description"])
    return work
