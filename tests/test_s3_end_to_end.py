"""`govwire archive --store s3://…` end to end: a real crawl into SeaweedFS, an outage, `sync`.

Pages come from `http.server` on 127.0.0.1; each govwire run is a subprocess (one Twisted
reactor per process), configured only through the environment, as in production.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.keys import capture_prefix
from archive.spool import Spool
from archive.storage import Store, open_store
from tests.fixtures_s3 import SECRET_KEY, WeedServer

REPO = Path(__file__).resolve().parents[1]
PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{t}</title></head>
<body><main><article><h1>{t}</h1>
<p>The Foreign Secretary will host European partners today to focus on security in the region.</p>
<p>The summit will discuss building resilience against hybrid threats aimed at destabilising it.</p>
<p>Ministers will announce new investment in programmes to tackle people smuggling, item {t}.</p>
</article></main></body></html>"""


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if not self.path.startswith("/news/"):
            self.send_error(404)
            return
        body = PAGE.format(t=self.path.rsplit("/", 1)[-1]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def govwire(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True,
                          timeout=180, cwd=REPO, env=env)


def warc_records(store: Store, tmp: Path) -> list[tuple[str, str]]:
    """(type, url) of every record in every WARC of the store; each file must pass `warcio check`."""
    out = []
    for key in store.list("warcs/"):
        data = store.get_bytes(key)
        local = tmp / Path(key).name
        local.write_bytes(data)
        check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(local)],
                               capture_output=True, text=True)
        assert check.returncode == 0, key + check.stdout + check.stderr
        for rec in ArchiveIterator(BytesIO(data)):
            out.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI") or ""))
    return out


def test_archive_to_s3_outage_then_sync(s3_bucket: str, s3_env: WeedServer, web: str, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(REPO),
           "GOVWIRE_ALLOW_ADDRESSES": os.environ["GOVWIRE_ALLOW_ADDRESSES"],
           "AWS_ACCESS_KEY_ID": s3_env.access_key, "AWS_SECRET_ACCESS_KEY": s3_env.secret_key,
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
           "GOVWIRE_S3_ENDPOINT_URL": s3_env.endpoint_url, "GOVWIRE_SPOOL": str(tmp_path / "spool"),
           "GOVWIRE_S3_MAX_ATTEMPTS": "2", "GOVWIRE_CLEAN_WORKERS": "1", "GOVWIRE_PROGRESS_INTERVAL": "0"}
    first = [f"{web}/news/first-{i}" for i in range(2)]
    second = [f"{web}/news/second-{i}" for i in range(3)]

    up = govwire("archive", *first, "--store", s3_bucket, "--ignore-robots", env=env)
    assert up.returncode == 0, up.stdout + up.stderr
    store = open_store(s3_bucket, spool_dir=tmp_path / "spool")
    spool = Spool(store)
    assert spool.pending() == []

    s3_env.stop()
    try:
        down = govwire("archive", *second, "--store", s3_bucket, "--ignore-robots", env=env)
        assert down.returncode != 0, down.stdout + down.stderr
        errors = [line for line in down.stderr.splitlines() if line.startswith("govwire: error:")]
        assert len(errors) == 1 and "Traceback" not in down.stderr, down.stderr
        assert "cannot reach S3 endpoint" in errors[0] and "govwire sync" in down.stdout
        assert SECRET_KEY not in down.stdout + down.stderr
        assert any(k.startswith("warcs/") for k in spool.pending())
        assert spool.open_files() == []
    finally:
        s3_env.start()

    sync = govwire("sync", "--store", s3_bucket, "--json", env=env)
    assert sync.returncode == 0, sync.stdout + sync.stderr
    assert json.loads(sync.stdout)["pending"] == 0 and spool.pending() == []

    recs = warc_records(store, tmp_path)
    responses = Counter(url for kind, url in recs if kind == "response")
    for url in first + second:
        assert responses[url] == 1, (url, responses)
        captures = list(store.list(capture_prefix(url)))
        assert len(captures) == 1, (url, captures)
        cap = json.loads(store.get_bytes(captures[0]))
        if cap.get("document"):
            assert store.exists(cap["document"])
    assert len(list(store.list("indexes/"))) == len(list(store.list("warcs/")))
