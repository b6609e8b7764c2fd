"""`govwire archive` end to end against a real loopback server: WARC fidelity and failure modes.

Each govwire run is a subprocess (a Twisted reactor starts once per process). One batch run
with every kind of URL is shared by most tests, which then check one claim each.
"""
from __future__ import annotations

import os
import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.wire_server import WireServer, gzipped, html, response

REPO = Path(__file__).resolve().parents[1]

ARTICLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<main><article><h1>{title}</h1>
<p>The Foreign Secretary will host European partners today to focus on preserving security and stability in the Western Balkans.</p>
<p>The summit will discuss the importance of building resilience in the region to combat hybrid threats aimed at destabilising it.</p>
<p>Ahead of the meeting, ministers will announce new investment in programmes to tackle people smuggling across the region.</p>
<p>{extra}</p>
</article></main><footer>Footer text</footer></body></html>"""


def article(title: str, extra: str = "A further paragraph closes the story with a quote from officials.") -> str:
    return ARTICLE.format(title=title, extra=extra)


LATIN1_PAGE = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=iso-8859-1'>"
               "<title>Caf\xe9 funding</title></head><body><article><h1>Caf\xe9 funding</h1>"
               "<p>The \xa34 million fund will support caf\xe9s and r\xe9sum\xe9 workshops across the region this year.</p>"
               "<p>Officials said the programme would run for three years and be reviewed annually by the department.</p>"
               "<p>Applications open next month through the local council offices and online portals.</p>"
               "</article></body></html>")

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + bytes(range(256)) * 4


def run_cli(*args: str, timeout: float = 120, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "GOVWIRE_PROGRESS_INTERVAL": "0",
           "GOVWIRE_CLEAN_WORKERS": "1", "PYTHONPATH": str(REPO),
           "GOVWIRE_ALLOW_ADDRESSES": os.environ["GOVWIRE_ALLOW_ADDRESSES"]}
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, env=env, input=stdin)


def warc_files(store: Path) -> list[Path]:
    return sorted((store / "warcs").rglob("*.warc.gz"))


def records(store: Path) -> list[Any]:
    out = []
    for f in warc_files(store):
        with open(f, "rb") as fh:
            for rec in ArchiveIterator(fh):
                out.append((rec.rec_type, rec.rec_headers, rec.http_headers, rec.raw_stream.read()))
    return out


def docs(store: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((store / "docs").rglob("*.json"))]


@pytest.fixture(scope="module")
def server() -> Any:
    srv = WireServer().start()
    gz_wire, gz_payload = gzipped(article("Gzipped release").encode(), [
        ("content-type", "text/html; charset=utf-8"), ("Set-Cookie", "a=1; Path=/"),
        ("Set-Cookie", "b=2; Path=/"), ("X-Odd-Case", "kept")])
    srv.gz_payload = gz_payload  # type: ignore[attr-defined]
    srv.routes.update({
        "/robots.txt": response("200 OK", [("Content-Type", "text/plain")],
                                b"User-agent: *\nDisallow: /private/\n"),
        "/plain": html(article("Plain release")),
        "/gz": gz_wire,
        "/query": html(article("Query release")),
        "/chunked": response("200 Fine Thanks", [("Content-Type", "text/html; charset=utf-8")],
                             article("Chunked release").encode(), chunked=True),
        "/r1": response("301 Moved Permanently", [("Location", "/r2")], b""),
        "/r2": response("302 Found", [("Location", "/plain2?via=redirect")], b""),
        "/plain2": html(article("Redirected release")),
        "/missing": html("<html><body><h1>Not here</h1></body></html>", status="404 Not Found"),
        "/doc.pdf": response("200 OK", [("Content-Type", "application/pdf")], PDF),
        "/latin1": response("200 OK", [("Content-Type", "text/html")], LATIN1_PAGE.encode("latin-1")),
        "/malformed": html("<html><body><div><p>Unclosed paragraph about the new trade deal signed today"
                           "<p>Another <b>bold <i>claim</p></div><table><tr><td>cell</html>"),
        "/huge": html("<html><body>" + "<p>filler text</p>" * 20000 + "</body></html>"),
        "/private/secret": html(article("Disallowed page")),
    })
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def batch(server: WireServer, tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = tmp_path_factory.mktemp("store")
    b = server.base
    urls = [f"{b}/plain", f"{b}/gz", f"{b}/query?b=2&a=1&a=3", f"{b}/chunked", f"{b}/r1", f"{b}/missing",
            f"{b}/doc.pdf", f"{b}/latin1", f"{b}/malformed", f"{b}/huge", f"{b}/private/secret",
            "http://127.0.0.1:1/unreachable", "ftp://example.org/file", "not a url"]
    proc = run_cli("archive", *urls, "--store", str(store), "--set", "DOWNLOAD_MAXSIZE=200000")
    lines = {line.split()[1].rstrip(":"): line for line in proc.stdout.splitlines() if line.strip()}
    return {"store": store, "proc": proc, "lines": lines, "base": b}


def line_for(batch: Any, path: str) -> str:
    url = path if "://" in path or " " in path else batch["base"] + path
    for k, v in batch["lines"].items():
        if k == url or v.startswith(("OK      " + url, "FAILED  " + url)):
            return v
    raise AssertionError(f"no output line for {url}: {batch['proc'].stdout}\n{batch['proc'].stderr}")


def test_batch_exit_code_and_no_traceback(batch: Any) -> None:
    proc = batch["proc"]
    assert proc.returncode == 4, proc.stdout + proc.stderr  # partial failure
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout


@pytest.mark.parametrize("path,reason", [
    ("/missing", "HTTP 404"),
    ("/private/secret", "robots.txt"),
    ("/huge", "size cap"),
    ("http://127.0.0.1:1/unreachable", "refused"),
    ("ftp://example.org/file", "unsupported scheme"),
    ("not a url", "bad URL"),
])
def test_each_failure_is_one_clear_line(batch: Any, path: str, reason: str) -> None:
    line = line_for(batch, path)
    assert line.startswith("FAILED"), line
    assert reason.lower() in line.lower(), line


def test_robots_disallowed_path_never_requested(batch: Any, server: WireServer) -> None:
    assert "--ignore-robots overrides" in line_for(batch, "/private/secret")
    assert server.requested("/robots.txt")
    assert not server.requested("/private/secret")


def test_successes_are_archived_and_cleaned(batch: Any) -> None:
    for path in ("/plain", "/gz", "/chunked", "/r1", "/latin1", "/malformed"):
        line = line_for(batch, path)
        assert line.startswith("OK"), line
    titles = {d["title"] for d in docs(batch["store"])}
    assert {"Plain release", "Gzipped release", "Chunked release", "Redirected release"} <= titles


def test_every_warc_passes_warcio_check_and_index(batch: Any) -> None:
    files = warc_files(batch["store"])
    assert files
    for f in files:
        for cmd in ("check", "index"):
            r = subprocess.run([sys.executable, "-m", "warcio.cli", cmd, str(f)], capture_output=True, text=True)
            assert r.returncode == 0, (cmd, r.stdout, r.stderr)
    assert not list(batch["store"].rglob("*.open"))


def _response(batch: Any, path: str) -> tuple[Any, Any, bytes]:
    url = batch["base"] + path
    for kind, wh, hh, body in records(batch["store"]):
        if kind == "response" and wh.get_header("WARC-Target-URI") == url:
            return wh, hh, body
    raise AssertionError(f"no response record for {url}")


def test_gzip_body_is_byte_for_byte_what_the_server_sent(batch: Any, server: WireServer) -> None:
    wh, hh, body = _response(batch, "/gz")
    assert body == server.gz_payload  # type: ignore[attr-defined]
    assert hh.get_header("Content-Encoding") == "gzip"
    assert gzip.decompress(body).startswith(b"<!DOCTYPE html>")


def raw_block(store: Path, warc: dict[str, Any]) -> bytes:
    """The record block (HTTP head + payload) exactly as stored, from a document's WARC pointer."""
    with open(store / warc["file"], "rb") as fh:
        fh.seek(warc["offset"])
        member = gzip.decompress(fh.read(warc["length"]))
    return member.split(b"\r\n\r\n", 1)[1]


