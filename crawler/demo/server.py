"""The fixture web: every site host served from `crawler/demo/web/<host>/` on its own loopback port.

Why a real server: spiders, robots.txt handling, conditional requests, gzip and the WARC capture
must see real HTTP, exactly as on the live sites (style rule 14). One port per host keeps
root-relative links and robots.txt natural without rewriting pages.

Each host directory holds a `_routes.json`:

    {"_host": {"gzip": true, "search_index": "_search_index.json", "headers": {...}},
     "/path?query": {"file": "rel/file.html", "type": "text/html; charset=utf-8",
                     "last_modified": "2025-10-09T10:15:00Z", "template": true,
                     "status": 200, "headers": {...}, "redirect": "/other", "throttle": {...}}}

Lookup: exact `path?query`, then `path` alone (so `?open`, `?open=` and no query all work).
Files with `"template": true` get `{base}` replaced by this host's base URL and `{base:HOST}` by
another host's, at serve time, so the same files work on any port.
`apply_update(name)` overlays `crawler/demo/updates/<name>/<host>/` (its `_routes.json` merged
over the base one), to show "the site changed between two runs".
"""
from __future__ import annotations

import argparse
import email.utils
import gzip
import hashlib
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

PACKAGE_DIR = Path(__file__).resolve().parent
WEB_ROOT = PACKAGE_DIR / "web"
UPDATES_ROOT = PACKAGE_DIR / "updates"
DEFAULT_LAST_MODIFIED = "2025-10-09T12:00:00Z"
_BASE_RE = re.compile(r"\{base(?::([a-z0-9.-]+))?\}")


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server saw it; tests inspect these (e.g. 'no print page was fetched')."""

    host: str                 # the real site host this port imitates, e.g. "www.gov.uk"
    method: str
    path: str                 # path plus "?query" as sent
    headers: dict[str, str]   # lower-cased names
    status: int = 0
    at: float = field(default_factory=time.time)  # when it arrived (politeness tests)


@dataclass
class _Throttle:
    status: int = 429
    retry_after: int = 1
    times: int = 1
    seen: int = 0


@dataclass
class _Host:
    name: str
    root: Path
    routes: dict[str, Any] = field(default_factory=dict)
    overlay_roots: list[Path] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None


def _http_date(iso: str) -> str:
    dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return email.utils.format_datetime(dt.astimezone(timezone.utc), usegmt=True)


def _parse_http_date(value: str) -> datetime | None:
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


class FixtureWeb:
    """Serve every host under `root` on 127.0.0.1, one port each.

    >>> web = FixtureWeb().start()      # {"www.gov.uk": "http://127.0.0.1:PORT", ...}
    >>> web.apply_update("update-1")    # the sites change; reset() undoes it
    >>> web.stop()
    """

    def __init__(self, root: Path | str | None = None, updates_root: Path | str | None = None,
                 hosts: list[str] | None = None) -> None:
        self.root = Path(root) if root else WEB_ROOT
        self.updates_root = Path(updates_root) if updates_root else UPDATES_ROOT
        names = hosts or sorted(p.name for p in self.root.iterdir() if p.is_dir())
        self.hosts: dict[str, _Host] = {n: _Host(n, self.root / n) for n in names}
        self.urls: dict[str, str] = {}
        self.log: list[LoggedRequest] = []
        self.updates: list[str] = []
        self._throttles: dict[tuple[str, str], _Throttle] = {}
        self.delay = 0.0  # seconds before each answer (fault tests land a fault mid-crawl)
        self._lock = threading.Lock()
        for h in self.hosts.values():
            h.routes = self._read_routes(h.root)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self, ports: dict[str, int] | None = None) -> dict[str, str]:
        """Bind every host to a free port on 127.0.0.1 and serve in threads; returns host -> base.

        `ports` asks for the same ports as an earlier run (so URLs, and thus incremental state,
        carry over); a port that is taken falls back to a free one."""
        for h in self.hosts.values():
            try:
                server = ThreadingHTTPServer(("127.0.0.1", (ports or {}).get(h.name, 0)), _make_handler(self, h.name))
            except OSError:
                server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self, h.name))
            server.daemon_threads = True
            h.server = server
            self.urls[h.name] = f"http://127.0.0.1:{server.server_address[1]}"
        for h in self.hosts.values():
            assert h.server is not None
            h.thread = threading.Thread(target=h.server.serve_forever, name=f"fixture-{h.name}",
                                        kwargs={"poll_interval": 0.2}, daemon=True)
            h.thread.start()
        return dict(self.urls)

    def stop(self) -> None:
        for h in self.hosts.values():
            if h.server is not None:
                h.server.shutdown()
                h.server.server_close()
                h.server = None
        self.urls.clear()

    def __enter__(self) -> FixtureWeb:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def server_addresses(self) -> dict[str, tuple[str, int]]:
        """The (ip, port) each host is bound to; tests assert they are all loopback."""
        return {n: h.server.server_address[:2] for n, h in self.hosts.items() if h.server}  # type: ignore[misc]

    # -- state tests control ----------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the request log, updates and throttles: back to the committed web."""
        with self._lock:
            self.log.clear()
            self.updates.clear()
            self._throttles.clear()
            self.delay = 0.0
            for h in self.hosts.values():
                h.routes = self._read_routes(h.root)
                h.overlay_roots = []

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def apply_update(self, name: str) -> None:
        """Overlay `updates/<name>/<host>/` on the web: changed and new pages, feeds, search items."""
        base = self.updates_root / name
        if not base.is_dir():
            raise FileNotFoundError(f"no fixture update {name!r} under {self.updates_root}")
        with self._lock:
            for h in self.hosts.values():
                over = base / h.name
                if not over.is_dir():
                    continue
                extra = self._read_routes(over)
                host_cfg = {**h.routes.get("_host", {}), **extra.pop("_host", {})}
                h.routes.update(extra)
                h.routes["_host"] = host_cfg
                h.overlay_roots.insert(0, over)
            self.updates.append(name)

    def throttle(self, host: str, path: str, *, status: int = 429, retry_after: int = 1,
                 times: int = 1) -> None:
        """Answer the next `times` requests for `path` with `status` + Retry-After (polite-crawl tests)."""
        with self._lock:
            self._throttles[(host, path)] = _Throttle(status, retry_after, times)

    def requests(self, host: str | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if host is None or r.host == host]

    def url(self, host: str, path: str = "/") -> str:
        return self.urls[host] + path

    # -- internals -------------------------------------------------------------------------------
    @staticmethod
    def _read_routes(d: Path) -> dict[str, Any]:
        p = d / "_routes.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}

    def _find_file(self, host: _Host, rel: str) -> Path | None:
        for r in [*host.overlay_roots, host.root]:
            p = (r / rel).resolve()
            if r.resolve() in p.parents and p.is_file():
                return p
        return None

    def _substitute(self, host: str, data: bytes) -> bytes:
        text = data.decode("utf-8")

        def repl(m: re.Match[str]) -> str:
            return self.urls.get(m.group(1) or host, f"https://{m.group(1) or host}")

        return _BASE_RE.sub(repl, text).encode("utf-8")

    def _record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.log.append(entry)

    def _check_throttle(self, host: str, path: str) -> _Throttle | None:
        with self._lock:
            t = self._throttles.get((host, path))
            if t is None:
                route_t = self.hosts[host].routes.get(path, {}).get("throttle") if path in self.hosts[host].routes else None
                if route_t:
                    t = self._throttles.setdefault((host, path), _Throttle(**route_t))
            if t is not None and t.seen < t.times:
                t.seen += 1
                return t
            return None


