"""Hostile packages: every command refuses them out loud, writes nothing outside its target.

Each case breaks the small package of ``_packages`` in one way a hostile or careless contributor
could (names and paths that leave the package, special files, absurd numbers, encodings, control
characters). Every command runs on each: the answer is a located one-line error with exit code 1
or 2, never a traceback or "failed unexpectedly", and no file changes outside the command's target.
"""

from __future__ import annotations

import json
import os
import re
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _packages import write_package
from click.testing import CliRunner

import afpak_data
from afpak_data._model.descriptor import read
from afpak_data.cli import cli


def _descriptor(root: Path) -> dict:
    return json.loads((root / "datapackage.json").read_text(encoding="utf-8"))


def _save(root: Path, descriptor: dict) -> None:
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def _resource(key: str, value: object) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        descriptor = _descriptor(root)
        descriptor["resources"][0][key] = value
        _save(root, descriptor)

    return edit


def _package(key: str, value: object) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        descriptor = _descriptor(root)
        descriptor[key] = value
        _save(root, descriptor)

    return edit


def _symlink_outside(root: Path) -> None:
    outside = root.parent / "outside.csv"
    outside.write_text((root / "data" / "actors.csv").read_text(encoding="utf-8"), "utf-8")
    (root / "data" / "actors.csv").unlink()
    (root / "data" / "actors.csv").symlink_to(outside)


def _symlink_loop(root: Path) -> None:
    (root / "data" / "actors.csv").unlink()
    (root / "data" / "actors.csv").symlink_to(root / "data" / "actors.csv")


def _fifo(relative: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        (root / relative).unlink()
        os.mkfifo(root / relative)

    return edit


def _huge_number(root: Path) -> None:
    text = (root / "datapackage.json").read_text(encoding="utf-8")
    text = text.replace('"version": "0.1.0",', '"version": "0.1.0", "x-n": ' + "9" * 5000 + ",")
    (root / "datapackage.json").write_text(text, encoding="utf-8")


def _bom(root: Path) -> None:
    raw = (root / "datapackage.json").read_bytes()
    (root / "datapackage.json").write_bytes(b"\xef\xbb\xbf" + raw)


def _schema_text(root: Path) -> None:
    file = root / "schemas" / "actors.schema.json"
    schema = json.loads(file.read_text(encoding="utf-8"))
    schema["fields"][1]["description"] = "The name\x85 of the actor."
    file.write_text(json.dumps(schema), encoding="utf-8")


#: id -> (how to break the mini package, the check the validator must name)
CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "name-dot-dot": (_resource("name", "../../evil"), "resource-name"),
    "name-quote": (_resource("name", 'act"; DROP TABLE x; --'), "resource-name"),
    "name-absolute": (_resource("name", "/tmp/evil"), "resource-name"),
    "name-windows-device": (_resource("name", "aux"), "resource-name"),
    "path-dot-dot": (_resource("path", "../outside.csv"), "resource-path"),
    "path-absolute": (_resource("path", "/etc/passwd"), "resource-path"),
    "path-nul": (_resource("path", "data/act\x00ors.csv"), "resource-path"),
    "schema-path-dot-dot": (_resource("schema", "../schema.json"), "resource-path"),
    "symlink-outside": (_symlink_outside, "resource-path"),
    "symlink-loop": (_symlink_loop, "resource-path"),
    "path-case-clash": (_resource("path", "DATA/agreements.csv"), "portable-path"),
    "path-windows-device": (_resource("path", "data/nul.csv"), "portable-path"),
    "path-trailing-dot": (_resource("path", "data/actors.csv."), "portable-path"),
    "schema-path-a-folder": (_resource("schema", "data"), "portable-path"),
    "fifo-schema": (_fifo("schemas/actors.schema.json"), "special-file"),
    "fifo-csv": (_fifo("data/actors.csv"), "special-file"),
    "huge-number": (_huge_number, "json-number"),
    "bom-descriptor": (_bom, "bom"),
    "encoding-latin-1": (_resource("encoding", "latin-1"), "encoding"),
    "encoding-unknown": (_resource("encoding", "klingon-8"), "encoding"),
    "nul-in-description": (
        _package("description", "A package\x00 with a NUL."),
        "control-character",
    ),
    "bidi-in-title": (_package("title", "Mini \u202egnp"), "control-character"),
    "esc-in-resource-title": (_resource("title", "Act\x1b[31mors"), "control-character"),
    "c1-in-schema-description": (_schema_text, "control-character"),
}


def hostile(tmp_path: Path, case: str) -> Path:
    """The mini package broken by ``case``, in tmp_path/pkg."""
    root = write_package(tmp_path / "pkg")
    CASES[case][0](root)
    return root


