"""Loading by URL from a hostile server: every misbehaviour is a RemoteDataError, nothing unverified
is cached, and the honest server afterwards gets an honest copy.

The server is our own: a ``ThreadingHTTPServer`` on 127.0.0.1 (port chosen by the OS), one thread,
every loop bounded (a drip sends at most a few hundred bytes and stops when the test ends), shut
down by the fixture.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from _loopback import isolate_downloads
from _release_fixtures import descriptor, make_package
from click.testing import CliRunner

import afpak_data
from afpak_data._atomic import MARK
from afpak_data._model import remote as _remote
from afpak_data._model.descriptor import PackageError
from afpak_data._model.remote import RemoteDataError, fetch, follow_redirect
from afpak_data.cli import cli

#: What a route does with the request: (handler, the file's bytes or None).
Behaviour = Callable[[BaseHTTPRequestHandler, "bytes | None"], None]
#: Upper bound on any drip loop (bytes), so no test can hang the suite.
DRIP_MAX = 400


@dataclass
class Hostile:
    """A running server: its URL, what it was asked for, and per-path misbehaviour."""

    root: Path
    url: str = ""
    requests: list[str] = field(default_factory=list)
    routes: dict[str, Behaviour] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)
    httpd: ThreadingHTTPServer | None = None

    def stop(self) -> None:
        """End every drip loop and shut the server down."""
        self.stopping.set()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


def _handler(state: Hostile) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            relative = self.path.split("?")[0].removeprefix("/pkg/")
            state.requests.append(self.path)
            file = state.root / relative
            body = file.read_bytes() if file.is_file() else None
            behaviour = state.routes.get(self.path) or state.routes.get(relative) or serve()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                behaviour(self, body)  # the client may give up, as it should

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test output is for failures."""

    return Handler


def serve(replacement: bytes | None = None, *, announce: bool = True) -> Behaviour:
    """Serve ``replacement`` (else the file), with or without a Content-Length."""

    def behaviour(handler: BaseHTTPRequestHandler, body: bytes | None) -> None:
        data = replacement if replacement is not None else body
        if data is None:
            handler.send_error(404)
            return
        handler.send_response(200)
        if announce:
            handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return behaviour