def test_response_head_is_exact(batch: Any) -> None:
    """Header case and order, repeated Set-Cookie, HTTP version and reason phrase survive."""
    doc = next(d for d in docs(batch["store"]) if d["title"] == "Gzipped release")
    block = raw_block(batch["store"], doc["warc"])
    assert block.startswith(b"HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n"
                            b"Set-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; Path=/\r\nX-Odd-Case: kept\r\n"
                            b"Content-Encoding: gzip\r\nContent-Length: ")


def test_reason_phrase_and_chunked(batch: Any) -> None:
    wh, hh, body = _response(batch, "/chunked")
    assert hh.protocol == "HTTP/1.1" and hh.statusline == "200 Fine Thanks"
    assert hh.get_header("Transfer-Encoding") is None  # framing removed by the client
    assert wh.get_header("WARC-Govwire-Transfer-Encoding") == "chunked"
    assert body.startswith(b"<!DOCTYPE html>") and b"Chunked release" in body


def test_request_records_keep_query_string_and_link_to_response(batch: Any) -> None:
    recs = records(batch["store"])
    by_id = {wh.get_header("WARC-Record-ID"): (k, wh) for k, wh, _, _ in recs}
    reqs = [(wh, body) for k, wh, _, body in recs if k == "request"
            and wh.get_header("WARC-Target-URI").endswith("/query?b=2&a=1&a=3")]
    assert reqs
    wh, _ = reqs[0]
    kind, resp = by_id[wh.get_header("WARC-Concurrent-To")]
    assert kind == "response" and resp.get_header("WARC-Target-URI") == wh.get_header("WARC-Target-URI")
    for name in ("WARC-Date", "WARC-IP-Address", "WARC-Block-Digest", "WARC-Payload-Digest"):
        assert resp.get_header(name), name
    for f in warc_files(batch["store"]):
        data = gzip.decompress(f.read_bytes())
        if b"GET /query?b=2&a=1&a=3 HTTP/1.1\r\n" in data:
            assert b"\r\nHost: 127.0.0.1:" in data
            break
    else:
        raise AssertionError("request line with query string not found")