def snapshot(root: Path) -> dict[str, int]:
    """Every path under ``root`` (symlinks not followed) with its size or -1."""
    found = {}
    for path in sorted(root.rglob("*")):
        try:
            found[str(path)] = path.lstat().st_size if not path.is_dir() else -1
        except OSError:
            found[str(path)] = -2
    return found


@pytest.fixture(autouse=True)
def deadline() -> Iterator[None]:
    """A FIFO must never hang a command: fail after 30 s instead of waiting forever."""

    def expire(*_: object) -> None:
        raise TimeoutError("the command hung on a hostile package")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


COMMANDS: dict[str, Callable[[Path, Path, Path], list[str]]] = {
    "validate": lambda pkg, out, good: ["validate", str(pkg)],
    "info": lambda pkg, out, good: ["info", "--source", str(pkg)],
    **{
        f"export-{fmt}": (
            lambda pkg, out, good, fmt=fmt: [
                "export",
                "--format",
                fmt,
                "--source",
                str(pkg),
                str(out),
            ]
        )
        for fmt in ("json", "parquet", "sqlite", "xlsx")
    },
    "site": lambda pkg, out, good: ["site", "--source", str(pkg), str(out)],
    "bundle": lambda pkg, out, good: ["bundle", str(out), "--source", str(pkg)],
    "diff": lambda pkg, out, good: ["diff", str(good), str(pkg)],
    "release-check": lambda pkg, out, good: ["release-check", str(good), str(pkg)],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_validator_names_the_hostile_property(case: str, tmp_path: Path) -> None:
    """The one model reports each hostile property as a located problem with its own check."""
    root = hostile(tmp_path, case)
    package = read(root / "datapackage.json")
    checks = {p.check for p in package.problems}
    assert CASES[case][1] in checks, [str(p) for p in package.problems]
    assert "internal-error" not in checks


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_command_refuses_a_hostile_package(case: str, command: str, tmp_path: Path) -> None:
    """Exit 1 or 2 with one clear line, no traceback, nothing written outside the target."""
    pkg = hostile(tmp_path, case)
    good = write_package(tmp_path / "good")
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    result = CliRunner().invoke(cli, COMMANDS[command](pkg, out, good))
    text = result.output
    assert result.exit_code in (1, 2), (result.exit_code, text, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    assert "Traceback" not in text and "unexpectedly" not in text, text
    if command != "validate":
        assert text.startswith("Error: ") and text.count("\n") == 1, text
    after = {p: s for p, s in snapshot(tmp_path).items() if not p.startswith(str(out))}
    assert after == {p: s for p, s in before.items() if not p.startswith(str(out))}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_loader_refuses_what_the_validator_refuses(case: str, tmp_path: Path) -> None:
    """load() raises an AfpakDataError for each hostile package: one model, one verdict."""
    root = hostile(tmp_path, case)
    with pytest.raises(afpak_data.AfpakDataError):
        afpak_data.load_all(root)


def test_every_error_class_derives_from_the_one_base() -> None:
    """Every public exception is an AfpakDataError, and __all__ is sorted."""
    names = [n for n in afpak_data.__all__ if n.endswith("Error")]
    assert {"AfpakDataError", "DataError", "PackageError", "PackageNotFoundError"} <= set(names)
    assert "RemoteDataError" in names and "UnknownTableError" in names
    for name in names:
        assert issubclass(getattr(afpak_data, name), afpak_data.AfpakDataError), name
    assert afpak_data.__all__ == sorted(afpak_data.__all__)


@pytest.mark.parametrize(
    ("cell", "code", "position"),
    [("Paki\x00stan", "U+0000", 5), ("\u202eAnother", "U+202E", 1), ("Bell\x07", "U+0007", 5)],
    ids=["nul", "bidi-override", "bel"],
)
def test_control_characters_in_a_csv_text_are_located(
    cell: str, code: str, position: int, tmp_path: Path
) -> None:
    """A control or bidi character in any text cell is refused with its code point and position."""
    from afpak_data._validate import validate_package

    root = write_package(tmp_path / "pkg")
    text = (root / "data" / "actors.csv").read_text(encoding="utf-8")
    (root / "data" / "actors.csv").write_text(text.replace("Pakistan", cell), encoding="utf-8")
    report = validate_package(root / "datapackage.json")
    found = [p for p in report.problems if p.check == "control-character"]
    assert [(p.file, p.line, p.column) for p in found] == [("data/actors.csv", 2, "name")]
    assert found[0].message.startswith(f"{code} at position {position}:")


@pytest.mark.parametrize("command", ["export-json", "export-sqlite", "site"])
def test_invalid_data_exits_1_with_the_located_value(command: str, tmp_path: Path) -> None:
    """A value the schema refuses is invalid data: exit 1, one located line, nothing written."""
    pkg = write_package(tmp_path / "pkg")
    text = (pkg / "data" / "actors.csv").read_text(encoding="utf-8")
    (pkg / "data" / "actors.csv").write_text(text.replace(",state,", ",empire,"), "utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, COMMANDS[command](pkg, out, pkg))
    assert result.exit_code == 1, result.output
    assert result.output == (
        "Error: data/actors.csv:2: column 'kind': 'empire' is not one of state, group, person "
        "(expected one of the vocabulary 'kind')\n"
    )
    assert not out.exists()


def test_a_package_without_name_or_version_still_loads(tmp_path: Path) -> None:
    """A missing name or version is reported by the validator, but the tables load."""
    root = write_package(tmp_path / "pkg")
    descriptor = _descriptor(root)
    del descriptor["name"], descriptor["version"]
    _save(root, descriptor)
    assert len(afpak_data.load("actors", source=root)) == 3
    checks = [p.check for p in read(root / "datapackage.json").problems]
    assert checks == ["descriptor-property", "descriptor-property"]


#: (property of the first resource, its value, the portable-path problem's message)
UNPORTABLE = {
    "hidden-part": ("path", "data/.actors.csv", "has a part '.actors.csv' that is not a plain"),
    "dot-part": ("path", "./data/actors.csv", "has a part '.' that is not a plain name"),
    "empty-part": ("path", "data//actors.csv", "has a part '' that is not a plain name"),
    "colon": ("path", "data/act:ors.csv", "has a part 'act:ors.csv' that is not a plain name"),
    "one-part": ("path", "-actors.csv", "path '-actors.csv' is not a plain name (letters,"),
    "trailing-space": ("path", "data /actors.csv", "part 'data ' that ends in a dot or a space"),
    "trailing-dot": ("schema", "schemas/actors.", "part 'actors.' that ends in a dot or a space"),
    "device": ("path", "data/NUL.csv", "has a part 'NUL.csv' that is a name Windows reserves"),
    "device-folder": ("path", "com1/actors.csv", "has a part 'com1' that is a name Windows"),
    "long-part": ("path", "data/" + "a" * 125 + ".csv", "has a part of 129 characters (at most"),
    "deep": ("path", "a/b/c/d/e/f/g/h/actors.csv", "has more than 8 parts (folders and file"),
    "case-clash": (
        "path",
        "data/Agreements.csv",
        "resource 'agreements': paths 'data/Agreements.csv' and 'data/agreements.csv' differ only",
    ),
    "file-and-folder": ("path", "data/agreements.csv/x.csv", "path 'data/agreements.csv' is also"),
    "descriptor-place": ("schema", "Datapackage.json", "takes the place of the package's datap"),
}


@pytest.mark.parametrize("case", sorted(UNPORTABLE))
def test_a_path_that_would_not_unpack_everywhere_is_refused(case: str, tmp_path: Path) -> None:
    """The one path rule: one located portable-path problem, and the loader refuses the package."""
    key, value, message = UNPORTABLE[case]
    root = write_package(tmp_path / "pkg")
    _resource(key, value)(root)
    found = [p for p in read(root / "datapackage.json").problems if p.check == "portable-path"]
    assert len(found) == 1 and message in found[0].message, [str(p) for p in found]
    assert found[0].file == "datapackage.json" and found[0].line is not None
    with pytest.raises(afpak_data.PackageError, match=re.escape(message)):
        afpak_data.load_all(root)


@pytest.mark.parametrize(
    "path",
    [
        "data/Actors List_v1.2-final+old.csv",
        "a/b/c/d/e/f/g/actors.csv",
        "data/" + "a" * 124 + ".csv",
    ],
    ids=["letters-spaces-dots-plus", "eight-parts", "128-characters"],
)
def test_a_portable_path_is_read(path: str, tmp_path: Path) -> None:
    """Plain names, up to 8 parts and 128 characters a part, pass the path rule and load."""
    root = write_package(tmp_path / "pkg")
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / "data" / "actors.csv").rename(root / path)
    _resource("path", path)(root)
    assert len(afpak_data.load("actors", source=root)) == 3


def test_a_list_where_a_schema_expects_a_name_is_a_problem(tmp_path: Path) -> None:
    """A list as a field's type, as fieldsMatch or as a rule's kind is reported, not a crash."""
    root = write_package(tmp_path / "pkg")
    file = root / "schemas" / "actors.schema.json"
    schema = json.loads(file.read_text(encoding="utf-8"))
    schema["fields"][1]["type"] = ["string"]
    schema["fieldsMatch"] = ["exact"]
    schema["x-rules"] = [{"kind": ["paired"]}]
    file.write_text(json.dumps(schema), encoding="utf-8")
    messages = [p.message for p in read(root / "datapackage.json").problems if p.check == "schema"]
    assert any("unknown type ['string']" in m for m in messages), messages
    assert any("'fieldsMatch' ['exact'] is not one of" in m for m in messages), messages
    assert any("'x-rules' kind ['paired'] is unknown" in m for m in messages), messages
