"""Atomic export: a failure part-way leaves OUT as it was, with no partial file and no debris."""

from __future__ import annotations

from pathlib import Path

import pytest

from afpak_data._publish.export import export

FORMATS = ["json", "parquet", "sqlite", "xlsx"]


class Boom(RuntimeError):
    """The simulated failure."""


def fail_midway(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """Make ``fmt``'s writer fail after it has already written part of its output."""
    if fmt == "json":
        from afpak_data._publish.export import json_export

        real, calls = json_export.dump, []

        def dump(value: object) -> bytes:
            calls.append(1)
            if len(calls) == 4:  # three table files are on disk by now
                raise Boom("disk full")
            return real(value)

        monkeypatch.setattr(json_export, "dump", dump)
    elif fmt == "parquet":
        pq = pytest.importorskip("pyarrow.parquet")
        real_write, written = pq.write_table, []

        def write_table(table: object, where: object, **kwargs: object) -> None:
            if len(written) == 3:
                raise Boom("disk full")
            written.append(where)
            real_write(table, where, **kwargs)

        monkeypatch.setattr(pq, "write_table", write_table)
    elif fmt == "sqlite":
        from afpak_data._publish.export import sqlite

        def views(package: object) -> list[str]:  # every table is inserted by now
            raise Boom("disk full")

        monkeypatch.setattr(sqlite, "views", views)
    else:
        pytest.importorskip("xlsxwriter")
        from afpak_data._publish.export import xlsx

        def constraints_text(*args: object) -> str:  # every table sheet is written by now
            raise Boom("disk full")

        monkeypatch.setattr(xlsx, "constraints_text", constraints_text)


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMATS)
def test_failure_creates_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """When OUT did not exist, a failed export does not create it and leaves no staging dir."""
    fail_midway(monkeypatch, fmt)
    out = tmp_path / "out"
    with pytest.raises(Boom):
        export(fmt, out)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS, ids=FORMATS)
def test_failure_keeps_previous_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """When OUT holds an earlier export, a failed export leaves every file byte for byte."""
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    if fmt == "xlsx":
        pytest.importorskip("xlsxwriter")
    out = tmp_path / "out"
    export(fmt, out)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    fail_midway(monkeypatch, fmt)
    with pytest.raises(Boom):
        export(fmt, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_success_replaces_files_and_keeps_others(tmp_path: Path) -> None:
    """A later export replaces its own files in OUT and leaves unrelated files alone."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "sources.json").write_text("stale", encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    export("json", out)
    assert (out / "sources.json").read_text(encoding="utf-8").startswith("[")
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    """OUT must be a directory; an existing file is not overwritten."""
    out = tmp_path / "out"
    out.write_text("keep", encoding="utf-8")
    with pytest.raises(NotADirectoryError):
        export("json", out)
    assert out.read_text(encoding="utf-8") == "keep"
