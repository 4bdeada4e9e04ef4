"""The real package validates (with its source text); one bad value in a large table is found."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from afpak_data._validate import validate_package
from validate.corpus import CSVS, write_package


def test_repository_package_is_valid_with_sources(repo_root: Path, sources_dir: Path) -> None:
    """The repository's package passes every check, evidence included (nothing skipped)."""
    report = validate_package(repo_root / "datapackage.json", sources_dir)
    assert [p.as_dict() for p in report.problems] == []
    assert report.skipped == []
    assert report.rows.get("agreements", 0) > 0


def test_repository_quote_change_is_caught(
    repo_root: Path, sources_dir: Path, tmp_path: Path
) -> None:
    """Changing one word of a real quote is reported on that line as a 'quote' problem."""
    copy = tmp_path / "pkg"
    copy.mkdir()
    for name in ("data", "schemas"):
        shutil.copytree(repo_root / name, copy / name)
    for name in ("datapackage.json", "CHANGELOG.md"):
        shutil.copy2(repo_root / name, copy / name)
    csv_file = copy / "data" / "agreements.csv"
    lines = csv_file.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace("border agreements", "border treaties", 1)
    csv_file.write_text("\n".join(lines), encoding="utf-8")
    report = validate_package(copy / "datapackage.json", sources_dir)
    found = {(p.file, p.line, p.check) for p in report.problems}
    assert ("data/agreements.csv", 2, "quote") in found
    assert {p.check for p in report.problems} <= {"quote", "bytes", "hash"}


@pytest.mark.parametrize(
    "bad",
    [
        ("2025-07-17", "2025-13-45", "type"),
        (",signed,", ",signd,", "enum"),
        ("act-taliban", "act-talibn", "foreign-key"),
    ],
    ids=["date", "enum", "key"],
)
def test_one_bad_value_in_200k_rows_is_found(bad: tuple[str, str, str], tmp_path: Path) -> None:
    """One bad date, vocabulary value or key among 200,000 rows is reported alone, on its line."""
    old, new, check = bad
    n = 200_000
    rows = [
        f"agr-r{i},Railway study {i},signed,2025-07-17,,src-review,2,signed a railway agreement"
        for i in range(n)
    ]
    links = [f"agr-r{i},act-taliban" for i in range(n)]
    target = 123_456
    if check == "foreign-key":
        links[target] = links[target].replace(old, new)
    else:
        rows[target] = (
            rows[target].replace(old, new)
            if old in rows[target]
            else rows[target].replace("signed,2025", "signd,2025")
        )
    csvs = {k: v.encode() for k, v in CSVS.items()}
    csvs["agreements"] = (
        "agreement_id,title,status,signed,confirmed,source_id,paragraph,quote\n"
        + "\n".join(rows)
        + "\n"
    ).encode()
    csvs["agreement_actors"] = ("agreement_id,actor_id\n" + "\n".join(links) + "\n").encode()
    csvs["evidence"] = b"evidence_id,record_id,source_id,paragraph,quote\n"
    report = validate_package(write_package(tmp_path / "pkg", csvs))
    file = "data/agreement_actors.csv" if check == "foreign-key" else "data/agreements.csv"
    assert [(p.file, p.line, p.check) for p in report.problems] == [(file, target + 2, check)]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_quoted_line_breaks_across_read_blocks_keep_lines_exact(
    newline: str, tmp_path: Path
) -> None:
    """Cells with line breaks in a file of several read blocks: the bad value's line is exact."""
    rows, line, target = [], 2, None
    for i in range(60_000):
        name = f'"Group {i}{newline}second line"' if i % 97 == 0 else f"Group {i}"
        members = "5k" if i == 59_000 else str(i)
        if i == 59_000:
            target = line
        rows.append(f"act-g{i},{name},group,,{members}")
        line += 1 + (i % 97 == 0)
    text = newline.join(["actor_id,name,kind,part_of,members", *rows]) + newline
    assert len(text) > 2 * 1024 * 1024
    csvs = {k: v.encode() for k, v in CSVS.items()}
    csvs["actors"] = text.encode()
    report = validate_package(write_package(tmp_path / "pkg", csvs))
    found = [(p.file, p.line, p.column, p.check) for p in report.problems]
    assert ("data/actors.csv", target, "members", "type") in found
    assert {p.check for p in report.problems} <= {"type", "foreign-key", "polymorphic-key"}
