"""The codebook's coding rules, checked over every row (issue 10's corrections, pinned by rule).

Rules, not row lists: a party link needs the note's words naming that actor a side to that item;
a certainty signal is verbatim in the record's paragraph; a state has a valid ISO 3166-1 code. Each
rule is also run on the 1.0.0 release (from git history, where it is available) to show it catches
what the review found, so these tests can fail.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from afpak_data._paragraphs import split_paragraphs

ROOT = Path(__file__).resolve().parent.parent
V1_0_0 = "0e35f7e"  # the commit released as 1.0.0
V1_0_1 = "b826747"  # the commit released as 1.0.1
LINK_TABLES = ("agreement_actors", "driver_actors", "motivation_actors", "risk_actors")
RECORD_TABLES = ("agreements", "drivers", "motivations", "risks")

#: Phrases that name the two sides through context (codebook rule 4), and whom they name.
CONTEXTUAL = {
    "the two nations": {"act-pakistan", "act-afghanistan"},
    "the two countries": {"act-pakistan", "act-afghanistan"},
    "the two parties": {"act-pakistan", "act-taliban-government"},
    "both parties": {"act-pakistan", "act-taliban-government"},
    "either party": {"act-pakistan", "act-taliban-government"},
}
#: Sentences that say a list of items signals a change; they make no one a party to each item.
NOT_PARTY_WORDS = (
    "suggest a transformation in the dynamics",
    "all signify the strengthening of relations",
    "terrorist activities between the nations",
)
#: Proper names that contain actor names without naming those actors.
PROPER_NAMES = ("Kabul-Islamabad Relations Group",)


def read_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@cache
def tree_at(commit: str | None) -> Callable[[str], list[dict[str, str]]]:
    """Rows of a table in the working tree (None) or at ``commit`` (skips without git history)."""

    def rows(table: str) -> list[dict[str, str]]:
        if commit is None:
            return read_rows((ROOT / "data" / f"{table}.csv").read_text(encoding="utf-8"))
        if shutil.which("git") is None:
            pytest.skip("git is not installed: the 1.0.0 release is read from git history")
        shown = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{commit}:data/{table}.csv"],
            capture_output=True,
            check=False,
        )
        if shown.returncode != 0:
            pytest.skip(f"commit {commit} (release 1.0.0) is not in this clone's history")
        return read_rows(shown.stdout.decode("utf-8"))

    return rows


def names_by_actor(rows: Callable[[str], list[dict[str, str]]]) -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for row in rows("actor_names"):
        names.setdefault(row["actor_id"], set()).add(row["name"])
    for row in rows("actors"):
        names.setdefault(row["actor_id"], set()).add(row["name"])
    return names


def party_problems(rows: Callable[[str], list[dict[str, str]]]) -> list[str]:
    """Every party link whose quote does not give the note's words for it (codebook rule 4)."""
    names = names_by_actor(rows)
    found = []
    for table in LINK_TABLES:
        for row in rows(table):
            if row["role"] != "party":
                continue
            record = next(iter(row.values()))
            where = f"{table}: {record} {row['actor_id']}"
            quote = row["quote"]
            for proper in PROPER_NAMES:
                quote = quote.replace(proper, "")
            if any(words in quote for words in NOT_PARTY_WORDS):
                found.append(f"{where}: rests on a sentence about a list of signals")
            elif row["attribution"] == "named":
                if not any(name in quote for name in names.get(row["actor_id"], ())):
                    found.append(f"{where}: named, but the quote does not name it")
            elif not any(
                phrase in quote and row["actor_id"] in actors
                for phrase, actors in CONTEXTUAL.items()
            ):
                found.append(f"{where}: contextual, but no phrase of rule 4 names it")
    return found


def test_no_party_link_without_the_notes_words() -> None:
    """Every party link in every link table quotes words that make the actor a side to the item."""
    assert party_problems(tree_at(None)) == []


def test_the_party_rule_catches_the_links_the_review_found_in_1_0_0() -> None:
    """On 1.0.0 the rule flags the paragraph 3, pledge and Relations Group party links (18)."""
    problems = party_problems(tree_at(V1_0_0))
    assert len(problems) == 18
    assert any("agr-cpec-extension act-pakistan" in p for p in problems)
    assert any("agr-counterterrorism-pledge act-afghanistan" in p for p in problems)
    assert any("agr-kabul-islamabad-relations-group act-taliban-government" in p for p in problems)


