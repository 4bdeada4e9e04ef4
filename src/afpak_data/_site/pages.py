"""HTML of the site's pages: a shared layout, the overview, one page per table, the codebook.

Every piece of text from the package goes through :func:`html.escape` (descriptions may hold
``<``; quotes hold typographic characters, which are written as UTF-8). Table rows are not
rendered here: they are embedded as JSON (see :func:`json_script`) and drawn by ``site.js``, which
sets ``textContent`` only, so no cell is ever parsed as HTML.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from afpak_data._export.codebook import FieldRow, Vocabulary


def json_script(element_id: str, value: Any, kind: str = "application/json") -> str:
    """``value`` as JSON in a non-executed script element that no text can close early."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="{kind}" id="{escape(element_id)}">{text}</script>'


def layout(
    *,
    title: str,
    package_title: str,
    version: str,
    body: str,
    root: str,
    tables: list[str],
    head: str = "",
    page_class: str = "",
) -> str:
    """A complete page: head, navigation to every page, ``body``, footer, then the script."""
    nav_tables = "".join(
        f'<li><a href="{root}tables/{escape(name)}.html">{escape(name)}</a></li>' for name in tables
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{root}assets/site.css">
{head}
</head>
<body class="{escape(page_class)}">
<header class="site">
<a class="brand" href="{root}index.html">{escape(package_title)}</a>
<span class="version">version {escape(version)}</span>
<nav><ul>
<li><a href="{root}index.html">Overview</a></li>
<li><a href="{root}codebook.html">Codebook</a></li>
<li class="tables-menu"><details><summary>Tables</summary><ul>{nav_tables}</ul></details></li>
</ul></nav>
</header>
<main>
{body}
</main>
<footer class="site">Generated from <code>datapackage.json</code> (version {escape(version)}).
Works offline: no server and no network needed.</footer>
<script src="{root}assets/site.js"></script>
</body>
</html>
"""


def overview_body(
    *,
    descriptor: dict[str, Any],
    tables: list[tuple[str, str, str, int]],
    citation: str,
    figures: list[tuple[str, str, str]],
) -> str:
    """Title, description, tables with row counts, citation, licences, figures and downloads."""
    licences = "".join(
        f"<li>{_link(str(item.get('path', '')), str(item.get('name', '')))}"
        f"{': ' + escape(str(item['title'])) if item.get('title') else ''}</li>"
        for item in descriptor.get("licenses", [])
    )
    rows = "".join(
        f'<tr data-table="{escape(name)}"><td><a href="tables/{escape(name)}.html">'
        f"{escape(name)}</a></td><td>{escape(title)}</td>"
        f'<td class="num" data-rows="{count}">{count}</td><td>{escape(description)}</td></tr>'
        for name, title, description, count in tables
    )
    sources = "".join(
        f"<li><strong>{escape(str(s.get('title', '')))}</strong>. "
        f"{escape(str(s.get('description', '')))}</li>"
        for s in descriptor.get("sources", [])
    )
    figure_html = "".join(
        f'<figure id="{escape(fig_id)}"><figcaption>{escape(caption)}</figcaption>'
        f'<div class="scroll">{svg}</div></figure>'
        for fig_id, caption, svg in figures
    )
    keywords = ", ".join(escape(str(k)) for k in descriptor.get("keywords", []))
    return f"""
<h1>{escape(str(descriptor.get("title") or descriptor.get("name", "")))}</h1>
<p class="lead">{escape(str(descriptor.get("description", "")))}</p>
<p class="meta">Version <strong>{escape(str(descriptor.get("version", "")))}</strong>
{f" · keywords: {keywords}" if keywords else ""}</p>
<section id="cite"><h2>How to cite</h2><p class="citation">{escape(citation)}</p></section>
<section id="tables"><h2>Tables</h2>
<table class="overview"><thead><tr><th>table</th><th>title</th><th>rows</th><th>what one row is</th>
</tr></thead><tbody>{rows}</tbody></table>
<p>Every table has a page with a search box and column filters; the
<a href="codebook.html">codebook</a> defines every field and category.</p></section>
{f'<section id="relations"><h2>Relations</h2>{figure_html}</section>' if figure_html else ""}
{f'<section id="sources"><h2>Sources</h2><ul>{sources}</ul></section>' if sources else ""}
<section id="licence"><h2>Licence</h2><ul>{licences}</ul></section>
<section id="downloads"><h2>Downloads</h2>
<p><a href="datapackage.json">datapackage.json</a> (the descriptor) and the CSV files:
{", ".join(f'<a href="data/{escape(name)}.csv">{escape(name)}.csv</a>' for name, *_ in tables)}.</p>
</section>
"""


def table_body(*, name: str, title: str, description: str, keys: str, data: dict[str, Any]) -> str:
    """A table page: heading, description, search and filters, the (script-drawn) table."""
    return f"""
<h1>{escape(title or name)} <code class="table-name">{escape(name)}</code></h1>
<p class="lead">{escape(description)}</p>
<p class="meta">{keys}</p>
<div class="controls">
<label for="search">Search</label>
<input type="search" id="search" placeholder="Type to filter rows (all columns)" autocomplete="off">
<button type="button" id="reset">Clear filters</button>
<span id="row-count" aria-live="polite"></span>
</div>
<noscript><p>Turn on JavaScript to see the rows; the CSV is at
<a href="../data/{escape(name)}.csv">data/{escape(name)}.csv</a>.</p></noscript>
<div class="scroll"><table id="records" class="records"><thead></thead><tbody></tbody></table></div>
{json_script("table-data", data)}
"""


def codebook_body(fields: list[FieldRow], vocabularies: list[Vocabulary], tables: list[str]) -> str:
    """Every field of every table, then every vocabulary with its values' definitions."""
    sections = []
    for table in tables:
        rows = "".join(
            f"<tr><td><code>{escape(f.name)}</code></td><td>{escape(f.type)}</td>"
            f"<td>{'yes' if f.required else 'no'}</td><td>{escape(f.description)}</td>"
            f"<td>{_vocabulary_link(f.vocabulary)}{escape(f.constraints)}</td></tr>"
            for f in fields
            if f.table == table
        )
        sections.append(
            f'<section id="table-{escape(table)}"><h3><a href="tables/{escape(table)}.html">'
            f'{escape(table)}</a></h3><table class="codebook"><thead><tr><th>field</th>'
            "<th>type</th><th>required</th><th>description</th><th>values</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></section>"
        )
    vocab = []
    for v in vocabularies:
        rows = "".join(
            f"<tr><td><code>{escape(value)}</code></td><td>{escape(definition)}</td></tr>"
            for value, definition in v.values
        )
        vocab.append(
            f'<section id="vocabulary-{escape(v.name)}"><h3>{escape(v.name)}</h3>'
            f'<p>{escape(v.description)}</p><table class="codebook"><thead><tr><th>value</th>'
            f"<th>definition</th></tr></thead><tbody>{rows}</tbody></table></section>"
        )
    return (
        '<h1>Codebook</h1><p class="lead">Every field of every table, and every category '
        "value with its definition. An empty cell always means the source does not say.</p>"
        f"<h2>Fields</h2>{''.join(sections)}<h2>Vocabularies</h2>{''.join(vocab)}"
    )


def _vocabulary_link(name: str) -> str:
    if not name:
        return ""
    return f'one of <a href="#vocabulary-{escape(name)}">{escape(name)}</a>'


def _link(href: str, text: str) -> str:
    if href.startswith(("http://", "https://")):
        return f'<a href="{escape(href)}">{escape(text or href)}</a>'
    return escape(text or href)
