"""SQLite export: every table round-trips, keys are declared, foreign keys hold, views answer."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from _packages import ACTORS, write_package

import afpak_data
from afpak_data._model.descriptor import read_package
from afpak_data._publish.export import ExportError, export, rows
from afpak_data._publish.export.sqlite import SQL_TYPES

PACKAGE = read_package()
NAMES = PACKAGE.names


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    """The bundled package exported once to SQLite, opened read-only."""
    out = tmp_path_factory.mktemp("sqlite")
    path, metadata = export("sqlite", out)
    assert metadata.name == "metadata.json"
    assert path.name == f"{PACKAGE.name}.sqlite"
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield connection
    connection.close()


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_rows_round_trip(db: sqlite3.Connection, name: str) -> None:
    """Each table holds exactly the loader's rows, value for value (dates as ISO text)."""
    resource = PACKAGE.resource(name)
    expected = list(rows(afpak_data.load(name), resource.schema, iso_dates=True))
    columns = ", ".join(f'"{f}"' for f in resource.schema.field_names)
    actual = db.execute(f'SELECT {columns} FROM "{name}" ORDER BY rowid').fetchall()
    assert len(actual) == len(expected), f"declared={len(expected)} sqlite={len(actual)}"
    assert actual == expected


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_columns_keys_and_types_declared(db: sqlite3.Connection, name: str) -> None:
    """Column types follow the Table Schema types and the primary key is declared in order."""
    schema = PACKAGE.resource(name).schema
    info = db.execute(f'PRAGMA table_info("{name}")').fetchall()
    assert [(c[1], c[2]) for c in info] == [(f.name, SQL_TYPES[f.type]) for f in schema.fields]
    assert [(c[1], bool(c[3])) for c in info] == [(f.name, f.required) for f in schema.fields]
    declared_pk = [c[1] for c in sorted(info, key=lambda c: c[5]) if c[5] > 0]
    assert declared_pk == list(schema.primary_key)


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_foreign_keys_declared(db: sqlite3.Connection, name: str) -> None:
    """Every foreign key of the schema (self-references included) is a declared constraint."""
    schema = PACKAGE.resource(name).schema
    declared = {
        (row[2], row[3], row[4]) for row in db.execute(f'PRAGMA foreign_key_list("{name}")')
    }
    expected = {
        (key.resource or name, source, target)
        for key in schema.foreign_keys
        for source, target in zip(key.fields, key.reference_fields, strict=True)
    }
    assert declared == expected


def test_self_reference_is_declared(db: sqlite3.Connection) -> None:
    """actors.part_of refers to actors.actor_id in the database too."""
    declared = db.execute('PRAGMA foreign_key_list("actors")').fetchall()
    assert ("actors", "part_of", "actor_id") in {(r[2], r[3], r[4]) for r in declared}


def test_foreign_key_check_is_clean(db: sqlite3.Connection) -> None:
    """``PRAGMA foreign_key_check`` finds no dangling reference."""
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_vocabulary_check_rejects_unknown_value(tmp_path: Path) -> None:
    """A vocabulary column refuses a value outside its list, so edits keep to the codebook."""
    path, _ = export("sqlite", tmp_path / "out")
    connection = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        connection.execute("UPDATE agreements SET kind = 'treaty'")
    connection.close()


def test_agreements_with_parties(db: sqlite3.Connection) -> None:
    """One row per agreement, its parties' names joined in name order."""
    links = afpak_data.load("agreement_actors")
    actors = afpak_data.load("actors").set_index("actor_id")["name"]
    view = dict(db.execute("SELECT agreement_id, parties FROM agreements_with_parties").fetchall())
    assert len(view) == len(afpak_data.load("agreements"))
    parties = links[links["role"] == "party"]
    for agreement_id, group in parties.groupby("agreement_id"):
        assert view[agreement_id] == "; ".join(sorted(actors[group["actor_id"]]))


def test_risk_positions(db: sqlite3.Connection) -> None:
    """risk_positions lists every stated position on a risk, with the actor's name."""
    links = afpak_data.load("risk_actors")
    stated = links[links["position"].notna()]
    view = db.execute("SELECT risk_id, actor_id, position FROM risk_positions").fetchall()
    assert sorted(view) == sorted(
        zip(stated["risk_id"], stated["actor_id"], stated["position"], strict=True)
    )
    assert len(view) > 0


def test_evidence_with_records_resolves_every_row(db: sqlite3.Connection) -> None:
    """Each evidence row finds the table and name of the record it supports."""
    result = db.execute(
        "SELECT count(*), count(record_table), count(record_name) FROM evidence_with_records"
    ).fetchone()
    assert result == (len(afpak_data.load("evidence")),) * 3


def test_codebook_and_package_tables(db: sqlite3.Connection) -> None:
    """_codebook has one row per field; _package records the data version."""
    expected = sum(len(r.schema.fields) for r in PACKAGE.resources)
    assert db.execute('SELECT count(*) FROM "_codebook"').fetchone() == (expected,)
    version = db.execute("SELECT value FROM \"_package\" WHERE key = 'version'").fetchone()
    assert version == (f'"{PACKAGE.version}"',)


def test_dangling_reference_fails_and_writes_nothing(tmp_path: Path) -> None:
    """A package whose foreign key does not hold is refused, and OUT is not created."""
    csv = "actor_id,name,kind,part_of\nact-pak,Pakistan,state,act-nowhere\n"
    root = write_package(tmp_path / "pkg", {"actors": (ACTORS, csv)})
    out = tmp_path / "out"
    with pytest.raises(ExportError, match="foreign key"):
        export("sqlite", out, root)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]


def test_datasette_metadata_describes_every_column(tmp_path: Path) -> None:
    """metadata.json has the licence, the source and every table's and column's description."""
    import json

    _, meta_path = export("sqlite", tmp_path / "out")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    licence = PACKAGE.descriptor["licenses"][0]
    assert (meta["license"], meta["license_url"]) == (licence["name"], licence["path"])
    assert meta["source"] == PACKAGE.descriptor["sources"][0]["title"]
    tables = meta["databases"][PACKAGE.name]["tables"]
    for resource in PACKAGE.resources:
        assert tables[resource.name]["description"] == resource.description
        columns = tables[resource.name]["columns"]
        assert list(columns) == list(resource.schema.field_names)
        assert all(columns[f.name].startswith(f.description) for f in resource.schema.fields)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_datasette_shows_column_descriptions_and_licence(tmp_path: Path) -> None:
    """datasette serving DB and metadata.json on 127.0.0.1 shows column descriptions, licence."""
    import shutil
    import subprocess
    import sys
    import time
    import urllib.request

    pytest.importorskip("datasette", reason="needs datasette (in the test extra)")
    executable = shutil.which("datasette") or str(Path(sys.executable).with_name("datasette"))
    db_path, meta_path = export("sqlite", tmp_path / "out")
    port = _free_port()
    server = subprocess.Popen(
        [
            executable,
            "serve",
            str(db_path),
            "-m",
            str(meta_path),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/{db_path.stem}/agreements"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    page = response.read().decode("utf-8")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    status = PACKAGE.resource("agreements").schema.field("status").description
    assert status.split(".")[0] in page.replace("&#39;", "'")
    assert PACKAGE.descriptor["licenses"][0]["name"] in page
    assert PACKAGE.resource("agreements").description.split(".")[0] in page.replace("&#39;", "'")
