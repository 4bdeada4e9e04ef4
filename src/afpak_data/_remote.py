"""Download a published package (by URL), verify it against its descriptor, and cache it.

Researchers cite a version and must get the same bytes years later, so nothing is returned before
each requested CSV matches the ``bytes`` and ``sha256`` its descriptor declares.

Limits (each refusal is a :class:`RemoteDataError` naming the URL; no other exception escapes
:func:`fetch`):

* **Size.** ``datapackage.json`` and the schemas together at most :data:`MAX_JSON_BYTES`
  (10 MB), at most :data:`MAX_SCHEMAS` schema files; a CSV at most the ``bytes`` its descriptor
  declares (a longer ``Content-Length`` is refused before the body is read, a longer body as
  soon as the excess arrives).
* **Time.** One deadline per download (connect, headers and body together):
  ``$AFPAK_DATA_TIMEOUT`` seconds, default :data:`DEADLINE` (120 s), or ``fetch(timeout=...)``.
  A watchdog thread shuts the socket when it passes, so a server sending one byte at a time
  cannot hold the download longer. Each socket operation also has :data:`TIMEOUT`.
* **Redirects.** At most :data:`MAX_REDIRECTS` (5), only to ``http``/``https`` (another scheme
  is refused before anything is sent to it), never from ``https`` down to ``http``. A redirect to
  another host is followed: the CSVs are verified by hash whatever host serves them, and the
  descriptor and schemas are trusted as the server at the URL you gave chooses to serve them.

Cache (root: ``$AFPAK_DATA_CACHE``, else the per-OS user cache folder from ``platformdirs``:
``~/.cache/afpak-data`` or ``$XDG_CACHE_HOME/afpak-data`` on Linux, ``~/Library/Caches/afpak-data``
on macOS, ``%LOCALAPPDATA%\\afpak-data\\Cache`` on Windows)::

    <root>/<version>/<key>/datapackage.json, schemas/..., data/..., .cache-manifest.json
    <root>/urls/<sha256 of the URL>.json    {"url", "version", "package": "<version>/<key>"}

``<key>`` is the first 16 hex digits of the sha256 of (URL, sha256 of the descriptor): the same
descriptor served from two URLs gets two entries, so a schema served by one server is never used
for another. Online, the descriptor and every schema are downloaded again on each load (they
have no declared hash, so a cached copy cannot be verified against anything the server vouches
for now); CSVs are reused only after their size and sha256 match the descriptor again, and a
damaged or truncated one is downloaded again. Offline, the URL's record leads to the entry, whose
descriptor and schemas must match the sha256 recorded in ``.cache-manifest.json`` when they were
downloaded and whose CSVs must match the descriptor. An entry is published by one folder swap
(:mod:`afpak_data._atomic`), so a load never sees half of an update; staging folders and
``.download-*`` folders left by a killed run are removed by the next one.

Why not pooch: ``pooch.retrieve`` downloads through ``requests``, whose ``timeout`` applies to
each socket read (a slow drip never ends) and which has no size cap; a custom downloader doing the
deadline, size and redirect rules would be all of the work left here. What pooch would still add
-- compare a sha256, move a temporary file -- does not fit either: a file with no known hash
(descriptor, schemas) is reused unverified forever, which is the bug this module must not have,
and its ``tmp*`` files left by a kill are never removed. So the downloader is hand-written on
``urllib`` (which also honours the usual proxy variables); ``platformdirs`` gives the cache folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
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
from pathlib import Path, PurePosixPath
from typing import Any

from afpak_data import _atomic
from afpak_data._descriptor import SAFE_VERSION, SEMVER, declared_sha256, sha256_of
from afpak_data._errors import AfpakDataError

DESCRIPTOR_NAME = "datapackage.json"
#: Seconds any single socket operation may wait (connect, one read).
TIMEOUT = 30.0
#: Default seconds one whole download may take (override: ``$AFPAK_DATA_TIMEOUT``, ``timeout=``).
DEADLINE = 120.0
#: Bytes the descriptor and all schemas of one package may take together.
MAX_JSON_BYTES = 10_000_000
#: Schema files one descriptor may name.
MAX_SCHEMAS = 1000
#: Redirects followed per download.
MAX_REDIRECTS = 5
MANIFEST = ".cache-manifest.json"
_CHUNK = 1 << 16
_REDIRECT_CODES = (301, 302, 303, 307, 308)
_SAFE_PART = re.compile(r"[0-9A-Za-z_][0-9A-Za-z._ -]{0,127}")
_GITHUB = re.compile(r"https://github\.com/(?P<owner>[^/]+)/(?P<repo>[^/#?]+?)(?:\.git)?/?")


class RemoteDataError(AfpakDataError, OSError):
    """A published package could not be fetched or verified; nothing unverified was kept."""


def cache_root() -> Path:
    """Where downloads are cached: ``$AFPAK_DATA_CACHE``, else the per-OS user cache folder."""
    override = os.environ.get("AFPAK_DATA_CACHE")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("afpak-data", appauthor=False))


#: Where a tag's raw files are served; ``release_url(base=...)`` takes another such template.
RAW_BASE = "https://raw.githubusercontent.com/{owner}/{repo}/v{version}/"


def release_url(version: str, source: Any = None, base: str = RAW_BASE) -> str:
    """The raw-file base URL of the tagged release ``v<version>`` (pass it to ``load(source=)``).

    Built from the ``homepage`` (or ``repository``) of the descriptor of ``source`` (default: the
    bundled package), which must be a GitHub repository URL. ``base`` is the URL template, with
    ``{owner}``, ``{repo}`` and ``{version}`` filled in (default: GitHub's raw files; a mirror or
    the release rehearsal's loopback server can be named instead).
    """
    if not SEMVER.fullmatch(version):
        raise ValueError(f"version {version!r} is not MAJOR.MINOR.PATCH (e.g. 1.0.0)")
    from afpak_data._descriptor import read_package

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
    """Return a local, verified copy of the package at ``base_url`` holding ``resources``' CSVs.

    ``base_url`` is the folder that holds ``datapackage.json`` (or the descriptor's own URL). The
    descriptor and every schema are fetched; CSVs only for ``resources``. Offline, a copy cached
    for the same URL is used after it is verified. ``timeout``: seconds per download (default
    ``$AFPAK_DATA_TIMEOUT``, else :data:`DEADLINE`). Raises :class:`RemoteDataError` only.
    """
    try:
        return _fetch(base_url, resources, _deadline_seconds(timeout))
    except RemoteDataError:
        raise
    except Exception as exc:  # the promise: nothing but RemoteDataError leaves this function
        raise RemoteDataError(
            f"{base_url}: cannot be loaded ({type(exc).__name__}: {exc}); nothing was kept"
        ) from exc


# --- the fetch itself ------------------------------------------------------------------------


def _fetch(base_url: str, resources: list[str], deadline: float) -> Path:
    base = _normalise(base_url)
    root = cache_root()
    _clean_root(root)
    descriptor_url = urllib.parse.urljoin(base, DESCRIPTOR_NAME)
    budget = _Budget(MAX_JSON_BYTES)
    try:
        raw = _download(descriptor_url, deadline, limit=budget.left, what="descriptor")
    except RemoteDataError as network:  # the cache, verified, stands in for any failed download
        cached = _cached_package(root, base)
        if cached is None:
            raise RemoteDataError(f"{network} (and no cached copy of {base})") from network
        _verify_cached(cached, resources, base)
        return cached
    budget.spend(len(raw))
    descriptor = _parse_descriptor(raw, descriptor_url)
    version = descriptor.get("version")
    if not isinstance(version, str) or not SAFE_VERSION.fullmatch(version):
        raise RemoteDataError(
            f"{descriptor_url}: 'version' {version!r} cannot name a cache directory "
            "(expected a version such as 1.0.0)"
        )
    descriptor_sha = hashlib.sha256(raw).hexdigest()
    key = hashlib.sha256(f"{base}\n{descriptor_sha}".encode()).hexdigest()[:16]
    target = root / version / key
    wanted = _resources(descriptor, descriptor_url, resources)
    schema_paths = _schema_paths(descriptor, descriptor_url)
    _check_layout(_all_paths(descriptor, descriptor_url) + schema_paths, descriptor_url)
    schemas: dict[str, bytes] = {}
    for path in schema_paths:
        url = urllib.parse.urljoin(base, path)
        schemas[path] = _download(url, deadline, limit=budget.left, what="schema")
        budget.spend(len(schemas[path]))
        _parse_json(schemas[path], url)
    manifest = {
        "url": base,
        "descriptor": descriptor_sha,
        "schemas": {p: hashlib.sha256(b).hexdigest() for p, b in schemas.items()},
    }
    if _up_to_date(target, raw, schemas, wanted, manifest):
        _remember(root, base, version, target)
        return target
    root.mkdir(parents=True, exist_ok=True)
    with _atomic.staged_directory(target) as staging:
        for path, data in schemas.items():
            _put(staging / path, data)
        for path, size, sha256 in wanted:
            if _matches(target / path, size, sha256):
                (staging / path).parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(target / path, staging / path)  # verified just now
                except OSError:
                    shutil.copyfile(target / path, staging / path)
                continue
            url = urllib.parse.urljoin(base, path)
            _download_verified(url, staging / path, size, sha256, deadline)
        _put(staging / DESCRIPTOR_NAME, raw)
        _put(staging / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    _remember(root, base, version, target)
    return target


def _deadline_seconds(timeout: float | None) -> float:
    if timeout is None:
        value = os.environ.get("AFPAK_DATA_TIMEOUT", "").strip()
        if not value:
            return DEADLINE
        try:
            timeout = float(value)
        except ValueError:
            timeout = float("nan")
        where = f"AFPAK_DATA_TIMEOUT={value!r}"
    else:
        where = f"timeout={timeout!r}"
    if not timeout > 0 or timeout == float("inf"):
        raise RemoteDataError(f"{where}: not a positive number of seconds (expected e.g. 120)")
    return float(timeout)


class _Budget:
    """Bytes left for JSON downloads of one package."""

    def __init__(self, total: int) -> None:
        self.left = total

    def spend(self, size: int) -> None:
        self.left -= size


def _up_to_date(
    target: Path,
    raw: bytes,
    schemas: dict[str, bytes],
    wanted: list[tuple[str, int, str]],
    manifest: dict[str, Any],
) -> bool:
    """True when the cache entry already holds exactly these bytes (nothing to publish)."""
    try:
        if (target / DESCRIPTOR_NAME).read_bytes() != raw:
            return False
        if json.loads((target / MANIFEST).read_text(encoding="utf-8")) != manifest:
            return False
        if any((target / p).read_bytes() != b for p, b in schemas.items()):
            return False
    except (OSError, ValueError):
        return False
    return all(_matches(target / p, size, sha) for p, size, sha in wanted)


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


# --- downloading -----------------------------------------------------------------------------


class _Watchdog:
    """Shut every socket of one download down when its deadline passes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        return max(self.end - time.monotonic(), 0.001)

    def check(self) -> None:
        if time.monotonic() >= self.end:
            self._fire()

    def register(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # the plain call, also for an SSL socket
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _opener(watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    """An opener that follows no redirect itself and registers each socket with ``watchdog``."""

    class Connection(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            watchdog.register(self.sock)

    class SecureConnection(http.client.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            watchdog.register(self.sock)

    class Plain(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(Connection, req)

    class Secure(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(SecureConnection, req)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # _download follows redirects itself, checking each hop

    return urllib.request.build_opener(Plain, Secure, NoRedirect)


def _download(url: str, deadline: float, *, limit: int, what: str) -> bytes:
    """The body of ``url`` (at most ``limit`` bytes) within ``deadline`` seconds."""
    chunks: list[bytes] = []
    if limit <= 0:
        raise RemoteDataError(
            f"{url}: the descriptor and schemas exceed {MAX_JSON_BYTES} bytes together; refused"
        )

    def too_big(size: int, announced: bool) -> str:
        word = "announces" if announced else "sent more than"
        return (
            f"{what} refused: the server {word} {size} bytes, more than the {limit} left of the "
            f"{MAX_JSON_BYTES}-byte limit for a package's descriptor and schemas"
        )

    _stream(url, deadline, limit, too_big, chunks.append)
    return b"".join(chunks)


def _download_verified(
    url: str, destination: Path, size: int, sha256: str, deadline: float
) -> None:
    """Stream ``url`` to ``destination`` and check its size and sha256 (never over ``size``)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    received = 0

    def too_big(got: int, announced: bool) -> str:
        word = "announces" if announced else "sent more than"
        return f"the server {word} {got} bytes, but the descriptor declares {size}; refused"

    with destination.open("wb") as handle:

        def sink(chunk: bytes) -> None:
            nonlocal received
            digest.update(chunk)
            received += len(chunk)
            handle.write(chunk)

        _stream(url, deadline, size, too_big, sink)
    problem = _mismatch(received, digest.hexdigest(), size, sha256)
    if problem:
        destination.unlink(missing_ok=True)
        raise RemoteDataError(f"{url}: {problem}; refused, nothing was kept")


def _stream(
    url: str,
    deadline: float,
    limit: int,
    too_big: Callable[[int, bool], str],
    sink: Callable[[bytes], None],
) -> None:
    """GET ``url`` (following checked redirects) and pass the body to ``sink`` in chunks."""
    with _Watchdog(deadline) as watchdog:
        opener = _opener(watchdog)
        current = url
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                response = _open(opener, current, url, watchdog)
                if isinstance(response, str):
                    current = response
                    continue
                with response:
                    _read_body(response, current, limit, too_big, sink, watchdog)
                return
        except RemoteDataError:
            raise
        except Exception as exc:
            if watchdog.expired:
                raise _deadline_error(url, watchdog) from exc
            raise _network_error(url, exc) from exc
    raise RemoteDataError(
        f"{url}: more than {MAX_REDIRECTS} redirects (last to {current}); refused"
    )


def _open(
    opener: urllib.request.OpenerDirector, current: str, url: str, watchdog: _Watchdog
) -> http.client.HTTPResponse | str:
    """The response for ``current``, or the next URL when it redirects (checked first)."""
    request = urllib.request.Request(current, headers={"Accept-Encoding": "identity"})
    try:
        response: http.client.HTTPResponse = opener.open(
            request, timeout=min(TIMEOUT, watchdog.remaining())
        )
        return response
    except urllib.error.HTTPError as exc:
        with exc:
            if exc.code not in _REDIRECT_CODES:
                raise RemoteDataError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
            location = exc.headers.get("Location")
        if not location:
            raise RemoteDataError(f"{url}: HTTP {exc.code} redirect without a Location") from exc
        return follow_redirect(url, current, location)


def follow_redirect(url: str, current: str, location: str) -> str:
    """The URL a redirect from ``current`` to ``location`` leads to, if it may be followed.

    Only ``http`` and ``https`` are followed, and never from ``https`` down to ``http``; another
    host is fine (see the module docstring). ``url`` (the one first asked for) names the error.
    """
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
    too_big: Callable[[int, bool], str],
    sink: Callable[[bytes], None],
    watchdog: _Watchdog,
) -> None:
    announced = response.headers.get("Content-Length")
    expected = int(announced) if announced and announced.strip().isdigit() else None
    if expected is not None and expected > limit:
        raise RemoteDataError(f"{url}: {too_big(expected, True)}")
    received = 0
    while True:
        watchdog.check()
        if watchdog.expired:
            raise _deadline_error(url, watchdog)
        try:
            chunk = response.read(min(_CHUNK, limit + 1 - received))
        except http.client.IncompleteRead as exc:
            if watchdog.expired:
                raise _deadline_error(url, watchdog) from exc
            got = received + len(exc.partial)
            raise RemoteDataError(
                f"{url}: truncated download ({got} bytes received, "
                f"{exc.expected} more announced); refused, nothing was kept"
            ) from exc
        if not chunk:
            if watchdog.expired:
                raise _deadline_error(url, watchdog)
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


def _deadline_error(url: str, watchdog: _Watchdog) -> RemoteDataError:
    return RemoteDataError(
        f"{url}: no complete download within the {watchdog.seconds:g} s deadline "
        "(set AFPAK_DATA_TIMEOUT or timeout= for a slow network); nothing was kept"
    )


def _network_error(url: str, exc: BaseException) -> RemoteDataError:
    reason = getattr(exc, "reason", None) or exc
    return RemoteDataError(f"{url}: cannot download ({reason})")


def _mismatch(size: int, sha256: str, declared_size: int, declared_sha256: str) -> str | None:
    if size < declared_size:
        return (
            f"truncated download ({size} bytes received, the descriptor declares {declared_size})"
        )
    if size != declared_size:
        return f"{size} bytes, but the descriptor declares {declared_size}"
    if sha256 != declared_sha256:
        return f"sha256 is {sha256}, but the descriptor declares {declared_sha256}"
    return None


def _matches(path: Path, size: int, sha256: str) -> bool:
    try:
        return path.is_file() and sha256_of(path) == (size, sha256)
    except OSError:
        return False


# --- reading the descriptor ------------------------------------------------------------------


def _normalise(base_url: str) -> str:
    """The folder URL with a trailing slash (a descriptor URL is cut back to its folder)."""
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise RemoteDataError(f"{base_url}: not an http(s) URL")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in base_url):
        raise RemoteDataError(f"{base_url!r}: a URL with spaces or control characters; refused")
    parts = urllib.parse.urlsplit(base_url)
    if not parts.hostname:
        raise RemoteDataError(f"{base_url}: no host name")
    path = parts.path
    if path.endswith("/" + DESCRIPTOR_NAME):
        path = path[: -len(DESCRIPTOR_NAME)]
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


def _parse_descriptor(raw: bytes, url: str) -> dict[str, Any]:
    descriptor = _parse_json(raw, url)
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise RemoteDataError(f"{url}: not a data package descriptor (expected 'resources')")
    return descriptor


def _safe_path(value: Any, url: str, what: str) -> str:
    """A relative path inside the package made of plain names; anything else is refused."""
    parts = value.split("/") if isinstance(value, str) else []
    if not parts or not all(
        _SAFE_PART.fullmatch(part) and part not in (".", "..") and not part.endswith((" ", "."))
        for part in parts
    ):
        raise RemoteDataError(
            f"{url}: {what} {value!r} refused (expected a relative path inside the package, "
            "made of letters, digits, '.', '_', '-' and spaces, at most 128 characters a part)"
        )
    if len(parts) > 8:
        raise RemoteDataError(f"{url}: {what} {value!r} refused (more than 8 folders deep)")
    return str(PurePosixPath(value))


def _check_layout(paths: list[str], url: str) -> None:
    """No path may be a folder of another (``data`` and ``data/x.csv``), nor clash by case."""
    seen: dict[str, str] = {}
    for path in paths:
        folded = path.casefold()
        if folded in seen and seen[folded] != path:
            raise RemoteDataError(
                f"{url}: paths {seen[folded]!r} and {path!r} differ only by case; refused"
            )
        seen[folded] = path
    folders = {
        "/".join(p.split("/")[:i]).casefold() for p in paths for i in range(1, p.count("/") + 1)
    }
    for path in paths:
        if path.casefold() in folders or path.casefold() in (DESCRIPTOR_NAME, MANIFEST):
            raise RemoteDataError(
                f"{url}: path {path!r} is also a folder or a reserved name; refused"
            )


def _schema_paths(descriptor: dict[str, Any], url: str) -> list[str]:
    paths = set()
    for resource in descriptor["resources"]:
        schema = resource.get("schema") if isinstance(resource, dict) else None
        if isinstance(schema, str):
            name = resource.get("name")
            paths.add(_safe_path(schema, url, f"schema of resource {name!r}"))
    if len(paths) > MAX_SCHEMAS:
        raise RemoteDataError(f"{url}: {len(paths)} schema files, more than {MAX_SCHEMAS}; refused")
    return sorted(paths)


def _all_paths(descriptor: dict[str, Any], url: str) -> list[str]:
    """Every resource's path, each checked: one unsafe path refuses the whole descriptor."""
    return [
        _safe_path(r.get("path"), url, f"path of resource {r.get('name')!r}")
        for r in descriptor["resources"]
        if isinstance(r, dict)
    ]


def _resources(
    descriptor: dict[str, Any], url: str, names: list[str]
) -> list[tuple[str, int, str]]:
    """(path, bytes, sha256) of each requested resource; a missing hash is refused.

    Names the descriptor lacks are skipped: the loader then reports them as it does for a local
    package (``UnknownTableError`` listing the tables), so both kinds of source behave alike.
    """
    by_name = {
        r["name"]: r
        for r in descriptor["resources"]
        if isinstance(r, dict) and isinstance(r.get("name"), str)
    }
    wanted = []
    for name in names:
        resource = by_name.get(name)
        if resource is None:
            continue
        path = _safe_path(resource.get("path"), url, f"path of resource {name!r}")
        size, sha256 = resource.get("bytes"), declared_sha256(resource.get("hash"))
        if not isinstance(size, int) or isinstance(size, bool) or size < 0 or sha256 is None:
            raise RemoteDataError(
                f"{url}: resource {name!r} declares no 'bytes' and 'sha256:' hash, so the "
                "download cannot be verified (expected both in the descriptor)"
            )
        wanted.append((path, size, sha256))
    return wanted


# --- the URL records and the offline path ----------------------------------------------------


def _url_record(root: Path, base: str) -> Path:
    return root / "urls" / f"{hashlib.sha256(base.encode('utf-8')).hexdigest()}.json"


def _remember(root: Path, base: str, version: str, target: Path) -> None:
    record = {"url": base, "version": version, "package": target.relative_to(root).as_posix()}
    text = json.dumps(record, indent=2) + "\n"
    path = _url_record(root, base)
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    _atomic.write_file(path, text)


def _cached_package(root: Path, base: str) -> Path | None:
    """The cached package last downloaded from ``base``, if its record and descriptor exist."""
    try:
        record = json.loads(_url_record(root, base).read_text(encoding="utf-8"))
        relative = _safe_path(record.get("package"), base, "cached package")
    except (OSError, ValueError, AttributeError, RemoteDataError):
        return None
    package = root / relative
    return package if (package / DESCRIPTOR_NAME).is_file() else None


def _verify_cached(package: Path, names: list[str], base: str) -> None:
    """Offline: descriptor and schemas as recorded, the requested CSVs as the descriptor says."""
    descriptor_file = package / DESCRIPTOR_NAME
    raw = descriptor_file.read_bytes()
    try:
        manifest = json.loads((package / MANIFEST).read_text(encoding="utf-8"))
        recorded = manifest["descriptor"], dict(manifest["schemas"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RemoteDataError(
            f"{package}: cached copy has no readable {MANIFEST}, so it cannot be verified "
            "(load it once online)"
        ) from exc
    if hashlib.sha256(raw).hexdigest() != recorded[0]:
        raise _damaged(descriptor_file, "sha256 differs from the one recorded at download")
    for path, sha in recorded[1].items():
        file = package / _safe_path(path, str(descriptor_file), "cached schema")
        if not file.is_file() or sha256_of(file)[1] != sha:
            raise _damaged(file, "sha256 differs from the one recorded at download")
    descriptor = _parse_descriptor(raw, str(descriptor_file))
    for path, size, sha256 in _resources(descriptor, str(descriptor_file), names):
        file = package / path
        if not file.is_file():
            raise RemoteDataError(
                f"{base}: cannot download, and {path} was never cached (load it once online)"
            )
        size_now, sha_now = sha256_of(file)
        problem = _mismatch(size_now, sha_now, size, sha256)
        if problem:
            raise _damaged(file, problem)


def _damaged(file: Path, problem: str) -> RemoteDataError:
    return RemoteDataError(
        f"{file}: cached copy damaged ({problem}); refused (load online to repair it)"
    )
