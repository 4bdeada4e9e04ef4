"""schema.org ``Dataset`` JSON-LD from ``datapackage.json``, so dataset search engines can index it.

Everything comes from the descriptor, never restated here. Google's Dataset guidelines ask for
``name`` and ``description`` (50 to 5000 characters); the rest is recommended. Stdlib only.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

from afpak_data._publish.citation import creators, items


def dataset_jsonld(descriptor: dict[str, Any], base_url: str | None = None) -> dict[str, Any]:
    """The schema.org ``Dataset`` of ``descriptor``; file URLs relative to ``base_url`` if given."""
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": str(descriptor.get("title") or descriptor.get("name", "")),
        "alternateName": str(descriptor.get("name") or ""),
        "description": descriptor.get("description"),
        "version": descriptor.get("version"),
    }
    for key, source in [("url", "homepage"), ("dateCreated", "created"), ("keywords", "keywords")]:
        data[key] = descriptor.get(source)
    licenses = [_license(item) for item in items(descriptor, "licenses")]
    data["license"] = licenses[0] if len(licenses) == 1 else licenses
    data["creator"] = [_agent(c) for c in creators(descriptor)]
    data["isAccessibleForFree"] = True
    base = base_url if not base_url or base_url.endswith("/") else base_url + "/"
    data["distribution"] = [
        _drop_empty(
            {
                "@type": "DataDownload",
                "name": str(r.get("name", "")),
                "contentUrl": urljoin(base or "", str(r.get("path", ""))),
                "encodingFormat": str(r.get("mediatype") or "text/csv"),
                "description": str(r.get("description") or r.get("title") or ""),
                "contentSize": f"{r['bytes']} B" if isinstance(r.get("bytes"), int) else "",
            }
        )
        for r in items(descriptor, "resources")
    ]
    data["isBasedOn"] = [
        _drop_empty(
            {
                "@type": "CreativeWork",
                "name": str(s["title"]),
                "url": str(s.get("path") or ""),
                "description": str(s.get("description") or ""),
            }
        )
        for s in items(descriptor, "sources")
        if s.get("title")
    ]
    return _drop_empty(data)


def safe_json(value: Any, indent: int | None = None) -> str:
    """``value`` as JSON with ``<``, ``>`` and ``&`` escaped, so no text in it can close the
    ``<script>`` element it is embedded in; JSON parsers read the escapes back unchanged."""
    separators = None if indent else (",", ":")
    text = json.dumps(value, ensure_ascii=False, indent=indent, separators=separators)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without its empty properties (a name and a download's URL are always kept)."""
    return {k: v for k, v in data.items() if v or k in ("name", "contentUrl")}


def _license(item: dict[str, Any]) -> Any:
    """A licence as a URL where the descriptor gives one, else a CreativeWork with its name."""
    path = str(item.get("path", ""))
    if path.startswith(("http://", "https://")):
        return path
    return {"@type": "CreativeWork", "name": str(item.get("title") or item.get("name", ""))}


def _agent(who: dict[str, Any]) -> dict[str, Any]:
    """A Person where given/family names are given, else an Organization named by its title."""
    given, family = who.get("givenName"), who.get("familyName")
    agent: dict[str, Any] = {"@type": "Organization", "name": str(who.get("title", ""))}
    if given or family:
        names = {"givenName": str(given or ""), "familyName": str(family or "")}
        agent = {"@type": "Person", "name": " ".join(p for p in names.values() if p)} | names
    contact = {"url": str(who.get("path") or ""), "email": str(who.get("email") or "")}
    return _drop_empty(agent | contact)
