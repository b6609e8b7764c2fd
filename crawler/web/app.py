"""The Flask application behind `govwire serve`.

Security model (docs/ui.md): the UI serves only 127.0.0.1 by default and answers only to the
Host names it was started with (no DNS rebinding); its pages run no script at all
(`script-src 'none'`); archived pages are served from a separate route, made inert
(crawler/web/inert.py), under their own CSP with `sandbox`, and framed with an empty
`sandbox` attribute, so they neither run nor reach the live web; Jinja escapes every value;
every path parameter must match the store's key grammar and any `..`, backslash or
percent-encoded separator in the request path is refused before routing.
"""
from __future__ import annotations

import difflib
import json
import math
import re
from typing import Any

from flask import Flask, Response, abort, render_template, request

from archive.errors import ArchiveError, NotFound
from archive.keys import capture_prefix
from archive.storage import Store
from cleaners.errors import CleanerInputError
from archive.dataset.errors import DatasetError
from crawler.web.catalog import REV, Catalog, DocRow, Query
from crawler.web.inert import make_inert, parse_archived, render
from crawler.web.original import read_original
from crawler.web.removed import Located, mark_removed, visible_marks
from crawler.web.syndication import Syndication, copy_links, keys_fingerprint
from crawler.web.telemetry import chart, site_runs

__all__ = ["ARCHIVED_CSP", "UI_CSP", "create_app"]

