"""`govwire crawl` into a real S3 server (SeaweedFS on 127.0.0.1): WARCs, documents, state and
locks all live in the bucket; a second run is incremental from the state kept there."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from io import BytesIO
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from archive.storage import open_store
from crawler import exitcodes

REPO = Path(__file__).resolve().parents[1]


def crawl(bucket: str, seeds: Path, *sites: str) -> tuple[int, dict[str, Any], str]:
    env = {**os.environ, "GOVWIRE_PROGRESS_INTERVAL": "0", "GOVWIRE_CLEAN_WORKERS": "1",
           "PYTHONPATH": str(REPO), "GOVWIRE_SEEDS_DIR": str(seeds)}
    p = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", *sites, "--store", bucket],
                       capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    return p.returncode, json.loads(lines[-1]) if lines else {}, p.stderr


def test_crawl_into_s3_and_again_incrementally(web: Any, seeds_for_fixture_web: Path, s3_bucket: str,
                                               s3_env: Any) -> None:
    code, first, err = crawl(s3_bucket, seeds_for_fixture_web, "govuk", "wiredgov")
    assert code == exitcodes.OK, err
    assert first["new"] >= 15 and first["spooled"] == 0, first
    store = open_store(s3_bucket)
    keys = list(store.list(""))
    warcs = [k for k in keys if k.endswith(".warc.gz")]
    docs = [k for k in keys if k.startswith("docs/")]
    assert {"state/govuk.json", "state/wiredgov.json"} <= set(keys)
    assert not [k for k in keys if k.startswith("locks/")]  # released at the end
    assert len(docs) == first["new"] and warcs
    assert len([k for k in keys if k.endswith(".cdxj")]) == len(warcs)
    for key in warcs:
        types = [r.rec_type for r in ArchiveIterator(BytesIO(store.get_bytes(key)))]
        assert types[0] == "warcinfo" and "response" in types and "request" in types
    doc = json.loads(store.get_bytes(docs[0]))
    w = doc["warc"]
    rec = next(iter(ArchiveIterator(BytesIO(store.get_range(w["file"], w["offset"], w["length"])))))
    assert rec.rec_headers.get_header("WARC-Record-ID") == w["record_id"]
    assert s3_env.secret_key not in err

    code, second, err = crawl(s3_bucket, seeds_for_fixture_web, "govuk", "wiredgov")
    assert code == exitcodes.NOTHING, err  # only unchanged pages: nothing new
    assert second["new"] == 0 and second["changed"] == 0 and second["unchanged"] >= first["new"], second
    assert len([k for k in store.list("docs/")]) == len(docs)
