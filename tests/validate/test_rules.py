"""x-rules, paragraph counts and withdrawn IDs: comparisons by type and the wording of messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from afpak_data._model.descriptor import Field, RowRule, Schema
from afpak_data._validate import cells, rules, validate_package
from afpak_data._validate.files import TableContext
from validate.corpus import BROKEN, write_package


def table(
    kind: str, type_: str, a: list[str], b: list[str], value: str = "unknown"
) -> TableContext:
    """A two-column table (a, b) of ``type_`` with one ``kind`` rule, after its cell checks."""
    schema = Schema(
        fields=(Field("a", type_), Field("b", type_ if kind == "ordered" else "string")),
        rules=(RowRule(kind, ("a", "b"), "the rule in words", value),),
    )
    columns = {"a": pa.array(a, type=pa.string()), "b": pa.array(b, type=pa.string())}
    lines = np.arange(2, len(a) + 2)
    ctx = TableContext("t", "t.csv", schema, columns, lines, np.ones(len(a), bool))
    for spec in schema.fields:
        cells.check_field(ctx, spec, False)
    return ctx


@pytest.mark.parametrize(
    ("kind", "type_", "a", "b", "bad_lines"),
    [
        ("ordered", "integer", ["9", "10", "", "7"], ["10", "9", "1", ""], [3]),
        ("ordered", "number", ["1e3", "2.5", "x"], ["999", "2.50", "1"], [2]),
        ("ordered", "year", ["2020", "2021"], ["2020", "2019"], [3]),
        ("ordered", "date", ["2025-07-17", "2025-01-31"], ["2025-07-01", "2025-02-01"], [2]),
        ("ordered", "date", ["2025-02-30", "2025-01-01"], ["2025-01-01", "2025-01-01"], []),
        ("paired", "string", ["x", "", "x", ""], ["y", "", "", "y"], [4, 5]),
        ("unknown_when_empty", "date", ["", "", "2025-01-01", "2025-01-01"],
         ["unknown", "day", "day", "unknown"], [3, 5]),
        ("empty_when", "string", ["", "", "may", "may"],
         ["asserted", "hedged", "hedged", "asserted"], [3, 5]),
    ],
    ids=["int-9-le-10", "number", "year", "date", "invalid-date-not-compared", "paired",
         "unknown-when-empty", "empty-when"],
)  # fmt: skip
def test_rule_flags_exactly_the_breaking_rows(
    kind: str, type_: str, a: list[str], b: list[str], bad_lines: list[int]
) -> None:
    """Each kind flags exactly the rows that break it, comparing by the field's type."""
    ctx = table(kind, type_, a, b, "asserted" if kind == "empty_when" else "unknown")
    found = rules.check_rules(ctx)
    assert [(p.line, p.column, p.check) for p in found] == [(n, "a", "rule") for n in bad_lines]


def test_rule_message_quotes_the_description() -> None:
    """The message names both values and quotes the rule's description."""
    (problem,) = rules.check_rules(table("paired", "string", ["x"], [""]))
    assert problem.message == "a='x', b='' break the paired rule: \"the rule in words\""


@pytest.mark.parametrize(
    ("case_id", "needle"),
    [
        ("rule-unknown-kind", "'x-rules' kind 'before' is unknown"),
        ("withdrawn-id", "ID 'agr-ttp-talks' was withdrawn in version 1.1.0 and stays reserved"),
        ("paragraph-beyond-count", "paragraph 4 does not exist; source 'src-review' has 3"),
        ("rule-ordered-dates", "signed='2025-07-17', ended='2025-07-01' break the ordered rule"),
    ],
    ids=["unknown-kind", "withdrawn", "paragraph", "ordered"],
)
def test_messages_explain_the_problem(case_id: str, needle: str, tmp_path: Path) -> None:
    """The corpus cases' messages say what is wrong in the contributor's terms."""
    case = next(c for c in BROKEN if c.id == case_id)
    report = validate_package(write_package(tmp_path / "pkg", case.csvs, case.edit))
    assert [needle in p.message for p in report.problems] == [True], report.problems


def test_package_obeying_rules_and_reserving_ids_is_valid(tmp_path: Path) -> None:
    """Rules that hold and a withdrawn ID nobody reuses give no problem."""
    from validate.corpus import _ended_csvs, _rule, _with_ended

    csvs = _ended_csvs("2025-08-01")
    csvs["withdrawn"] = b"record_id,table,withdrawn_in,reason\nagr-old,agreements,1.1.0,Merged\n"

    def edit(desc: dict) -> None:
        _with_ended(desc)
        _rule("agreements", "paired", "signed", "confirmed")(desc)

    report = validate_package(write_package(tmp_path / "pkg", csvs, edit))
    assert report.problems == []


@pytest.mark.parametrize(
    ("fmt", "values", "valid"),
    [
        ("default", ["2024-02-29", "2025-02-30", "2023-02-29", "2025-13-01", "0000-01-01"],
         [True, False, False, False, False]),
        ("%Y-%m-%d", ["2025-12-31", "2025-04-31", "2025-7-1", "2025-07-01x"],
         [True, False, False, False]),
        ("%d/%m/%Y", ["31/12/2025", "2025-12-31", "2025-02-30"], [False, True, False]),
    ],
    ids=["default", "iso-format", "unchecked-format-as-default"],
)  # fmt: skip
def test_dates_are_checked_against_the_calendar(fmt: str, values: list[str], valid: list[bool]):
    """Impossible days are refused; a format other than the default's (``unsupported``) is read
    as the default."""
    ok, _ = cells.typed(pa.array(values, type=pa.string()), Field("d", "date", format=fmt))
    assert ok.tolist() == valid


@pytest.mark.parametrize(
    ("constraints", "values", "checks"),
    [
        ({"max_length": 3}, ["ééé", "éééé", "abc", "abcd"],
         [None, "max-length", None, "max-length"]),
        ({"min_length": 3}, ["ééé", "éé", "ab", "€€€"], [None, "min-length", "min-length", None]),
    ],
    ids=["max", "min"],
)  # fmt: skip
def test_lengths_count_characters_not_bytes(constraints: dict, values: list[str], checks: list):
    """minLength/maxLength count characters, as Python's len does, for non-ASCII text too."""
    spec = Field("a", **constraints)
    schema = Schema(fields=(spec,))
    columns = {"a": pa.array(values, type=pa.string())}
    ctx = TableContext("t", "t.csv", schema, columns, np.arange(2, len(values) + 2),
                       np.ones(len(values), bool))  # fmt: skip
    found = {p.line: p.check for p in cells.check_field(ctx, spec, False)}
    assert [found.get(line) for line in range(2, len(values) + 2)] == checks


def test_small_packages_are_validated_on_one_thread_and_large_ones_on_the_pool() -> None:
    """Below SERIAL_BELOW bytes the jobs run in the caller's thread; above, on the workers."""
    import threading

    from afpak_data._validate import run

    def where(_: int) -> str:
        return threading.current_thread().name

    caller = threading.current_thread().name
    assert run._parallel(where, [1, 2, 3], [10, 10, 10]) == [caller] * 3
    big = run._parallel(where, [1, 2, 3], [run.SERIAL_BELOW] * 3)
    if run.WORKERS > 1:
        assert caller not in big
    else:
        assert big == [caller] * 3