PAGE_SIZE = 50
UI_CSP = ("default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
          "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
ARCHIVED_CSP = ("default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                "font-src 'none'; connect-src 'none'; media-src 'none'; object-src 'none'; "
                "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox")
_SITE = re.compile(r"^[a-z0-9_.-]{1,64}$")
_HASH = re.compile(r"^[0-9a-f]{40}$")
_REV = re.compile(rf"^(?:{REV})$")
_BAD_PATH = re.compile(r"(^|/)\.\.?(/|$)|\\|%2e|%2f|%5c|%00|\x00", re.IGNORECASE)


def _ident(site: str, urlhash: str, rev: str) -> tuple[str, str, str]:
    if not (_SITE.match(site) and _HASH.match(urlhash) and _REV.match(rev)):
        abort(404)
    return site, urlhash, rev


def create_app(store: Store, *, allowed_hosts: set[str] | None = None,
               dataset: Store | None = None) -> Flask:
    """The UI over `store`. allowed_hosts: Host header values to answer (None: any);
    dataset: a built dataset to read syndication links from (else built from the store)."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    catalog = Catalog(store)
    syndication = Syndication(store, lambda: keys_fingerprint(catalog.keys()), dataset)
    app.extensions["govwire_syndication"] = syndication

    @app.before_request
    def _guard() -> None:
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
        path = request.environ.get("PATH_INFO", "")
        if _BAD_PATH.search(path) or _BAD_PATH.search(raw.split("?", 1)[0]):
            abort(400)
        if allowed_hosts is not None and request.host.lower() not in allowed_hosts:
            abort(400)
        if request.method not in ("GET", "HEAD"):
            abort(405)

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("Content-Security-Policy", UI_CSP)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.errorhandler(400)
    @app.errorhandler(404)
    @app.errorhandler(405)
    def _error(e: Any) -> tuple[str, int]:
        return render_template("error.html", code=e.code, message=e.description), e.code

    def load(row: DocRow) -> dict[str, Any]:
        try:
            return catalog.load(row)
        except (NotFound, ValueError):
            abort(404)

    @app.get("/")
    def home() -> str:
        q = Query.from_args(request.args)
        rows = sorted((r for r in catalog.latest() if q.matches(r)),
                      key=lambda r: (r.date, r.fetched_at), reverse=True)
        pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
        page = min(q.page, pages)
        alarms = sorted({a for r in catalog.latest() for a in r.alarms})
        return render_template("home.html", q=q, rows=rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE],
                               total=len(rows), page=page, pages=pages, sites=catalog.sites(),
                               alarms=alarms, store=store.uri)

    @app.get("/doc/<site>/<urlhash>/<rev>")
    def document(site: str, urlhash: str, rev: str) -> str:
        row = catalog.get(*_ident(site, urlhash, rev)) or abort(404)
        doc = load(row)
        revisions = catalog.revisions(site, urlhash)
        other = request.args.get("diff", "")
        prev = next((r for r in revisions if r.rev == other), None) if other else None
        if prev is None:
            older = [r for r in revisions if (r.fetched_at, r.rev) < (row.fetched_at, row.rev)]
            prev = older[-1] if older else None
        diff = _diff(load(prev)["text"], doc.get("text", ""), prev.rev, rev) if prev else []
        sources = [] if row.is_release else _sources(row)
        try:
            located: list[Located] | None = _annotated(doc)[1]
        except _UNREADABLE:
            located = None
        return render_template("document.html", row=row, doc=doc, revisions=revisions, prev=prev,
                               sources=sources, located=located,
                               diff=diff, captures=_captures(doc),
                               paragraphs=_paragraphs(doc.get("text", "")),
                               meta_json=json.dumps(doc.get("metadata") or {}, ensure_ascii=False,
                                                    indent=1, sort_keys=True))

    @app.get("/doc/<site>/<urlhash>/<rev>/original")
    def original(site: str, urlhash: str, rev: str) -> Response:
        row = catalog.get(*_ident(site, urlhash, rev)) or abort(404)
        doc = load(row)
        try:
            root, _ = _annotated(doc)
        except _UNREADABLE:
            abort(404, "the archived record could not be read")
        resp = Response(render(root), mimetype="text/html")
        resp.headers["Content-Security-Policy"] = ARCHIVED_CSP
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        return resp

    @app.get("/release/<site>/<urlhash>/<rev>")
    def release(site: str, urlhash: str, rev: str) -> str:
        row = catalog.get(*_ident(site, urlhash, rev)) or abort(404)
        if not row.is_release:
            abort(404, "not a GOV.UK release")
        doc = load(row)
        try:
            view, origin = syndication.view(row.url)
        except DatasetError as e:
            view, origin = None, str(e)
        copies = copy_links(view) if view is not None else []
        rows = {c.link["copy_id"]: catalog.by_doc_id(str(c.link["copy_id"])) for c in copies}
        return render_template("release.html", row=row, doc=doc, copies=copies, copy_rows=rows,
                               view=view, origin=origin,
                               linked=[c for c in copies if c.link["linked"]])

    @app.get("/site/<site>")
    def site_page(site: str) -> str:
        if not _SITE.match(site):
            abort(404)
        rows = [r for r in catalog.all() if r.site == site]
        if not rows and not any(store.list(f"telemetry/{site}/")):
            abort(404)
        runs = site_runs(store, site, rows)
        charts = {name: chart([getattr(r, attr) for r in runs]) for name, attr in (
            ("fallback share", "fallback_share"), ("junk hits", "junk_hits"),
            ("median words", "median_words"), ("documents", "documents"))}
        return render_template("site.html", site=site, runs=runs, charts=charts,
                               docs=len({r.urlhash for r in rows}))

    def _annotated(doc: dict[str, Any]) -> tuple[Any, list[Located]]:
        """The original, removed blocks marked (on the page as parsed), then made inert."""
        page = read_original(store, doc.get("warc") or {})
        root = parse_archived(page.html)
        located = mark_removed(root, doc.get("removed") or [])
        make_inert(root)
        return root, visible_marks(root, located)

    def _captures(doc: dict[str, Any]) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for url in {doc.get("url"), doc.get("final_url")} - {None, ""}:
            for key in store.list(capture_prefix(str(url))):
                try:
                    c = json.loads(store.get_bytes(key))
                except (NotFound, ValueError):
                    continue
                rid = (c.get("warc") or {}).get("record_id") or key
                seen[rid] = c
        return sorted(seen.values(), key=lambda c: str(c.get("fetched_at") or ""))

    def _sources(row: DocRow) -> list[tuple[DocRow | None, dict[str, Any]]]:
        """The releases the dataset links this copy to (show-release on the copy's URL)."""
        try:
            view, _ = syndication.view(row.url)
        except DatasetError:
            return []
        if view is None or view.role != "copy":
            return []
        return [(catalog.by_doc_id(str(r["release_id"])), r) for r in view.links if r["linked"]]

    app.jinja_env.filters["delay"] = _human_delay
    return app


_UNREADABLE = (NotFound, KeyError, ValueError, StopIteration, CleanerInputError, ArchiveError)


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def _diff(old: str, new: str, old_rev: str, new_rev: str) -> list[tuple[str, str]]:
    """(css class, line) pairs of a unified diff of two texts, paragraph by paragraph."""
    out = []
    for line in difflib.unified_diff(_paragraphs(old), _paragraphs(new), old_rev, new_rev,
                                     lineterm="", n=1):
        cls = ("hunk" if line.startswith("@@") else "head" if line.startswith(("---", "+++"))
               else "add" if line.startswith("+") else "del" if line.startswith("-") else "same")
        out.append((cls, line))
    return out


def _human_delay(seconds: int | None) -> str:
    if seconds is None:
        return "unknown"
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    if s < 3600:
        return f"{sign}{s // 60} min"
    if s < 86400 * 2:
        return f"{sign}{s / 3600:.1f} h"
    return f"{sign}{s / 86400:.1f} days"
