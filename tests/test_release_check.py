"""``afpak-data release-check``: each rule of the versioning policy passes and fails as stated."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from _release_fixtures import (
    add_table,
    copy_package,
    edit_csv,
    edit_schema,
    field,
    make_package,
    remove_table,
    schema_field,
    set_csv,
    set_version,
)
from click.testing import CliRunner

from afpak_data._release.policy import RULES, check_release
from afpak_data.cli import cli

Change = Callable[[Path, Path], None]
TRADE = "agr-trade,Trade pledge,,pledged,\n"


def nothing(old: Path, new: Path) -> None:
    """No change at all."""


def correct_title(old: Path, new: Path) -> None:
    """A value of an existing record is corrected."""
    edit_csv(new, "agreements", "Railway study", "Railway feasibility study")


def add_record(old: Path, new: Path) -> None:
    """A record is added."""
    edit_csv(new, "agreements", TRADE, TRADE + "agr-port,Port access,,signed,2\n")


def remove_trade(old: Path, new: Path) -> None:
    """A record with a released ID is deleted (and not withdrawn)."""
    edit_csv(new, "agreements", TRADE, "")


def withdraw_trade(old: Path, new: Path, version: str = "1.1.0") -> None:
    """A record is deleted and its ID listed in withdrawn, as the codebook says."""
    remove_trade(old, new)
    edit_csv(new, "withdrawn", "reason\n", f"reason\nagr-trade,agreements,{version},Duplicate.\n")


def withdraw_trade_wrong_version(old: Path, new: Path) -> None:
    """A withdrawal that names an earlier version than this release."""
    withdraw_trade(old, new, "1.0.5")


def withdraw_but_keep(old: Path, new: Path) -> None:
    """An ID is listed as withdrawn but a record still uses it."""
    edit_csv(new, "withdrawn", "reason\n", "reason\nagr-trade,agreements,1.1.0,Duplicate.\n")


def reuse_withdrawn(old: Path, new: Path) -> None:
    """OLD withdrew agr-old; NEW gives a new record that ID."""
    for root in (old, new):
        edit_csv(root, "withdrawn", "reason\n", "reason\nagr-old,agreements,1.0.0,Duplicate.\n")
    edit_csv(new, "agreements", TRADE, TRADE + "agr-old,Something else,,signed,2\n")


def unwithdraw(old: Path, new: Path) -> None:
    """OLD withdrew agr-old; NEW drops it from withdrawn."""
    edit_csv(old, "withdrawn", "reason\n", "reason\nagr-old,agreements,1.0.0,Duplicate.\n")


def remove_link_row(old: Path, new: Path) -> None:
    """A row of a link table (composite key, no ID of its own) is removed."""
    edit_csv(new, "agreement_actors", "agr-trade,act-pak,party\n", "")


def add_link_row(old: Path, new: Path) -> None:
    """A link row is added to a released record (a correction of that record's links)."""
    edit_csv(
        new,
        "agreement_actors",
        "agr-trade,act-pak,party\n",
        "agr-trade,act-pak,party\nagr-trade,act-afg,party\n",
    )


def change_link_role(old: Path, new: Path) -> None:
    """A link row's role is corrected (its key changes: one row removed, one added)."""
    edit_csv(new, "agreement_actors", "agr-trade,act-pak,party\n", "agr-trade,act-pak,host\n")


def add_record_with_links(old: Path, new: Path) -> None:
    """A new record arrives with its link rows."""
    add_record(old, new)
    edit_csv(
        new,
        "agreement_actors",
        "agr-trade,act-pak,party\n",
        "agr-trade,act-pak,party\nagr-port,act-pak,party\n",
    )


def add_field(old: Path, new: Path) -> None:
    """A field is added to a table (schema and CSV)."""
    edit_schema(new, "sources", lambda s: s["fields"].append(field("url")))
    set_csv(new, "sources", "source_id,title,url\nsrc-note,Review of Afghanistan developments,\n")


def remove_field(old: Path, new: Path) -> None:
    """A field is removed from a table (schema and CSV)."""
    edit_schema(new, "sources", lambda s: s["fields"].pop())
    set_csv(new, "sources", "source_id\nsrc-note\n")


def retype_field(old: Path, new: Path) -> None:
    """A field changes type."""
    edit_schema(new, "agreements", lambda s: schema_field(s, "parties").update(type="number"))


def add_category(old: Path, new: Path) -> None:
    """A category is added to a vocabulary."""
    edit_schema(
        new,
        "agreements",
        lambda s: schema_field(s, "status")["constraints"]["enum"].append("announced"),
    )


def remove_category(old: Path, new: Path) -> None:
    """A category is removed from a vocabulary (its records recoded)."""
    edit_schema(
        new,
        "agreements",
        lambda s: schema_field(s, "status")["constraints"]["enum"].remove("pledged"),
    )
    edit_csv(new, "agreements", ",pledged,", ",signed,")


def describe_field(old: Path, new: Path) -> None:
    """Only a field description changes."""
    edit_schema(
        new, "agreements", lambda s: schema_field(s, "title").update(description="Its name.")
    )


def change_primary_key(old: Path, new: Path) -> None:
    """A table's primary key changes."""
    key = ["agreement_id", "actor_id"]
    edit_schema(new, "agreement_actors", lambda s: s.update(primaryKey=key))


def add_new_table(old: Path, new: Path) -> None:
    """A table is added."""
    schema = {"fields": [field("risk_id", required=True)], "primaryKey": ["risk_id"]}
    add_table(new, "risks", schema, "risk_id\nrsk-ttp\n")


def remove_link_table(old: Path, new: Path) -> None:
    """A table without IDs of its own is removed."""
    remove_table(new, "agreement_actors")


def changelog_in_parent(old: Path, new: Path) -> None:
    """NEW has no CHANGELOG.md; its parent has one with the entry."""
    (new / "CHANGELOG.md").rename(new.parent / "CHANGELOG.md")


def no_changelog_entry(old: Path, new: Path) -> None:
    """CHANGELOG.md still has only OLD's entry."""
    (new / "CHANGELOG.md").write_text((old / "CHANGELOG.md").read_text(encoding="utf-8"))


def no_changelog(old: Path, new: Path) -> None:
    """No CHANGELOG.md in NEW or its parent."""
    (new / "CHANGELOG.md").unlink()


#: id -> (change, NEW's version, the rules expected to fail, in order)
CASES: dict[str, tuple[Change, str, list[str]]] = {
    "identical-same-version": (nothing, "1.0.0", []),
    "identical-bumped": (nothing, "1.0.1", []),
    "value-corrected-patch": (correct_title, "1.0.1", []),
    "value-corrected-not-bumped": (correct_title, "1.0.0", ["version-bump"]),
    "record-added-minor": (add_record, "1.1.0", []),
    "record-added-major-is-fine": (add_record, "2.0.0", []),
    "record-added-patch": (add_record, "1.0.1", ["version-bump"]),
    "field-added-minor": (add_field, "1.1.0", []),
    "field-added-patch": (add_field, "1.0.1", ["version-bump"]),
    "category-added-minor": (add_category, "1.1.0", []),
    "category-added-patch": (add_category, "1.0.1", ["version-bump"]),
    "table-added-minor": (add_new_table, "1.1.0", []),
    "table-added-patch": (add_new_table, "1.0.1", ["version-bump"]),
    "description-changed-patch": (describe_field, "1.0.1", []),
    "description-changed-not-bumped": (describe_field, "1.0.0", ["version-bump"]),
    "link-row-removed-patch": (remove_link_row, "1.0.1", []),
    "link-row-removed-not-bumped": (remove_link_row, "1.0.0", ["version-bump"]),
    "link-row-added-to-released-record-patch": (add_link_row, "1.0.1", []),
    "link-role-corrected-patch": (change_link_role, "1.0.1", []),
    "link-rows-with-new-record-minor": (add_record_with_links, "1.1.0", []),
    "link-rows-with-new-record-patch": (add_record_with_links, "1.0.1", ["version-bump"]),
    "field-removed-major": (remove_field, "2.0.0", []),
    "field-removed-minor": (remove_field, "1.1.0", ["version-bump"]),
    "field-retyped-major": (retype_field, "2.0.0", []),
    "field-retyped-minor": (retype_field, "1.1.0", ["version-bump"]),
    "category-removed-major": (remove_category, "2.0.0", []),
    "category-removed-minor": (remove_category, "1.1.0", ["version-bump"]),
    "primary-key-changed-major": (change_primary_key, "2.0.0", []),
    "primary-key-changed-minor": (change_primary_key, "1.1.0", ["version-bump"]),
    "table-removed-major": (remove_link_table, "2.0.0", []),
    "table-removed-minor": (remove_link_table, "1.1.0", ["version-bump"]),
    "id-withdrawn-minor": (withdraw_trade, "1.1.0", []),
    "id-withdrawn-patch": (withdraw_trade, "1.0.1", ["version-bump", "withdrawn-version"]),
    "id-disappeared-major": (remove_trade, "2.0.0", ["id-disappeared"]),
    "id-disappeared-patch": (remove_trade, "1.0.1", ["version-bump", "id-disappeared"]),
    "id-withdrawn-but-used": (withdraw_but_keep, "1.1.0", ["withdrawn-id"]),
    "withdrawn-id-reused": (reuse_withdrawn, "1.1.0", ["withdrawn-id"]),
    "withdrawn-id-unlisted": (unwithdraw, "2.0.0", ["id-unwithdrawn"]),
    "withdrawn-in-wrong-version": (withdraw_trade_wrong_version, "1.1.0", ["withdrawn-version"]),
    "version-backwards": (nothing, "0.9.0", ["version-backwards"]),
    "version-not-semver": (nothing, "1.1", ["version-format"]),
    "version-leading-zero": (nothing, "1.01.0", ["version-format"]),
    "changelog-in-parent": (changelog_in_parent, "1.0.0", []),
    "changelog-entry-missing": (no_changelog_entry, "1.0.1", ["changelog"]),
    "changelog-missing": (no_changelog, "1.0.0", ["changelog"]),
}


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """OLD 1.0.0 and a copy of it as NEW (tests change NEW)."""
    old = make_package(tmp_path / "old")
    return old, copy_package(old, tmp_path / "new")


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_rules(pair: tuple[Path, Path], case: str) -> None:
    """Each change, with each version, breaks exactly the rules the policy says (and no other)."""
    old, new = pair
    change, version, expected = CASES[case]
    set_version(new, version)
    change(old, new)
    report = check_release(old, new)
    assert [p.check for p in report.problems] == expected
    assert all(p.check in RULES and "\n" not in p.message for p in report.problems)
    assert bool(report.problems) is bool(expected)


def test_bump_failure_names_the_reason(pair: tuple[Path, Path]) -> None:
    """A too-small bump says which bump is needed and which change needs it."""
    old, new = pair
    add_record(old, new)
    set_version(new, "1.0.1")
    (problem,) = check_release(old, new).problems
    assert str(problem) == (
        f"{new / 'datapackage.json'}: version 1.0.1 is a PATCH bump from 1.0.0, but the changes "
        "need a MINOR bump (1 record added to 'agreements')"
    )


def test_link_corrections_are_named_as_corrections_of_their_record(pair: tuple[Path, Path]) -> None:
    """Link rows are values of their parent: a correction names the records, and needs PATCH."""
    old, new = pair
    add_link_row(old, new)
    change_link_role(old, new)
    (problem,) = check_release(old, new).problems
    assert str(problem) == (
        f"{new / 'datapackage.json'}: version 1.0.0 is not bumped from 1.0.0, but the changes "
        "need a PATCH bump (links of 1 record corrected in 'agreement_actors')"
    )


def test_disappeared_id_is_located(pair: tuple[Path, Path]) -> None:
    """A vanished ID is reported at its row and column in OLD's CSV."""
    old, new = pair
    remove_trade(old, new)
    set_version(new, "2.0.0")
    (problem,) = check_release(old, new).problems
    assert str(problem).startswith(
        f"{old / 'data' / 'agreements.csv'}:3: column 'agreement_id': released ID 'agr-trade' "
        "disappeared"
    )


def test_cli_pass_output(pair: tuple[Path, Path]) -> None:
    """On success the command exits 0 and prints every check it made."""
    old, new = pair
    add_record(old, new)
    set_version(new, "1.1.0")
    result = CliRunner().invoke(cli, ["release-check", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"release-check: {old} (1.0.0) -> {new} (1.1.0)",
        "ok: versions 1.0.0 -> 1.1.0 are MAJOR.MINOR.PATCH and do not go backwards",
        "ok: the changes need a MINOR bump (1 record added to 'agreements'); "
        "the version has a MINOR bump",
        "ok: no released ID disappeared without being withdrawn (7 IDs)",
        "ok: withdrawn IDs stay listed and no record uses one (0 withdrawn)",
        f"ok: {new / 'CHANGELOG.md'} has the entry for 1.1.0 on top",
        "release-check passed",
    ]


def test_cli_fail_output(pair: tuple[Path, Path]) -> None:
    """On failure the command exits 1 with one line per problem and a verdict."""
    old, new = pair
    remove_trade(old, new)
    set_version(new, "1.0.1", changelog=False)
    result = CliRunner().invoke(cli, ["release-check", str(old), str(new)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == "release-check failed: 3 problems"
    assert [line.split(": ")[0] for line in lines[-4:-1]] == [
        str(new / "datapackage.json"),
        f"{old / 'data' / 'agreements.csv'}:3",
        f"{new / 'CHANGELOG.md'}:5",  # the top entry, which is not NEW's version
    ]


def test_cli_unreadable_exit_2(pair: tuple[Path, Path]) -> None:
    """A package that cannot be read exits 2 with one line on stderr."""
    old, new = pair
    (new / "datapackage.json").write_text("[", encoding="utf-8")
    result = CliRunner().invoke(cli, ["release-check", str(old), str(new)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


def test_repository_passes_against_itself(repo_root: Path) -> None:
    """The repository's own package passes release-check against itself (its changelog included)."""
    result = CliRunner().invoke(cli, ["release-check", str(repo_root), str(repo_root)])
    assert result.exit_code == 0, result.output
