"""pywb itself replays our archive, the newest capture of an unchanged page included.

The second demo crawl gets 304s (ETag/If-None-Match) and archives them faithfully as
`server-not-modified` revisits. pywb 2.10 replays a revisit with the revisit's own HTTP head, so
with the index as recorded the newest capture is an empty 304 (the defect); with `govwire
index`'s default the same timestamp replays the original 200 response.
"""
from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.cli import main
from tests.fixtures_demo_store import free_port, replay_tool


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture
def pywb(tmp_path: Path, demo_store: Path) -> Iterator[tuple[str, Path]]:
    wayback = replay_tool("wayback")
    (tmp_path / "idx").mkdir()
    (tmp_path / "config.yaml").write_text(
        f"collections:\n  govwire:\n    index_paths: {tmp_path / 'idx'}/\n"
        f"    archive_paths: {demo_store}/\n", encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen([str(wayback), "-p", str(port), "-b", "127.0.0.1"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if _get(base + "/")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None:
                pytest.fail(f"pywb exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
            time.sleep(0.25)
        yield base, tmp_path / "idx" / "index.cdxj"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _not_modified_capture(index: Path) -> tuple[str, str, dict[str, str]]:
    for line in index.read_text(encoding="utf-8").splitlines():
        _, ts, rest = line.split(" ", 2)
        f = json.loads(rest)
        if f.get("revisit_filename") and f.get("mime") == "text/html" and "/api/" not in f["url"]:
            return ts, f["url"], f
    raise AssertionError("no resolved 304 revisit of a GOV.UK page in the index")


@pytest.mark.slow
def test_pywb_replays_latest_capture_of_unchanged_page(pywb: tuple[str, Path], demo_store: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    base, index = pywb
    assert main(["index", "--store", str(demo_store), "--out", str(index)]) == 0
    ts, url, fields = _not_modified_capture(index)
    status, body = _get(f"{base}/govwire/{ts}id_/{url}")
    assert status == 200
    assert len(body) > 2000 and b"<title" in body.lower()
    # the same bytes as the first capture (the one the 304 says is still current)
    first = [line.split(" ", 2)[1] for line in index.read_text().splitlines()
             if f'"url": "{url}"' in line and "revisit_filename" not in line]
    assert first, "the original 200 capture is indexed"
    assert _get(f"{base}/govwire/{first[0]}id_/{url}") == (200, body)
    # the WARC stays faithful: the record at revisit_* is the 304 revisit
    from warcio.archiveiterator import ArchiveIterator
    with open(demo_store / fields["revisit_filename"], "rb") as f:
        f.seek(int(fields["revisit_offset"]))
        rec = next(iter(ArchiveIterator(f)))
        assert rec.rec_type == "revisit"
        assert rec.http_headers.get_statuscode() == "304"
        assert rec.rec_headers.get_header("WARC-Profile").endswith("/server-not-modified")


@pytest.mark.slow
def test_index_as_recorded_shows_the_pywb_defect(pywb: tuple[str, Path], demo_store: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Why the default resolves: the as-recorded index replays the newest capture as an empty 304."""
    base, index = pywb
    assert main(["index", "--store", str(demo_store), "--out", str(index), "--as-recorded"]) == 0
    resolved = index.with_name("resolved.cdxj.txt")
    assert main(["index", "--store", str(demo_store), "--out", str(resolved)]) == 0
    ts, url, _ = _not_modified_capture(resolved)
    status, body = _get(f"{base}/govwire/{ts}id_/{url}")
    assert (status, body) == (304, b"")
