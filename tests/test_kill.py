"""SIGKILL at random points: every target is the old or the new complete output, never a mix,
and the next run leaves no staging behind.

Each run starts the real command in a subprocess on an output holding the *old* version, kills it
after a random delay (seeded, spread over the measured length of a full run), and compares what is
on disk with the two complete outputs made beforehand. The number of runs is bounded.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from _loopback import PROXY_VARIABLES
from _release_fixtures import copy_package, edit_csv, make_package

from afpak_data._atomic import MARK
from afpak_data._publish.export import export
from afpak_data._publish.site.build import build_site

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
RUNS = 20
SEED = 14
CLI = [sys.executable, "-c", "from afpak_data.cli import main; main()"]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes); {} when it does not exist."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and MARK not in p.as_posix()  # staging is checked by debris()
    }


def debris(folder: Path) -> list[Path]:
    """Temporary files and staging folders anywhere under ``folder``."""
    return [p for p in folder.rglob("*") if MARK in p.name]


def kill_after(command: list[str], delay: float, env: dict[str, str] | None = None) -> bool:
    """Run ``command``, SIGKILL it after ``delay`` s; True when it was still running then."""
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return True


def full_run(command: list[str]) -> float:
    """Run ``command`` to the end (it must succeed); return how long it took."""
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return time.monotonic() - started


def kill_campaign(
    command: list[str],
    reset: Callable[[], None],
    state: Callable[[], object],
    old: object,
    new: object,
    next_run: Callable[[], None],
    workspace: Path,
) -> dict[str, int]:
    """RUNS kills at seeded random delays; every state must be ``old`` or ``new``."""
    reset()
    duration = full_run(command)
    rng = random.Random(SEED)
    outcomes = {"old": 0, "new": 0, "finished": 0}
    for run in range(RUNS):
        reset()
        delay = rng.uniform(0.3 * duration, 1.05 * duration)
        if not kill_after(command, delay):
            outcomes["finished"] += 1
        seen = state()
        assert seen in (old, new), f"run {run}: killed after {delay:.3f} s, a mixed output"
        outcomes["old" if seen == old else "new"] += 1
        next_run()
        assert state() == new, f"run {run}: the next run did not finish the job"
        assert debris(workspace) == [], f"run {run}: staging left after the next run"
    return outcomes


@pytest.fixture
def packages(tmp_path: Path) -> tuple[Path, Path]:
    """An old and a new version of the fixture package (one CSV differs)."""
    old = make_package(tmp_path / "old-package")
    new = copy_package(old, tmp_path / "new-package")
    edit_csv(new, "agreements", "Railway", "Roadway")
    return old, new


@pytest.mark.parametrize(
    "command",
    [["export", "--format", "json"], ["export", "--format", "parquet"], ["site"]],
    ids=["export-json", "export-parquet", "site"],
)
def test_killed_export_and_site_leave_old_or_new(
    tmp_path: Path, packages: tuple[Path, Path], command: list[str]
) -> None:
    """export (json, parquet) and site killed at random points: OUT is the old or new output."""
    old_package, new_package = packages
    workspace = tmp_path / "work"
    workspace.mkdir()
    out = workspace / "out"
    references = {}
    for name, package in (("old", old_package), ("new", new_package)):
        target = tmp_path / f"reference-{name}"
        subprocess.run(
            [*CLI, *command, "-q", "--source", str(package), str(target)],
            check=True,
            capture_output=True,
        )
        references[name] = snapshot(target)
    assert references["old"] != references["new"]
    run_new = [*CLI, *command, "-q", "--source", str(new_package), str(out)]

    def reset() -> None:
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(tmp_path / "reference-old", out)

    def next_run() -> None:  # in this process: same code, without a second interpreter start
        if command[0] == "site":
            build_site(out, new_package)
        else:
            export(command[-1], out, new_package)

    outcomes = kill_campaign(
        run_new,
        reset,
        lambda: snapshot(out),
        references["old"],
        references["new"],
        next_run,
        workspace,
    )
    assert outcomes["old"] + outcomes["new"] == RUNS, outcomes
    print(f"{command}: {outcomes}")


def repo_copy(target: Path) -> Path:
    """The generator's inputs and outputs, copied (as tests/test_build_datapackage.py does)."""
    for part in ("metadata", "data", "schemas", "docs"):
        shutil.copytree(ROOT / part, target / part)
    for part in ("datapackage.json", "CITATION.cff", ".zenodo.json"):
        if (ROOT / part).is_file():
            shutil.copy2(ROOT / part, target / part)
    return target