# ---------------------------------------------------------------------------------------------
# The GOV.UK Search API imitation (sites.md §1c): a small handler over a JSON list of items.

_SORTABLE = {"public_timestamp", "title", "closing_date", "start_date", "end_date", "ordering",
             "assessment_date", "popularity", "release_timestamp", "tribunal_decision_decision_date"}
_FILTERABLE = {"organisations", "content_store_document_type", "public_timestamp", "format",
               "display_type", "content_purpose_subgroup", "content_purpose_supergroup",
               "email_document_supertype", "government_document_supertype", "world_locations",
               "people", "link", "content_id", "government_name", "is_historic"}
_DEFAULT_FIELDS = ("description", "display_type", "document_series", "format", "link", "organisations",
                   "public_timestamp", "slug", "title", "policy_areas", "world_locations",
                   "topical_events", "organisation_content_ids", "expanded_organisations")
_DEBUG_FIELDS = ("index", "es_score", "_id", "elasticsearch_type", "document_type")


class SearchError(ValueError):
    pass


def _ts(value: str, end: bool) -> datetime:
    v = value.strip()
    if len(v) == 10:
        v += "T23:59:59+00:00" if end else "T00:00:00+00:00"
    dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _matches(item: dict[str, Any], fieldname: str, values: list[str]) -> bool:
    if fieldname == "public_timestamp":
        when = _ts(item["public_timestamp"], end=False)
        for v in values:
            parts = dict(p.split(":", 1) for p in v.split(",") if ":" in p)
            lo = _ts(parts["from"], end=False) if parts.get("from") else None
            hi = _ts(parts["to"], end=True) if parts.get("to") else None
            if (lo is None or when >= lo) and (hi is None or when <= hi):
                return True
        return False
    got = item.get(fieldname)
    if fieldname == "organisations":
        got = [o.get("slug") for o in item.get("organisations", [])]
    if got is None:
        return "_MISSING" in values
    got_list = got if isinstance(got, list) else [got]
    return any(str(g) in values for g in got_list)


