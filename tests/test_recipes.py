"""docs/recipes.md: each recipe, read from the page itself, runs with its tool and types the tables.

The code blocks are extracted from the Markdown (one per language), so the page and the test cannot
drift apart. A recipe whose tool is missing is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import afpak_data
from afpak_data._model.descriptor import read_package

REPO_ROOT = Path(__file__).resolve().parent.parent
RECIPES = REPO_ROOT / "docs" / "recipes.md"
PACKAGE = read_package()


def code_block(language: str) -> str:
    """The one fenced code block of ``language`` in docs/recipes.md."""
    text = RECIPES.read_text(encoding="utf-8")
    blocks = re.findall(rf"^```{language}\n(.*?)^```$", text, re.S | re.M)
    assert len(blocks) == 1, (
        f"docs/recipes.md: expected one ```{language} block, found {len(blocks)}"
    )
    return str(blocks[0])


def test_readme_links_the_recipes() -> None:
    """The README points readers of other tools at docs/recipes.md."""
    assert "(docs/recipes.md)" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_pandas_recipe_gives_the_loader_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pandas-only recipe gives every table with the same values and dtypes as ``load``."""
    pd = pytest.importorskip("pandas")
    monkeypatch.chdir(PACKAGE.root)
    namespace: dict[str, object] = {}
    exec(compile(code_block("python"), str(RECIPES), "exec"), namespace)
    frames = namespace["frames"]
    assert isinstance(frames, dict)
    assert list(frames) == PACKAGE.names
    for name, expected in afpak_data.load_all().items():
        pd.testing.assert_frame_equal(frames[name], expected, check_dtype=True, obj=name)


R_CHECK = """
summary <- lapply(tables, function(t) list(
  rows = nrow(t),
  classes = lapply(t, function(column) class(column)[1]),
  levels = lapply(Filter(is.factor, t), levels)
))
cat(toJSON(list(tables = summary, missing_paragraphs = sum(is.na(tables[["actors"]]$paragraph))),
           auto_unbox = TRUE, null = "null"))
"""
R_CLASSES = {
    "integer": "integer",
    "year": "integer",
    "number": "numeric",
    "boolean": "logical",
    "date": "Date",
    "string": "character",
}


@pytest.mark.slow
def test_r_recipe_reads_typed_tables(tmp_path: Path) -> None:
    """The readr recipe reads every table with factors (schema levels), integers and Dates."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip(
            "the R recipe needs Rscript with readr and jsonlite (Debian r-cran-readr, "
            "r-cran-jsonlite; .ci/run installs them as root)"
        )
    probe = subprocess.run(
        [rscript, "-e", "library(readr); library(jsonlite)"], capture_output=True, timeout=60
    )
    if probe.returncode != 0:
        pytest.skip(
            "R is installed but readr or jsonlite is not (Debian r-cran-readr, r-cran-jsonlite)"
        )
    script = tmp_path / "recipe.R"
    script.write_text(code_block("r") + R_CHECK, encoding="utf-8")
    result = subprocess.run(
        [rscript, "--vanilla", str(script)],
        cwd=PACKAGE.root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "LANG": "C.UTF-8"},
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout[result.stdout.rindex('{"tables"') :])
    for resource in PACKAGE.resources:
        table = summary["tables"][resource.name]
        assert table["rows"] == len(afpak_data.load(resource.name)), resource.name
        for field in resource.schema.fields:
            wanted = "factor" if field.enum is not None else R_CLASSES[field.type]
            assert table["classes"][field.name] == wanted, (resource.name, field.name)
            if field.enum is not None:
                levels = table["levels"][field.name]
                levels = [levels] if isinstance(levels, str) else levels  # one level: unboxed
                assert levels == list(field.enum), (resource.name, field.name)
    assert summary["missing_paragraphs"] == int(afpak_data.load("actors")["paragraph"].isna().sum())


def test_duckdb_recipe_runs_and_keeps_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SQL recipe creates typed views (DATE, INTEGER) and its join lists each agreement's
    parties by name, as the data say."""
    duckdb = pytest.importorskip("duckdb", reason="the DuckDB recipe needs duckdb (test extra)")
    monkeypatch.chdir(PACKAGE.root)
    connection = duckdb.connect()
    statements = [s.strip() for s in re.split(r";\s*\n", code_block("sql")) if s.strip()]
    *views, query = statements
    for statement in views:
        connection.execute(statement)
    types = {row[0]: row[1] for row in connection.execute("DESCRIBE agreements").fetchall()}
    assert types["date"] == "DATE" and types["paragraph"] == "INTEGER"
    assert types["agreement_id"] == "VARCHAR"
    rows = connection.execute(query).fetchall()
    links = afpak_data.load("agreement_actors")
    actors = afpak_data.load("actors").set_index("actor_id")["name"]
    agreements = afpak_data.load("agreements").set_index("agreement_id")["name"]
    parties = links[links["role"] == "party"]
    expected = sorted(
        (
            str(agreements[agreement]),
            "; ".join(sorted(str(actors[a]) for a in group["actor_id"])),
        )
        for agreement, group in parties.groupby("agreement_id", observed=True)
    )
    assert sorted(rows) == expected
    connection.close()
