"""Every command takes a package four ways (bundled, directory, datapackage.json, URL), and the
loader helps with the mistakes people make: a misspelt table, a CSV given as the package.

URLs are served by ``http.server`` on 127.0.0.1 (port chosen by the OS, in a thread, shut down at
the end of the module); the downloads go to a temporary cache.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from _loopback import isolate_downloads
from click.testing import CliRunner

import afpak_data
from afpak_data._model.descriptor import read_package
from afpak_data.cli import cli

PACKAGE = read_package()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test output is for failures."""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A copy of the package served on 127.0.0.1: (its URL, the served directory)."""
    root = tmp_path_factory.mktemp("served") / "pkg"
    root.mkdir()
    shutil.copyfile(PACKAGE.descriptor_file, root / "datapackage.json")
    for folder in ("data", "schemas"):
        shutil.copytree(PACKAGE.root / folder, root / folder)
    handler = functools.partial(QuietHandler, directory=str(root.parent))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/pkg/", root
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty download cache per test, and no proxy between us and 127.0.0.1."""
    return isolate_downloads(monkeypatch, tmp_path / "cache")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="afpak-data")
    return result.exit_code, result.stdout, result.stderr


KINDS = ["bundled", "directory", "descriptor", "url"]


def source_args(kind: str, url: str) -> list[str]:
    """The ``--source`` arguments that name the package in the way ``kind`` says."""
    return {
        "bundled": [],
        "directory": ["--source", str(PACKAGE.root)],
        "descriptor": ["--source", str(PACKAGE.descriptor_file)],
        "url": ["--source", url],
    }[kind]


def positional(kind: str, url: str) -> str:
    return {
        "directory": str(PACKAGE.root),
        "descriptor": str(PACKAGE.descriptor_file),
        "url": url,
    }[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_info(served: tuple[str, Path], kind: str) -> None:
    """``info`` lists every table from each kind of source."""
    code, out, err = run("info", *source_args(kind, served[0]))
    assert code == 0, err
    assert all(f"  {name} " in out for name in PACKAGE.names)


@pytest.mark.parametrize("kind", ["directory", "descriptor", "url"])
def test_validate(served: tuple[str, Path], kind: str) -> None:
    """``validate`` checks the package from a directory, a descriptor or a URL (it refused URLs)."""
    code, out, err = run("validate", positional(kind, served[0]))
    assert code == 0, out + err
    if kind == "url":
        assert "downloaded and hash-checked" in out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", ["json", "sqlite"])
def test_export(served: tuple[str, Path], tmp_path: Path, kind: str, fmt: str) -> None:
    """``export --source URL`` downloads the CSVs and writes every table, as for local sources."""
    code, out, err = run("export", "--format", fmt, *source_args(kind, served[0]), str(tmp_path))
    assert code == 0, err
    assert out.strip()


@pytest.mark.parametrize("kind", KINDS)
def test_site(served: tuple[str, Path], tmp_path: Path, kind: str) -> None:
    """``site --source URL`` downloads the CSVs and writes a page per table."""
    code, _, err = run("site", "-q", *source_args(kind, served[0]), str(tmp_path / "site"))
    assert code == 0, err
    assert {p.stem for p in (tmp_path / "site" / "tables").glob("*.html")} == set(PACKAGE.names)


@pytest.mark.parametrize("kind", KINDS)
def test_bundle(served: tuple[str, Path], tmp_path: Path, kind: str) -> None:
    """``bundle`` archives the package from each kind of source."""
    code, out, err = run("bundle", str(tmp_path), *source_args(kind, served[0]))
    assert code == 0, err
    assert f"afpak-data-{PACKAGE.version}.zip" in out


@pytest.mark.parametrize("kind", ["directory", "descriptor", "url"])
def test_diff_and_release_check(served: tuple[str, Path], kind: str) -> None:
    """``diff`` and ``release-check`` compare a URL with a local copy: nothing changed."""
    old = positional(kind, served[0])
    code, out, err = run("diff", old, str(PACKAGE.root), "--format", "json")
    assert code == 0, err
    assert '"added"' not in out or '"added": []' in out or out.count('"status": "unchanged"')
    code, out, err = run("release-check", old, str(PACKAGE.root))
    assert code == 0, out + err
    assert out.rstrip().endswith("release-check passed")


@pytest.mark.parametrize("command", ["validate", "export", "site"])
def test_tampered_download_is_refused(
    served: tuple[str, Path], tmp_path: Path, command: str
) -> None:
    """A served CSV that does not match its hash: one line on stderr, exit 2, nothing written."""
    url, root = served
    csv = root / "data" / "agreements.csv"
    original = csv.read_bytes()
    csv.write_bytes(original.replace(b"Official visits", b"Official visitz", 1))
    try:
        args = {
            "validate": ["validate", url],
            "export": ["export", "--format", "json", "--source", url, str(tmp_path / "out")],
            "site": ["site", "--source", url, str(tmp_path / "out")],
        }[command]
        code, _, err = run(*args)
    finally:
        csv.write_bytes(original)
    assert code == 2
    assert err.count("\n") == 1 and "agreements.csv" in err
    assert not (tmp_path / "out").exists()


# --- The loader's help with mistakes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [("agreement", "agreements"), ("actor", "actors"), ("Risks", "risks"), ("evidnce", "evidence")],
)
def test_unknown_table_suggests_the_nearest(typo: str, suggestion: str) -> None:
    """A misspelt table name raises an error that suggests the nearest name and lists them all."""
    with pytest.raises(afpak_data.UnknownTableError) as caught:
        afpak_data.load(typo)  # type: ignore[arg-type]
    message = str(caught.value)
    assert f"did you mean {suggestion!r}?" in message
    assert all(name in message for name in PACKAGE.names)


