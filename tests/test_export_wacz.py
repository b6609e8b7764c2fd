"""`govwire export wacz` writes a WACZ that the wacz package's own validator accepts."""
from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.cli import main
from tests.fixtures_demo_store import replay_tool


@pytest.fixture(scope="module")
def wacz_file(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wacz") / "demo.wacz"
    assert main(["export", "wacz", "--store", str(demo_store), "--out", str(out)]) == 0
    return out


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(replay_tool("wacz")), "validate", "-f", str(path)],
                          capture_output=True, text=True, timeout=120, check=False)


def test_wacz_validate_accepts_the_demo_export(wacz_file: Path) -> None:
    p = _validate(wacz_file)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Validation succeeded" in p.stdout


def test_wacz_validate_rejects_a_tampered_copy(wacz_file: Path, tmp_path: Path) -> None:
    """The check above can fail: change one byte of pages.jsonl and the hashes disagree."""
    bad = tmp_path / "bad.wacz"
    with zipfile.ZipFile(wacz_file) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "pages/pages.jsonl":
                data = data.replace(b'"title"', b'"Title"', 1)
            dst.writestr(info, data)
    assert _validate(bad).returncode != 0


def test_wacz_layout_index_and_pages(wacz_file: Path, demo_store: Path) -> None:
    with zipfile.ZipFile(wacz_file) as z:
        names = z.namelist()
        warcs = {n for n in names if n.startswith("archive/")}
        assert warcs and all(n.endswith(".warc.gz") for n in warcs)
        assert all(z.getinfo(n).compress_type == zipfile.ZIP_STORED for n in warcs)
        assert len(warcs) == len(list(demo_store.glob("warcs/*/*/*/*/*.warc.gz")))
        index = z.read("indexes/index.cdx").decode().splitlines()
        pages = [json.loads(x) for x in z.read("pages/pages.jsonl").decode().splitlines()]
        package = json.loads(z.read("datapackage.json"))
    assert index == sorted(index)
    fields = [json.loads(line.split(" ", 2)[2]) for line in index]
    assert {f"archive/{f['filename']}" for f in fields} <= warcs
    # 304 revisits are indexed as revisits of their record, with the original's status and
    # digest (ReplayWeb.page follows WARC-Refers-To); each has its original indexed before it
    assert not [f for f in fields if f.get("revisit_filename") or f["status"] == "304"]
    revisits = [(line, f) for line, f in zip(index, fields) if f.get("recorded_status") == "304"]
    assert revisits
    for line, f in revisits:
        assert f["mime"] == "warc/revisit" and f["status"] == "200" and f["digest"].startswith("sha1:")
        key, ts = line.split(" ", 2)[:2]
        originals = [(o_line.split(" ")[1], o) for o_line, o in zip(index, fields)
                     if o_line.startswith(key + " ") and o["mime"] != "warc/revisit"]
        assert any(o_ts < ts and o["digest"] == f["digest"] for o_ts, o in originals), line
        with zipfile.ZipFile(wacz_file) as z:
            warc = io.BytesIO(z.read(f"archive/{f['filename']}"))
        warc.seek(int(f["offset"]))
        record = next(iter(ArchiveIterator(warc)))
        assert record.rec_type == "revisit" and record.http_headers.get_statuscode() == "304"
        assert record.rec_headers.get_header("WARC-Refers-To-Target-URI") == f["url"]
    assert all(f["digest"].startswith("sha1:") for f in fields if "digest" in f)
    assert pages[0] == {"format": "json-pages-1.0", "id": "pages", "title": "govwire documents"}
    docs = list(demo_store.glob("docs/*/*/*/*.json"))
    assert len(pages) - 1 == len(docs)
    indexed = {f["url"] for f in fields}
    assert all(p["url"] in indexed and p["ts"] and p["title"] for p in pages[1:])
    assert package["wacz_version"] == "1.1.1"
    assert {r["path"] for r in package["resources"]} == set(names) - {
        "datapackage.json", "datapackage-digest.json"}


def test_export_site_and_since(demo_store: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mirage.wacz"
    assert main(["export", "wacz", "--store", str(demo_store), "--site", "mirage",
                 "--since", "2000-01-01", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        assert all("-mirage-" in n for n in z.namelist() if n.startswith("archive/"))
    assert main(["export", "wacz", "--store", str(demo_store), "--since", "2999-01-01",
                 "--out", str(tmp_path / "none.wacz")]) == 1
    assert "no WARC files since 2999-01-01" in capsys.readouterr().err
    assert not (tmp_path / "none.wacz").exists()
    assert main(["export", "wacz", "--store", str(demo_store), "--since", "yesterday",
                 "--out", str(tmp_path / "x.wacz")]) == 2
    assert main(["export", "wacz", "--store", str(demo_store), "--out", str(tmp_path / "x.zip")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["govwire: error: --since must be a date like 2026-11-01, not 'yesterday'",
                   f"govwire: error: --out must end in .wacz: {tmp_path / 'x.zip'}"]