def test_redirect_chain_archives_every_hop(batch: Any) -> None:
    statuses = {}
    for kind, wh, hh, _ in records(batch["store"]):
        if kind == "response":
            statuses[wh.get_header("WARC-Target-URI").removeprefix(batch["base"])] = hh.get_statuscode()
    assert statuses["/r1"] == "301" and statuses["/r2"] == "302" and statuses["/plain2?via=redirect"] == "200"
    doc = next(d for d in docs(batch["store"]) if d["title"] == "Redirected release")
    assert doc["url"] == batch["base"] + "/r1"
    assert doc["final_url"] == batch["base"] + "/plain2?via=redirect"


def test_error_page_archived_but_no_document(batch: Any) -> None:
    wh, hh, body = _response(batch, "/missing")
    assert hh.get_statuscode() == "404" and b"Not here" in body
    assert not any(d["url"].endswith("/missing") for d in docs(batch["store"]))


def test_binary_response_archived_without_document(batch: Any) -> None:
    line = line_for(batch, "/doc.pdf")
    assert line.startswith("OK") and "no document" in line
    _, _, body = _response(batch, "/doc.pdf")
    assert body == PDF


def test_non_utf8_page_decoded_by_meta_charset(batch: Any) -> None:
    doc = next(d for d in docs(batch["store"]) if d["url"].endswith("/latin1"))
    assert "£4 million" in doc["text"] and "cafés" in doc["text"]


def test_document_points_at_its_warc_record(batch: Any) -> None:
    store = batch["store"]
    doc = next(d for d in docs(store) if d["title"] == "Plain release")
    w = doc["warc"]
    with open(store / w["file"], "rb") as fh:
        fh.seek(w["offset"])
        chunk = fh.read(w["length"])
    rec = next(iter(ArchiveIterator(__import__("io").BytesIO(chunk))))
    assert rec.rec_headers.get_header("WARC-Record-ID") == w["record_id"]
    assert rec.rec_headers.get_header("WARC-Payload-Digest") == doc["payload_digest"]
    for key in ("url", "final_url", "canonical_url", "site", "title", "authors", "published", "modified",
                "language", "text", "removed", "fetched_at", "cleaner_version", "payload_digest"):
        assert key in doc, key


def test_cdxj_index_points_at_records(batch: Any) -> None:
    store = batch["store"]
    lines = [line for p in (store / "indexes").rglob("*.cdxj") for line in p.read_text().splitlines()]
    assert lines == sorted(lines) or len(list((store / "indexes").rglob("*.cdxj"))) > 1
    for line in lines:
        key, ts, js = line.split(" ", 2)
        f = json.loads(js)
        assert len(ts) == 14 and key.startswith("127,0,0,1") or "127" in key
        with open(store / f["filename"], "rb") as fh:
            fh.seek(int(f["offset"]))
            rec = next(iter(ArchiveIterator(__import__("io").BytesIO(fh.read(int(f["length"]))))))
        assert rec.rec_headers.get_header("WARC-Target-URI") == f["url"]


