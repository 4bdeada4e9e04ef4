"""HTML of the site's pages, rendered from the jinja2 templates in ``templates/``.

The environment autoescapes every value, so text from the package (descriptions may hold ``<``;
quotes hold typographic characters, written as UTF-8) is always shown as text; only the few
pieces that are markup already (the relation SVGs, themselves rendered from
``templates/relations.svg``, the embedded JSON and JSON-LD) are passed in as
:class:`markupsafe.Markup`. Table rows are not rendered here: they
are embedded as JSON (see :func:`json_script`) and drawn by ``site.js``, which sets
``textContent`` only, so no cell is ever parsed as HTML. jinja2 is imported here, and this module
only by the ``site`` command, so ``import afpak_data`` never pays for it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup

INSTALL_HINT = 'pip install "afpak-data[site]"'


class MissingJinjaError(RuntimeError):
    """The site needs jinja2, which is not installed; the message says how to install it."""


@cache
def environment() -> jinja2.Environment:
    """The template environment: templates shipped in the package, autoescape always on."""
    try:
        import jinja2
    except ImportError as exc:
        raise MissingJinjaError(
            f"the site needs jinja2, which is not installed: {INSTALL_HINT}"
        ) from exc
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
    """Mark ``html`` (already safe: escaped where it was built) as not to be escaped again."""
    from markupsafe import Markup

    return Markup(html)  # callers pass HTML they built escaped (SVG, JSON, JSON-LD)


def json_script(element_id: str, value: Any, kind: str = "application/json") -> Markup:
    """``value`` as JSON in a non-executed script element that no text can close early."""
    from markupsafe import escape

    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return markup(f'<script type="{escape(kind)}" id="{escape(element_id)}">{text}</script>')