def search(items: list[dict[str, Any]], query: str) -> dict[str, Any]:
    """Answer a /api/search.json query string like search-api does (enough for crawling)."""
    params: dict[str, list[str]] = {}
    for k, v in parse_qsl(query, keep_blank_values=True):
        params.setdefault(k, []).append(v)
    unexpected = []
    filters: list[tuple[str, str, list[str]]] = []
    for k, vs in params.items():
        if k in ("q", "count", "start", "order", "fields", "fields[]", "c"):
            continue
        m = re.fullmatch(r"(filter|reject)_(.+?)(\[\])?", k)
        if m and m.group(2) in _FILTERABLE:
            vals = [x for v in vs for x in ([v] if m.group(2) == "public_timestamp" else v.split(","))]
            filters.append((m.group(1), m.group(2), vals))
            continue
        unexpected.append(k)
    if unexpected:
        raise SearchError("Unexpected parameters: " + ", ".join(sorted(unexpected)))
    try:
        count = int(params.get("count", ["10"])[-1])
        start = int(params.get("start", ["0"])[-1])
    except ValueError:
        raise SearchError("count and start must be integers") from None
    if not 0 <= count <= 1500 or not 0 <= start <= 900000:
        raise SearchError("Maximum result set size (as specified in 'count') is 1500")
    order = params.get("order", [""])[-1]
    if order and order.lstrip("-") not in _SORTABLE:
        raise SearchError(f'"{order.lstrip("-")}" is not a sortable field')
    try:
        hits = [it for it in items if not it.get("withdrawn")
                and all(_matches(it, f, vals) == (kind == "filter") for kind, f, vals in filters)]
    except (ValueError, KeyError):
        raise SearchError("Invalid value for filter_public_timestamp") from None
    q = params.get("q", [""])[-1].lower().split()
    if q:
        hits = [it for it in hits
                if all(w in (it.get("title", "") + " " + it.get("description", "")).lower() for w in q)]
    if order:
        key = order.lstrip("-")
        hits.sort(key=lambda it: str(it.get(key, "")), reverse=order.startswith("-"))
    wanted = [f for v in params.get("fields", []) + params.get("fields[]", []) for f in v.split(",") if f]
    fields = wanted or list(_DEFAULT_FIELDS)
    results = []
    for it in hits[start:start + count]:
        r = {f: it[f] for f in fields if f in it}
        r.update({"index": "govuk", "es_score": None, "_id": it["link"],
                  "elasticsearch_type": "edition", "document_type": "edition"})
        results.append(r)
    return {"results": results, "total": len(hits), "start": start, "aggregates": {},
            "suggested_queries": [], "suggested_autocomplete": [], "es_cluster": "A"}


# ---------------------------------------------------------------------------------------------