def test_show_prints_latest_text_and_captures(batch: Any) -> None:
    proc = run_cli("show", batch["base"] + "/plain", "--store", str(batch["store"]))
    assert proc.returncode == 0, proc.stderr
    assert "Plain release" in proc.stdout and "1 capture(s)" in proc.stdout
    missing = run_cli("show", batch["base"] + "/never", "--store", str(batch["store"]))
    assert missing.returncode == 1 and missing.stderr.startswith("govwire: error: no capture")


def test_rearchive_unchanged_page_writes_revisit_and_no_document(server: WireServer, tmp_path: Path) -> None:
    etag_page = html(article("Etag release"), extra=[("ETag", '"v1"')])

    def conditional(head: bytes) -> bytes:
        if b'if-none-match: "v1"' in head.lower():
            return response("304 Not Modified", [("ETag", '"v1"')], b"", content_length=False)
        return etag_page

    server.routes["/etag"] = conditional
    server.routes["/same"] = html(article("Same release"))
    urls = [server.base + "/etag", server.base + "/same"]
    first = run_cli("archive", *urls, "--store", str(tmp_path))
    assert first.returncode == 0, first.stdout + first.stderr
    n_docs = len(docs(tmp_path))
    second = run_cli("archive", *urls, "--store", str(tmp_path))
    assert second.returncode == 0, second.stdout + second.stderr
    assert "unchanged" in second.stdout
    assert len(docs(tmp_path)) == n_docs
    revisits = [(wh.get_header("WARC-Target-URI"), wh.get_header("WARC-Profile"))
                for k, wh, _, _ in records(tmp_path) if k == "revisit"]
    assert (server.base + "/etag", "http://netpreserve.org/warc/1.1/revisit/server-not-modified") in revisits
    assert (server.base + "/same", "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest") in revisits
    assert any(b'If-None-Match: "v1"' in r for r in server.requests)


def test_json_output_and_stdin(server: WireServer, tmp_path: Path) -> None:
    proc = run_cli("archive", "--from-file", "-", "--json", "--store", str(tmp_path),
                   stdin=server.base + "/plain\n")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["title"] == "Plain release" and doc["word_count"] > 20


def test_warc_rotation_at_size_cap(server: WireServer, tmp_path: Path) -> None:
    urls = [server.base + p for p in ("/plain", "/gz", "/query?x=1", "/latin1")]
    proc = run_cli("archive", *urls, "--store", str(tmp_path), "--set", "GOVWIRE_WARC_MAX_SIZE=1500")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    files = warc_files(tmp_path)
    assert len(files) >= 3
    for f in files:
        with open(f, "rb") as fh:
            assert next(iter(ArchiveIterator(fh))).rec_type == "warcinfo"


def test_help_and_version() -> None:
    top = run_cli("--help")
    assert top.returncode == 0 and "archive" in top.stdout and "crawl" in top.stdout
    sub = run_cli("archive", "--help")
    assert sub.returncode == 0 and "--from-file" in sub.stdout and "--ignore-robots" in sub.stdout
    ver = run_cli("--version")
    assert ver.returncode == 0 and ver.stdout.startswith("govwire ")
    bad = run_cli("archive")
    assert bad.returncode == 2 and bad.stderr.strip().startswith("govwire: error:")


def test_local_copy_of_a_known_site_gets_that_sites_cleaner(server: WireServer, tmp_path: Path) -> None:
    """A mirror or fixture copy names its site in rel=canonical; only rule choice follows it."""
    page = (REPO / "crawler/demo/web/www.gov.uk/government/news/"
            "foreign-secretary-to-put-boosting-security-and-tackling-illegal-migration-at-the-heart-of-"
            "foreign-policy-during-meeting-of-european-partners.html").read_text(encoding="utf-8")
    server.routes["/mirror"] = html(page)
    proc = run_cli("archive", server.base + "/mirror", "--json", "--store", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["cleaner"] == "govuk" and doc["outlet"] == "GOV.UK"
    assert doc["url"] == server.base + "/mirror"
    assert "Share this page" not in doc["text"] and "Is this page useful" not in doc["text"]


@pytest.mark.parametrize("store,reason", [("/proc/govwire-cannot-create", "cannot create store directory"),
                                          ("ftp://example.org/x", "unsupported store URI scheme")])
def test_unusable_store_is_one_line(store: str, reason: str) -> None:
    for verb in (["archive", "http://127.0.0.1:9/x"], ["crawl", "govuk"]):
        proc = run_cli(*verb, "--store", store)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.strip().startswith("govwire: error: ") and reason in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
