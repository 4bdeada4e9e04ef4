"""The Arrow text predicates mean exactly what Python's str methods mean."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from afpak_data._validate import arrow as text
from afpak_data._validate.arrow import strings

EVERY_CHAR = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
SAMPLES = ["", "a", " a", "a ", "a\u00a0", "\u3000a", "a\tb", "=x", "-1", "@me", "a\x85",
           "x\u200b", "\x1ca", "a\x1f", "word " * 41, "two\u2003words", "tab\there"]  # fmt: skip


def test_space_chars_are_pythons_white_space() -> None:
    """SPACE_CHARS is exactly the set of characters for which str.isspace() is true."""
    assert set(text.SPACE_CHARS) == {c for c in EVERY_CHAR if c.isspace()}


def test_arrow_trims_exactly_pythons_white_space() -> None:
    """Arrow's utf8_trim_whitespace strips a character iff str.isspace() is true for it."""
    trimmed = pc.utf8_rtrim_whitespace(pa.array(["a" + c for c in EVERY_CHAR]))
    stripped = {c for c, t in zip(EVERY_CHAR, trimmed.to_pylist(), strict=True) if t == "a"}
    assert stripped == set(text.SPACE_CHARS)
    assert text._arrow_trims_python_space()


@pytest.mark.parametrize(
    ("predicate", "reference"),
    [
        (text.padded, lambda v: bool(re.search(r"^\s|\s$", v))),
        (text.formula_start, lambda v: v[:1] in ("=", "+", "-", "@", "\t", "\r")),
        (lambda vs: text.more_words_than(vs, 40), lambda v: len(v.split()) > 40),
        (lambda vs: text.more_words_than(vs, 1), lambda v: len(v.split()) > 1),
    ],
    ids=["padded", "formula", "words-40", "words-1"],
)
def test_predicates_agree_with_python(predicate, reference) -> None:
    """Each vectorised predicate gives, value by value, what the plain Python expression gives."""
    assert predicate(strings(SAMPLES)).tolist() == [reference(v) for v in SAMPLES]
