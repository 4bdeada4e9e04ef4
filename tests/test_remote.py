"""Loading a published package by URL: verified before use, cached, offline, nothing corrupt kept.

A local ``http.server`` on 127.0.0.1 (port chosen by the OS, in a thread) serves a fixture package;
no test touches any other address.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from _loopback import isolate_downloads
from _release_fixtures import descriptor, make_package

import afpak_data
from afpak_data._model import remote as _remote
from afpak_data._model.remote import RemoteDataError, cache_root, fetch, release_url


@dataclass
class Server:
    """A running local server: its URL, what it was asked for, and ways to misbehave."""

    root: Path
    url: str = ""
    requests: list[str] = field(default_factory=list)
    #: path -> bytes served instead of the file (a tampered or short file, correct length header)
    replace: dict[str, bytes] = field(default_factory=dict)
    #: paths whose body is cut in half although Content-Length announces all of it
    truncate: set[str] = field(default_factory=set)
    httpd: ThreadingHTTPServer | None = None

    def stop(self) -> None:
        """Shut the server down; later requests to its port are refused (offline)."""
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            relative = self.path.split("?")[0].removeprefix("/pkg/")
            server.requests.append(relative)
            file = server.root / relative
            if relative in server.replace:
                body = server.replace[relative]
            elif file.is_file() and server.root in file.resolve().parents:
                body = file.read_bytes()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if relative in server.truncate:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test output is for failures."""

    return Handler


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache directory (AFPAK_DATA_CACHE), no proxy for 127.0.0.1, short timeouts."""
    root = isolate_downloads(monkeypatch, tmp_path / "cache")
    monkeypatch.setattr(_remote, "TIMEOUT", 5.0)
    return root


@pytest.fixture
def server(tmp_path: Path, cache: Path) -> Iterator[Server]:
    """The fixture package served at http://127.0.0.1:<port>/pkg/ until the test ends."""
    state = Server(make_package(tmp_path / "published"))
    state.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{state.httpd.server_address[1]}/pkg/"
    thread = threading.Thread(
        target=state.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield state
    state.stop()
    thread.join(timeout=5)


def cached_files(cache: Path) -> list[str]:
    """Every file under the cache, relative, sorted (directories left out)."""
    if not cache.exists():
        return []
    return sorted(p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file())


def test_first_load_downloads_verifies_and_caches(server: Server, cache: Path) -> None:
    """A first load downloads the descriptor, every schema and only the requested CSV."""
    frame = afpak_data.load("agreements", source=server.url)
    assert list(frame["agreement_id"]) == ["agr-rail", "agr-trade", "agr-visit"]
    assert [r for r in server.requests if r.startswith("data/")] == ["data/agreements.csv"]
    files = cached_files(cache)
    (package,) = {f.split("/data/")[0] for f in files if "/data/" in f}
    version, digest = package.split("/")
    assert version == "1.0.0" and len(digest) == 16
    assert f"{package}/datapackage.json" in files
    assert f"{package}/schemas/withdrawn.schema.json" in files
    record = json.loads((cache / next(f for f in files if f.startswith("urls/"))).read_text())
    assert record == {"url": server.url, "version": "1.0.0", "package": package}


def test_load_all_and_tables_by_url(server: Server) -> None:
    """load_all and tables accept a URL and give what a local load of the same package gives."""
    assert afpak_data.tables(source=server.url) == afpak_data.tables(server.root)
    remote, local = afpak_data.load_all(source=server.url), afpak_data.load_all(server.root)
    assert list(remote) == list(local)
    assert all(remote[name].equals(frame) for name, frame in local.items())


def test_cached_load_works_offline(server: Server, cache: Path) -> None:
    """Once cached, a table loads with the server gone (descriptor URL form accepted too)."""
    first = afpak_data.load("agreements", source=server.url)
    server.stop()
    again = afpak_data.load("agreements", source=server.url + "datapackage.json")
    assert again.equals(first)


def test_a_build_version_loads_offline(server: Server, cache: Path) -> None:
    """A version with build metadata (1.0.0+b1) names a cache folder the path rule accepts."""
    data = descriptor(server.root)
    data["version"] = "1.0.0+b1"
    (server.root / "datapackage.json").write_text(json.dumps(data), encoding="utf-8")
    first = afpak_data.load("agreements", source=server.url)
    server.stop()
    assert afpak_data.load("agreements", source=server.url).equals(first)


def test_offline_table_never_cached_is_refused(server: Server) -> None:
    """Offline, a table that was never downloaded gives a clear error, not a stale guess."""
    afpak_data.load("agreements", source=server.url)
    server.stop()
    with pytest.raises(RemoteDataError, match=r"data/sources.csv was never cached"):
        afpak_data.load("sources", source=server.url)


def test_network_failure_without_cache(server: Server, cache: Path) -> None:
    """No server and no cache: RemoteDataError naming the URL, and nothing written."""
    server.stop()
    with pytest.raises(RemoteDataError, match=r"cannot download .* no cached copy"):
        afpak_data.load("agreements", source=server.url)
    assert cached_files(cache) == []


@pytest.mark.parametrize(
    "body",
    [b"agreement_id,title,date,status,parties\nagr-rail,Railway study,2025-07-17,signed,9\n"],
    ids=["same-length-other-bytes"],
)
def test_tampered_csv_refused(server: Server, cache: Path, body: bytes) -> None:
    """A CSV whose sha256 differs from the descriptor's is refused and nothing is cached."""
    original = (server.root / "data" / "agreements.csv").read_bytes()
    server.replace["data/agreements.csv"] = body[: len(original)].ljust(len(original), b"\n")
    with pytest.raises(RemoteDataError, match=r"sha256 is [0-9a-f]{64}, but the descriptor"):
        afpak_data.load("agreements", source=server.url)
    assert cached_files(cache) == []


def test_truncated_transfer_refused(server: Server, cache: Path) -> None:
    """A connection that closes before Content-Length bytes arrive is refused; nothing cached."""
    server.truncate.add("data/agreements.csv")
    with pytest.raises(RemoteDataError, match=r"truncated download"):
        afpak_data.load("agreements", source=server.url)
    assert cached_files(cache) == []


def test_short_file_refused(server: Server, cache: Path) -> None:
    """A complete transfer of fewer bytes than the descriptor declares is refused."""
    original = (server.root / "data" / "agreements.csv").read_bytes()
    server.replace["data/agreements.csv"] = original[:-10]
    with pytest.raises(RemoteDataError, match=r"truncated download"):
        afpak_data.load("agreements", source=server.url)
    assert cached_files(cache) == []


def test_failure_in_one_table_keeps_none(server: Server, cache: Path) -> None:
    """load_all with one bad CSV keeps none of the good ones (all verified before any is kept)."""
    server.replace["data/withdrawn.csv"] = (
        b"x" * (server.root / "data/withdrawn.csv").stat().st_size
    )
    with pytest.raises(RemoteDataError, match=r"withdrawn.csv: sha256"):
        afpak_data.load_all(source=server.url)
    assert [f for f in cached_files(cache) if "/data/" in f] == []


def test_truncated_descriptor_refused(server: Server, cache: Path) -> None:
    """A cut-off datapackage.json is a download failure, not a JSON puzzle."""
    server.truncate.add("datapackage.json")
    with pytest.raises(RemoteDataError, match=r"truncated download"):
        afpak_data.load("agreements", source=server.url)
    assert cached_files(cache) == []


def test_damaged_cache_refused_offline(server: Server, cache: Path) -> None:
    """Offline, a cached CSV changed on disk is refused rather than loaded."""
    afpak_data.load("agreements", source=server.url)
    server.stop()
    (csv_file,) = [cache / f for f in cached_files(cache) if f.endswith("agreements.csv")]
    csv_file.write_bytes(csv_file.read_bytes().replace(b"Railway", b"Roadway"))
    with pytest.raises(RemoteDataError, match=r"cached copy damaged"):
        afpak_data.load("agreements", source=server.url)


def test_damaged_cache_replaced_online(server: Server, cache: Path) -> None:
    """Online, a cached CSV that no longer matches is downloaded again."""
    afpak_data.load("agreements", source=server.url)
    (csv_file,) = [cache / f for f in cached_files(cache) if f.endswith("agreements.csv")]
    csv_file.write_bytes(b"garbage")
    frame = afpak_data.load("agreements", source=server.url)
    assert len(frame) == 3


@pytest.mark.parametrize(
    "path", ["../secret.csv", "/etc/passwd", "data/../../x.csv", "http://elsewhere/x.csv"]
)
def test_unsafe_resource_path_refused(server: Server, path: str) -> None:
    """A descriptor pointing outside the package is refused before anything is fetched."""
    data = descriptor(server.root)
    data["resources"][1]["path"] = path
    (server.root / "datapackage.json").write_text(json.dumps(data), encoding="utf-8")
    refusal = r"resource 'agreements': path '.+' (contains '\.\.'|is absolute|is a URL).*; refused$"
    with pytest.raises(RemoteDataError, match=refusal):
        fetch(server.url, ["agreements"])
    assert server.requests == ["datapackage.json"]  # nothing after the descriptor


def test_missing_hash_refused(server: Server) -> None:
    """A resource without a sha256 hash cannot be verified, so it is not loaded."""
    data = descriptor(server.root)
    data["resources"][1].pop("hash")
    (server.root / "datapackage.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RemoteDataError, match=r"cannot be verified"):
        fetch(server.url, ["agreements"])


def test_unknown_table_refused(server: Server) -> None:
    """An unknown table raises UnknownTableError listing the tables, as for a local package."""
    with pytest.raises(afpak_data.UnknownTableError, match=r"no table 'nope' \(tables: sources"):
        afpak_data.load("nope", source=server.url)


def test_release_url_from_descriptor(tmp_path: Path) -> None:
    """The tagged-release URL is built from the descriptor's GitHub homepage."""
    package = make_package(tmp_path / "p")
    assert release_url("1.2.0", package) == (
        "https://raw.githubusercontent.com/afpak-data/afpak-data/v1.2.0/"
    )


def test_release_url_for_bundled_package() -> None:
    """The helper works on the bundled package without arguments other than the version."""
    assert release_url("1.0.0").endswith("/v1.0.0/")


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "1.0.0/../x"])
def test_release_url_refuses_bad_version(version: str) -> None:
    """Only MAJOR.MINOR.PATCH versions make release URLs."""
    with pytest.raises(ValueError, match=r"MAJOR\.MINOR\.PATCH"):
        release_url(version)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"AFPAK_DATA_CACHE": "/c/override", "XDG_CACHE_HOME": "/c/xdg"}, "/c/override"),
        ({"XDG_CACHE_HOME": "/c/xdg"}, "/c/xdg/afpak-data"),
        ({"HOME": "/c/home"}, "/c/home/.cache/afpak-data"),
    ],
    ids=["override", "xdg", "home"],
)
def test_cache_root(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str) -> None:
    """AFPAK_DATA_CACHE wins, then XDG_CACHE_HOME, then ~/.cache."""
    for name in ("AFPAK_DATA_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cache_root() == Path(expected)
