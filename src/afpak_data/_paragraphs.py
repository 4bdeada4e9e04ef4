"""The codebook's rule for the `paragraph` columns: a paragraph is a line of the source holding
more than white space, numbered from 1 (title and headings count). Blank lines are not the
separator: the note has paragraphs with no blank line between them.
"""

from __future__ import annotations


def split_paragraphs(text: str) -> list[str]:
    """Return the paragraphs of ``text``; paragraph *n* is element ``n - 1``."""
    return [line for line in text.splitlines() if line.strip()]
