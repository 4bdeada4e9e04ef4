"""A static website of the package: opens from disk (file://), needs no server, CDN or network.

``build.py`` loads the tables and writes the pages; ``pages.py`` renders the jinja2 templates in
``templates/`` (autoescape on); ``relations.py`` lays out the relation figures in Python, with a
deterministic layout, and ``templates/relations.svg`` writes them as SVG; ``static/`` holds the
stylesheet and the vanilla JavaScript that searches and filters the tables embedded in each page as
JSON (``fetch()`` of local files is blocked on file://, so nothing is fetched).
"""
