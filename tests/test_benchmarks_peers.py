"""benchmarks/peers.py: each peer reads every row of a generated package and fails on a bad value.

A peer that read nothing, or checked nothing, would make its row in RESULTS.md meaningless; these
tests pin what each does on a clean package and on one with bad vocabulary values.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402
import peers  # noqa: E402
from tableschema import read_package  # noqa: E402

ROWS = 2_000
BAD = 7
#: What each peer finds in a package with BAD bad `status` values (pandera: one failure case per
#: cell; the typed polars read: one table it cannot read; the typed pandas read checks nothing).
FINDS = {"pandera-pandas": BAD, "pandera-polars": BAD, "polars-read": 1, "pandas-read": 0}


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A clean package and one with BAD bad vocabulary values, ROWS rows each."""
    out = tmp_path_factory.mktemp("peers")
    generate.generate(out / "clean", ROWS, seed=3)
    generate.generate(out / "bad", ROWS, seed=3, corruption="enum", count=BAD)
    return {"clean": out / "clean", "bad": out / "bad"}


def needs(peer: str) -> None:
    """Skip when the peer's library is not installed."""
    if "polars" in peer:
        pytest.importorskip("polars")


@pytest.mark.parametrize("peer", sorted(peers.PEERS))
def test_peer_reads_every_row_of_a_clean_package(peer: str, packages: dict[str, Path]) -> None:
    """On a clean package each peer reads all rows and finds no failure."""
    needs(peer)
    assert peers.PEERS[peer](read_package(packages["clean"])) == (ROWS, 0)


# pandas warns that a value outside a categorical's categories will raise one day; today it
# becomes a missing value, which is what FINDS says for the typed pandas read.
@pytest.mark.filterwarnings("ignore:Constructing a Categorical")
@pytest.mark.parametrize("peer", sorted(peers.PEERS))
def test_peer_finds_bad_vocabulary_values(peer: str, packages: dict[str, Path]) -> None:
    """With bad `status` values, each peer finds what its tool can (see FINDS)."""
    needs(peer)
    _, failures = peers.PEERS[peer](read_package(packages["bad"]))
    assert failures == FINDS[peer]


def test_command_line_prints_json_and_exits_1_on_failures(packages: dict[str, Path]) -> None:
    """``peers.py PEER DIR`` prints its result as one JSON line; exit 0 clean, 1 with failures."""
    script = str(ROOT / "benchmarks" / "peers.py")
    for name, code in (("clean", 0), ("bad", 1)):
        result = subprocess.run(
            [sys.executable, script, "pandera-pandas", str(packages[name])],
            capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == code, result.stderr[-2000:]
        found = json.loads(result.stdout.strip().splitlines()[-1])
        assert found == {"peer": "pandera-pandas", "rows": ROWS, "failures": BAD * code}


@pytest.mark.parametrize("args", [[], ["nope", "."], ["pandera-pandas"]])
def test_command_line_usage_error(args: list[str]) -> None:
    """A wrong peer name or a missing directory is a usage error: exit 2 and the usage line."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "peers.py"), *args],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("usage: peers.py {pandera-pandas|")