def endless(chunk: bytes = b" " * 4096, limit: int = 4_000_000) -> Behaviour:
    """A body with no Content-Length that goes on (up to ``limit`` bytes or until refused)."""

    def behaviour(handler: BaseHTTPRequestHandler, body: bytes | None) -> None:
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(b"{")
        for _ in range(limit // len(chunk)):
            handler.wfile.write(chunk)

    return behaviour


def announce_huge(handler: BaseHTTPRequestHandler, body: bytes | None) -> None:
    """Announce 10 GB, send a little."""
    handler.send_response(200)
    handler.send_header("Content-Length", str(10**10))
    handler.end_headers()
    handler.wfile.write(b"{}")


def drip(state: Hostile, interval: float) -> Behaviour:
    """Announce the file, then send it one byte every ``interval`` seconds (bounded)."""

    def behaviour(handler: BaseHTTPRequestHandler, body: bytes | None) -> None:
        assert body is not None
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for byte in body[:DRIP_MAX]:
            if state.stopping.wait(interval):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()

    return behaviour


def drip_headers(state: Hostile, interval: float) -> Behaviour:
    """Send the status line and headers one byte every ``interval`` seconds (bounded)."""

    def behaviour(handler: BaseHTTPRequestHandler, body: bytes | None) -> None:
        head = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: 1\r\n" * 40
        for byte in head[:DRIP_MAX]:
            if state.stopping.wait(interval):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()

    return behaviour


def truncated(handler: BaseHTTPRequestHandler, body: bytes | None) -> None:
    """Announce the whole file, send half, close."""
    assert body is not None
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body[: len(body) // 2])
    handler.close_connection = True


def redirect(location: str, code: int = 302) -> Behaviour:
    """Answer with a redirect to ``location``."""

    def behaviour(handler: BaseHTTPRequestHandler, body: bytes | None) -> None:
        handler.send_response(code)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return behaviour


def raw(data: bytes) -> Behaviour:
    """Write ``data`` as the whole answer (no status line of our making), then close."""

    def behaviour(handler: BaseHTTPRequestHandler, body: bytes | None) -> None:
        handler.wfile.write(data)
        handler.close_connection = True

    return behaviour


def status(code: int) -> Behaviour:
    """An HTTP error."""

    def behaviour(handler: BaseHTTPRequestHandler, body: bytes | None) -> None:
        handler.send_error(code)

    return behaviour


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache (AFPAK_DATA_CACHE), no proxy for 127.0.0.1, a 3 s deadline per download."""
    root = isolate_downloads(monkeypatch, tmp_path / "cache")
    monkeypatch.setenv("AFPAK_DATA_TIMEOUT", "3")
    monkeypatch.setattr(_remote, "TIMEOUT", 3.0)
    return root


def start(root: Path) -> tuple[Hostile, threading.Thread]:
    state = Hostile(root)
    state.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{state.httpd.server_address[1]}/pkg/"
    thread = threading.Thread(
        target=state.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return state, thread


@pytest.fixture
def server(tmp_path: Path, cache: Path) -> Iterator[Hostile]:
    """The fixture package served at http://127.0.0.1:<port>/pkg/ until the test ends."""
    state, thread = start(make_package(tmp_path / "published"))
    yield state
    state.stop()
    thread.join(timeout=5)


@pytest.fixture
def honest(tmp_path: Path, cache: Path) -> Iterator[Hostile]:
    """A second server holding the same package (the honest mirror)."""
    state, thread = start(make_package(tmp_path / "honest"))
    yield state
    state.stop()
    thread.join(timeout=5)


def unverified(cache: Path) -> list[str]:
    """Every file in the cache that nothing vouches for; empty when all of it is verified.

    An entry ``<version>/<key>`` must have a manifest whose URL and descriptor sha256 give
    ``<key>``, a descriptor and schemas with the recorded sha256, and CSVs matching the
    descriptor; every URL record must point at such an entry; no staging may be left.
    """
    if not cache.exists():
        return []
    problems: list[str] = []
    vouched: set[Path] = set()
    for manifest_file in cache.glob("*/*/.cache-manifest.json"):
        entry = manifest_file.parent
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        raw = (entry / "datapackage.json").read_bytes()
        key = hashlib.sha256(f"{manifest['url']}\n{manifest['descriptor']}".encode()).hexdigest()
        if hashlib.sha256(raw).hexdigest() != manifest["descriptor"] or key[:16] != entry.name:
            problems.append(f"{entry}: descriptor or key does not match the manifest")
        vouched.update({manifest_file, entry / "datapackage.json"})
        for path, sha in manifest["schemas"].items():
            if hashlib.sha256((entry / path).read_bytes()).hexdigest() != sha:
                problems.append(f"{entry / path}: schema differs from the manifest")
            vouched.add(entry / path)
        for resource in json.loads(raw)["resources"]:
            file = entry / resource["path"]
            if file.is_file():
                data = file.read_bytes()
                declared = (resource["bytes"], resource["hash"])
                if (len(data), "sha256:" + hashlib.sha256(data).hexdigest()) != declared:
                    problems.append(f"{file}: CSV differs from the descriptor")
                vouched.add(file)
    for record_file in cache.glob("urls/*.json"):
        record = json.loads(record_file.read_text(encoding="utf-8"))
        if (cache / record["package"] / ".cache-manifest.json") not in vouched:
            problems.append(f"{record_file}: points at no verified entry")
        vouched.add(record_file)
    for path in cache.rglob("*"):
        if MARK in path.name or path.name.startswith(".download-"):
            problems.append(f"{path}: staging left behind")
        elif path.is_file() and path not in vouched:
            problems.append(f"{path}: in the cache but vouched for by nothing")
    return sorted(problems)


def big_descriptor(root: Path, size: int) -> bytes:
    """The descriptor padded with whitespace to ``size`` bytes (still the same JSON)."""
    data = (root / "datapackage.json").read_bytes()
    return data.rstrip() + b" " * (size - len(data.rstrip()) - 1) + b"\n"


# Each case: what to set up (server -> None) and the message expected. The tests below run every
# case against load(), fetch() and `info --source`.
CASES: dict[str, tuple[Callable[[Hostile], None], str]] = {
    "descriptor-announced-too-big": (
        lambda s: s.routes.update({"datapackage.json": serve(big_descriptor(s.root, 60_000))}),
        r"descriptor refused: the server announces 60000 bytes, more than the 50000 left",
    ),
    "descriptor-streamed-too-big": (
        lambda s: s.routes.update({"datapackage.json": endless()}),
        r"descriptor refused: the server sent more than 50000 bytes",
    ),
    "descriptor-announces-10GB": (
        lambda s: s.routes.update({"datapackage.json": announce_huge}),
        r"announces 10000000000 bytes",
    ),
    "schema-too-big": (
        lambda s: s.routes.update({"schemas/sources.schema.json": endless()}),
        r"sources.schema.json: schema refused: the server sent more than \d+ bytes",
    ),
    "csv-longer-than-declared-announced": (
        lambda s: s.routes.update(
            {"data/agreements.csv": serve((s.root / "data/agreements.csv").read_bytes() + b"x")}
        ),
        r"agreements.csv: the server announces \d+ bytes, but the descriptor declares \d+",
    ),
    "csv-longer-than-declared-streamed": (
        lambda s: s.routes.update({"data/agreements.csv": endless(b"a,b\n" * 64, 100_000)}),
        r"agreements.csv: the server sent more than \d+ bytes, but the descriptor declares",
    ),
    "csv-wrong-hash": (
        lambda s: s.routes.update(
            {
                "data/agreements.csv": serve(
                    (s.root / "data/agreements.csv").read_bytes().replace(b"Railway", b"Roadway")
                )
            }
        ),
        r"agreements.csv: sha256 is [0-9a-f]{64}, but the descriptor declares",
    ),
    "csv-truncated": (
        lambda s: s.routes.update({"data/agreements.csv": truncated}),
        r"agreements.csv: truncated download \(\d+ bytes received, \d+ announced\)",
    ),
    "csv-short-unannounced": (
        lambda s: s.routes.update(
            {"data/agreements.csv": serve(b"agreement_id\n", announce=False)}
        ),
        r"agreements.csv: truncated download \(13 bytes received, the descriptor declares",
    ),
    "descriptor-truncated": (
        lambda s: s.routes.update({"datapackage.json": truncated}),
        r"datapackage.json: truncated download",
    ),
    "slow-drip-body": (
        lambda s: s.routes.update({"data/agreements.csv": drip(s, 0.02)}),
        r"agreements.csv: no complete download within the 0.5 s deadline",
    ),
    "slow-drip-headers": (
        lambda s: s.routes.update({"datapackage.json": drip_headers(s, 0.02)}),
        r"datapackage.json: no complete download within the 0.5 s deadline",
    ),
    "ftp-redirect": (
        lambda s: s.routes.update({"datapackage.json": redirect("ftp://127.0.0.1:9/x.json")}),
        r"redirected to 'ftp://127.0.0.1:9/x.json', refused \(only http and https",
    ),
    "file-redirect": (
        lambda s: s.routes.update({"data/agreements.csv": redirect("file:///etc/passwd")}),
        r"redirected to 'file:///etc/passwd', refused",
    ),
    "redirect-loop": (
        lambda s: s.routes.update({"datapackage.json": redirect("/pkg/datapackage.json")}),
        r"datapackage.json: more than 5 redirects",
    ),
    "http-500": (
        lambda s: s.routes.update({"schemas/sources.schema.json": status(500)}),
        r"sources.schema.json: HTTP 500",
    ),
    "garbage-status-line": (
        lambda s: s.routes.update({"datapackage.json": raw(b"HELLO THERE\r\n\r\n")}),
        r"datapackage.json: cannot download",
    ),
    "closed-at-once": (
        lambda s: s.routes.update({"datapackage.json": raw(b"")}),
        r"datapackage.json: cannot download",
    ),
    "descriptor-not-utf8": (
        lambda s: s.routes.update({"datapackage.json": serve(b"\xff\xfe{}")}),
        r"datapackage.json: not valid JSON",
    ),
    "descriptor-nested-too-deep": (  # was a RecursionError
        lambda s: s.routes.update({"datapackage.json": serve(b"[" * 20_000 + b"]" * 20_000)}),
        r"datapackage.json: JSON refused \(RecursionError",
    ),
    "descriptor-5000-digit-number": (  # was a ValueError
        lambda s: s.routes.update(
            {"datapackage.json": serve(b'{"resources": [], "n": ' + b"9" * 5000 + b"}")}
        ),
        r"datapackage.json: JSON refused \(ValueError",
    ),
    "descriptor-a-list": (
        lambda s: s.routes.update({"datapackage.json": serve(b"[]")}),
        r"not a data package descriptor",
    ),
    "schema-not-json": (
        lambda s: s.routes.update({"schemas/agreements.schema.json": serve(b"<html>")}),
        r"agreements.schema.json: not valid JSON",
    ),
}


def edit_descriptor(change: Callable[[dict[str, Any]], None]) -> Callable[[Hostile], None]:
    """A case that serves the fixture descriptor changed by ``change``."""

    def setup(state: Hostile) -> None:
        data = descriptor(state.root)
        change(data)
        state.routes["datapackage.json"] = serve(json.dumps(data).encode())

    return setup


def _set(index: int, key: str, value: object) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["resources"][index].__setitem__(key, value)


CASES.update(
    {
        "path-is-a-folder": (  # was an IsADirectoryError
            edit_descriptor(_set(0, "schema", "data")),
            r"resource 'sources': path 'data' is also a folder of 'data/\S+'; refused",
        ),
        "path-name-too-long": (  # was an OSError (file name too long)
            edit_descriptor(_set(1, "path", "data/" + "a" * 300 + ".csv")),
            r"resource 'agreements': path 'data/a{300}\.csv' has a part of 304 characters",
        ),
        "path-with-nul": (
            edit_descriptor(_set(1, "path", "data/a\x00.csv")),
            r"path 'data/a\\x00.csv' contains a control character; refused",
        ),
        "path-hidden-manifest": (
            edit_descriptor(_set(1, "path", ".cache-manifest.json")),
            r"path '\.cache-manifest\.json' is not a plain name \(letters, digits",
        ),
        "path-case-clash": (
            edit_descriptor(_set(1, "path", "data/Sources.csv")),
            r"differ only by case; refused",
        ),
        "version-unsafe": (
            edit_descriptor(lambda d: d.__setitem__("version", "../../etc")),
            r"'version' '../../etc' cannot name a cache directory",
        ),
        "resource-name-a-dict": (  # was a TypeError
            edit_descriptor(_set(1, "name", {"a": 1})),
            r"needs a 'name'",  # the package reader's error, not a crash
        ),
        "bytes-negative": (
            edit_descriptor(_set(1, "bytes", -1)),
            r"declares no 'bytes' and 'sha256:' hash",
        ),
    }
)
#: Cases whose refusal comes from the package reader (PackageError), not from the download.
LOADER_CASES = {"resource-name-a-dict"}


@pytest.fixture(autouse=True)
def small_limits(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, cache: Path
) -> None:
    """A 50 kB JSON budget and, for the drip cases, a 0.5 s deadline."""
    monkeypatch.setattr(_remote, "MAX_METADATA_BYTES", 50_000)
    if "drip" in request.node.name:
        monkeypatch.setenv("AFPAK_DATA_TIMEOUT", "0.5")


@pytest.mark.parametrize("case", sorted(set(CASES) - LOADER_CASES))
def test_hostile_answer_is_refused_and_nothing_unverified_kept(
    server: Hostile, cache: Path, case: str
) -> None:
    """Each misbehaviour ends in a RemoteDataError naming the URL and saying what was wrong,
    within the deadline; the cache holds nothing unverified afterwards."""
    setup, message = CASES[case]
    setup(server)
    started = time.monotonic()
    with pytest.raises(RemoteDataError, match=message) as caught:
        afpak_data.load("agreements", source=server.url)
    assert server.url.split("/pkg/")[0] in str(caught.value)
    assert time.monotonic() - started < 5
    assert unverified(cache) == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_info_never_shows_a_traceback(server: Hostile, cache: Path, case: str) -> None:
    """`info --source URL` turns every misbehaviour into one `Error:` line and exit code 2."""
    CASES[case][0](server)
    result = CliRunner().invoke(cli, ["info", "--source", server.url], prog_name="afpak-data")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: ")
    assert unverified(cache) == []


def test_resource_name_not_a_string_is_refused_by_the_model(server: Hostile) -> None:
    """A resource whose name is not a string is not downloaded; the package reader refuses it."""
    CASES["resource-name-a-dict"][0](server)
    with pytest.raises(PackageError, match=r"resource 2 has no 'name'"):
        afpak_data.load("agreements", source=server.url)


def test_ftp_redirect_is_refused_before_connecting(server: Hostile) -> None:
    """A redirect to ftp is refused without anything being sent to the ftp address."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    server.routes["datapackage.json"] = redirect(f"ftp://127.0.0.1:{port}/datapackage.json")
    with listener:
        with pytest.raises(RemoteDataError, match=r"only http and https"):
            fetch(server.url, ["agreements"])
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_redirect_loop_stops_after_the_limit(server: Hostile) -> None:
    """A redirect loop is followed MAX_REDIRECTS times, then refused."""
    server.routes["datapackage.json"] = redirect("/pkg/datapackage.json?again")
    server.routes["/pkg/datapackage.json?again"] = redirect("/pkg/datapackage.json")
    with pytest.raises(RemoteDataError, match=r"more than 5 redirects"):
        fetch(server.url, ["agreements"])
    assert len(server.requests) == _remote.MAX_REDIRECTS + 1


def test_redirects_within_the_limit_and_to_another_host_are_followed(
    server: Hostile, honest: Hostile, cache: Path
) -> None:
    """Up to MAX_REDIRECTS http redirects are followed, also to another host (port)."""
    other = honest.url.replace("127.0.0.1", "localhost")
    server.routes["datapackage.json"] = redirect("/pkg/moved/datapackage.json", 301)
    server.routes["moved/datapackage.json"] = redirect(other + "datapackage.json", 307)
    server.routes["data/agreements.csv"] = redirect(other + "data/agreements.csv", 308)
    frame = afpak_data.load("agreements", source=server.url)
    assert len(frame) == 3
    assert "/pkg/data/agreements.csv" in honest.requests
    assert unverified(cache) == []


@pytest.mark.parametrize(
    ("current", "location", "expected"),
    [
        ("https://a.example/p/x", "https://b.example/y", "https://b.example/y"),
        ("http://a.example/p/x", "../y", "http://a.example/y"),
        ("http://a.example/p/x", "https://a.example/y", "https://a.example/y"),
        ("https://a.example/p/x", "http://a.example/y", "no downgrade to http"),
        ("https://a.example/p/x", "ftp://a.example/y", "only http and https"),
        ("http://a.example/p/x", "javascript:alert(1)", "only http and https"),
    ],
)
def test_follow_redirect_rules(current: str, location: str, expected: str) -> None:
    """Which redirects are followed: http(s) to any host, never https -> http, no other scheme."""
    if expected.startswith("http"):
        assert follow_redirect(current, current, location) == expected
    else:
        with pytest.raises(RemoteDataError, match=expected):
            follow_redirect(current, current, location)


def test_deadline_from_the_argument(server: Hostile, cache: Path) -> None:
    """fetch(timeout=) overrides the environment, and the message names the deadline given."""
    server.routes["data/agreements.csv"] = drip(server, 0.02)
    started = time.monotonic()
    with pytest.raises(RemoteDataError, match=r"within the 0.3 s deadline"):
        fetch(server.url, ["agreements"], timeout=0.3)
    assert time.monotonic() - started < 2
    assert unverified(cache) == []


@pytest.mark.parametrize("value", ["soon", "0", "-1", "inf", "nan"])
def test_bad_deadline_refused(server: Hostile, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """AFPAK_DATA_TIMEOUT must be a positive number of seconds."""
    monkeypatch.setenv("AFPAK_DATA_TIMEOUT", value)
    with pytest.raises(RemoteDataError, match=r"AFPAK_DATA_TIMEOUT=.*not a positive number"):
        fetch(server.url, ["agreements"])
    assert server.requests == []


def test_hostile_schema_is_not_reused_for_the_honest_url(
    server: Hostile, honest: Hostile, cache: Path
) -> None:
    """The same descriptor from two URLs gets two entries: a schema a hostile server served once
    is never used for the honest URL."""
    schema = "schemas/agreements.schema.json"
    evil = json.loads((server.root / schema).read_text(encoding="utf-8"))
    evil["fields"][0]["description"] = "hostile"
    server.routes[schema] = serve(json.dumps(evil).encode())
    hostile_copy = fetch(server.url, ["agreements"])
    honest_copy = fetch(honest.url, ["agreements"])
    assert hostile_copy != honest_copy
    assert (honest_copy / schema).read_bytes() == (honest.root / schema).read_bytes()
    assert unverified(cache) == []


def test_hostile_then_honest_at_the_same_url(server: Hostile, cache: Path) -> None:
    """A schema served once by a hostile server is replaced as soon as the server is honest:
    online, schemas are downloaded again on each load."""
    schema = "schemas/agreements.schema.json"
    server.routes[schema] = serve(b'{"fields": []}')
    first = fetch(server.url, ["agreements"])
    assert (first / schema).read_bytes() == b'{"fields": []}'
    del server.routes[schema]
    again = fetch(server.url, ["agreements"])
    assert (again / schema).read_bytes() == (server.root / schema).read_bytes()
    assert unverified(cache) == []


@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete"])
@pytest.mark.parametrize("what", ["data/agreements.csv", "schemas/agreements.schema.json"])
def test_damaged_cache_is_repaired_online_and_refused_offline(
    server: Hostile, cache: Path, damage: str, what: str
) -> None:
    """A cached CSV or schema damaged on disk is refused offline and downloaded again online."""
    entry = fetch(server.url, ["agreements"])
    file = entry / what
    if damage == "truncate":
        file.write_bytes(file.read_bytes()[:5])
    elif damage == "garbage":
        file.write_bytes(b"x" * file.stat().st_size)
    else:
        file.unlink()
    server.stop()
    offline = r"cached copy damaged|was never cached"
    with pytest.raises(RemoteDataError, match=offline):
        fetch(server.url, ["agreements"])
    repaired, thread = start(server.root)
    try:
        again = fetch(repaired.url, ["agreements"])
        assert (again / what).read_bytes() == (server.root / what).read_bytes()
    finally:
        repaired.stop()
        thread.join(timeout=5)


def test_stale_staging_is_cleaned_on_the_next_run(server: Hostile, cache: Path) -> None:
    """Staging left by a killed run (old `.download-*` or an unlocked staging folder) goes."""
    entry = fetch(server.url, ["agreements"])
    leftovers = [
        cache / ".download-abc123",
        entry.parent / f".{entry.name}{MARK}stage-xyz",
        cache / "urls" / f".x.json{MARK}tmp-1",
    ]
    for path in leftovers[:2]:
        path.mkdir()
        (path / "datapackage.json").write_text("{}", encoding="utf-8")
    leftovers[2].write_text("{", encoding="utf-8")
    fetch(server.url, ["agreements"])
    assert [p for p in leftovers if p.exists()] == []
    assert unverified(cache) == []


def test_descriptor_and_schemas_share_one_budget(server: Hostile, cache: Path) -> None:
    """The size limit covers the descriptor and all schemas together, not each one."""
    sizes = [len((server.root / "datapackage.json").read_bytes())]
    sizes += [p.stat().st_size for p in (server.root / "schemas").iterdir()]
    _remote.MAX_METADATA_BYTES = sum(sizes) - 1  # undone by the autouse fixture's monkeypatch
    with pytest.raises(RemoteDataError, match=r"schema refused|exceed"):
        fetch(server.url, ["agreements"])
    assert unverified(cache) == []


def test_too_many_schema_files_refused(server: Hostile, monkeypatch: pytest.MonkeyPatch) -> None:
    """A descriptor naming more than MAX_SCHEMAS schema files is refused before any is fetched."""
    monkeypatch.setattr(_remote, "MAX_SCHEMAS", 2)
    with pytest.raises(RemoteDataError, match=r"5 schema files, more than 2; refused"):
        fetch(server.url, ["agreements"])
    assert [r for r in server.requests if "schema" in r] == []