def _make_handler(web: FixtureWeb, hostname: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "govwire-fixture"

        def version_string(self) -> str:
            return self.server_version

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            pass  # the request log is the record; stderr noise would drown test output

        def do_HEAD(self) -> None:
            self._serve(head=True)

        def do_GET(self) -> None:
            self._serve(head=False)

        def _serve(self, head: bool) -> None:
            arrived = time.time()
            host = web.hosts[hostname]
            parts = urlsplit(self.path)
            path = unquote(parts.path) or "/"
            key = f"{path}?{parts.query}" if parts.query else path
            status, headers, body, cacheable = self._resolve(host, path, key, parts.query)
            headers.setdefault("Date", email.utils.formatdate(usegmt=True))
            if cacheable and status == 200:
                etag = 'W/"' + hashlib.sha1(body).hexdigest()[:20] + '"'
                headers["ETag"] = etag
                if self._not_modified(etag, headers.get("Last-Modified")):
                    status, body = 304, b""
                    headers.pop("Content-Type", None)
            if status == 200 and host.routes.get("_host", {}).get("gzip") and len(body) > 200 \
                    and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body, compresslevel=6, mtime=0)
                headers["Content-Encoding"] = "gzip"
                headers["Vary"] = "Accept-Encoding"
            headers["Content-Length"] = str(len(body))
            web._record(LoggedRequest(hostname, self.command, self.path,
                                      {k.lower(): v for k, v in self.headers.items()}, status,
                                      at=arrived))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if not head and status not in (204, 304):
                self.wfile.write(body)

        def _not_modified(self, etag: str, last_modified: str | None) -> bool:
            inm = self.headers.get("If-None-Match")
            if inm is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
                tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
                return "*" in tags or etag.removeprefix("W/") in tags
            ims = self.headers.get("If-Modified-Since")
            if ims and last_modified:
                since, lm = _parse_http_date(ims), _parse_http_date(last_modified)
                return since is not None and lm is not None and lm <= since
            return False

        def _resolve(self, host: _Host, path: str, key: str, query: str
                     ) -> tuple[int, dict[str, str], bytes, bool]:
            cfg = host.routes.get("_host", {})
            base_headers = dict(cfg.get("headers", {}))
            t = web._check_throttle(hostname, key) or web._check_throttle(hostname, path)
            if t is not None:
                return t.status, {**base_headers, "Retry-After": str(t.retry_after),
                                  "Content-Type": "text/plain; charset=utf-8"}, b"Too many requests\n", False
            if path == "/api/search.json" and cfg.get("search_index"):
                return self._search(host, cfg, base_headers, query)
            route = host.routes.get(key) or host.routes.get(path)
            if route is None:
                body = b"<!DOCTYPE html><html><head><title>Page not found</title></head><body><h1>Page not found</h1></body></html>"
                ctype = "text/html; charset=utf-8"
                if path.startswith("/api/"):
                    body, ctype = b'{"error":{"code":404,"message":"Could not find content item"}}', "application/json; charset=utf-8"
                return 404, {**base_headers, "Content-Type": ctype}, body, False
            headers = {**base_headers, **route.get("headers", {})}
            if "redirect" in route:
                target = route["redirect"]
                headers["Location"] = target if "://" in target else web.urls[hostname] + target
                return int(route.get("status", 301)), headers, b"", False
            f = web._find_file(host, route["file"])
            if f is None:
                return 500, {"Content-Type": "text/plain"}, f"missing fixture file {route['file']}".encode(), False
            body = f.read_bytes()
            if route.get("template"):
                body = web._substitute(hostname, body)
            headers["Content-Type"] = route.get("type", "text/html; charset=utf-8")
            headers["Last-Modified"] = _http_date(route.get("last_modified", DEFAULT_LAST_MODIFIED))
            return int(route.get("status", 200)), headers, body, True

        def _search(self, host: _Host, cfg: dict[str, Any], headers: dict[str, str], query: str
                    ) -> tuple[int, dict[str, str], bytes, bool]:
            items: dict[str, dict[str, Any]] = {}
            for r in [host.root, *reversed(host.overlay_roots)]:
                p = r / cfg["search_index"]
                if p.exists():
                    for it in json.loads(p.read_text(encoding="utf-8")):
                        items[it["link"]] = it
            headers = {**headers, "Content-Type": "application/json; charset=utf-8",
                       "Access-Control-Allow-Origin": "*"}
            try:
                out = search(list(items.values()), query)
            except SearchError as e:
                return 422, headers, json.dumps({"error": str(e)}).encode(), False
            newest = max((it["public_timestamp"] for it in items.values()), default=DEFAULT_LAST_MODIFIED)
            headers["Last-Modified"] = _http_date(newest)
            return 200, headers, json.dumps(out, ensure_ascii=False).encode("utf-8"), True

    return Handler


def main(argv: list[str] | None = None) -> int:
    """`python -m crawler.demo.server`: serve the fixture web until Ctrl-C (for poking with curl)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--update", action="append", default=[], help="apply a fixture update (repeatable)")
    args = ap.parse_args(argv)
    web = FixtureWeb()
    urls = web.start()
    for name in args.update:
        web.apply_update(name)
    for host, base in urls.items():
        print(f"{host:28} {base}")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        web.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