def test_a_view_is_never_an_agent() -> None:
    """An agent link never rests on a clause that only states a view ("views it as")."""
    for table in LINK_TABLES:
        for row in tree_at(None)(table):
            if row["role"] == "agent":
                assert " views " not in f" {row['quote']} ", row


@pytest.fixture(scope="module")
def paragraphs(source_text: str) -> list[str]:
    return split_paragraphs(source_text)


def certainty_rows() -> list[tuple[str, dict[str, str]]]:
    return [(t, r) for t in RECORD_TABLES for r in tree_at(None)(t) if "certainty" in r]


@pytest.mark.parametrize("table", RECORD_TABLES)
def test_every_record_codes_the_notes_certainty(table: str) -> None:
    """Each agreement, driver, motivation and risk has a certainty; a signal exactly when hedged."""
    for row in tree_at(None)(table):
        assert row["certainty"] in {"asserted", "hedged", "conditional"}, row
        assert (row["certainty_signal"] == "") == (row["certainty"] == "asserted"), row


def test_certainty_signals_are_verbatim_in_their_paragraph(paragraphs: list[str]) -> None:
    """Every certainty_signal occurs, as whole words, in the paragraph its record cites."""
    checked = 0
    for table, row in certainty_rows():
        signal = row["certainty_signal"]
        if not signal:
            continue
        paragraph = paragraphs[int(row["paragraph"]) - 1]
        assert re.search(rf"(?<!\w){re.escape(signal)}(?!\w)", paragraph), (table, row)
        checked += 1
    assert checked >= 5


@pytest.fixture(scope="module")
def pycountry():  # type: ignore[no-untyped-def]
    return pytest.importorskip(
        "pycountry", reason="pycountry is a test dependency (pip install -e '.[test]')"
    )


def test_states_carry_their_iso_code_and_nothing_else_does(pycountry) -> None:  # type: ignore[no-untyped-def]
    """A state's iso3 is a valid ISO 3166-1 alpha-3 code naming it; other actors have none."""
    for row in tree_at(None)("actors"):
        if row["kind"] != "state":
            assert row["iso3"] == "", row
            continue
        country = pycountry.countries.get(alpha_3=row["iso3"])
        assert country is not None, row
        names = {
            country.name,
            getattr(country, "common_name", ""),
            getattr(country, "official_name", ""),
        }
        assert any(row["name"] in n for n in names), (row["name"], names)


def release_tree(commit: str, target: Path) -> Path:
    """A release's tree, from git history (skips where the clone lacks it)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: earlier releases are read from git history")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=False
    )
    if archive.returncode != 0:
        pytest.skip(f"commit {commit} (an earlier release) is not in this clone's history")
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


@pytest.fixture(scope="module")
def released_1_0_0(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 1.0.0 release's tree."""
    return release_tree(V1_0_0, tmp_path_factory.mktemp("v1.0.0"))


@pytest.mark.parametrize(("commit", "version"), [(V1_0_0, "1.0.0"), (V1_0_1, "1.0.1")])
def test_this_release_follows_the_policy_from_each_earlier_one(
    commit: str, version: str, tmp_path: Path
) -> None:
    """`afpak-data release-check <earlier release> .` passes from 1.0.0 and from 1.0.1."""
    from click.testing import CliRunner

    from afpak_data.cli import cli

    old = release_tree(commit, tmp_path)
    result = CliRunner().invoke(cli, ["release-check", str(old), str(ROOT)])
    assert result.exit_code == 0, result.output
    assert f"({version}) ->" in result.output
    assert result.output.rstrip().endswith("release-check passed")


def test_the_diff_from_1_0_0_is_exactly_the_reviewed_changes(released_1_0_0: Path) -> None:
    """`afpak-data diff` from 1.0.0 equals the golden file the corrections were reviewed in."""
    from click.testing import CliRunner

    from afpak_data.cli import cli

    result = CliRunner().invoke(
        cli, ["diff", str(released_1_0_0), str(ROOT), "--format", "markdown"]
    )
    assert result.exit_code in (0, 1), result.output
    golden = ROOT / "tests" / "golden" / "releases" / "since-1.0.0.md"
    shown = result.output.replace(str(released_1_0_0), "1.0.0").replace(str(ROOT), "HEAD")
    assert shown == golden.read_text(encoding="utf-8")
