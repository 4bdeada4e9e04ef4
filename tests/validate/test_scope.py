"""Honest scope: what the validator does not check is said (``unsupported``), and where it does
check, its verdict is frictionless-py's, one case per frictionless error type we support."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from _packages import write_package

from afpak_data._validate import validate_package

ROOT = Path(__file__).resolve().parents[2]


def _schema(table: str, edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        file = root / "schemas" / f"{table}.schema.json"
        schema = json.loads(file.read_text(encoding="utf-8"))
        edit(schema)
        file.write_text(json.dumps(schema), encoding="utf-8")

    return apply


def _resource(key: str, value: object) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
        descriptor["resources"][0][key] = value
        (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")

    return apply


def _field(index: int, **props: object) -> Callable[[dict], None]:
    return lambda schema: schema["fields"][index].update(props)


def _constraint(index: int, **props: object) -> Callable[[dict], None]:
    return lambda schema: schema["fields"][index]["constraints"].update(props)


UNSUPPORTED = {
    "dialect": (_resource("dialect", {"delimiter": ";"}), "datapackage.json"),
    "compression": (_resource("compression", "gz"), "datapackage.json"),
    "stats": (_resource("stats", {"rows": 3}), "datapackage.json"),
    "rows": (_resource("rows", 3), "datapackage.json"),
    "misplaced-required": (
        _schema("actors", _field(1, required=True)),
        "schemas/actors.schema.json",
    ),
    "field-missing-values": (
        _schema("actors", _field(1, missingValues=["-"])),
        "schemas/actors.schema.json",
    ),
    "unknown-string-format": (
        _schema("actors", _field(1, format="phone")),
        "schemas/actors.schema.json",
    ),
    "unknown-constraint": (
        _schema("actors", _constraint(1, jsonSchema={"type": "string"})),
        "schemas/actors.schema.json",
    ),
    "length-on-integer": (
        _schema("agreements", _constraint(6, maxLength=3)),
        "schemas/agreements.schema.json",
    ),
    "minimum-on-string": (
        _schema("actors", _constraint(1, minimum=3)),
        "schemas/actors.schema.json",
    ),
}


@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_a_property_the_validator_does_not_check_is_reported(case: str, tmp_path: Path) -> None:
    """Each property outside the validator's scope is a located `unsupported` problem."""
    root = write_package(tmp_path / "pkg")
    edit, file = UNSUPPORTED[case]
    edit(root)
    report = validate_package(root / "datapackage.json")
    found = [p for p in report.problems if p.check == "unsupported"]
    assert [p.file for p in found] == [file], [str(p) for p in report.problems]
    assert "not checked" in found[0].message or "does not apply" in found[0].message
    assert report.exit_code == 1


def test_the_real_package_uses_only_what_is_checked() -> None:
    """The published package has no property the validator would call unsupported."""
    report = validate_package(ROOT / "datapackage.json")
    assert [str(p) for p in report.problems if p.check == "unsupported"] == []


def _csv(table: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        file = root / "data" / f"{table}.csv"
        text = file.read_text(encoding="utf-8")
        assert old in text
        file.write_text(text.replace(old, new, 1), encoding="utf-8", newline="")

    return apply


def _raw(table: str, data: bytes) -> Callable[[Path], None]:
    return lambda root: (root / "data" / f"{table}.csv").write_bytes(data)


#: frictionless-py error type -> a break it reports that way (our check names differ).
FRICTIONLESS = {
    "type-error": _csv("agreements", ",3,", ",three,"),
    "constraint-error (enum)": _csv("actors", ",state,", ",empire,"),
    "constraint-error (pattern)": _csv("actors", "act-isi", "ACT-ISI"),
    "constraint-error (maxLength)": _csv("actors", "Pakistan", "P" * 30),
    "constraint-error (required)": _csv("actors", "Pakistan", ""),
    "primary-key": _csv("actors", "act-isi", "act-pak"),
    "foreign-key": _csv("actors", "group,act-pak", "group,act-nope"),
    "extra-cell": _csv("actors", "act-x,null,person,", "act-x,null,person,,extra"),
    "missing-cell": _csv("actors", "act-x,null,person,", "act-x,null,person"),
    "blank-row": _csv("actors", "act-x,null,person,\n", "act-x,null,person,\n,,,\n"),
    "duplicate-label": _csv("actors", "actor_id,name,kind,part_of", "actor_id,name,kind,kind"),
    "incorrect-label": _csv("actors", "actor_id,name,kind,part_of", "actor_id,nom,kind,part_of"),
    "encoding-error": _raw("actors", b"actor_id,name,kind,part_of\nact-pak,Pak\xff,state,\n"),
    "byte-count": _resource("bytes", 1),
    "hash-count": _resource("hash", "sha256:" + "0" * 64),
}


@pytest.mark.slow
@pytest.mark.parametrize("error_type", sorted(FRICTIONLESS))
def test_same_verdict_as_frictionless(error_type: str, tmp_path: Path) -> None:
    """For each frictionless error type we support, both tools call the package invalid."""
    frictionless = pytest.importorskip("frictionless")
    root = write_package(tmp_path / "pkg")
    assert frictionless.validate(str(root / "datapackage.json")).valid
    assert validate_package(root / "datapackage.json").exit_code == 0
    FRICTIONLESS[error_type](root)
    theirs = frictionless.validate(str(root / "datapackage.json"))
    ours = validate_package(root / "datapackage.json")
    assert not theirs.valid, error_type
    kinds = {e.type for task in theirs.tasks for e in task.errors}
    assert error_type.split(" ")[0] in kinds, kinds
    assert ours.exit_code == 1, [str(p) for p in ours.problems]
