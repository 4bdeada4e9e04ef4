"""HTML of the site's pages, rendered from the jinja2 templates in ``templates/``.

Autoescape is always on, so text from the package (a description may hold ``<``) is shown as
text; only what is markup already (the relation SVGs, themselves rendered from a template, and the
embedded JSON and JSON-LD) is passed in as :class:`markupsafe.Markup`. Table rows are embedded as
JSON and drawn by ``site.js`` with ``textContent`` only, so no cell is ever parsed as HTML. Only
the ``site`` command imports this module, so ``import afpak_data`` never pays for jinja2.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup


@cache
def environment() -> jinja2.Environment:
    """The templates shipped in the package, autoescape always on (jinja2 required)."""
    from afpak_data._export import require

    require("jinja2", "the site", "site")
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("afpak_data._site", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> str:
    """Render ``templates/<template>`` with ``context`` (every value escaped unless Markup)."""
    return environment().get_template(template).render(**context)


def markup(html: str) -> Markup:
    """Mark ``html``, escaped where it was built (SVG, JSON, JSON-LD), as not to escape again."""
    from markupsafe import Markup

    return Markup(html)


def json_script(element_id: str, value: Any) -> Markup:
    """``value`` as JSON in a non-executed script element that no text can close early."""
    from markupsafe import escape

    from afpak_data._jsonld import safe_json

    return markup(
        f'<script type="application/json" id="{escape(element_id)}">{safe_json(value)}</script>'
    )
