"""How the dataset counts paragraphs in a source text (the `paragraph` columns).

The codebook's rule, in code so the validator and the tests apply the same one: a paragraph is a
line of the source that holds something other than white space; they are numbered from 1 in file
order, so the title is paragraph 1 and headings count. Blank lines are not the separator, because
the note has paragraphs that follow each other with no blank line between them.
"""

from __future__ import annotations


def split_paragraphs(text: str) -> list[str]:
    """Return the paragraphs of ``text``; paragraph *n* is element ``n - 1``."""
    return [line for line in text.splitlines() if line.strip()]