def test_killed_build_datapackage_leaves_each_file_old_or_new(tmp_path: Path) -> None:
    """scripts/build_datapackage.py killed at random points: each derived file is old or new
    (complete), the next run makes all of them new, and no temporary file is left."""
    repo = repo_copy(tmp_path / "repo")
    outputs = ["datapackage.json", "CITATION.cff", "docs/codebook.md", "schemas"]
    outputs += [".zenodo.json"] if (repo / ".zenodo.json").is_file() else []
    before = {name: snapshot_any(repo / name) for name in outputs}
    package_toml = repo / "metadata" / "package.toml"
    text = package_toml.read_text(encoding="utf-8")
    package_toml.write_text(re.sub(r'(?m)^version = "[^"]+"', 'version = "9.9.9"', text), "utf-8")
    fields = repo / "metadata" / "fields.toml"
    fields.write_text(
        re.sub(r'description = "', 'description = "Changed. ', fields.read_text("utf-8"), count=3),
        encoding="utf-8",
    )
    inputs = {p: p.read_bytes() for p in (package_toml, fields)}
    script = [sys.executable, str(ROOT / "scripts" / "build_datapackage.py"), "--root", str(repo)]
    subprocess.run(script, check=True, capture_output=True)
    after = {name: snapshot_any(repo / name) for name in outputs}
    assert all(before[name] != after[name] for name in outputs), "every output must change"

    def reset() -> None:
        for name, content in before.items():
            restore(repo / name, content)
        for path, data in inputs.items():
            path.write_bytes(data)

    def state() -> dict[str, str]:
        """Each output: 'old', 'new' ('ok' for the schema folder) or 'mixed' (never expected)."""
        result = {}
        for name in outputs:
            now = snapshot_any(repo / name)
            if name == "schemas":  # many files: each one old or new on its own
                result[name] = (
                    "ok"
                    if all(
                        now.get(k) in (before[name].get(k), after[name].get(k))
                        for k in set(before[name]) | set(now)
                    )
                    else "mixed"
                )
            else:
                result[name] = (
                    "old" if now == before[name] else "new" if now == after[name] else "mixed"
                )
        return result

    def next_run() -> None:
        subprocess.run(script, check=True, capture_output=True, timeout=60)

    reset()
    duration = full_run(script)
    rng = random.Random(SEED)
    outcomes: dict[str, int] = {}
    for run in range(RUNS):
        reset()
        delay = rng.uniform(0.3 * duration, 1.05 * duration)
        kill_after(script, delay)
        seen = state()
        assert "mixed" not in seen.values(), f"run {run}: a half-written file: {seen}"
        outcomes[str(sorted(seen.items()))] = outcomes.get(str(sorted(seen.items())), 0) + 1
        next_run()
        assert {name: snapshot_any(repo / name) for name in outputs} == after, f"run {run}"
        assert debris(repo) == [], f"run {run}: temporary files left after the next run"
    modes = {p.stat().st_mode & 0o777 for p in (repo / "schemas").iterdir()}
    umask = os.umask(0o022)
    os.umask(umask)
    assert modes == {0o666 & ~umask}, "generated files keep the umask's mode"


def snapshot_any(path: Path) -> dict[str, bytes]:
    """A file's bytes (under key '') or a folder's snapshot."""
    return {"": path.read_bytes()} if path.is_file() else snapshot(path)


def restore(path: Path, content: dict[str, bytes]) -> None:
    """Put back a file or folder captured by :func:`snapshot_any`."""
    if "" in content:
        path.write_bytes(content[""])
        return
    shutil.rmtree(path, ignore_errors=True)
    for relative, data in content.items():
        (path / relative).parent.mkdir(parents=True, exist_ok=True)
        (path / relative).write_bytes(data)


def test_killed_download_leaves_nothing_unverified(tmp_path: Path) -> None:
    """A download killed mid-way leaves at most unlocked staging, which the next load removes;
    the cache then holds only verified files."""
    from test_remote_hostile import drip, start, unverified

    cache = tmp_path / "cache"
    env = {**os.environ, "AFPAK_DATA_CACHE": str(cache), "no_proxy": "127.0.0.1"}
    for name in PROXY_VARIABLES:
        env.pop(name, None)
    server, thread = start(make_package(tmp_path / "published"))
    try:
        server.routes["data/agreements.csv"] = drip(server, 0.02)  # ~3 s for its 160 bytes
        code = f"import afpak_data; afpak_data.load('agreements', source={server.url!r})"
        rng = random.Random(SEED)
        left = 0
        for _ in range(5):
            kill_after([sys.executable, "-c", code], rng.uniform(1.0, 2.5), env)
            left += bool(debris(cache))
        assert left, "no kill landed during the download (the test would prove nothing)"
        del server.routes["data/agreements.csv"]
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert unverified(cache) == []
    finally:
        server.stop()
        thread.join(timeout=5)
