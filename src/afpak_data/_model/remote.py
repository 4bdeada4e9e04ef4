"""Download a published package (by URL), verify it against its descriptor, and cache it.

Researchers cite a version and must get the same bytes years later: nothing is returned before
each requested CSV matches its declared ``bytes`` and ``sha256``. The staged descriptor is read by
the package model, which refuses unsafe paths (``resource-path``, ``portable-path``: they become
cache file names) before anything else is downloaded. :func:`fetch` raises only
:class:`RemoteDataError`, naming the URL. Limits: descriptor and schemas at most
:data:`MAX_METADATA_BYTES` together, in at most :data:`MAX_SCHEMAS` files; a CSV at most its
declared ``bytes`` (on ``Content-Length`` and as the body arrives); one deadline per download,
connect to last byte (``$AFPAK_DATA_TIMEOUT``, ``timeout=``, default :data:`DEADLINE`), kept by a
watchdog shutting the socket, and :data:`TIMEOUT` per socket operation; at most
:data:`MAX_REDIRECTS` redirects, ``http``/``https`` only, never ``https`` -> ``http``
(another host is fine).

Cache (``$AFPAK_DATA_CACHE``, else platformdirs' user cache folder): ``<root>/<version>/<key>/``
holds the package and ``.cache-manifest.json``; ``<root>/urls/<sha256 of the URL>.json`` records
``{"url", "version", "package": "<version>/<key>"}``. ``<key>``: 16 hex digits of the sha256 of
(URL, sha256 of the descriptor), so a schema one server served is never used for another. Online,
descriptor and schemas (no declared hash) are downloaded each time, CSVs reused while they match;
offline, descriptor and schemas must match the manifest, the CSVs the descriptor. An entry is
published by one folder swap (:mod:`afpak_data._atomic`).

Hand-written on ``urllib`` (which honours the proxy variables), not pooch, requests or urllib3:
their timeouts apply to each socket read (a slow drip never ends) and none caps a body's size;
pooch would also reuse files with no known hash unverified, and leaves a killed run's ``tmp*``.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import math
import os
import re
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from afpak_data import _atomic
from afpak_data._errors import AfpakDataError
from afpak_data._model.descriptor import (
    SAFE_VERSION,
    SEMVER,
    Package,
    declared_sha256,
    read,
    read_package,
    refused_path,
    sha256_of,
)
from afpak_data._model.resources import DESCRIPTOR, is_url

#: Seconds any single socket operation may wait (connect, one read).
TIMEOUT = 30.0
#: Default seconds one whole download may take (override: ``$AFPAK_DATA_TIMEOUT``, ``timeout=``).
DEADLINE = 120.0
#: Bytes the descriptor and all schemas of one package may take together.
MAX_METADATA_BYTES = 10_000_000
#: Schema files one descriptor may name.
MAX_SCHEMAS = 1000
#: Redirects followed per download.
MAX_REDIRECTS = 5
MANIFEST = ".cache-manifest.json"
#: Where a tag's raw files are served; ``release_url(base=...)`` takes another such template.
RAW_BASE = "https://raw.githubusercontent.com/{owner}/{repo}/v{version}/"
_CHUNK = 1 << 16
_REDIRECT_CODES = (301, 302, 303, 307, 308)
_GITHUB = re.compile(r"https://github\.com/(?P<owner>[^/]+)/(?P<repo>[^/#?]+?)(?:\.git)?/?")


class RemoteDataError(AfpakDataError, OSError):
    """A published package could not be fetched or verified; nothing unverified was kept."""


class _Unchanged(Exception):
    """The cache entry already holds exactly what was downloaded: nothing to publish."""


def cache_root() -> Path:
    """Where downloads are cached: ``$AFPAK_DATA_CACHE``, else the per-OS user cache folder."""
    override = os.environ.get("AFPAK_DATA_CACHE")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("afpak-data", appauthor=False))


def release_url(version: str, source: Any = None, base: str = RAW_BASE) -> str:
    """The raw-file URL of release ``v<version>`` (for ``load(source=)``), from the GitHub
    ``repository`` (or ``homepage``) of ``source``'s descriptor (default: the bundled package);
    ``base`` is the template (``{owner}``, ``{repo}``, ``{version}``): a mirror, a test server."""
    if not SEMVER.fullmatch(version):
        raise ValueError(f"version {version!r} is not MAJOR.MINOR.PATCH (e.g. 1.0.0)")
    descriptor = read_package(source).descriptor
    for key in ("repository", "homepage"):
        value = descriptor.get(key)
        match = _GITHUB.fullmatch(value) if isinstance(value, str) else None
        if match:
            return base.format(owner=match["owner"], repo=match["repo"], version=version)
    raise ValueError(
        "the descriptor's homepage is not a GitHub repository URL "
        "(expected https://github.com/<owner>/<repo>)"
    )


def fetch(base_url: str, resources: list[str], timeout: float | None = None) -> Path:
    """A local, verified copy of the package at ``base_url`` (its folder or descriptor URL):
    descriptor, every schema and the CSVs of ``resources``; offline, the cached copy once verified.
    ``timeout``: seconds per download (default ``$AFPAK_DATA_TIMEOUT``, else :data:`DEADLINE`)."""
    try:
        return _fetch(base_url, resources, _deadline_seconds(timeout))
    except RemoteDataError:
        raise
    except Exception as exc:  # the promise: nothing but RemoteDataError leaves this function
        raise RemoteDataError(
            f"{base_url}: cannot be loaded ({type(exc).__name__}: {exc}); nothing was kept"
        ) from exc


def _fetch(base_url: str, names: list[str], deadline: float) -> Path:
    base = _normalise(base_url)
    root = cache_root()
    _clean_root(root)
    url = urllib.parse.urljoin(base, DESCRIPTOR)
    try:
        raw = _download(url, deadline, MAX_METADATA_BYTES, "descriptor")
    except RemoteDataError as network:  # the cache, verified, stands in for any failed download
        cached = _cached_package(root, base)
        if cached is None:
            raise RemoteDataError(f"{network} (and no cached copy of {base})") from network
        _verify_cached(cached, names, base)
        return cached
    descriptor = _parse_json(raw, url)
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise RemoteDataError(f"{url}: not a data package descriptor (expected 'resources')")
    version = descriptor.get("version")
    if not isinstance(version, str) or not SAFE_VERSION.fullmatch(version):
        raise RemoteDataError(
            f"{url}: 'version' {version!r} cannot name a cache directory "
            "(expected a version such as 1.0.0)"
        )
    digest = hashlib.sha256(raw).hexdigest()
    target = root / version / hashlib.sha256(f"{base}\n{digest}".encode()).hexdigest()[:16]
    with contextlib.suppress(_Unchanged), _atomic.staged_directory(target) as staging:
        _put(staging / DESCRIPTOR, raw)
        schemas, wanted = _plan(read(staging / DESCRIPTOR), names, url)
        manifest: dict[str, Any] = {"url": base, "descriptor": digest, "schemas": {}}
        budget = MAX_METADATA_BYTES - len(raw)
        for path in schemas:
            schema_url = urllib.parse.urljoin(base, path)
            data = _download(schema_url, deadline, budget, "schema")
            budget -= len(data)
            _parse_json(data, schema_url)
            _put(staging / path, data)
            manifest["schemas"][path] = hashlib.sha256(data).hexdigest()
        with contextlib.suppress(OSError, ValueError, RemoteDataError):
            _verify_cached(target, names, str(target), manifest)
            raise _Unchanged  # the entry holds exactly this descriptor, schemas and CSVs
        for path, size, sha256 in wanted:
            with contextlib.suppress(OSError):  # a match is carried over on publishing
                if (target / path).is_file() and not _mismatch(target / path, size, sha256):
                    continue
            url = urllib.parse.urljoin(base, path)
            (staging / path).parent.mkdir(parents=True, exist_ok=True)
            with (staging / path).open("wb") as handle:
                _download(url, deadline, size, "", handle.write)
            problem = _mismatch(staging / path, size, sha256)
            if problem:
                raise RemoteDataError(f"{url}: {problem}; refused, nothing was kept")
        _put(staging / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    _remember(root, base, version, target)
    return target


def _deadline_seconds(timeout: float | None) -> float:
    value = os.environ.get("AFPAK_DATA_TIMEOUT", "").strip() if timeout is None else timeout
    if value == "":
        return DEADLINE
    where = f"timeout={timeout!r}" if timeout is not None else f"AFPAK_DATA_TIMEOUT={value!r}"
    with contextlib.suppress(ValueError):
        if 0 < (seconds := float(value)) < math.inf:
            return seconds
    raise RemoteDataError(f"{where}: not a positive number of seconds (expected e.g. 120)")


def _put(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _clean_root(root: Path) -> None:
    """Remove staging left in the cache by a killed run (and ``.download-*`` of older versions)."""
    if not root.is_dir():
        return
    for entry in root.iterdir():
        if entry.name.startswith(".download-") and _atomic.is_stale(entry):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.is_dir() and not entry.is_symlink():
            _atomic.clean_stale(entry)  # staging of <version>/<key>, temporary url records
    _atomic.clean_stale(root)


class _Watchdog:
    """Shut every socket of one download down when its deadline passes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._timers: list[threading.Timer] = []

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()

    def remaining(self) -> float:
        return max(self.end - time.monotonic(), 0.001)

    def late(self) -> bool:
        return self.expired or time.monotonic() >= self.end

    def register(self, sock: socket.socket) -> None:
        timer = threading.Timer(self.remaining(), self._fire, [sock])
        timer.daemon = True
        timer.start()
        self._timers.append(timer)

    def _fire(self, sock: socket.socket) -> None:
        self.expired = True
        with contextlib.suppress(OSError):  # the plain call, also for an SSL socket
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _opener(watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    """An opener that follows no redirect itself and registers each socket with ``watchdog``."""

    class Connection(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()  # for SecureConnection: TLS included
            watchdog.register(self.sock)

    class SecureConnection(Connection, http.client.HTTPSConnection):
        pass

    class Handler(urllib.request.HTTPHandler, urllib.request.HTTPSHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(Connection, req)

        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(SecureConnection, req)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # _download follows redirects itself, checking each hop

    return urllib.request.build_opener(Handler, NoRedirect)


def _download(
    url: str, deadline: float, limit: int, what: str, sink: Callable[[bytes], object] | None = None
) -> bytes:
    """GET ``url`` (following checked redirects) within ``deadline``: its body, of a descriptor or
    schema (``what``) at most ``limit`` bytes; with ``sink``, a CSV of ``limit`` declared bytes is
    passed to it in chunks instead (and b"" returned)."""
    if limit <= 0:
        raise RemoteDataError(
            f"{url}: the descriptor and schemas exceed {MAX_METADATA_BYTES} bytes together; refused"
        )
    chunks: list[bytes] = []
    with contextlib.closing(_Watchdog(deadline)) as watchdog:
        opener = _opener(watchdog)
        current = url
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                request = urllib.request.Request(current, headers={"Accept-Encoding": "identity"})
                try:
                    response = opener.open(request, timeout=min(TIMEOUT, watchdog.remaining()))
                except urllib.error.HTTPError as exc:
                    with exc:
                        location = exc.headers.get("Location")
                    if exc.code not in _REDIRECT_CODES:
                        raise RemoteDataError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
                    if not location:
                        raise RemoteDataError(
                            f"{url}: HTTP {exc.code} redirect without a Location"
                        ) from exc
                    current = follow_redirect(url, current, location)
                    continue
                with response:
                    _read_body(response, current, limit, what, sink or chunks.append, watchdog)
                return b"".join(chunks)
        except RemoteDataError:
            raise
        except Exception as exc:
            if watchdog.late():
                raise _deadline_error(url, watchdog) from exc
            reason = getattr(exc, "reason", None) or exc
            raise RemoteDataError(f"{url}: cannot download ({reason})") from exc
    raise RemoteDataError(
        f"{url}: more than {MAX_REDIRECTS} redirects (last to {current}); refused"
    )


def follow_redirect(url: str, current: str, location: str) -> str:
    """Where a redirect from ``current`` leads, if it may be followed (http and https only, never
    https down to http); ``url``, the one first asked for, names the error."""
    following = urllib.parse.urljoin(current, location)
    scheme = urllib.parse.urlsplit(following).scheme.lower()
    if scheme not in ("http", "https"):
        raise RemoteDataError(
            f"{url}: redirected to {following!r}, refused (only http and https redirects "
            "are followed)"
        )
    if scheme == "http" and urllib.parse.urlsplit(current).scheme.lower() == "https":
        raise RemoteDataError(
            f"{url}: redirected from https to {following!r}, refused (no downgrade to http)"
        )
    return following


def _read_body(
    response: http.client.HTTPResponse,
    url: str,
    limit: int,
    what: str,
    sink: Callable[[bytes], object],
    watchdog: _Watchdog,
) -> None:
    def too_big(size: int, announced: bool) -> str:
        verb = "announces" if announced else "sent more than"
        if not what:  # a CSV
            return f"the server {verb} {size} bytes, but the descriptor declares {limit}; refused"
        return (
            f"{what} refused: the server {verb} {size} bytes, more than the {limit} left of the "
            f"{MAX_METADATA_BYTES}-byte limit for a package's descriptor and schemas"
        )

    announced = response.headers.get("Content-Length")
    expected = int(announced) if announced and announced.strip().isdigit() else None
    if expected is not None and expected > limit:
        raise RemoteDataError(f"{url}: {too_big(expected, True)}")
    received = 0
    while not watchdog.late():
        try:
            chunk = response.read(min(_CHUNK, limit + 1 - received))
        except http.client.IncompleteRead as exc:
            if watchdog.late():
                break
            raise RemoteDataError(
                f"{url}: truncated download ({received + len(exc.partial)} bytes received, "
                f"{exc.expected} more announced); refused, nothing was kept"
            ) from exc
        if not chunk:
            if watchdog.late():
                break
            if expected is not None and received < expected:
                raise RemoteDataError(
                    f"{url}: truncated download ({received} bytes received, {expected} "
                    "announced); refused, nothing was kept"
                )
            return
        received += len(chunk)
        if received > limit:
            raise RemoteDataError(f"{url}: {too_big(limit, False)}")
        sink(chunk)
    raise _deadline_error(url, watchdog)


def _deadline_error(url: str, watchdog: _Watchdog) -> RemoteDataError:
    return RemoteDataError(
        f"{url}: no complete download within the {watchdog.seconds:g} s deadline "
        "(set AFPAK_DATA_TIMEOUT or timeout= for a slow network); nothing was kept"
    )


def _mismatch(file: Path, declared_size: int, declared_sha256: str) -> str | None:
    """Why ``file`` is not the CSV the descriptor declares (None: it is)."""
    size, sha256 = sha256_of(file)
    if size < declared_size:
        return (
            f"truncated download ({size} bytes received, the descriptor declares {declared_size})"
        )
    if size != declared_size:
        return f"{size} bytes, but the descriptor declares {declared_size}"
    if sha256 != declared_sha256:
        return f"sha256 is {sha256}, but the descriptor declares {declared_sha256}"
    return None


def _normalise(base_url: str) -> str:
    """The folder URL with a trailing slash (a descriptor URL is cut back to its folder)."""
    if not is_url(base_url):
        raise RemoteDataError(f"{base_url}: not an http(s) URL")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in base_url):
        raise RemoteDataError(f"{base_url!r}: a URL with spaces or control characters; refused")
    parts = urllib.parse.urlsplit(base_url)
    if not parts.hostname:
        raise RemoteDataError(f"{base_url}: no host name")
    path = parts.path
    if path.endswith("/" + DESCRIPTOR):
        path = path.removesuffix(DESCRIPTOR)
    if not path.endswith("/"):
        path += "/"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _parse_json(raw: bytes, url: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RemoteDataError(f"{url}: not valid JSON ({exc})") from exc
    except (RecursionError, ValueError) as exc:  # nested too deep, a 5,000-digit number
        raise RemoteDataError(f"{url}: JSON refused ({type(exc).__name__}: {exc})") from exc


def _plan(
    package: Package, names: list[str], url: str
) -> tuple[list[str], list[tuple[str, int, str]]]:
    """The schema files to fetch and (path, bytes, sha256) of each requested CSV. A path the
    model refuses, or a missing hash, refuses the package; names the package lacks are skipped,
    for the loader to report as for a local package."""
    for problem in package.problems:
        if problem.check in ("resource-path", "portable-path"):
            raise RemoteDataError(f"{url}: {problem.message}; refused")
    schemas = sorted({r.schema_path for r in package.resources if r.schema_path is not None})
    if len(schemas) > MAX_SCHEMAS:
        raise RemoteDataError(
            f"{url}: {len(schemas)} schema files, more than {MAX_SCHEMAS}; refused"
        )
    wanted = []
    for resource in package.resources:
        if resource.name in names and resource.path:  # none (a list): refused when read
            sha256 = declared_sha256(resource.hash)
            if resource.bytes is None or sha256 is None:
                raise RemoteDataError(
                    f"{url}: resource {resource.name!r} declares no 'bytes' and 'sha256:' hash, "
                    "so the download cannot be verified (expected both in the descriptor)"
                )
            wanted.append((resource.path, resource.bytes, sha256))
    return schemas, wanted


def _url_record(root: Path, base: str) -> Path:
    return root / "urls" / f"{hashlib.sha256(base.encode('utf-8')).hexdigest()}.json"


def _remember(root: Path, base: str, version: str, target: Path) -> None:
    record = {"url": base, "version": version, "package": target.relative_to(root).as_posix()}
    text = json.dumps(record, indent=2) + "\n"
    path = _url_record(root, base)
    with contextlib.suppress(OSError, UnicodeDecodeError):
        if path.read_text(encoding="utf-8") == text:
            return
    _atomic.write_files({path: text})


def _cached_package(root: Path, base: str) -> Path | None:
    """The cached package last downloaded from ``base``, if its record and descriptor exist."""
    try:
        relative = json.loads(_url_record(root, base).read_text(encoding="utf-8"))["package"]
    except (OSError, ValueError, LookupError, TypeError):
        return None
    if refused_path(relative) is not None:
        return None
    package = root / relative
    return package if (package / DESCRIPTOR).is_file() else None


def _verify_cached(
    package: Path, names: list[str], base: str, expected: dict[str, Any] | None = None
) -> None:
    """Descriptor and schemas as recorded at download (and the manifest ``expected``, if given),
    the requested CSVs as the descriptor says."""
    descriptor_file = package / DESCRIPTOR
    try:
        manifest = json.loads((package / MANIFEST).read_text(encoding="utf-8"))
        recorded = {DESCRIPTOR: manifest["descriptor"], **manifest["schemas"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RemoteDataError(
            f"{package}: cached copy has no readable {MANIFEST}, so it cannot be verified "
            "(load it once online)"
        ) from exc
    if expected not in (None, manifest):
        raise RemoteDataError(f"{package}: not the package just downloaded")
    for path, sha in recorded.items():
        refused = refused_path(path)
        if refused:
            raise _damaged(package / MANIFEST, refused[1])
        file = package / path
        if not file.is_file() or sha256_of(file)[1] != sha:
            raise _damaged(file, "sha256 differs from the one recorded at download")
    for path, size, sha256 in _plan(read(descriptor_file), names, str(descriptor_file))[1]:
        file = package / path
        if not file.is_file():
            raise RemoteDataError(
                f"{base}: cannot download, and {path} was never cached (load it once online)"
            )
        problem = _mismatch(file, size, sha256)
        if problem:
            raise _damaged(file, problem)


def _damaged(file: Path, problem: str) -> RemoteDataError:
    return RemoteDataError(
        f"{file}: cached copy damaged ({problem}); refused (load online to repair it)"
    )