def test_unrelated_name_suggests_nothing() -> None:
    """A name like no table gets the list but no guess."""
    with pytest.raises(afpak_data.UnknownTableError) as caught:
        afpak_data.load("zzzz")  # type: ignore[arg-type]
    assert "did you mean" not in str(caught.value)


def test_csv_file_as_source_says_a_package_was_expected() -> None:
    """``source=".../agreements.csv"`` says a data package was expected and where it is."""
    with pytest.raises(FileNotFoundError) as caught:
        afpak_data.load("agreements", source=PACKAGE.root / "data" / "agreements.csv")
    message = str(caught.value)
    assert "a data file, not a data package" in message
    assert f"source={str(PACKAGE.root)!r}" in message


def test_csv_url_as_source_says_a_package_was_expected(served: tuple[str, Path]) -> None:
    """The same for a URL of a CSV: the folder URL is suggested, nothing is downloaded."""
    with pytest.raises(FileNotFoundError, match=r"not a data package.*source='http://127"):
        afpak_data.load("agreements", source=served[0] + "data/agreements.csv")


def test_table_name_literal_matches_the_package() -> None:
    """``TableName`` lists exactly the bundled tables, in order (kept so by the build --check)."""
    from typing import get_args

    from afpak_data._names import TABLE_NAMES

    assert list(get_args(afpak_data.TableName)) == PACKAGE.names == list(TABLE_NAMES)


@pytest.mark.slow
def test_mypy_catches_a_misspelt_table(tmp_path: Path) -> None:
    """mypy accepts ``load("agreements")`` and reports ``load("agreement")`` in a user's script."""
    pytest.importorskip("mypy", reason="needs mypy (in the test extra)")
    good = tmp_path / "good.py"
    good.write_text('import afpak_data\n\nframe = afpak_data.load("agreements")\n')
    bad = tmp_path / "bad.py"
    bad.write_text('import afpak_data\n\nframe = afpak_data.load("agreement")\n')
    results = {}
    for script in (good, bad):
        results[script.name] = subprocess.run(
            [
                sys.executable,
                "-m",
                "mypy",
                "--no-incremental",
                "--follow-imports=silent",
                "--ignore-missing-imports",
                str(script),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
    assert results["good.py"].returncode == 0, results["good.py"].stdout
    assert results["bad.py"].returncode == 1, results["bad.py"].stdout
    assert 'bad.py:3: error: Argument 1 to "load" has incompatible type' in results["bad.py"].stdout
    assert "Literal['agreement']" in results["bad.py"].stdout
