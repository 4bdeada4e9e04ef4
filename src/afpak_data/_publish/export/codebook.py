"""The codebook in words (constraints, vocabularies), for the Excel sheets and the site.

Definitions come from the descriptor's ``x-vocabularies`` (the wheel's copy has them too); a value
a schema allows without a definition is listed undefined: no value a cell can hold is omitted.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from afpak_data._model.descriptor import Field, Package


class Vocabulary(NamedTuple):
    """A named category list: its description and ``(value, definition)`` pairs in order."""

    name: str
    description: str
    values: tuple[tuple[str, str], ...]


#: ID patterns (``^act-[a-z0-9]+(?:-[a-z0-9]+)*$`` or ``^(?:agr|drv)-...``): the prefixes.
_ID_PATTERN = re.compile(
    r"\^(?:\(\?:)?(?P<prefixes>[a-z]+(?:\|[a-z]+)*)\)?-\[a-z0-9\]\+\(\?:-\[a-z0-9\]\+\)\*\$"
)
#: ``^[A-Z]{3}$`` and the like: a fixed number of characters of one class.
_FIXED_LENGTH = re.compile(r"\^\[(?P<cls>A-Z|a-z|0-9)\]\{(?P<n>\d+)\}\$")
_CLASSES = {"A-Z": "capital letters", "a-z": "lowercase letters", "0-9": "digits"}
#: Other patterns the schemas use, said in words.
_KNOWN_PATTERNS = {
    r"^(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)$": (
        "a version number MAJOR.MINOR.PATCH"
    ),
    r"^[0-9a-f]{64}$": "64 lowercase hexadecimal digits (a SHA-256 digest)",
    r"^[A-Za-z0-9._-]+$": "letters, digits, '.', '_' and '-' only",
    r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$": "a language tag (BCP 47), such as en or pt-BR",
}


def pattern_text(pattern: str, example: object = None) -> str:
    """A field's ``pattern`` in words, for readers who do not read regular expressions."""
    shown = isinstance(example, str) and 0 < len(example) <= 40
    like = f" (for example {example})" if shown else ""
    ids = _ID_PATTERN.fullmatch(pattern)
    if ids:
        *others, last = [f"{p}-" for p in ids["prefixes"].split("|")]
        start = f"{', '.join(others)} or {last}" if others else last
        return f"an ID: {start} then lowercase letters and digits, words joined by '-'{like}"
    fixed = _FIXED_LENGTH.fullmatch(pattern)
    if fixed:
        return f"exactly {fixed['n']} {_CLASSES[fixed['cls']]}{like}"
    if pattern in _KNOWN_PATTERNS:
        return _KNOWN_PATTERNS[pattern] + like
    return f"text matching the regular expression {pattern}{like}"


def constraints_text(field: Field) -> str:
    parts = [pattern_text(field.pattern, field.raw.get("example"))] if field.pattern else []
    for value, text in [
        (field.min_length, "at least {} characters"),
        (field.max_length, "at most {} characters"),
        (field.minimum, "at least {}"),
        (field.maximum, "at most {}"),
        (field.max_words, "at most {} words"),
    ]:
        if value is not None:
            parts.append(text.format(value))
    if field.enum is not None and not field.vocabulary:
        parts.append("one of " + ", ".join(str(v) for v in field.enum))
    return "; ".join(parts)


def vocabularies(package: Package) -> list[Vocabulary]:
    """Every vocabulary a field uses, with definitions where the package has them."""
    defined = package.descriptor.get("x-vocabularies")
    used: dict[str, list[str]] = {}
    for resource in package.resources:
        for field in resource.schema.fields:
            if field.vocabulary and field.enum is not None:
                values = used.setdefault(field.vocabulary, [])
                values.extend(str(v) for v in field.enum if str(v) not in values)
    result = []
    for name, values in used.items():
        spec = defined.get(name) if isinstance(defined, dict) else None
        spec = spec if isinstance(spec, dict) else {}
        definitions = spec["values"] if isinstance(spec.get("values"), dict) else {}
        ordered = [v for v in definitions if v in values]
        ordered += [v for v in values if v not in definitions]
        pairs = tuple((v, str(definitions.get(v, ""))) for v in ordered)
        result.append(Vocabulary(name, str(spec.get("description", "")), pairs))
    return result
