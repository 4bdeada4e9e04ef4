"""A static website of the package: opens from disk (file://), needs no server, CDN or network.

``build`` writes the pages from ``templates/`` (autoescaped: only the SVG, JSON and JSON-LD built
here are ``Markup``); ``static/site.js`` draws the tables from embedded JSON (file:// blocks
``fetch()``) with ``textContent`` only. jinja2 is imported only to render.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from afpak_data._publish.export import require
from afpak_data._publish.jsonld import safe_json

if TYPE_CHECKING:
    import jinja2


@cache
def environment() -> jinja2.Environment:
    """The templates shipped in the package, autoescape always on (jinja2 required)."""
    require("jinja2", "the site", "site")
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("afpak_data._publish.site", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    # ``x | json``: JSON to embed in a <script> element (see ``safe_json``), not escaped again.
    env.filters["json"] = lambda value, indent=None: Markup(safe_json(value, indent))
    return env


def render(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` with ``context`` (every value escaped unless Markup)."""
    return environment().get_template(template).render(**context)
